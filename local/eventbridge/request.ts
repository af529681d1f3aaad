// Reads request members the way EventBridge's front end checks them: wrong JSON types are a
// SerializationException, model constraints are collected into one ValidationException with AWS's
// "N validation errors detected: Value ... at 'member' failed to satisfy constraint: ..." text.
import { createHash } from 'node:crypto';
import { EventBridgeApiError, serializationError, validationError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The most levels of objects and arrays a PutEvents Detail or a TestEventPattern Event may nest: Jackson's
 * default (maxNestingDepth, 1,000, since 2.15), the parser AWS's event-ruler reads events with. Deeper, the
 * matcher's and the input transformer's walks, which recurse, would overflow the stack.
 */
export const MAX_JSON_DEPTH = 1_000;

/**
 * Whether JSON `text`, parsed as `value`, nests objects and arrays more than MAX_JSON_DEPTH levels deep. Each level
 * takes two brackets, so a shorter text cannot and is not walked; a longer one is walked without recursion.
 */
export function nestsTooDeep(text: string, value: unknown): boolean {
  if (text.length <= 2 * MAX_JSON_DEPTH) return false;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 1 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    if (top.value === null || typeof top.value !== 'object') continue;
    if (top.depth > MAX_JSON_DEPTH) return true;
    for (const child of Object.values(top.value)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: top.depth + 1 });
    }
  }
  return false;
}

/** AWS names members in messages in camelCase: `EventBusName` -> `eventBusName`. */
const camel = (key: string): string => key.charAt(0).toLowerCase() + key.slice(1);

export interface StringRule {
  readonly required?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: RegExp;
  /** Pattern as AWS prints it in the message; defaults to the RegExp source. */
  readonly patternText?: string;
  /** A secret (the model's `sensitive`): messages name the member but not its value ("Value at '...'"). */
  readonly sensitive?: boolean;
}

export const NAME_PATTERN = /^[.\-_A-Za-z0-9]+$/;
export const NAME_PATTERN_TEXT = '[\\.\\-_A-Za-z0-9]+';
export const BUS_NAME_PATTERN =
  /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[/.\-_A-Za-z0-9]+$/;
export const BUS_NAME_PATTERN_TEXT =
  '(arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[/\\.\\-_A-Za-z0-9]+';

/** A KmsKeyIdentifier (archives, buses) as AWS's model constrains it. */
export const KMS_KEY_FIELD = {
  max: 2048,
  pattern: /^[a-zA-Z0-9_\-/:]*$/,
  patternText: '^[a-zA-Z0-9_\\-/:]*$',
} as const;

/**
 * A request value as AWS's messages print it (Java's toString): null as `null`, a string as itself. A value of
 * the wrong type is refused later as a SerializationException; until then it is printed as JSON, since `String()`
 * of an object whose own `toString` is not a function (`{"toString": 1}`) throws.
 */
