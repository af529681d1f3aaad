// Figures of a matcher that answers wrongly mean nothing: before a bus is timed, its matcher's answers on a sample
// of the corpus's events are compared with the reference interpreter's (the documented semantics, written plainly,
// as the property tests use it), and a disagreement stops the benchmark.
import type { CompiledPattern } from '../../local/eventbridge/patterns/compiled-pattern.js';
import { referenceMatcherFor } from '../../local/eventbridge/patterns/reference.js';
import type { BenchEvent } from './corpus.js';

export class MatchDisagreement extends Error {
  override name = 'MatchDisagreement';
}

/**
 * Compares `match`'s answer (rule names) for each of `events` with the reference's over `rules`; returns how many
 * matches were checked, or throws MatchDisagreement naming the first event and rules that differ.
 */
export function verifyMatches(
  rules: ReadonlyArray<{ readonly name: string; readonly compiled: CompiledPattern }>,
  match: (event: BenchEvent) => readonly string[],
  events: readonly BenchEvent[],
): number {
  let checked = 0;
  for (const [index, event] of events.entries()) {
    const holds = referenceMatcherFor(event);
    const expected = rules.filter((rule) => holds(rule.compiled)).map((rule) => rule.name);
    const got = new Set(match(event));
    const missing = expected.filter((name) => !got.has(name));
    const wanted = new Set(expected);
    const extra = [...got].filter((name) => !wanted.has(name));
    if (missing.length > 0 || extra.length > 0) {
      throw new MatchDisagreement(
        `event ${index} of the corpus: the matcher ${missing.length > 0 ? `misses ${missing.join(', ')}` : ''}${missing.length > 0 && extra.length > 0 ? ' and ' : ''}${extra.length > 0 ? `answers ${extra.join(', ')} too` : ''}, against the reference interpreter on ${rules.length} rules`,
      );
    }
    checked += expected.length;
  }
  return checked;
}
