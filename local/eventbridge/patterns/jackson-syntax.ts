// What AWS's parser (Jackson 2.17, reading a pattern token by token for event-ruler's compiler) says of a pattern
// that is not JSON: its words, and where in the text it stood. Used only once our own reader has refused the
// text, so it is written for fidelity, not speed. Its rules were taken from Jackson's answers to several hundred
// malformed texts (see docs/eventbridge.md); where a text has a fault both here and in what the compiler checks
// before it, AWS reports the compiler's, which is not modelled here.

import { isJavaIdentifierPart, jacksonLocation } from './json-text.js';

/** Jackson's words for a pattern it cannot read, and where: `offset` as jacksonLocation takes it. */
export interface SyntaxFault {
  readonly message: string;
  readonly offset: number;
  /** Where Jackson had counted lines to, when that is not `offset` (a raw newline inside a string). */
  readonly linesTo?: number;
  /** Where it stands once it has said so, when that is not `offset`: past a character it refused. */
  readonly stands?: number;
  /** Its words say no place (a limit of Jackson's own, not a fault of the text at a place). */
  readonly unlocated?: boolean;
}

const VALUE_LIST = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";
/** Units of a bad word Jackson names at most. */
const MAX_WORD = 256;
/** Lists and objects one inside another Jackson reads at most (StreamReadConstraints). */
const MAX_DEPTH = 1000;

/** How Jackson names a character in its messages. */
function charDesc(text: string, at: number): string {
  const code = text.charCodeAt(at);
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `(CTRL-CHAR, code ${code})`;
  const ch = text.charAt(at);
  return code > 255 ? `'${ch}' (code ${code} / 0x${code.toString(16)})` : `'${ch}' (code ${code})`;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** Java's Character.isJavaIdentifierStart: what may begin a word Jackson names (not a digit, nor what Java ignores). */
const isIdentifierStart = (c: number): boolean =>
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x61 && c <= 0x7a) ||
  c === 0x5f ||
  c === 0x24 ||
  (c > 0x7f && /[\p{L}\p{Nl}\p{Pc}\p{Sc}]/u.test(String.fromCharCode(c)));

class Fault extends Error {
  constructor(readonly fault: SyntaxFault) {
    super(fault.message);
  }
}

/**
 * Jackson's answer to `text` as event-ruler reads it: the first fault met, or undefined when it reads a whole root
 * object (what follows that object is never read). A first token that is not `{` answers "Filter is not an
 * object", as the compiler asks for one before reading on.
 */