export function printed(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** Whether a string meets a rule's length and pattern. */
function satisfies(value: string, rule: StringRule): boolean {
  return (
    (rule.min === undefined || value.length >= rule.min) &&
    (rule.max === undefined || value.length <= rule.max) &&
    (rule.pattern === undefined || rule.pattern.test(value))
  );
}

/** Every constraint of a member shape, in the order AWS lists them inside "must satisfy constraint: [...]". */
function memberConstraints(rule: StringRule): string {
  return [
    ...(rule.max !== undefined ? [`Member must have length less than or equal to ${rule.max}`] : []),
    ...(rule.min !== undefined ? [`Member must have length greater than or equal to ${rule.min}`] : []),
    ...(rule.pattern
      ? [`Member must satisfy regular expression pattern: ${rule.patternText ?? rule.pattern.source}`]
      : []),
  ].join(', ');
}

/** RFC 3339's date-time: a full date, a time with optional fraction, and `Z` or an offset. */
const RFC3339_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** Midnight UTC of a date (month 1 to 12); unlike Date.UTC, years 0 to 99 are not read as 1900 to 1999. */
export function utcDay(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/**
 * The instant a UTC date and time of day name (month 1 to 12), or undefined when a field is past its bounds (a
 * 30 February, 24:00, a leap second `:60`, which Date cannot hold), where Date would roll it over into the next.
 */
export function utcTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms = 0,
): number | undefined {
  const daysInMonth = new Date(utcDay(year, month + 1, 0)).getUTCDate();
  const within =
    month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
  return within ? utcDay(year, month, day) + ((hour * 60 + minute) * 60 + second) * 1000 + ms : undefined;
}

/** The first instant RFC 3339 can write (0000-01-01T00:00:00Z) and the one after its last (10000-01-01). */
const RFC3339_FIRST_MS = utcDay(0, 1, 1);
const RFC3339_AFTER_LAST_MS = utcDay(10000, 1, 1);

/**
 * The time an RFC 3339 date-time names, if it is one: its fields within RFC 3339's bounds (5.7), so that
 * `2024-02-30` or `24:00` is refused rather than rolled over into the next day by Date (diff review, 2026-12-05).
 * Built from its fields, not new Date(text), whose legacy parser (a space for T) read 0005-02-28 as 2028-05-02.
 */
export function rfc3339Time(text: string): Date | undefined {
  const parts = RFC3339_DATE_TIME.exec(text);
  if (!parts) return undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as number[];
  const ms = Number((parts[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const sign = parts[8] === '-' ? -1 : 1;
  const [offsetHours, offsetMinutes] = [Number(parts[9] ?? 0), Number(parts[10] ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  const at = utcTime(year!, month!, day!, hour!, minute!, second!, ms);
  return at === undefined ? undefined : new Date(at - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

export class RequestReader {
  readonly #errors: string[];

  constructor(
    readonly body: JsonObject,
    /** Prefix for member paths in messages, e.g. `targets.1.member.` */
    readonly path = '',
    /** Shared with the parent reader, so one check() reports all. */
    errors: string[] = [],
  ) {
    this.#errors = errors;
  }

  /** A reader for a nested structure (or list element) whose violations count with this one's. */
  nested(value: unknown, key: string, pathPrefix: string): RequestReader | undefined {
    if (value === undefined || value === null) return undefined;
    if (!isObject(value)) throw serializationError(`Expected an object for ${key}.`);
    return new RequestReader(value, pathPrefix, this.#errors);
  }

  /**
   * A reader for element `index` of the list of structures `key` (`Targets`, 0 -> `targets.1.member.`). AWS's lists
   * are dense: a null element is a SerializationException, as Smithy's protocol tests have it
   * (RestJsonBodyMalformedListNullItem), not an element left out or an empty one.
   */
  listMember(value: unknown, key: string, index: number): RequestReader {
    if (!isObject(value)) throw serializationError(`Expected an object for each of ${key}.`);
    return new RequestReader(value, `${this.path}${camel(key)}.${index + 1}.member.`, this.#errors);
  }

  /** A reader for the structure member `key` of this one (`RetryPolicy` -> `...retryPolicy.`), if present. */
  member(key: string): RequestReader | undefined {
    return this.nested(this.body[key], key, `${this.path}${camel(key)}.`);
  }

  /** Reports `key` missing, as AWS's front end does, when the request has no value for it. */
  require(key: string): void {
    if (this.body[key] === undefined || this.body[key] === null) {
      this.#errors.push(
        `Value null at '${this.path}${camel(key)}' failed to satisfy constraint: Member must not be null`,
      );
    }
  }

  string(key: string, rule: StringRule = {}): string | undefined {
    const value = this.body[key];
    const at = `${this.path}${camel(key)}`;
    if (value === undefined || value === null) {
      if (rule.required)
        this.#errors.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof value !== 'string') throw serializationError(`Expected a string for ${key}.`);
    this.#checkLength(value.length, rule, at, rule.sensitive ? undefined : () => value);
    if (rule.pattern && !rule.pattern.test(value)) {
      const text = rule.patternText ?? rule.pattern.source;
      this.#errors.push(
        `${valueAt(at, rule.sensitive ? undefined : value)} failed to satisfy constraint: Member must satisfy regular expression pattern: ${text}`,
      );
    }
    return value;
  }

  integer(key: string, range: { min?: number; max?: number; required?: boolean } = {}): number | undefined {
    const value = this.body[key];
    const at = `${this.path}${camel(key)}`;
    if (value === undefined || value === null) {
      if (range.required)
        this.#errors.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      throw serializationError(`Expected an integer for ${key}.`);
    }
    if (range.min !== undefined && value < range.min) {
      this.#errors.push(
        `Value '${value}' at '${at}' failed to satisfy constraint: Member must have value greater than or equal to ${range.min}`,
      );
    }
    if (range.max !== undefined && value > range.max) {
      this.#errors.push(
        `Value '${value}' at '${at}' failed to satisfy constraint: Member must have value less than or equal to ${range.max}`,
      );
    }
    return value;
  }

  boolean(key: string): boolean | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw serializationError(`Expected a boolean for ${key}.`);
    return value;
  }

  /**
   * Timestamps arrive as epoch seconds (SDK and CLI). An RFC 3339 date-time with its offset is taken too, for a
   * request written by hand; anything else (a bare number in a string, an HTTP date, a time without an offset,
   * which would be read in this machine's time zone) is a SerializationException, as AWS's JSON protocol has it.
   */
  timestamp(key: string, required = false): Date | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) {
      if (required)
        this.#errors.push(
          `Value null at '${this.path}${camel(key)}' failed to satisfy constraint: Member must not be null`,
        );
      return undefined;
    }
    const date =
      typeof value === 'number'
        ? new Date(value * 1000)
        : typeof value === 'string'
          ? rfc3339Time(value)
          : undefined;
    // Epoch seconds are held to RFC 3339's years (0000 to 9999), as a date-time string is: an event of year 10000
    // was taken with a time of "+010000-01-01T00:00:00Z", which a bus target then refused as no time.
    if (!date || !(date.getTime() >= RFC3339_FIRST_MS && date.getTime() < RFC3339_AFTER_LAST_MS))
      throw serializationError(`Expected a timestamp for ${key}.`);
    return date;
  }

  array(
    key: string,
    range: {
      min?: number;
      max?: number;
      required?: boolean;
      describe?: (v: unknown[]) => string;
      /** The members hold secrets: messages name the list but do not print it. */
      sensitive?: boolean;
    } = {},
  ): unknown[] | undefined {
    const value = this.body[key];
    const at = `${this.path}${camel(key)}`;
    if (value === undefined || value === null) {
      if (range.required)
        this.#errors.push(`Value null at '${at}' failed to satisfy constraint: Member must not be null`);
      return undefined;
    }
    if (!Array.isArray(value)) throw serializationError(`Expected a list for ${key}.`);
    // Printing the list is costly (PutEvents entries); only do it for the message.
    const shown = (): string => (range.describe ? range.describe(value) : JSON.stringify(value));
    this.#checkLength(value.length, range, at, range.sensitive ? undefined : shown);
    return value;
  }

  /**
   * A list of strings, each held to `item`: a member breaking it is reported for the whole list, naming every
   * constraint of the member, in AWS's "Member must satisfy constraint: [...]" form.
   */
  stringList(
    key: string,
    range: { min?: number; max?: number; required?: boolean },
    item: StringRule,
  ): string[] | undefined {
    // Java prints the list the same way in both messages: [a, b].
    const value = this.array(key, { ...range, describe: (v) => `[${v.map(printed).join(', ')}]` });
    if (value === undefined) return undefined;
    if (value.some((v) => typeof v !== 'string'))
      throw serializationError(`Expected a list of strings for ${key}.`);
    const items = value as string[];
    if (items.some((v) => !satisfies(v, item))) {
      this.#errors.push(
        `Value '[${items.join(', ')}]' at '${this.path}${camel(key)}' failed to satisfy constraint: ` +
          `Member must satisfy constraint: [${memberConstraints(item)}]`,
      );
    }
    return items;
  }

  /**
   * AWS's length constraint messages, shared by strings and lists; `shown` prints the value only when needed, and
   * is absent for a secret.
   */
  #checkLength(
    length: number,
    range: { min?: number; max?: number },
    at: string,
    shown: (() => string) | undefined,
  ): void {
    if (range.min !== undefined && length < range.min) {
      this.#errors.push(
        `${valueAt(at, shown?.())} failed to satisfy constraint: Member must have length greater than or equal to ${range.min}`,
      );
    }
    if (range.max !== undefined && length > range.max) {
      this.#errors.push(
        `${valueAt(at, shown?.())} failed to satisfy constraint: Member must have length less than or equal to ${range.max}`,
      );
    }
  }

  /** The `NextToken` and `Limit` that every List operation takes, with their constraints. */
  paging(): { nextToken: string | undefined; limit: number | undefined } {
    const nextToken = this.string('NextToken', { min: 1, max: 2048 });
    const limit = this.integer('Limit', { min: 1, max: 100 });
    return { nextToken, limit };
  }

  /**
   * A map of strings, its size, keys and values held to AWS's model. As AWS reports them (recorded for
   * InputPathsMap), a broken key or value names every constraint of its shape, and the map is shown as Java
   * prints one: `{key=value, ...}`.
   */
  stringMap(
    key: string,
    rules: { readonly max?: number; readonly keys?: StringRule; readonly values?: StringRule } = {},
  ): Record<string, string> | undefined {
    const value = this.body[key];
    if (value === undefined || value === null) return undefined;
    if (!isObject(value) || Object.values(value).some((v) => typeof v !== 'string')) {
      throw serializationError(`Expected a map of strings for ${key}.`);
    }
    const map = value as Record<string, string>;
    const at = `${this.path}${camel(key)}`;
    const entries = Object.entries(map);
    const shown = (): string => `{${entries.map(([k, v]) => `${k}=${v}`).join(', ')}}`;
    if (rules.max !== undefined) this.#checkLength(entries.length, { max: rules.max }, at, shown);
    const { keys, values } = rules;
    if (keys && entries.some(([k]) => !satisfies(k, keys))) {
      this.#errors.push(
        `Value '${shown()}' at '${at}' failed to satisfy constraint: Map keys must satisfy constraint: ` +
          `[${memberConstraints(keys)}]`,
      );
    }
    if (values && entries.some(([, v]) => !satisfies(v, values))) {
      this.#errors.push(
        `Value '${shown()}' at '${at}' failed to satisfy constraint: Map value must satisfy constraint: ` +
          `[${memberConstraints(values)}]`,
      );
    }
    return map;
  }

  enumValue<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value !== undefined && !(allowed as readonly string[]).includes(value)) {
      this.#errors.push(
        `Value '${value}' at '${this.path}${camel(key)}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
      );
    }
    return value as T | undefined;
  }

  /** Throws the collected constraint violations, if any. */
  check(): void {
    const n = this.#errors.length;
    if (n === 0) return;
    throw validationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${this.#errors.join('; ')}`);
  }
}

