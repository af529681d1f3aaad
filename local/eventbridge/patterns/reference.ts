// Reference interpreter: the documented semantics written as plainly as possible, for tests to compare the fast
// matcher against. Slow on purpose: it flattens the whole event and tries every combination of values.
//
// Semantics (AWS EventBridge / event-ruler): a pattern matches when one of its `$or` branches holds. A branch's
// fields are taken in sorted path order; a field holds when some value at its path satisfies one of its matchers
// and that value's array membership agrees with the values chosen for earlier fields, or when it allows
// `exists: false` and no value at its path agrees with the membership chosen so far.

import type { Branch, FieldCondition } from './compile.js';
import type { CompiledPattern } from './compiled-pattern.js';
import { type EventField, flattenEvent, type Membership, mergeMembership } from './event-fields.js';
import { type JsonNode, jsonNodeFromValue, parseJsonText } from './json-text.js';
import { leafMatches } from './leaf-match.js';

function branchHolds(branch: Branch, fields: readonly EventField[]): boolean {
  const conditions: FieldCondition[] = [...branch.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
  const search = (i: number, membership: Membership): boolean => {
    const condition = conditions[i];
    if (condition === undefined) return true;
    const atPath = fields.filter((f) => f.path === condition.path);
    if (condition.absent && atPath.every((f) => mergeMembership(membership, f.membership) === null)) {
      if (search(i + 1, membership)) return true;
    }
    for (const field of atPath) {
      const merged = mergeMembership(membership, field.membership);
      if (merged === null) continue;
      if (condition.matchers.some((m) => leafMatches(m, field.leaf)) && search(i + 1, merged)) return true;
    }
    return false;
  };
  return search(0, undefined);
}

/** The reference answer for one event and any pattern: the event flattened once, for as many patterns. */
function matcherOfNode(event: JsonNode): (pattern: CompiledPattern) => boolean {
  const fields = flattenEvent(event);
  return (pattern) => pattern.branches.some((branch) => branchHolds(branch, fields));
}

function matchesNode(pattern: CompiledPattern, event: JsonNode): boolean {
  return matcherOfNode(event)(pattern);
}

/** Reference answer for an event given as a parsed value. */
export function referenceMatches(pattern: CompiledPattern, event: unknown): boolean {
  return matchesNode(pattern, jsonNodeFromValue(event));
}

/** The reference answer for an event given as a parsed value, for many patterns (see matcherOfNode). */
export function referenceMatcherFor(event: unknown): (pattern: CompiledPattern) => boolean {
  return matcherOfNode(jsonNodeFromValue(event));
}

/** Reference answer for an event given as JSON text (numbers keep their text; a repeated key's last value counts). */
export function referenceMatchesJson(pattern: CompiledPattern, eventJson: string): boolean {
  return matchesNode(pattern, parseJsonText(eventJson));
}
