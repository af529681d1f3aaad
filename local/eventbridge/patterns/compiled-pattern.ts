// The validated form of one rule's pattern, shared by the single-pattern matcher, the bus-wide matcher and the
// reference interpreter.

import { type Branch, compileBranches } from './compile.js';

/** A validated pattern, ready for matching. Build it with `compilePattern`. */
export class CompiledPattern {
  /** The pattern JSON as given. */
  readonly source: string;
  /** The pattern's alternatives after `$or` expansion; the event matches if any branch holds. */
  readonly branches: readonly Branch[];

  private constructor(source: string, branches: readonly Branch[]) {
    this.source = source;
    this.branches = branches;
  }

  /**
   * Whether any condition is a `wildcard` or an `anything-but` `wildcard`: AWS lets a bus hold at most 30 rules
   * whose patterns do ("Rules containing wildcards", a quota that cannot be adjusted).
   */
  get usesWildcard(): boolean {
    for (const branch of this.branches)
      for (const condition of branch.values())
        for (const m of condition.matchers)
          if (m.kind === 'wildcard' || m.kind === 'anything-but-wildcard') return true;
    return false;
  }

  /** Parses + validates a pattern given as JSON text. Throws InvalidEventPatternError. */
  static compile(patternJson: string): CompiledPattern {
    return new CompiledPattern(patternJson, compileBranches(patternJson));
  }
}