/** How AWS's messages name a bad value: `Value 'x' at 'member'`, or for a secret only `Value at 'member'`. */
function valueAt(at: string, value: string | undefined): string {
  return value === undefined ? `Value at '${at}'` : `Value '${value}' at '${at}'`;
}

export function parseBody(text: string): JsonObject {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new EventBridgeApiError('SerializationException', 'Request body is not valid JSON.', 400, {
      cause,
    });
  }
  if (!isObject(parsed)) throw serializationError('Request body must be a JSON object.');
  // No member of any operation nests near this deep (a Detail or an Input is a string). Deeper, writing the body to
  // the journal, or a target back, would overflow the stack after the change was made.
  if (nestsTooDeep(text, parsed)) throw serializationError('Request body nests too deeply.');
  return parsed;
}

/**
 * The order every list operation returns names in (and the one its NextToken resumes by): by character code, the
 * same on every machine. (It was `localeCompare`, which follows the machine's locale and puts `a-b` after `a_b`.)
 */
const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * What a NextToken is bound to: the request's filters (a token serves again, with another Limit too, but not
 * with other filters, as AWS was recorded doing for ListArchives) and how its items are named.
 */
export interface PageScope<T> {
  /** The operation and the request's filters, in any stable form. */
  readonly filter: string;
  /** The name of an item; page() returns items in compareNames order of it unless `ordered` is false. */
  readonly key: (item: T) => string;
  /**
   * False for a few items in an order of their own (a rule's five targets at most): the token then holds the
   * names of every item returned so far, and the next page is the items not among them.
   */
  readonly ordered?: boolean;
  /** The error for a token that is not one (malformed) or that was made with other filters; by default ValidationException. */
  readonly invalid?: (reason: 'malformed' | 'other-filter') => EventBridgeApiError;
  /**
   * Ordered items only: a page also ends before the item that would take its items' `weight` (bytes, say) past
   * `most`, though it always holds one.
   */
  readonly budget?: { readonly weight: (item: T) => number; readonly most: number };
}

