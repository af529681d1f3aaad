/** The `p`th percentile of ascending `sorted` samples: the sample at floor(p% of the count), NaN if there are none. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
