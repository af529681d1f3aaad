// Use case: turn an API key into the caller's identity. Keys are looked up by hash; a short in-memory cache
// spares the registry a read per request on a warm function.

import { bearerToken, hashApiKey } from '../shared/api-keys.js';
import type { AuthorizerContext } from '../shared/http.js';
import type { Registry } from '../shared/registry/registry.js';

export interface AuthorizePorts {
  readonly registry: Registry;
  readonly now: () => number;
  /** @default 30_000 */
  readonly cacheTtlMs?: number;
}

export class KeyCache {
  readonly #entries = new Map<string, { context: AuthorizerContext; expires: number }>();
  get(hash: string, now: number): AuthorizerContext | undefined {
    const hit = this.#entries.get(hash);
    if (hit && hit.expires > now) return hit.context;
    this.#entries.delete(hash);
    return undefined;
  }
  set(hash: string, context: AuthorizerContext, expires: number): void {
    if (this.#entries.size > 10_000) this.#entries.clear();
    this.#entries.set(hash, { context, expires });
  }
}

export async function authorize(
  ports: AuthorizePorts,
  cache: KeyCache,
  authorization: string | undefined,
): Promise<AuthorizerContext> {
  const key = bearerToken(authorization);
  if (!key) return { kind: 'anonymous', authError: 'missing_api_key' };
  const hash = hashApiKey(key);
  const now = ports.now();
  const cached = cache.get(hash, now);
  if (cached) return cached;
  const principal = await ports.registry.findPrincipalByKeyHash(hash);
  const context: AuthorizerContext = principal ?? { kind: 'anonymous', authError: 'unknown_api_key' };
  // Unknown keys are not cached, so a key is usable the moment its system is created.
  if (principal) cache.set(hash, context, now + (ports.cacheTtlMs ?? 30_000));
  return context;
}