interface PageToken {
  /** The name of the last item returned. */
  readonly after: string;
  /**
   * A digest of the scope's filter: the filter itself could hold a target ARN of 1,600 characters, and a token
   * must fit the 2,048 characters NextToken takes (a longer one could not be sent back).
   */
  readonly filter: string;
  /** Unordered items: the names of every item returned so far. */
  readonly seen?: readonly string[];
}

/**
 * Paging as EventBridge does it: an opaque NextToken, a Limit (1 to 100 in EventBridge's operations), the items in
 * name order (the order the token resumes by, whatever order they are given in). The token holds the name of the
 * last item returned, so that items deleted or added meanwhile neither hide nor repeat the ones after it (a loop
 * that deletes each page as it lists used to skip one page in two).
 */
export function page<T>(
  unsorted: readonly T[],
  nextToken: string | undefined,
  limit: number | undefined,
  scope: PageScope<T>,
) {
  const { key } = scope;
  const filter = filterDigest(scope.filter);
  const size = limit ?? 100;
  const token =
    nextToken === undefined
      ? undefined
      : readToken(nextToken, filter, scope.ordered === false, scope.invalid);
  const encode = (next: PageToken) => Buffer.from(JSON.stringify(next)).toString('base64url');
  if (scope.ordered === false) {
    const seen = token?.seen ?? [];
    const left = seen.length > 0 ? unsorted.filter((item) => !seen.includes(key(item))) : unsorted;
    const slice = left.slice(0, size);
    if (slice.length === 0 || slice.length === left.length) return { items: slice, nextToken: undefined };
    const after = key(slice[slice.length - 1] as T);
    return { items: slice, nextToken: encode({ after, filter, seen: [...seen, ...slice.map(key)] }) };
  }
  const { items, more } = firstInNameOrder(unsorted, key, size, token?.after);
  const within = scope.budget ? withinBudget(items, scope.budget) : items;
  const last = within[within.length - 1];
  if ((!more && within.length === items.length) || last === undefined) return { items, nextToken: undefined };
  return { items: within, nextToken: encode({ after: key(last), filter }) };
}

