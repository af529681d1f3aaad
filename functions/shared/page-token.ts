// The nextToken of a paged listing: the JSON of where the next page starts, base64url-encoded. A token is refused
// (400 invalid_next_token, naming nextToken) unless it is exactly one this API could have given.
import { BadRequestError } from './errors.js';

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
  return new BadRequestError('invalid_next_token', `Query parameter nextToken is not valid: ${reason}.`, {
    fields: [{ field: 'nextToken', message: reason }],
  });
}
