// JSON Schema `pattern`s run on RE2 (re2js), whose matching time is linear in the text, instead of the backtracking
// engine of JavaScript: `^(a+)+$` took 65 s on 31 characters, blocking the local runtime and, deployed, a publish
// function until its timeout. Patterns are ECMA-262 regular expressions; they are translated where RE2's syntax
// or meaning differs, and a pattern RE2 cannot run (lookaround, backreferences, repetition over 1,000) is refused.
import { RE2JS } from 're2js';

/** A pattern RE2 cannot run, with RE2's reason. */
export class UnsupportedPatternError extends Error {
  override name = 'UnsupportedPatternError';
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(
      `the pattern ${JSON.stringify(pattern)} cannot be checked in linear time (${reason}); lookahead, lookbehind and backreferences are not supported`,
    );
  }
}

/** A pattern that is not an ECMAScript regular expression (with the `u` flag, as Ajv compiles patterns). */
export class InvalidPatternError extends Error {
  override name = 'InvalidPatternError';
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`the pattern ${JSON.stringify(pattern)} is not a valid regular expression (${reason})`);
  }
}

/** ECMAScript's white space and line terminators, which `\s` means there (RE2's `\s` is ASCII only). */
const ECMA_SPACES =
  '\\t\\n\\x{0B}\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';
/** Every code point but ECMA_SPACES, as ranges for a class: what `\S` means in ECMAScript. */
const ECMA_NON_SPACES =
  '\\x{0}-\\x{8}\\x{E}-\\x{1F}\\x{21}-\\x{9F}\\x{A1}-\\x{167F}\\x{1681}-\\x{1FFF}\\x{200B}-\\x{2027}\\x{202A}-\\x{202E}\\x{2030}-\\x{205E}\\x{2060}-\\x{2FFF}\\x{3001}-\\x{FEFE}\\x{FF00}-\\x{10FFFF}';
/** Unicode general categories by their long names, which ECMAScript takes in `\p{…}` and RE2 does not. */
const CATEGORIES: Record<string, string> = {
  Letter: 'L',
  Uppercase_Letter: 'Lu',
  Lowercase_Letter: 'Ll',
  Titlecase_Letter: 'Lt',
  Modifier_Letter: 'Lm',
  Other_Letter: 'Lo',
  Mark: 'M',
  Nonspacing_Mark: 'Mn',
  Spacing_Mark: 'Mc',
  Enclosing_Mark: 'Me',
  Number: 'N',
  Decimal_Number: 'Nd',
  digit: 'Nd',
  Letter_Number: 'Nl',
  Other_Number: 'No',
  Punctuation: 'P',
  punct: 'P',
  Connector_Punctuation: 'Pc',
  Dash_Punctuation: 'Pd',
  Open_Punctuation: 'Ps',
  Close_Punctuation: 'Pe',
  Initial_Punctuation: 'Pi',
  Final_Punctuation: 'Pf',
  Other_Punctuation: 'Po',
  Symbol: 'S',
  Math_Symbol: 'Sm',
  Currency_Symbol: 'Sc',
  Modifier_Symbol: 'Sk',
  Other_Symbol: 'So',
  Separator: 'Z',
  Space_Separator: 'Zs',
  Line_Separator: 'Zl',
  Paragraph_Separator: 'Zp',
  Other: 'C',
  Control: 'Cc',
  cntrl: 'Cc',
  Format: 'Cf',
  Surrogate: 'Cs',
  Private_Use: 'Co',
  Unassigned: 'Cn',
};

/** What `.` matches in ECMAScript: anything but a line terminator (RE2's `.` excludes only `\n`). */
const ECMA_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

const isHex = (text: string): boolean => /^[0-9a-fA-F]+$/.test(text);

/** The pattern in RE2's syntax, meaning what it means in ECMAScript (with the `u` flag, as Ajv compiles it). */
export function toRe2Syntax(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      if (next === 'u') {
        const unicode = unicodeEscape(pattern, i);
        if (unicode !== undefined) {
          out += `\\x{${unicode.codePoint.toString(16)}}`;
          i = unicode.end - 1;
          continue;
        }
      } else if (next === 's') {
        out += inClass ? ECMA_SPACES : `[${ECMA_SPACES}]`;
        i++;
        continue;
      } else if (next === 'S') {
        out += inClass ? ECMA_NON_SPACES : `[${ECMA_NON_SPACES}]`;
        i++;
        continue;
      } else if (next === 'c' && /[A-Za-z]/.test(pattern[i + 2] ?? '')) {
        // A control character: \cJ is U+000A.
        out += `\\x{${((pattern.charCodeAt(i + 2) as number) % 32).toString(16)}}`;
        i += 2;
        continue;
      } else if (next === '0' && !/[0-9]/.test(pattern[i + 2] ?? '')) {
        out += '\\x{0}';
        i++;
        continue;
      } else if (next === 'b' && inClass) {
        // In a class, \b is the backspace.
        out += '\\x{8}';
        i++;
        continue;
      } else if ((next === 'p' || next === 'P') && pattern[i + 2] === '{') {
        const close = pattern.indexOf('}', i + 3);
        if (close > 0) {
          const name = pattern.slice(i + 3, close).replace(/^(?:General_Category|gc|Script|sc)=/, '');
          out += `\\${next}{${CATEGORIES[name] ?? name}}`;
          i = close;
          continue;
        }
      }
      out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      // A `[` in a class is itself in ECMAScript; RE2 would read `[:digit:]` as a POSIX class.
      out += c === '[' ? '\\[' : c;
      continue;
    }
    if (c === '[') {
      // ECMAScript's `[]` matches nothing and `[^]` anything; RE2 reads a `]` there as a member.
      if (pattern.startsWith('[]', i)) {
        out += '[^\\x{0}-\\x{10FFFF}]';
        i++;
        continue;
      }
      if (pattern.startsWith('[^]', i)) {
        out += '[\\x{0}-\\x{10FFFF}]';
        i += 2;
        continue;
      }
      inClass = true;
      out += c;
      if (pattern[i + 1] === '^') {
        out += '^';
        i++;
      }
      continue;
    }
    out += c === '.' ? ECMA_DOT : c;
  }
  return out;
}