/** The first of `items` whose weights together stay within `most`, and at least one. */
function withinBudget<T>(items: T[], { weight, most }: NonNullable<PageScope<T>['budget']>): T[] {
  let total = 0;
  for (let i = 0; i < items.length; i++) {
    total += weight(items[i] as T);
    if (total > most && i > 0) return items.slice(0, i);
  }
  return items;
}

/**
 * The first `count` items in name order whose names come after `after` (every item's, when undefined), and whether
 * more follow: each name made once, and only the `count` first so far kept (in a heap whose root is the last of
 * them) as the rest go by, so a page costs O(n log count) in any order of items. Sorting every item for each page
 * (before 2026-12-05) took 50 ms a page with 100,000 dead letters, 50 s to list them all; a comparator that made
 * both names at every comparison took 0.4 s to order them once; and keeping them in a sorted list instead of a heap
 * cost 0.4 s a page for 260,000 items in descending order at a Limit of 10,000 (diff review).
 */
function firstInNameOrder<T>(
  items: readonly T[],
  key: (item: T) => string,
  count: number,
  after: string | undefined,
): { items: T[]; more: boolean } {
  interface Kept {
    readonly item: T;
    readonly name: string;
    /** Its place among the items given: equal names keep that order, as a stable sort leaves them. */
    readonly at: number;
  }
  const heap: Kept[] = [];
  const later = (a: Kept, b: Kept): boolean => {
    const order = compareNames(a.name, b.name);
    return order > 0 || (order === 0 && a.at > b.at);
  };
  const get = (i: number): Kept => heap[i] as Kept;
  const swap = (i: number, j: number): void => {
    [heap[i], heap[j]] = [get(j), get(i)];
  };
  let more = false;
  for (let at = 0; at < items.length; at++) {
    const item = items[at] as T;
    const name = key(item);
    if (after !== undefined && compareNames(name, after) <= 0) continue;
    if (heap.length < count) {
      heap.push({ item, name, at });
      for (let i = heap.length - 1; i > 0 && later(get(i), get((i - 1) >>> 1)); i = (i - 1) >>> 1) {
        swap(i, (i - 1) >>> 1);
      }
      continue;
    }
    more = true;
    // Not before the last kept: `at` is later than every kept item's, so an equal name goes behind too.
    if (heap.length === 0 || compareNames(name, get(0).name) >= 0) continue;
    heap[0] = { item, name, at };
    for (let i = 0; ; ) {
      const left = 2 * i + 1;
      let largest = left < heap.length && later(get(left), get(i)) ? left : i;
      if (left + 1 < heap.length && later(get(left + 1), get(largest))) largest = left + 1;
      if (largest === i) break;
      swap(i, largest);
      i = largest;
    }
  }
  return { items: heap.sort((a, b) => (later(a, b) ? 1 : -1)).map((kept) => kept.item), more };
}

const filterDigest = (filter: string): string =>
  createHash('sha256').update(filter).digest('base64url').slice(0, 22);

function readToken(
  nextToken: string,
  filter: string,
  unordered: boolean,
  invalid: PageScope<unknown>['invalid'],
): PageToken {
  const refuse = (reason: 'malformed' | 'other-filter') =>
    invalid?.(reason) ?? validationError('The NextToken provided is invalid.');
  let token: Partial<Record<keyof PageToken, unknown>> | null;
  try {
    token = JSON.parse(Buffer.from(nextToken, 'base64url').toString('utf8'));
  } catch {
    throw refuse('malformed');
  }
  const seen = token?.seen;
  const seenOk = unordered
    ? Array.isArray(seen) && seen.every((name) => typeof name === 'string')
    : seen === undefined;
  if (typeof token?.after !== 'string' || !seenOk) throw refuse('malformed');
  if (token.filter !== filter) throw refuse('other-filter');
  return token as PageToken;
}
