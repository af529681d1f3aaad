// Numbers in the messages people read, without toLocaleString: a process's first call of it loads ICU's number
// formatting, some 18 ms, paid at module load by humanText's bound (every cold start of the departments and
// contracts functions) and by the first request refused for a length in each instance (cold-start review, session 63).

/** A whole number with its thousands grouped by commas, as `toLocaleString('en-US')` writes it. */
export function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