export function jacksonSyntaxFault(text: string): SyntaxFault | undefined {
  let pos = 0;
  const fail = (
    message: string,
    offset: number,
    more: { linesTo?: number; stands?: number; unlocated?: boolean } = {},
  ): never => {
    throw new Fault({ message, offset, ...more });
  };
  const code = (at: number): number => text.charCodeAt(at);
  const eof = (): boolean => pos >= text.length;
  /** Refuses the character at `pos`; Jackson stands on it. */
  const unexpected = (what: string): never =>
    fail(`Unexpected character (${charDesc(text, pos)}): ${what}`, pos, { stands: pos + 1 });

  /** Skips white space; other control characters and comments are refused. The next unit, -1 at the end. */
  const skipSpace = (): number => {
    for (; pos < text.length; pos++) {
      const c = code(pos);
      if (isSpace(c)) continue;
      if (c === 0x2f) {
        unexpected(
          "maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
        );
      }
      if (c < 0x20) {
        fail(
          `Illegal character (${charDesc(text, pos)}): only regular white space (\\r, \\n, \\t) is allowed between tokens`,
          pos + 1,
        );
      }
      return c;
    }
    return -1;
  };

  /** Past a string's closing quote. `name`: a field name, which Jackson's words call so. */
  const readString = (name: boolean): void => {
    pos++;
    for (;;) {
      if (eof()) {
        fail(
          name
            ? 'Unexpected end-of-input in field name'
            : 'Unexpected end-of-input: was expecting closing quote for a string value',
          pos,
        );
      }
      const c = code(pos);
      if (c === 0x22) {
        pos++;
        return;
      }
      if (c === 0x5c) {
        pos++;
        if (eof()) fail('Unexpected end-of-input in character escape sequence', pos);
        const e = text.charAt(pos);
        if (e === 'u') {
          for (let i = 1; i <= 4; i++) {
            if (pos + i >= text.length)
              fail('Unexpected end-of-input in character escape sequence', text.length);
            if (!/[0-9a-fA-F]/.test(text.charAt(pos + i))) {
              pos += i;
              unexpected('expected a hex-digit for character escape sequence');
            }
          }
          pos += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(e)) {
          fail(`Unrecognized character escape ${charDesc(text, pos)}`, pos, { stands: pos + 1 });
        }
        pos++;
        continue;
      }
      if (c < 0x20) {
        const where = name ? 'name' : 'string value';
        fail(
          `Illegal unquoted character (${charDesc(text, pos)}): has to be escaped using backslash to be included in ${where}`,
          pos,
          { linesTo: pos, stands: pos + 1 },
        );
      }
      pos++;
    }
  };

  /** Jackson reads on past a literal or a non-standard number only into a character from `0` up that may go on a word. */
  const goesOn = (c: number): boolean => c >= 0x30 && c !== 0x5d && c !== 0x7d && isJavaIdentifierPart(c);

  /** A word where a value should start: Jackson names it (its first 256 units, then `...`) and stands past that. */
  const badWord = (): never => {
    let end = code(pos) === 0x2d || code(pos) === 0x2b ? pos + 1 : pos;
    while (end < text.length && end - pos < MAX_WORD && isJavaIdentifierPart(code(end))) end++;
    if (end === pos) end = pos + 1;
    const word = text.slice(pos, end);
    if (word === 'NaN' || word === 'Infinity') nonStandard(word, end);
    return fail(
      `Unrecognized token '${word}${end - pos >= MAX_WORD ? '...' : ''}': was expecting ${VALUE_LIST}`,
      end,
    );
  };
  const nonStandard = (word: string, end: number): never =>
    fail(`Non-standard token '${word}': enable \`JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS\` to allow`, end);

  /** After a sign: `-INF`, `-Infinity` (or `+`) are non-standard, begun ones unknown words. */
  const infinity = (sign: string): never => {
    const start = pos - 1;
    pos++;
    if (eof()) fail('Unexpected end-of-input in a Number value', pos);
    const word = code(pos) === 0x4e ? `${sign}INF` : code(pos) === 0x6e ? `${sign}Infinity` : undefined;
    if (word === undefined) {
      if (sign === '+') return plusSign(pos);
      pos++;
      return fail(
        `Unexpected character (${charDesc(text, pos - 1)}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value`,
        pos - 1,
        { stands: pos },
      );
    }
    const end = start + word.length;
    if (!text.startsWith(word, start) || goesOn(code(end))) {
      pos = start;
      badWord();
    }
    return nonStandard(word, end);
  };

  const plusSign = (at: number): never =>
    fail(
      "Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow",
      at,
      { stands: at + 1 },
    );

  const readNumber = (): void => {
    if (code(pos) === 0x2b) {
      pos++;
      if (eof()) fail('Unexpected end-of-input in a Number value', pos);
      if (code(pos) === 0x49) infinity('+');
      plusSign(pos);
    }
    if (code(pos) === 0x2d) {
      pos++;
      if (eof()) fail('Unexpected end-of-inputNo digit following sign', pos);
      if (code(pos) === 0x49) infinity('-');
      if (code(pos) === 0x2e) unexpected(`expected a valid value ${VALUE_LIST}`);
      if (!isDigit(code(pos))) {
        fail(
          `Unexpected character (${charDesc(text, pos)}) in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value`,
          pos,
          { stands: pos + 1 },
        );
      }
    }
    const zero = code(pos) === 0x30;
    if (zero && isDigit(code(pos + 1))) fail('Invalid numeric value: Leading zeroes not allowed', pos + 1);
    while (isDigit(code(pos))) pos++;
    // While it reads a fraction or an exponent, Jackson stands where the integer digits end; after a lone 0, on
    // the character it refuses.
    const digitsEnd = pos;
    const refuse = (what: string): never => {
      const at = eof() ? pos - 1 : pos;
      const offset = zero ? at : digitsEnd;
      return fail(`Unexpected character (${charDesc(text, at)}) in numeric value: ${what}`, offset, {
        stands: offset + 1,
      });
    };
    if (code(pos) === 0x2e) {
      pos++;
      if (!isDigit(code(pos))) refuse('Decimal point not followed by a digit');
      while (isDigit(code(pos))) pos++;
    }
    if (code(pos) === 0x65 || code(pos) === 0x45) {
      pos++;
      if (code(pos) === 0x2b || code(pos) === 0x2d) pos++;
      if (eof()) fail('Unexpected end-of-inputexpected a digit for number exponent', pos);
      if (!isDigit(code(pos))) refuse('Exponent indicator not followed by a digit');
      while (isDigit(code(pos))) pos++;
    }
  };

  /** Reads one value whose first unit is `c` (not white space, not the end). */
  const readValue = (c: number): void => {
    if (c === 0x7b) readObject();
    else if (c === 0x5b) readArray();
    else if (c === 0x22) readString(false);
    else if (c === 0x2d || c === 0x2b || isDigit(c)) readNumber();
    else {
      for (const literal of ['true', 'false', 'null']) {
        if (text.startsWith(literal, pos) && !goesOn(code(pos + literal.length))) {
          pos += literal.length;
          return;
        }
      }
      if (isIdentifierStart(code(pos))) badWord();
      unexpected(`expected a valid value ${VALUE_LIST}`);
    }
  };

  /** The lists and objects open, by where they began. */
  const opened: number[] = [];
  const closeMarker = (expected: ']' | '}'): never => {
    const kind = expected === ']' ? 'Array' : 'Object';
    const start = jacksonLocation(text, opened[opened.length - 1] as number);
    return fail(
      `Unexpected close marker '${text.charAt(pos)}': expected '${expected}' (for ${kind} starting at ${start})`,
      pos,
      { stands: pos + 1 },
    );
  };
  const endOfInput = (kind: 'Array' | 'Object'): never => {
    const start = jacksonLocation(text, opened[opened.length - 1] as number);
    return fail(`Unexpected end-of-input: expected close marker for ${kind} (start marker at ${start})`, pos);
  };

  const open = (): void => {
    opened.push(pos);
    if (opened.length > MAX_DEPTH) {
      fail(
        `Document nesting depth (${opened.length}) exceeds the maximum allowed (${MAX_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`,
        pos,
        { unlocated: true },
      );
    }
  };

  const readObject = (): void => {
    open();
    pos++;
    let c = skipSpace();
    if (c === 0x7d) {
      pos++;
      opened.pop();
      return;
    }
    for (;;) {
      if (c === -1) endOfInput('Object');
      if (c === 0x5d) closeMarker('}');
      if (c !== 0x22) unexpected('was expecting double-quote to start field name');
      readString(true);
      c = skipSpace();
      if (c === -1) fail('Unexpected end-of-input within/between Object entries', pos);
      if (c !== 0x3a) unexpected('was expecting a colon to separate field name and value');
      pos++;
      c = skipSpace();
      if (c === -1) fail('Unexpected end-of-input within/between Object entries', pos);
      if (c === 0x7d) unexpected('expected a value');
      readValue(c);
      c = skipSpace();
      if (c === 0x7d) {
        pos++;
        opened.pop();
        return;
      }
      if (c === -1) endOfInput('Object');
      if (c === 0x5d) closeMarker('}');
      if (c !== 0x2c) unexpected('was expecting comma to separate Object entries');
      pos++;
      c = skipSpace();
      if (c === -1) fail('Unexpected end-of-input within/between Object entries', pos);
      // After a comma, a close marker too is where a field name should start.
      if (c !== 0x22) unexpected('was expecting double-quote to start field name');
    }
  };

  const readArray = (): void => {
    open();
    pos++;
    let c = skipSpace();
    if (c === 0x5d) {
      pos++;
      opened.pop();
      return;
    }
    if (c === 0x7d) closeMarker(']');
    for (;;) {
      if (c === -1) endOfInput('Array');
      readValue(c);
      c = skipSpace();
      if (c === 0x5d) {
        pos++;
        opened.pop();
        return;
      }
      if (c === -1) endOfInput('Array');
      if (c === 0x7d) closeMarker(']');
      if (c !== 0x2c) unexpected('was expecting comma to separate Array entries');
      pos++;
      c = skipSpace();
      if (c === -1) fail('Unexpected end-of-input within/between Array entries', pos);
      if (c === 0x5d) unexpected(`expected a valid value ${VALUE_LIST}`);
      if (c === 0x7d) unexpected('expected a value');
    }
  };

  try {
    const c = skipSpace();
    if (c === -1) return { message: 'Filter is not an object', offset: pos };
    if (c === 0x7b) {
      readObject();
      return undefined;
    }
    if (c === 0x7d || c === 0x5d) {
      const expected = c === 0x7d ? ']' : '}';
      const start = jacksonLocation(text, -1);
      fail(
        `Unexpected close marker '${text.charAt(pos)}': expected '${expected}' (for root starting at ${start})`,
        pos,
      );
    }
    // The compiler asks for `{` first: any other first token that reads is refused where it ends.
    if (c === 0x5b || c === 0x22) return { message: 'Filter is not an object', offset: pos + 1 };
    readValue(c);
    const number = c === 0x2d || isDigit(c);
    if (number && pos < text.length && !isSpace(code(pos)))
      unexpected('Expected space separating root-level values');
    // Past a root number Jackson reads one space, tab or newline too (not a \r, which it puts back).
    const apart = number && (code(pos) === 0x20 || code(pos) === 0x09 || code(pos) === 0x0a);
    return { message: 'Filter is not an object', offset: apart ? pos + 1 : pos };
  } catch (e) {
    if (!(e instanceof Fault)) throw e;
    return e.fault;
  }
}
