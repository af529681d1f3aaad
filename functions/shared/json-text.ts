// What JSON.parse accepts but sharebus must not: a request body whose meaning JSON.parse would change without a
// word. A repeated key keeps only its last value (and another parser may keep the first, so a schema check and a
// subscriber could read different data); a number past a double's range or precision comes out as another
// number (`1e400` as Infinity, stored as null; `12345678901234567891` as …7000); a body nested deeper than
// anything a record needs costs the schema compiler its stack; and a lone surrogate (`"\ud842"`) is text no UTF-8
// holds, which EventBridge reads as '?'. One pass over the text finds the first of these and names where it is, as
// a JSON Pointer.
import { escapePointerSegment } from './json-pointer.js';

/**
 * Whether `value`, as JSON.parse gives it, is a JSON object: not null, not an array. Here, free of zod, so that the
 * registry (which every function loads, the authorizer included) can use it.
 */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Deepest nesting of objects and arrays a request body may have (a contract's schema takes two per level). */
export const MAX_BODY_DEPTH = 128;

export type JsonFaultKind = 'duplicate_key' | 'number_out_of_range' | 'nesting_too_deep' | 'invalid_request';

export interface JsonFault {
  readonly kind: JsonFaultKind;
  /** JSON Pointer of the key, number or container at fault. */
  readonly field: string;
  readonly message: string;
}

interface Frame {
  /** Keys seen so far (objects), or undefined (arrays). */
  readonly keys: string[] | Set<string> | undefined;
  /** The segment this frame's current child sits at: its key, or its index. */
  segment: string | number;
}

/** Past this many keys an object's keys go in a Set; below, a scan of the array is faster. */
const KEYS_IN_ARRAY = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The first fault in `text`, which must be JSON that JSON.parse accepted, or undefined. Linear in the text; only
 * keys with escapes and numbers are decoded.
 */
export function findJsonFault(text: string): JsonFault | undefined {
  const frames: Frame[] = [];
  // A pointer to the value being read: every open frame's segment.
  const here = (): string => {
    let path = '';
    for (const frame of frames) path += `/${escapePointerSegment(frame.segment)}`;
    return path;
  };
  let expectKey = false;
  // Strings are looked at one by one only when the text holds a lone surrogate or a surrogate's escape: mostly, one
  // scan of the text (paired surrogates, as emoji, pass it).
  const surrogates = !wellFormed(text) || (text.includes('\\u') && SURROGATE_ESCAPE.test(text));
  for (let at = 0; at < text.length; ) {
    const unit = text.charCodeAt(at);
    if (unit === QUOTE) {
      const end = stringEnd(text, at);
      // A surrogate not in a pair (`"\ud800"`): no UTF-8 text holds it, so EventBridge and DynamoDB cannot keep it as
      // sent, and EventBridge's matcher reads it as '?' (i18n review, 2026-12-07). Refused wherever it is, a key too.
      if (surrogates) {
        const raw = text.slice(at + 1, end - 1);
        const decoded = raw.includes('\\') ? (JSON.parse(text.slice(at, end)) as string) : raw;
        if (!wellFormed(decoded)) {
          if (expectKey) frames[frames.length - 1]!.segment = decoded;
          return {
            kind: 'invalid_request',
            field: here(),
            message: `${expectKey ? 'this key' : 'the text'} is not well-formed Unicode: it holds a lone surrogate`,
          };
        }
      }
      if (expectKey) {
        const frame = frames[frames.length - 1]!;
        const raw = text.slice(at + 1, end - 1);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(at, end)) as string) : raw;
        const repeated = remember(frame, key);
        frame.segment = key;
        if (repeated) {
          return {
            kind: 'duplicate_key',
            field: here(),
            message: `the key ${JSON.stringify(key)} appears twice in the same object; JSON names must be unique`,
          };
        }
        expectKey = false;
      }
      at = end;
      continue;
    }
    if (unit === 0x7b /* { */ || unit === 0x5b /* [ */) {
      if (frames.length >= MAX_BODY_DEPTH) {
        return {
          kind: 'nesting_too_deep',
          field: here(),
          message: `objects and arrays are nested more than ${MAX_BODY_DEPTH} levels deep`,
        };
      }
      frames.push({ keys: unit === 0x7b ? [] : undefined, segment: 0 });
      expectKey = unit === 0x7b;
      at++;
      continue;
    }
    if (unit === 0x7d /* } */ || unit === 0x5d /* ] */) {
      frames.pop();
      // An empty object ends still expecting a key: the next string belongs to the container it sits in.
      expectKey = false;
      at++;
      continue;
    }
    if (unit === 0x2c /* , */) {
      const frame = frames[frames.length - 1]!;
      if (frame.keys === undefined) frame.segment = (frame.segment as number) + 1;
      else expectKey = true;
      at++;
      continue;
    }
    if (unit === 0x2d /* - */ || (unit >= 0x30 && unit <= 0x39)) {
      let end = at + 1;
      while (end < text.length && isNumberUnit(text.charCodeAt(end))) end++;
      // Fifteen digits or fewer, with no exponent, always come back as written: only longer tokens are decoded.
      const problem =
        end - at <= 15 && !hasExponent(text, at, end) ? undefined : numberProblem(text.slice(at, end));
      if (problem !== undefined) {
        return {
          kind: 'number_out_of_range',
          field: here(),
          message: `${text.slice(at, end)} ${problem}`,
        };
      }
      at = end;
      continue;
    }
    at++;
  }
  return undefined;
}