/** `\uXXXX` (a surrogate pair of two such escapes being one code point) or `\u{X...}` at `at`. */
function unicodeEscape(pattern: string, at: number): { codePoint: number; end: number } | undefined {
  if (pattern[at + 2] === '{') {
    const close = pattern.indexOf('}', at + 3);
    const hex = pattern.slice(at + 3, close);
    return close > 0 && isHex(hex) ? { codePoint: Number.parseInt(hex, 16), end: close + 1 } : undefined;
  }
  const hex = pattern.slice(at + 2, at + 6);
  if (hex.length < 4 || !isHex(hex)) return undefined;
  const unit = Number.parseInt(hex, 16);
  const low = pattern.slice(at + 8, at + 12);
  if (
    unit >= 0xd800 &&
    unit <= 0xdbff &&
    pattern.startsWith('\\u', at + 6) &&
    low.length === 4 &&
    isHex(low)
  ) {
    const second = Number.parseInt(low, 16);
    if (second >= 0xdc00 && second <= 0xdfff) {
      return { codePoint: 0x10000 + ((unit - 0xd800) << 10) + (second - 0xdc00), end: at + 12 };
    }
  }
  return { codePoint: unit, end: at + 6 };
}

/** What Ajv needs of a regular expression. */
export interface PatternTester {
  test(text: string): boolean;
  toString(): string;
}

/** A pattern run by RE2, which can let go of what matching built (see releaseMemory). */
export interface LinearPattern extends PatternTester {
  /**
   * Lets go of the tables matching built, when they hold more than DFA_KEPT_BYTES. RE2 builds its automaton lazily
   * as it matches, up to 8 MB a pattern, and keeps it with the pattern: in a cached validator, for as long as the
   * contract version stays cached. 120 strings of 2,000 characters against 120 patterns like `\S{1000}\s` left 200
   * MB held at each publish, 2.2 GB after 12, on one version (adversarial review, 2026-12-06). Small tables, the
   * usual ones, are kept, so that the next publish does not build them again.
   */
  releaseMemory(): void;
  /** What the automaton matching built holds, as RE2 counts it (bytes). */
  heldBytes(): number;
}

/** The most an RE2 automaton may hold past one check and be kept (see LinearPattern.releaseMemory). */
export const DFA_KEPT_BYTES = 16 * 1024;

/** The parts of re2js's RE2 (its exact version is pinned) that releaseMemory reads and clears. */
interface Re2Internals {
  lazyDFA: { readonly maxMem: number; readonly memBudget: number } | null;
}

/**
 * The pattern compiled for RE2. Throws InvalidPatternError when it is not an ECMAScript regular expression (JSON
 * Schema's dialect: what RE2 alone reads, such as `(?i)` or `\pL`, is not), and UnsupportedPatternError when RE2
 * cannot run it.
 */
export function linearPattern(pattern: string): LinearPattern {
  // Modifier groups such as (?i:…) or (?s:…) are newer ECMAScript than Node 20 reads (Node 24 does), and the
  // translation of `.` and `^` would ignore them: refused the same everywhere.
  if (/\(\?[a-zA-Z-]+:/.test(pattern.replace(/\\./g, ''))) {
    throw new UnsupportedPatternError(pattern, 'modifier groups such as (?i:...) are not supported');
  }
  try {
    // Compiling only: no text is matched, so nothing can backtrack here.
    new RegExp(pattern, 'u');
  } catch (error) {
    throw new InvalidPatternError(
      pattern,
      (error as Error).message.replace(/^Invalid regular expression: /, ''),
    );
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(toRe2Syntax(pattern));
  } catch (error) {
    throw new UnsupportedPatternError(
      pattern,
      (error as Error).message.replace(/^error parsing regexp: /, ''),
    );
  }
  const re2 = compiled.re2Input as unknown as Re2Internals;
  const held = () => (re2.lazyDFA === null ? 0 : re2.lazyDFA.maxMem - re2.lazyDFA.memBudget);
  return {
    test: (text) => compiled.test(text),
    toString: () => `re2:${pattern}`,
    releaseMemory: () => {
      if (held() <= DFA_KEPT_BYTES) return;
      re2.lazyDFA = null;
      // The machines kept for matching without the automaton, as large as the pattern's program each.
      compiled.reset();
    },
    heldBytes: held,
  };
}
