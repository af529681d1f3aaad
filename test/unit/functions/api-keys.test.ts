import { createHash } from 'node:crypto';
import { bearerToken, generateApiKey, hashApiKey } from '../../../functions/shared/api-keys.js';

describe('generateApiKey', () => {
  it('makes a prefixed key of 256 random bits, different every time', () => {
    // Act
    const keys = Array.from({ length: 100 }, () => generateApiKey());
    // Assess
    for (const key of keys) {
      expect(key).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
    }
    expect(new Set(keys).size).toBe(100);
  });
});

describe('hashApiKey', () => {
  it('answers the SHA-256 of the key in lowercase hex, which the registry accepts as a key hash', () => {
    // Prepare
    const key = 'sbk_example';
    // Act
    const hash = hashApiKey(key);
    // Assess
    expect(hash).toBe(createHash('sha256').update(key, 'utf8').digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hash).not.toContain(key);
  });
});

describe('bearerToken', () => {
  it.each([
    { header: 'Bearer sbk_abc', token: 'sbk_abc' },
    { header: 'bearer sbk_abc', token: 'sbk_abc' },
    { header: 'BEARER   sbk_abc  ', token: 'sbk_abc' },
  ])('reads the token of "$header"', ({ header, token }) => {
    // Act
    const read = bearerToken(header);
    // Assess
    expect(read).toBe(token);
  });

  it.each([
    undefined,
    '',
    'sbk_abc',
    'Basic dXNlcjpwYXNz',
    'Bearer',
    'Bearer ',
    'Bearer two tokens',
    // The scheme is the header's first word: one that only ends in "Bearer" is another scheme.
    'NotBearer sbk_abc',
  ])('answers undefined for %p', (header) => {
    // Act
    const read = bearerToken(header);
    // Assess
    expect(read).toBeUndefined();
  });
});
