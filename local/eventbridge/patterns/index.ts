// Event-pattern engine of the embedded EventBridge: validates rule patterns as AWS does (same refusals, same
// messages where known) and matches events with AWS's semantics, one pattern at a time or a whole bus at once.
//
// Events may be given parsed or as JSON text. AWS compares numbers by value within ±5e9 (six decimals), so a
// parsed event gives the same answers as its text for all such numbers (`300.0` matches `[300]`). Beyond that
// range AWS compares a number's original text (`[12345678901234]` does not match `1.2345678901234e13`); only the
// `...Json` functions, which see that text, reproduce this exactly. Repeated keys in event JSON: last one wins.

import { CompiledPattern } from './compiled-pattern.js';
import { RuleMatcher } from './rule-matcher.js';

export { CompiledPattern } from './compiled-pattern.js';
export { InvalidEventPatternError } from './errors.js';
export { RuleMatcher, SEARCH_BUDGET_TEXT, sharingSearchBudget } from './rule-matcher.js';

/** Largest pattern AWS accepts, in characters. Enforced by the API layer, not here. */
export const MAX_PATTERN_LENGTH = 2048;

/** Parses + validates a pattern given as JSON text (as received by PutRule/TestEventPattern). Throws InvalidEventPatternError. */
export function compilePattern(patternJson: string): CompiledPattern {
  return CompiledPattern.compile(patternJson);
}

// One small matcher per pattern, built on first use, so single-pattern matching shares the bus code path.
const single = new WeakMap<CompiledPattern, RuleMatcher<true>>();

function matcherFor(pattern: CompiledPattern): RuleMatcher<true> {
  let matcher = single.get(pattern);
  if (matcher === undefined) {
    matcher = new RuleMatcher<true>();
    matcher.add(true, pattern);
    single.set(pattern, matcher);
  }
  return matcher;
}

/** Does the event (already-parsed JSON object, the full EventBridge event: version,id,detail-type,source,account,time,region,resources,detail) match? */
export function matchesPattern(pattern: CompiledPattern, event: unknown): boolean {
  return matcherFor(pattern).match(event).length > 0;
}

/** As `matchesPattern`, for the event's JSON text; exact for numbers AWS compares by text. Throws SyntaxError on bad JSON. */
export function matchesPatternJson(pattern: CompiledPattern, eventJson: string): boolean {
  return matcherFor(pattern).matchJson(eventJson).length > 0;
}

/** As `matchesPatternJson`, for an event already parsed (with JSON.parse) from `eventJson`: one parse less. */
export function matchesPatternParsed(pattern: CompiledPattern, parsed: unknown, eventJson: string): boolean {
  return matcherFor(pattern).matchParsed(parsed, eventJson).length > 0;
}

/**
 * Whether the last match of `pattern` (by the functions above) answered no because its same-element check was
 * stopped as too costly (see RuleMatcher.unsettled): not what AWS would answer, so the caller says so.
 */
export function stoppedLastMatch(pattern: CompiledPattern): boolean {
  return matcherFor(pattern).unsettled.length > 0;
}
