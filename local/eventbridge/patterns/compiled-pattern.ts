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

  /** Parses + validates a pattern given as JSON text. Throws InvalidEventPatternError. */
  static compile(patternJson: string): CompiledPattern {
    return new CompiledPattern(patternJson, compileBranches(patternJson));
  }
}
