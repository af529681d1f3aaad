// bench/lib/ratio-spread.ts pairs two buses' rates round by round: a wrong pairing or median would misstate how
// firmly a ratio target is met.
import { ratioSpread } from '../../../bench/lib/ratio-spread.js';

describe('bench/lib/ratio-spread', () => {
  it('divides round by round, not best by best', () => {
    // Act: the best of each side (120 and 200) would give 0.6, which no round gives.
    const spread = ratioSpread([120, 60, 90], [100, 200, 180]);

    // Assess
    expect(spread).toEqual({ min: 0.3, median: 0.5, max: 1.2 });
  });

  it('takes the mean of the middle two ratios for an even number of rounds', () => {
    expect(ratioSpread([1, 2, 3, 4], [4, 4, 4, 4])).toEqual({ min: 0.25, median: 0.625, max: 1 });
  });

  it.each([
    [[], []],
    [[1, 2], [1]],
  ])('refuses rounds that do not pair up (%j, %j)', (numerator, denominator) => {
    expect(() => ratioSpread(numerator, denominator)).toThrow(/as many rounds on each side/);
  });
});