/**
 * Whether `text` holds no surrogate out of its pair: String.prototype.isWellFormed, native in Node 20's V8 (and
 * Lambda's), though TypeScript's ES2023 library does not declare it. A regular expression took 4 times as long.
 */
const wellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** A surrogate's escape, `\uD800` to `\uDFFF` (or text that only looks like one, `\\ud800`, decoded to tell). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** Index just past the string whose opening quote is at `start`. */
function stringEnd(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    // Count the backslashes before the quote: an odd number escapes it.
    let slashes = 0;
    for (let back = quote - 1; text.charCodeAt(back) === BACKSLASH; back--) slashes++;
    if (slashes % 2 === 0) return quote + 1;
    at = quote + 1;
  }
}

/** Adds `key` to the frame's keys; true when it was there already. */
function remember(frame: Frame, key: string): boolean {
  const keys = frame.keys!;
  if (Array.isArray(keys)) {
    if (keys.includes(key)) return true;
    keys.push(key);
    if (keys.length > KEYS_IN_ARRAY) (frame as { keys: Set<string> }).keys = new Set(keys);
    return false;
  }
  if (keys.has(key)) return true;
  keys.add(key);
  return false;
}

function hasExponent(text: string, from: number, to: number): boolean {
  for (let at = from; at < to; at++) if ((text.charCodeAt(at) | 0x20) === 0x65) return true;
  return false;
}

const isNumberUnit = (unit: number): boolean =>
  (unit >= 0x30 && unit <= 0x39) ||
  unit === 0x2e ||
  unit === 0x65 ||
  unit === 0x45 ||
  unit === 0x2b ||
  unit === 0x2d;

/**
 * Why a JSON number token would not come back as written, or undefined when it would. It comes back as the
 * shortest text of its double (what JSON.stringify writes, and what subscribers receive), so that text must mean
 * the same number: `1e300` and `0.1` do, `12345678901234567891` (…7000) and `0.10000000000000000555` (0.1) do not.
 */
function numberProblem(token: string): string | undefined {
  const value = Number(token);
  if (!Number.isFinite(value)) return 'is beyond the largest number a double holds (about 1.8e308)';
  const sent = decimal(token);
  if (value === 0 && sent.digits !== '') return 'is too close to zero for a double and would become 0';
  const kept = decimal(String(value));
  if (sent.digits === kept.digits && sent.scale === kept.scale) return undefined;
  return `has more digits than a double holds and would become ${value}; send it as a string`;
}

/** A number's text as significant digits × 10^scale, without leading or trailing zeros (the sign left out). */
function decimal(text: string): { digits: string; scale: number } {
  const [mantissa = '', exponent = '0'] = text.replace(/^-/, '').split(/[eE]/);
  const [whole = '', fraction = ''] = mantissa.split('.');
  const all = whole + fraction;
  const digits = all.replace(/^0+/, '').replace(/0+$/, '');
  if (digits === '') return { digits, scale: 0 };
  const trailing = all.length - all.replace(/0+$/, '').length;
  return { digits, scale: Number(exponent) - fraction.length + trailing };
}
