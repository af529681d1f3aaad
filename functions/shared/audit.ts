// Builds the audit entry each change writes together with the change itself.
import { randomUUID } from 'node:crypto';
import type { AuditEntry, Principal } from './registry/registry.js';

export function auditEntry(actor: Principal, action: string, target: string, at: Date): AuditEntry {
  return { id: randomUUID(), at: at.toISOString(), actor, action, target };
}
