// Numbers as AWS's matcher compares them: only values in [-5e9, 5e9] are comparable, to six decimal places.
// We reproduce event-ruler's ComparableNumber exactly: trunc(1e6 * (5e9 + x)) in IEEE doubles, which Java and
// JavaScript compute identically, so 300, 300.0 and 3e2 share one key and 1.0000001 equals 1.0000004.

export const NUMBER_LIMIT = 5e9;

/** Message event-ruler gives for a pattern number outside the comparable range. */
export const NUMBER_RANGE_MESSAGE = 'Value must be between -5.0E9 and 5.0E9, inclusive';

/** The comparable key of a number, or undefined when AWS cannot compare it numerically. */
export function comparableKey(value: number): number | undefined {
  if (!(value >= -NUMBER_LIMIT && value <= NUMBER_LIMIT)) return undefined;
  return Math.trunc(1e6 * (NUMBER_LIMIT + value));
}

export const MIN_KEY = comparableKey(-NUMBER_LIMIT) as number;
export const MAX_KEY = comparableKey(NUMBER_LIMIT) as number;
