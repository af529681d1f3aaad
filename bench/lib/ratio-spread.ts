// A ratio target judged from each side's best trial can be met or missed by one lucky trial. The benchmark also
// pairs the two sides round by round (each round measures every bus once, minutes apart at most) and reports the
// spread of those per-round ratios, so a reader can tell a target met with room from one that straddles its line.
import { median } from './percentile.js';

export interface RatioSpread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

/** The spread of numerator[i] / denominator[i] over the rounds i (both arrays hold one rate per round). */
export function ratioSpread(numerator: readonly number[], denominator: readonly number[]): RatioSpread {
  if (numerator.length === 0 || numerator.length !== denominator.length) {
    throw new Error(
      `ratioSpread needs as many rounds on each side, at least one (${numerator.length}, ${denominator.length})`,
    );
  }
  const ratios = numerator.map((n, i) => n / (denominator[i] as number)).sort((a, b) => a - b);
  const round3 = (x: number): number => Number(x.toFixed(3));
  return {
    min: round3(ratios[0] as number),
    median: round3(median(ratios)),
    max: round3(ratios[ratios.length - 1] as number),
  };
}
