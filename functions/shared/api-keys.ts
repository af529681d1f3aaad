// API keys: 256 random bits, shown once, stored only as a SHA-256 hash. A fast hash is enough here (unlike
// passwords) because the keys are random and long: there is nothing to guess from the hash.
import { createHash, randomBytes } from 'node:crypto';

export function generateApiKey(): string {
  return `sbk_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey, 'utf8').digest('hex');
}

/** Reads `Authorization: Bearer <key>`; undefined when the header is missing or not a bearer token. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
