// Use cases: onboarding departments and their systems (the API key holders).
import * as z from 'zod';
import { DepartmentIdSchema, SystemIdSchema } from '../../contracts/naming.js';
import { isSystem, requireAdmin } from '../shared/access.js';
import { generateApiKey, hashApiKey } from '../shared/api-keys.js';
import { auditEntry } from '../shared/audit.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../shared/errors.js';
import { parseRequest } from '../shared/http.js';
import { humanText } from '../shared/human-text.js';
import {
  type Department,
  type Principal,
  type Registry,
  RegistryConflictError,
  RegistryNotFoundError,
  type SystemRecord,
} from '../shared/registry/registry.js';

export interface DepartmentPorts {
  readonly registry: Registry;
  readonly now: () => Date;
}

const NameSchema = humanText(200);

export const CreateDepartmentSchema = z.strictObject({ id: DepartmentIdSchema, name: NameSchema });
export const CreateSystemSchema = z.strictObject({ id: SystemIdSchema, name: NameSchema });

export async function createDepartment(
  ports: DepartmentPorts,
  principal: Principal,
  body: unknown,
): Promise<Department> {
  requireAdmin(principal);
  const input = parseRequest(CreateDepartmentSchema, body);
  const now = ports.now();
  const department: Department = { id: input.id, name: input.name, createdAt: now.toISOString() };
  try {
    await ports.registry.createDepartment(
      department,
      auditEntry(principal, 'department.created', `department:${input.id}`, now),
    );
  } catch (error) {
    if (error instanceof RegistryConflictError) {
      throw new ConflictError('department_exists', `Department ${input.id} already exists.`, {
        fields: [{ field: '/id', message: 'already exists' }],
      });
    }
    throw error;
  }
  return department;
}

export interface CreatedSystem extends SystemRecord {
  /** Shown once; only its hash is stored. */
  readonly apiKey: string;
}

/** The platform admin, or a system of the same department, adds a system and receives its API key once. */
export async function createSystem(
  ports: DepartmentPorts,
  principal: Principal,
  departmentId: string,
  body: unknown,
): Promise<CreatedSystem> {
  if (!DepartmentIdSchema.safeParse(departmentId).success) {
    throw new BadRequestError(
      'invalid_request',
      `Department id ${JSON.stringify(departmentId)} in the path is not valid.`,
      {
        fields: [{ field: 'path:id', message: 'must match ^[a-z][a-z0-9-]{1,62}$' }],
      },
    );
  }
  if (principal.kind === 'system' && principal.departmentId !== departmentId) {
    throw new ForbiddenError(
      'forbidden',
      `Only the platform admin or a system of ${departmentId} may add systems to it.`,
    );
  }
  const input = parseRequest(CreateSystemSchema, body);
  if (!(await ports.registry.getDepartment(departmentId))) {
    throw new NotFoundError('unknown_department', `Department ${departmentId} does not exist.`);
  }
  const now = ports.now();
  const system: SystemRecord = { departmentId, id: input.id, name: input.name, createdAt: now.toISOString() };
  const apiKey = generateApiKey();
  const apiKeyHash = hashApiKey(apiKey);
  try {
    await ports.registry.createSystem(
      system,
      apiKeyHash,
      auditEntry(principal, 'system.created', `system:${departmentId}/${input.id}`, now),
    );
  } catch (error) {
    // A failure the registry does not name may have come after the write took effect (its answer lost): then the
    // system exists with this key, which is shown only now, and a retry would get 409 system_exists and no key.
    // The key, new and random, is ours alone: if it resolves to this system, the request succeeded.
    if (!(error instanceof RegistryNotFoundError || error instanceof RegistryConflictError)) {
      const holder = await ports.registry.findPrincipalByKeyHash(apiKeyHash).catch(() => undefined);
      if (isSystem(holder, departmentId, input.id)) {
        return { ...system, apiKey };
      }
    }
    if (error instanceof RegistryNotFoundError) {
      throw new NotFoundError('unknown_department', `Department ${departmentId} does not exist.`, {
        cause: error,
      });
    }
    if (error instanceof RegistryConflictError) {
      throw new ConflictError('system_exists', `System ${input.id} already exists in ${departmentId}.`, {
        fields: [{ field: '/id', message: 'already exists' }],
      });
    }
    throw error;
  }
  return { ...system, apiKey };
}
