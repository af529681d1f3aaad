// Errors raised by the contract layer; each carries a stable code and a message naming the value at fault.
import type * as z from 'zod';

/** A department, system or contract type name that breaks the naming rules. */
export class InvalidNameError extends Error {
  readonly code = 'INVALID_NAME';

  constructor(cause: z.ZodError) {
    super(cause.issues[0]?.message ?? 'invalid name', { cause });
    this.name = 'InvalidNameError';
  }
}

export class InvalidVersionError extends Error {
  readonly code = 'INVALID_VERSION';

  constructor(cause: z.ZodError) {
    super(cause.issues[0]?.message ?? 'invalid version', { cause });
    this.name = 'InvalidVersionError';
  }
}

export class InvalidDataschemaError extends Error {
  readonly code = 'INVALID_DATASCHEMA';

  constructor(uri: string, reason: string, options?: { cause: unknown }) {
    super(`dataschema ${JSON.stringify(uri)} ${reason}`, options);
    this.name = 'InvalidDataschemaError';
  }
}

export class InvalidEnvelopeError extends Error {
  readonly code = 'INVALID_ENVELOPE';

  constructor(cause: z.ZodError) {
    const first = cause.issues[0];
    const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    super(`invalid CloudEvent envelope: ${where}${first?.message ?? 'unknown fault'}`, { cause });
    this.name = 'InvalidEnvelopeError';
  }
}

export class InvalidContractDefinitionError extends Error {
  readonly code = 'INVALID_CONTRACT_DEFINITION';

  constructor(type: unknown, cause: z.ZodError) {
    const first = cause.issues[0];
    const field = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
    super(`contract ${JSON.stringify(type)} is invalid: ${field}${first?.message ?? 'unknown fault'}`, {
      cause,
    });
    this.name = 'InvalidContractDefinitionError';
  }
}

/** Event data that does not match its contract; the message names the first field at fault. */
export class InvalidEventDataError extends Error {
  readonly code = 'INVALID_EVENT_DATA';

  constructor(type: string, cause: z.ZodError) {
    const first = cause.issues[0];
    const field = first ? `data.${first.path.join('.')}`.replace(/\.$/, '') : 'data';
    super(`data of ${type} does not match its contract: ${field}: ${first?.message ?? 'is invalid'}`, {
      cause,
    });
    this.name = 'InvalidEventDataError';
  }
}
