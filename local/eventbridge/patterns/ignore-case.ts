// equals-ignore-case as AWS's matcher does it: each UTF-16 unit of the pattern accepts exactly its own
// lower-case or upper-case form (Unicode default mapping), nothing else. A lone surrogate cannot be encoded to
// UTF-8 by Java and becomes '?', so non-BMP characters in such patterns only match '?' there; we keep that.

/** One pattern unit: the strings an event may show at that position. */
export type CaseAlternatives = readonly string[];

export function caseAlternatives(pattern: string): CaseAlternatives[] {
  const out: CaseAlternatives[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const code = pattern.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      out.push(['?']);
      continue;
    }
    const ch = pattern[i] as string;
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    out.push(lower === upper ? [lower] : [lower, upper]);
  }
  return out;
}

/** Whether alts[k..] match s from `pos`, ending exactly at s.length (`toEnd`) or anywhere. Tries every way. */
function walk(alts: readonly CaseAlternatives[], k: number, s: string, pos: number, toEnd: boolean): boolean {
  if (k === alts.length) return !toEnd || pos === s.length;
  for (const alt of alts[k] as CaseAlternatives) {
    if (s.startsWith(alt, pos) && walk(alts, k + 1, s, pos + alt.length, toEnd)) return true;
  }
  return false;
}

export function matchesIgnoreCase(alts: readonly CaseAlternatives[], s: string): boolean {
  return walk(alts, 0, s, 0, true);
}

export function startsWithIgnoreCase(alts: readonly CaseAlternatives[], s: string): boolean {
  return walk(alts, 0, s, 0, false);
}

export function endsWithIgnoreCase(alts: readonly CaseAlternatives[], s: string): boolean {
  // Matched from the end backwards, keeping every place the units read so far can start at. No unit's two forms
  // end alike (one is never a suffix of the other), so that is one place at most, and the work is the pattern's
  // length. Trying each start the match could have, as before, walked the pattern from up to twice its length of
  // places: 1.8 s for one pattern of 2,000 'ﬃ' (upper case FFI) against 40 values of 6,000 characters.
  let starts = [s.length];
  for (let k = alts.length - 1; k >= 0 && starts.length > 0; k--) {
    const next: number[] = [];
    for (const end of starts) {
      for (const alt of alts[k] as CaseAlternatives) {
        const at = end - alt.length;
        if (at >= 0 && s.startsWith(alt, at) && !next.includes(at)) next.push(at);
      }
    }
    starts = next;
  }
  return starts.length > 0;
}

/**
 * Case-insensitive key that equal-ignoring-case strings share: each unit mapped through upper then lower case.
 * Used only to find candidates (`isFoldSafe` patterns), which are then checked exactly.
 */
export function foldCase(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code < 0x80) {
      out += code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 32) : s[i];
      continue;
    }
    out += foldUnit(s[i] as string);
  }
  return out;
}

function foldUnit(ch: string): string {
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return ch;
  const up = ch.toUpperCase();
  return up.length === 1 ? up.toLowerCase() : ch;
}

/**
 * True when every unit's alternatives are single units folding to the unit's own fold, so a match implies equal
 * folds and the fold can index the pattern. Other patterns are checked one by one.
 */
export function isFoldSafe(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const code = pattern.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) return false;
    const ch = pattern[i] as string;
    const f = foldUnit(ch);
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (f.length !== 1 || lower.length !== 1 || upper.length !== 1) return false;
    if (foldUnit(lower) !== f || foldUnit(upper) !== f) return false;
  }
  return true;
}
