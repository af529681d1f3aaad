import { median, percentile } from '../../../bench/lib/percentile.js';

describe('percentile (the API and backlog benchmarks)', () => {
  it('takes the sample at floor(p% of the count), the last for a high p, and NaN of none', () => {
    // GIVEN
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    // THEN
    expect([percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 100)]).toEqual([6, 10, 10]);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('median (the ratio spreads and the cold-start benchmark)', () => {
  it('takes the middle sample in any order, the mean of the two middle ones for an even count, and NaN of none', () => {
    // THEN
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), median([7])]).toEqual([2, 2.5, 7]);
    expect(median([])).toBeNaN();
  });
});
