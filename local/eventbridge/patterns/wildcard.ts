// Wildcard patterns: '*' matches any run of characters, '\*' and '\\' are literal. Validation and the
// "too complex" refusal follow AWS (event-ruler), whose positions count UTF-8 bytes of the quoted value.

/** A parsed wildcard: literal segments between stars; `segments.length === stars + 1`. */
export interface Wildcard {
  readonly segments: readonly string[];
}

/** Thrown for a wildcard AWS refuses; the message is AWS's. */
export class WildcardSyntaxError extends Error {
  override name = 'WildcardSyntaxError';
}

const encoder = new TextEncoder();

export function parseWildcard(text: string): Wildcard {
  // AWS matches against the JSON text of the value, quotes included, so byte positions start at 1.
  const bytes = encoder.encode(`"${text}"`);
  const segments: string[] = [];
  let current = '';
  // Walk code units for the output, bytes for the positions AWS reports.
  let bytePos = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const code = text.codePointAt(i) as number;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (ch === '*') {
      if (bytes[bytePos + 1] === 0x2a)
        throw new WildcardSyntaxError(`Consecutive wildcard characters at pos ${bytePos}`);
      segments.push(current);
      current = '';
    } else if (ch === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\')
        throw new WildcardSyntaxError(`Invalid escape character at pos ${bytePos}`);
      current += next;
      i++;
      bytePos++;
    } else {
      current += code > 0xffff ? text.slice(i, i + 2) : ch;
      if (code > 0xffff) i++;
    }
    bytePos += width;
  }
  segments.push(current);
  return { segments };
}

/** Does the whole string match the wildcard? */
export function wildcardMatches(w: Wildcard, s: string): boolean {
  const segs = w.segments;
  const first = segs[0] as string;
  if (segs.length === 1) return s === first;
  const last = segs[segs.length - 1] as string;
  if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
  // Greedy leftmost placement of the middle segments is optimal for '*'-only globs.
  let pos = first.length;
  const end = s.length - last.length;
  for (let i = 1; i < segs.length - 1; i++) {
    const seg = segs[i] as string;
    const at = s.indexOf(seg, pos);
    if (at < 0 || at + seg.length > end) return false;
    pos = at + seg.length;
  }
  return true;
}

/** Largest complexity AWS accepts for the wildcards of one field of one rule. */
export const MAX_WILDCARD_COMPLEXITY = 10;

/**
 * Worst-case number of wildcard-automaton states a single value can keep alive at once, summed over the given
 * wildcards (AWS refuses rules where this is high: "Rule is too complex"). Stops counting past the limit.
 */
export function wildcardComplexity(wildcards: readonly Wildcard[]): number {
  // Tokens of the quoted value: a string is one literal character, null is a star.
  const machines = wildcards.map((w) => {
    const tokens: Array<string | null> = ['"'];
    w.segments.forEach((seg, i) => {
      if (i > 0) tokens.push(null);
      for (const ch of seg) tokens.push(ch);
    });
    tokens.push('"');
    return tokens;
  });
  const closure = (tokens: ReadonlyArray<string | null>, states: Set<number>): Set<number> => {
    const work = [...states];
    while (work.length > 0) {
      const i = work.pop() as number;
      if (tokens[i] === null && !states.has(i + 1)) {
        states.add(i + 1);
        work.push(i + 1);
      }
    }
    return states;
  };
  // A character that no live state reads leads where any other such one does (to the star states alone), so each
  // set of states is followed by the characters its states read and by one that none reads (''): following every
  // character of the wildcards from every set took 6 to 7 s for one wildcard of 2,000 distinct characters.
  const alphabetOf = (sets: ReadonlyArray<Set<number>>): Set<string> => {
    const chars = new Set<string>(['']);
    sets.forEach((states, m) => {
      const tokens = machines[m] as ReadonlyArray<string | null>;
      for (const i of states) {
        const t = tokens[i];
        if (t !== null && t !== undefined) chars.add(t);
      }
    });
    return chars;
  };
  const keyOf = (sets: ReadonlyArray<Set<number>>): string =>
    sets.map((s) => [...s].sort().join(',')).join('|');
  const start = machines.map((t) => closure(t, new Set([0])));
  const seen = new Set([keyOf(start)]);
  const queue = [start];
  let worst = 0;
  while (queue.length > 0 && seen.size < 5000) {
    const current = queue.pop() as Array<Set<number>>;
    for (const ch of alphabetOf(current)) {
      const next = current.map((states, m) => {
        const tokens = machines[m] as ReadonlyArray<string | null>;
        const out = new Set<number>();
        for (const i of states) {
          const t = tokens[i];
          if (t === null) out.add(i);
          else if (t === ch) out.add(i + 1);
        }
        return closure(tokens, out);
      });
      const size = next.reduce((n, s) => n + s.size, 0);
      if (size === 0) continue;
      if (size > worst) worst = size;
      if (worst > MAX_WILDCARD_COMPLEXITY) return worst;
      const key = keyOf(next);
      if (!seen.has(key)) {
        seen.add(key);
        queue.push(next);
      }
    }
  }
  return worst;
}
