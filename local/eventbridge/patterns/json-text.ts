// A small strict JSON reader that keeps what JSON.parse throws away and AWS's matcher (Jackson, streaming)
// still sees: the original text of every number and every occurrence of a repeated object key.

export type JsonNode =
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, JsonNode]> }
  | { readonly kind: 'array'; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string }
  | { readonly kind: 'true' | 'false' | 'null' };

/** Thrown for text that is not one JSON document. */
export class JsonTextError extends Error {
  override name = 'JsonTextError';
  constructor(
    /** What was wrong ('unexpected character' where a value should start, 'bad escape', ...). */
    readonly what: string,
    /** Where in the text reading stopped (its length: the text ended too soon). */
    readonly offset: number,
  ) {
    super(`${what} at offset ${offset}`);
  }
}

/** A JSON number's text, read where the sticky regex's `lastIndex` is set. */
export const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Java's Character.isJavaIdentifierPart, with which Jackson reads a word it does not know: letters, digits, `_`,
 * `$`, other scripts' letters, marks and currency signs, and what Java ignores in identifiers (most control
 * characters, and format characters such as U+FEFF).
 */
export function isJavaIdentifierPart(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x5f ||
    c === 0x24 ||
    c <= 0x08 ||
    (c >= 0x0e && c <= 0x1b) ||
    (c >= 0x7f && c <= 0x9f) ||
    (c > 0x9f && /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}\p{Sc}\p{Cf}]/u.test(String.fromCodePoint(c)))
  );
}

/** Where a node sits in the text it was read from: its first character, and just past its last. */
export interface Span {
  readonly at: number;
  readonly end: number;
}

/** Parses one JSON document (surrounding whitespace allowed). Throws JsonTextError. */
export function parseJsonText(text: string): JsonNode {
  return readJson(text, undefined, undefined);
}

/**
 * What a pattern's text reads as, token by token, as AWS's parser reads it: the tree, with where each node sits in
 * `spans`, or, when the text is not JSON, the tree up to the fault and the fault. A list or object still open at
 * the fault holds what was read of it, its span's `end` Infinity; a value whose token the fault is in is left out.
 */
export function readJsonPrefix(
  text: string,
  spans: Map<JsonNode, Span>,
): { readonly root: JsonNode | undefined; readonly fault: JsonTextError | undefined } {
  const read: { root?: JsonNode } = {};
  try {
    readJson(text, spans, read);
    return { root: read.root, fault: undefined };
  } catch (e) {
    if (!(e instanceof JsonTextError)) throw e;
    return { root: read.root, fault: e };
  }
}

/**
 * The reader of both: with `prefix`, each list or object is attached to its parent (and the root to `prefix`) as
 * soon as it opens, so that a fault leaves what was read; numbers and literals are then held to what Jackson reads
 * as one token (no `01`, `1.`, `truex`), so that the fault falls in the token Jackson would refuse.
 */
