// Who may do what. Kept in one place so the approval workflow of a later issue has one seam to extend.
import { ForbiddenError } from './errors.js';
import type { Principal } from './registry/registry.js';

export type SystemPrincipal = Extract<Principal, { kind: 'system' }>;

export function requireAdmin(principal: Principal): void {
  if (principal.kind !== 'admin') {
    throw new ForbiddenError('forbidden', 'Only the platform admin key may do this.');
  }
}

export function requireSystem(principal: Principal, what: string): SystemPrincipal {
  if (principal.kind !== 'system') {
    throw new ForbiddenError(
      'forbidden',
      `Only a department's system may ${what}; use that system's API key.`,
    );
  }
  return principal;
}

/** Whether `principal` (a key's holder, found or not) is the system `systemId` of `departmentId`. */
export function isSystem(principal: Principal | undefined, departmentId: string, systemId: string): boolean {
  return (
    principal?.kind === 'system' && principal.departmentId === departmentId && principal.systemId === systemId
  );
}
