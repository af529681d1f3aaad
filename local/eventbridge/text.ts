// Cuts of text that never leave half a character, and sizes for messages, shared by the embedded EventBridge's modules.

/** `text` cut to at most `bytes` bytes of UTF-8, on a character's boundary (never half of a surrogate pair). */
export function utf8Prefix(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  let end = Math.min(text.length, bytes);
  while (Buffer.byteLength(text.slice(0, end)) > bytes) end--;
  return unitsPrefix(text, end);
}

/** The first `units` UTF-16 code units of `text`, one fewer when the last would be half of a surrogate pair. */
export function unitsPrefix(text: string, units: number): string {
  if (text.length <= units) return text;
  const last = text.charCodeAt(units - 1);
  // A copy: V8 keeps a slice of 13 units or more as a view of the whole text, which a dead letter's ERROR_MESSAGE
  // then held for 14 days (100 KB for an error of 100 KB, where the queues' limit counted 1 KB). The cut, joined
  // to one unit, is flattened into a string of its own, which the slice then views.
  const cut = text.slice(0, last >= 0xd800 && last <= 0xdbff ? units - 1 : units);
  return `\0${cut}`.slice(1);
}

/**
 * The most of an error's text a dead letter keeps, in bytes of UTF-8: Lambda cuts its dead letters' ErrorMessage
 * to 1 KB, and the embedded EventBridge cuts its own ERROR_MESSAGE alike (AWS does not document that one's length).
 */
export const ERROR_MESSAGE_BYTES = 1024;

/**
 * `text` for one line of the server's log: control characters (a line break, ESC starting a terminal's escape
 * sequence, NUL), the line and paragraph separators and the bidirectional controls (overrides, embeddings, isolates,
 * marks) written as `\uXXXX`, so that a remote endpoint's answer quoted in a failure cannot start a line of its own,
 * recolour the terminal or reorder what follows it. Other text is left as it is: Chinese, and emoji with the joiners
 * and tags their sequences are made of (👨‍👩‍👧, a flag), which a review found escaped at first.
 */
export function logLine(text: string): string {
  return text.replace(
    /[\p{Cc}\u2028\u2029\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]/gu,
    (ch) => `\\u${(ch.codePointAt(0) as number).toString(16).padStart(4, '0')}`,
  );
}

/** Bytes for a log line or a message: `12.3 MiB`. */
export function mebibytes(bytes: number): string {
  return `${Number((bytes / 2 ** 20).toPrecision(3))} MiB`;
}
