// The wait before a retry, which no other test pinned (a mutation run doubling it passed, session 61): exponential
// from 1 s, at most 12 minutes, with equal jitter, and a longer Retry-After taking its place.
import { retryWaitMs } from '../../../local/eventbridge/delivery.js';

describe('retryWaitMs', () => {
  it.each([
    { retries: 0, least: 500, most: 1_000 },
    { retries: 1, least: 1_000, most: 2_000 },
    { retries: 2, least: 2_000, most: 4_000 },
    { retries: 9, least: 256_000, most: 512_000 },
    // 2 ** 10 s is past the 12 minutes at most
    { retries: 10, least: 360_000, most: 720_000 },
    { retries: 184, least: 360_000, most: 720_000 },
  ])(
    'waits $least to $most ms before retry $retries + 1, half of it at least',
    ({ retries, least, most }) => {
      // Act
      const shortest = retryWaitMs(retries, undefined, 0);
      const middle = retryWaitMs(retries, undefined, 0.5);
      const longest = retryWaitMs(retries, undefined, 1 - Number.EPSILON);
      // Assess
      expect(shortest).toBe(least);
      expect(middle).toBe((least + most) / 2);
      expect(longest).toBeCloseTo(most, 6);
      expect(longest).toBeLessThanOrEqual(most);
    },
  );

  it("takes a target's Retry-After when it is the longer wait, and the backoff when that is", () => {
    // Act
    const asked = retryWaitMs(0, 5_000, 0);
    const shorter = retryWaitMs(3, 1_000, 0);
    const none = retryWaitMs(0, 0, 0.5);
    // Assess
    expect([asked, shorter, none]).toEqual([5_000, 4_000, 750]);
  });
});
