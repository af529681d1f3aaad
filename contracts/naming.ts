// Naming and versioning rules shared by the contracts, the envelope and the API, so that every layer
// rejects a bad id, type or version with the same message.
import * as z from 'zod';
import { InvalidNameError, InvalidVersionError } from './errors.js';
import { VERSION_PART_MAX_DIGITS } from './limits.js';

const ID_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

// Explains which part of the id rule a value breaks, so callers see the fault and not just the pattern.
function idFault(label: string, value: unknown): string {
  const shown = JSON.stringify(value);
  if (typeof value !== 'string') return `${label} must be a string, got ${shown}`;
  if (value.length < 2 || value.length > 63) {
    return `${label} ${shown} must be 2 to 63 characters long, got ${value.length}`;
  }
  if (!/^[a-z]/.test(value)) return `${label} ${shown} must start with a lowercase letter (a-z)`;
  const bad = [...value].find((ch) => !/[a-z0-9-]/.test(ch));
  return `${label} ${shown} contains ${JSON.stringify(bad)}; only lowercase letters, digits and '-' are allowed`;
}

function idSchema(label: string) {
  return z
    .string({ error: (issue) => idFault(label, issue.input) })
    .regex(ID_PATTERN, { error: (issue) => idFault(label, issue.input) });
}

/** A department's id, e.g. `tax`. It becomes the EventBridge source `sharebus.<id>`. */
export const DepartmentIdSchema = idSchema('department id');
export type DepartmentId = z.infer<typeof DepartmentIdSchema>;

/** A system's id, unique within its department, e.g. `one-window-portal`. */
export const SystemIdSchema = idSchema('system id');

// 128 is EventBridge's limit on a PutEvents entry's DetailType, and the contract type is sent as the
// detail-type; at least two segments so a type always names a domain and a fact (`tax.registration...`),
// never a bare word that two departments would both want.
export const CONTRACT_TYPE_MAX_LENGTH = 128;
const CONTRACT_TYPE_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;
const SEGMENT_PATTERN = /^[a-z][a-z0-9-]*$/;

function contractTypeFault(value: unknown): string {
  const shown = JSON.stringify(value);
  if (typeof value !== 'string') return `contract type must be a string, got ${shown}`;
  if (value.length > CONTRACT_TYPE_MAX_LENGTH) {
    return `contract type ${shown} is ${value.length} characters long; the limit is ${CONTRACT_TYPE_MAX_LENGTH}`;
  }
  const segments = value.split('.');
  if (segments.length < 2) {
    return `contract type ${shown} must have at least two dot-separated segments, e.g. "tax.registration.completed"`;
  }
  const badIndex = segments.findIndex((segment) => !SEGMENT_PATTERN.test(segment));
  const bad = segments[badIndex] ?? '';
  if (bad === '') return `contract type ${shown} has an empty segment at position ${badIndex + 1}`;
  return `contract type ${shown} has segment ${JSON.stringify(bad)} that must start with a lowercase letter and contain only lowercase letters, digits and '-'`;
}

/** The type of a contract, e.g. `tax.registration.completed`; also the EventBridge detail-type. */
export const ContractTypeSchema = z
  .string({ error: (issue) => contractTypeFault(issue.input) })
  .max(CONTRACT_TYPE_MAX_LENGTH, { abort: true, error: (issue) => contractTypeFault(issue.input) })
  .regex(CONTRACT_TYPE_PATTERN, { error: (issue) => contractTypeFault(issue.input) });
export type ContractType = z.infer<typeof ContractTypeSchema>;

const SEMVER_PATTERN = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

function semverFault(value: unknown): string {
  const shown = JSON.stringify(value);
  if (typeof value !== 'string') return `version must be a string, got ${shown}`;
  // Pre-releases are refused until the registry has an ordering and a compatibility rule for them.
  if (/^\d+\.\d+\.\d+[-+]/.test(value)) {
    return `version ${shown} has a pre-release or build suffix; only MAJOR.MINOR.PATCH is supported`;
  }
  const parts = value.split('.');
  if (parts.length !== 3) return `version ${shown} must have three parts, MAJOR.MINOR.PATCH`;
  const bad = parts.find((part) => !/^\d+$/.test(part));
  if (bad !== undefined) return `version ${shown} has part ${JSON.stringify(bad)} that is not a number`;
  const leading = parts.find((part) => part.length > 1 && part.startsWith('0'));
  if (leading !== undefined) return `version ${shown} has part "${leading}" with a leading zero`;
  return `version ${shown} has a part longer than ${VERSION_PART_MAX_DIGITS} digits`;
}

/** A semantic version `MAJOR.MINOR.PATCH`: non-negative integers without leading zeros, no pre-release. */
export const SemverSchema = z
  .string({ error: (issue) => semverFault(issue.input) })
  .regex(SEMVER_PATTERN, { abort: true, error: (issue) => semverFault(issue.input) })
  // The registry sorts versions by parts padded to ten digits; a longer part would sort wrongly.
  .refine((value) => value.split('.').every((part) => part.length <= VERSION_PART_MAX_DIGITS), {
    error: (issue) => semverFault(issue.input),
  });
export type Semver = z.infer<typeof SemverSchema>;

/** How freely a contract's data may be shared: anyone, on approval, or only by named grant. */
export const SHARING_LEVELS = ['open', 'conditional', 'restricted'] as const;
export const SharingSchema = z.enum(SHARING_LEVELS, {
  error: (issue) => `sharing ${JSON.stringify(issue.input)} must be one of ${SHARING_LEVELS.join(', ')}`,
});
export type Sharing = z.infer<typeof SharingSchema>;

/** Returns the department id or throws `InvalidNameError` saying what is wrong with it. */
export function parseDepartmentId(value: unknown): DepartmentId {
  const parsed = DepartmentIdSchema.safeParse(value);
  if (!parsed.success) throw new InvalidNameError(parsed.error);
  return parsed.data;
}

/** Returns the contract type or throws `InvalidNameError` saying what is wrong with it. */
export function parseContractType(value: unknown): ContractType {
  const parsed = ContractTypeSchema.safeParse(value);
  if (!parsed.success) throw new InvalidNameError(parsed.error);
  return parsed.data;
}

/** Returns the version or throws `InvalidVersionError` saying what is wrong with it. */
export function parseSemver(value: unknown): Semver {
  const parsed = SemverSchema.safeParse(value);
  if (!parsed.success) throw new InvalidVersionError(parsed.error);
  return parsed.data;
}

function semverParts(version: string): [number, number, number] {
  const [major = 0, minor = 0, patch = 0] = parseSemver(version).split('.').map(Number);
  return [major, minor, patch];
}

/** Orders two versions numerically (so 1.10.0 > 1.9.0): negative, zero or positive, as for `Array.sort`. */
export function compareSemver(a: string, b: string): number {
  const left = semverParts(a);
  const right = semverParts(b);
  for (let i = 0; i < 3; i++) {
    const diff = (left[i] ?? 0) - (right[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}

/** The major part of a version, e.g. 2 for `2.4.1`. */
export function majorOf(version: string): number {
  return semverParts(version)[0];
}
