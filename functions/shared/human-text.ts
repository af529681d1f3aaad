import { z } from 'zod';

/** Control characters (C0, DEL, C1): none belongs in a name. */
const CONTROL = /\p{Cc}/u;
/** The same but tab, line feed and carriage return, which a description may hold. */
const CONTROL_BUT_LINES = /(?![\t\n\r])\p{Cc}/u;
/** A UTF-16 surrogate not in a pair: no UTF-8 text holds it, so DynamoDB and EventBridge cannot keep it as sent. */
const LONE_SURROGATE = /\p{Cs}/u;
/** A letter, digit, punctuation mark or symbol: what makes a name readable (not only spaces or invisible marks). */
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}]/u;

/**
 * Text people read in a listing: a name (one line) or a description (`lines`). Trimmed; refused when empty, too
 * long, holding control characters or lone surrogates, or holding nothing visible (a zero-width space alone).
 */
export function humanText(max: number, options: { readonly lines?: boolean } = {}) {
  const control = options.lines ? CONTROL_BUT_LINES : CONTROL;
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max.toLocaleString('en-US')} characters`)
    .refine(
      (text) => !control.test(text),
      options.lines
        ? 'must not hold control characters but tabs and line breaks'
        : 'must not hold control characters',
    )
    .refine((text) => !LONE_SURROGATE.test(text), 'must be well-formed Unicode: it holds a lone surrogate')
    .refine((text) => text.length === 0 || VISIBLE.test(text), 'must hold a visible character');
}
