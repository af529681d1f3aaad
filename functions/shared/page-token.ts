// Paged listings: a page filled up to a size in bytes, and the nextToken that resumes it (the JSON of where the next
// page starts, base64url-encoded). A token is refused (400 invalid_next_token, naming nextToken) unless it is exactly
// one this API could have given.
import { BadRequestError } from './errors.js';

/**
 * Bytes of views in one page of a listing. Lambda's response holds the body as a JSON string, at most twice its size
 * once escaped, and must stay under 6 MB: 24 contract versions with 256 KB schemas would not, nor would 1,500
 * subscriptions with long URLs and filters (6.4 MB: a bare 500).
 */
export const PAGE_BYTES = 2_500_000;

export function encodePageToken(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position a token holds; throws invalid_next_token for one that is not well-formed base64url JSON. */
export function decodePageToken(token: string): unknown {
  const bytes = Buffer.from(token, 'base64url');
  // Buffer skips characters that are not base64url: `abc!!!` would read as `abc`.
  if (bytes.toString('base64url') !== token) throw invalidNextToken('it is not a token this API gave');
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidNextToken('it is not a token this API gave');
  }
}

export function invalidNextToken(reason: string): BadRequestError {
  return new BadRequestError('invalid_next_token', `Query parameter "nextToken" is not valid: ${reason}.`, {
    fields: [{ field: 'nextToken', message: reason }],
  });
}

/**
 * A page of views: items read `perRead` at a time after `after` and shown as `view` gives, as many as `pageBytes` of
 * views allow (at least one); `after` is where the next page starts, and `full` whether items may follow.
 */
export async function fillPage<T, V, K>(options: {
  readonly read: (after: K | undefined, limit: number) => Promise<readonly T[]>;
  readonly view: (item: T) => V;
  readonly keyOf: (item: T) => K;
  readonly after: K | undefined;
  readonly pageBytes: number;
  readonly perRead: number;
}): Promise<{ views: V[]; after: K | undefined; full: boolean }> {
  const views: V[] = [];
  let after = options.after;
  let bytes = 0;
  for (;;) {
    const read = await options.read(after, options.perRead);
    for (const item of read) {
      const view = options.view(item);
      const size = Buffer.byteLength(JSON.stringify(view));
      if (views.length > 0 && bytes + size > options.pageBytes) return { views, after, full: true };
      views.push(view);
      bytes += size;
      after = options.keyOf(item);
    }
    if (read.length < options.perRead) return { views, after, full: false };
  }
}