function readJson(
  text: string,
  spans: Map<JsonNode, Span> | undefined,
  prefix: { root?: JsonNode } | undefined,
): JsonNode {
  let pos = 0;

  const fail = (what: string): never => {
    throw new JsonTextError(what, pos);
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };
  const expect = (ch: string): void => {
    if (text[pos] !== ch) fail(`expected '${ch}'`);
    pos++;
  };

  const readString = (): string => {
    expect('"');
    let out = '';
    let start = pos;
    for (;;) {
      const c = text.charCodeAt(pos);
      if (Number.isNaN(c)) fail('unterminated string');
      if (c === 0x22) {
        out += text.slice(start, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(start, pos);
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(pos, pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          pos += 4;
          break;
        }
        default:
          pos -= 2;
          fail('bad escape');
      }
      start = pos;
    }
  };

  /** Reads a value; `attach` puts it in its parent (a list or object as it opens, anything else once read). */
  const readValue = (depth: number, attach: (node: JsonNode) => void): JsonNode => {
    if (depth > 512) fail('nesting too deep');
    skipSpace();
    const at = pos;
    const c = text[pos];
    if (c === '{' || c === '[') {
      const node: JsonNode = c === '{' ? { kind: 'object', entries: [] } : { kind: 'array', items: [] };
      spans?.set(node, { at, end: Number.POSITIVE_INFINITY });
      if (prefix !== undefined) attach(node);
      pos++;
      if (node.kind === 'object') readEntries(depth, node.entries as Array<readonly [string, JsonNode]>);
      else readItems(depth, node.items as JsonNode[]);
      spans?.set(node, { at, end: pos });
      if (prefix === undefined) attach(node);
      return node;
    }
    if (prefix !== undefined && c === '"') {
      // Jackson reads a string's text only when asked: a string value whose text is at fault is there all the same.
      try {
        const node: JsonNode = { kind: 'string', value: readString() };
        spans?.set(node, { at, end: pos });
        attach(node);
        return node;
      } catch (e) {
        const node: JsonNode = { kind: 'string', value: '' };
        spans?.set(node, { at, end: Number.POSITIVE_INFINITY });
        attach(node);
        throw e;
      }
    }
    const node = readScalar();
    spans?.set(node, { at, end: pos });
    attach(node);
    return node;
  };

  const readEntries = (depth: number, entries: Array<readonly [string, JsonNode]>): void => {
    skipSpace();
    if (text[pos] === '}') {
      pos++;
      return;
    }
    for (;;) {
      skipSpace();
      const key = readString();
      skipSpace();
      expect(':');
      readValue(depth + 1, (value) => entries.push([key, value]));
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      expect('}');
      return;
    }
  };

  const readItems = (depth: number, items: JsonNode[]): void => {
    skipSpace();
    if (text[pos] === ']') {
      pos++;
      return;
    }
    for (;;) {
      readValue(depth + 1, (item) => items.push(item));
      skipSpace();
      if (text[pos] === ',') {
        pos++;
        continue;
      }
      expect(']');
      return;
    }
  };

  /** In prefix mode, whether Jackson reads the literal just read on as a longer word (`truex`), a fault. */
  const wordGoesOn = (): boolean => {
    const c = text.charCodeAt(pos);
    return prefix !== undefined && c >= 0x30 && c !== 0x5d && c !== 0x7d && isJavaIdentifierPart(c);
  };
  /** In prefix mode, whether the number just read (`read`) is one Jackson refuses as a token: `01`, `1.`, `1e`. */
  const numberFaulty = (read: string): boolean => {
    if (prefix === undefined) return false;
    const next = text.charCodeAt(pos);
    if (next >= 0x30 && next <= 0x39) return true;
    if (next === 0x2e) return !read.includes('.') && !read.includes('e') && !read.includes('E');
    if (next === 0x65 || next === 0x45) return !read.includes('e') && !read.includes('E');
    return false;
  };

  const readScalar = (): JsonNode => {
    if (text[pos] === '"') return { kind: 'string', value: readString() };
    for (const literal of ['true', 'false', 'null'] as const) {
      if (text.startsWith(literal, pos)) {
        pos += literal.length;
        if (wordGoesOn()) fail('unexpected character');
        return { kind: literal };
      }
    }
    JSON_NUMBER.lastIndex = pos;
    const m = JSON_NUMBER.exec(text);
    if (m === null) return fail('unexpected character');
    pos += m[0].length;
    if (numberFaulty(m[0])) fail('unexpected character');
    return { kind: 'number', text: m[0] };
  };

  let root: JsonNode | undefined;
  readValue(0, (node) => {
    root = node;
    if (prefix !== undefined) prefix.root = node;
  });
  skipSpace();
  if (pos !== text.length) fail('unexpected text after the JSON value');
  return root as JsonNode;
}

/** Jackson quotes at most this many UTF-16 units of the text in its messages. */
const JACKSON_SNIPPET = 500;

/**
 * Jackson's `[Source: (String)"..."; line: L, column: C]` for a place in `text`: `column` is the offset just past
 * what it had read, `linesTo` where it had counted lines to (the same unless a fault came inside a token). Lines
 * break at \n, \r\n or a lone \r; columns count UTF-16 units from 1. The text is quoted up to 500 units, then
 * `"[truncated N chars]`; ISO control characters but \r and \n are written \uXXXX, as Jackson 2.13 and later do.
 */
export function jacksonLocation(text: string, column: number, linesTo = column): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < linesTo; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) {
      line++;
      lineStart = i + 1;
    }
  }
  const quoted = text.length > JACKSON_SNIPPET ? text.slice(0, JACKSON_SNIPPET) : text;
  let escaped = '';
  for (let i = 0; i < quoted.length; i++) {
    const c = quoted.charCodeAt(i);
    const control = (c < 0x20 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f);
    escaped += control ? `\\u${c.toString(16).toUpperCase().padStart(4, '0')}` : quoted.charAt(i);
  }
  const snippet =
    text.length > JACKSON_SNIPPET
      ? `${escaped}"[truncated ${text.length - JACKSON_SNIPPET} chars]`
      : `${escaped}"`;
  return `[Source: (String)"${snippet}; line: ${line}, column: ${column - lineStart + 1}]`;
}

/**
 * An event object's members as an event is matched: a repeated key keeps its last value (in its first place), as
 * JSON.parse and the target's own parser see it. Patterns are read entry by entry instead (see compile.ts).
 */
export function eventEntries(node: {
  readonly entries: ReadonlyArray<readonly [string, JsonNode]>;
}): Iterable<readonly [string, JsonNode]> {
  const entries = node.entries;
  if (entries.length < 2) return entries;
  const keys = new Set<string>();
  for (const [key] of entries) keys.add(key);
  return keys.size === entries.length ? entries : new Map(entries);
}

/** Converts a plain JavaScript value (as from JSON.parse) to a JsonNode; numbers get JavaScript's shortest text. */
export function jsonNodeFromValue(value: unknown): JsonNode {
  if (value === null) return { kind: 'null' };
  if (value === true) return { kind: 'true' };
  if (value === false) return { kind: 'false' };
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') return { kind: 'number', text: numberText(value) };
  if (Array.isArray(value)) return { kind: 'array', items: value.map(jsonNodeFromValue) };
  if (typeof value === 'object') {
    return {
      kind: 'object',
      entries: Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, jsonNodeFromValue(v)] as const),
    };
  }
  // undefined, functions, symbols, bigints: JSON.stringify would drop or refuse them; treat as null leaf.
  return { kind: 'null' };
}

/** The text JSON.stringify would write for a number (non-finite numbers become null there; keep them visible). */
export function numberText(n: number): string {
  return Number.isFinite(n) ? JSON.stringify(n) : String(n);
}
