// Pattern semantics a mutation run found untested (session 61): each case below fails on a small change to the
// compiler or leaf matcher that the rest of the suite let pass. Same AWS semantics as patterns-semantics.test.ts.

import {
  compilePattern,
  InvalidEventPatternError,
  matchesPattern,
  matchesPatternJson,
} from '../../../local/eventbridge/patterns/index.js';
import { referenceMatchesJson } from '../../../local/eventbridge/patterns/reference.js';

const REASON = 'Event pattern is not valid. Reason:';

/** The message of a refused pattern, without the location AWS's parser adds. */
function refusal(pattern: unknown): string {
  try {
    compilePattern(JSON.stringify(pattern));
  } catch (e) {
    if (e instanceof InvalidEventPatternError) return (e.message.split('\n')[0] as string).trimEnd();
    throw e;
  }
  throw new Error('pattern was accepted');
}

describe('numbers beyond ±5e9', () => {
  it('compares their whole text, not only its length: 123456789013 is not 123456789012', () => {
    // Prepare
    const pattern = compilePattern('{"detail":{"account":[123456789012]}}');
    const other = '{"detail":{"account":123456789013}}';

    // Act
    const results = [
      matchesPatternJson(pattern, other),
      referenceMatchesJson(pattern, other),
      matchesPattern(pattern, { detail: { account: 123456789013 } }),
      matchesPatternJson(pattern, '{"detail":{"account":123456789012}}'),
    ];

    // Assess
    expect(results).toEqual([false, false, false, true]);
  });
});

describe('refusals', () => {
  it.each([
    [
      { a: [{ 'anything-but': ['x', 1] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [
      { a: [{ 'anything-but': [1, 'x'] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [{ a: [{ exists: null }] }, 'exists match pattern must be either true or false.'],
    [{ a: [{ exists: 'false' }] }, 'exists match pattern must be either true or false.'],
  ])('refuses %j: %s', (pattern, reason) => {
    expect(refusal(pattern)).toBe(`${REASON} ${reason}`);
  });
});
