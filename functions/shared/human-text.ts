// The zod schema of text people read in listings: department and system names, contract descriptions.
import * as z from 'zod';
import { groupDigits } from './group-digits.js';

/** Control characters (C0, DEL, C1) and the line and paragraph separators: none belongs in a one-line name. */
const CONTROL = /[\p{Cc}\p{Zl}\p{Zp}]/u;
/** The same but tab, line feed and carriage return, which a description may hold. */
const CONTROL_BUT_LINES = /(?![\t\n\r])\p{Cc}/u;
/** A UTF-16 surrogate not in a pair: no UTF-8 text holds it, so DynamoDB and EventBridge cannot keep it as sent. */
const LONE_SURROGATE = /\p{Cs}/u;
/**
 * Bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069): they reorder the text
 * around them as shown, so a name can read as another in a listing (the "Trojan Source" attack, CVE-2021-42574).
 * The left-to-right and right-to-left marks (U+200E, U+200F, U+061C), which only tell a direction, stay allowed:
 * Arabic and Hebrew names need nothing more. Refused from 2026-12-07 (owner question 22, decided).
 */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/u;
/** A letter, digit, punctuation mark or symbol: what makes a name readable (not only spaces or invisible marks). */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;
/** Letters and symbols that show as blank (Hangul fillers, the blank Braille pattern): not visible, for VISIBLE. */
const BLANK_LOOKING = /[\u115f\u1160\u3164\uffa0\u2800]/gu;

/**
 * Text people read in a listing: a name (one line) or a description (`lines`). Trimmed; refused when empty, too
 * long, holding control characters, lone surrogates or bidirectional overrides, or holding nothing visible (a
 * zero-width space alone).
 */
export function humanText(max: number, options: { readonly lines?: boolean } = {}) {
  const control = options.lines ? CONTROL_BUT_LINES : CONTROL;
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${groupDigits(max)} characters`)
    .refine(
      (text) => !control.test(text),
      options.lines
        ? 'must not hold control characters but tabs and line breaks'
        : 'must not hold control characters',
    )
    .refine((text) => !LONE_SURROGATE.test(text), 'must be well-formed Unicode: it holds a lone surrogate')
    .refine(
      (text) => !BIDI_CONTROL.test(text),
      'must not hold bidirectional embedding, override or isolate characters (U+202A to U+202E, U+2066 to U+2069), which reorder what is shown; the direction marks U+200E and U+200F are fine',
    )
    .refine(
      (text) => text.length === 0 || VISIBLE.test(text.replace(BLANK_LOOKING, '')),
      'must hold a visible character',
    );
}
