// Flags of the benchmarks' command lines.

/**
 * A flag's value as a whole number of 1 or more, or a line saying what is wrong and exit 2: `Number()` made NaN of
 * `--events abc`, which ran a benchmark of nothing and wrote it over bench/results (configuration review, 2026-12-06).
 */
export function wholeFlag(flag: string, text: string | undefined): number {
  if (text !== undefined && /^[1-9]\d*$/.test(text)) return Number(text);
  console.error(`${flag} must be a whole number of 1 or more; got ${text} (--help)`);
  process.exit(2);
}
