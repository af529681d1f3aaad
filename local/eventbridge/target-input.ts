// What a target receives: the whole event, a constant Input, an InputPath selection, or an InputTransformer
// rendering — validated at PutTargets and rendered per event with the rules AWS applies (recorded in
// shared/conformance/eventbridge/input-transformer.json).
import { validationError } from './errors.js';
import { InvalidJsonPathError, type PathSegment, parseJsonPath, readJsonPath } from './json-path.js';
import { JSON_NUMBER, JsonTextError, jacksonLocation, parseJsonText } from './patterns/json-text.js';
import { unitsPrefix } from './text.js';

export interface InputTransformerConfig {
  readonly InputPathsMap?: Readonly<Record<string, string>>;
  readonly InputTemplate: string;
}

export interface TargetInputConfig {
  readonly Id: string;
  readonly Input?: string;
  readonly InputPath?: string;
  readonly InputTransformer?: InputTransformerConfig;
}

/** The event being delivered, and the rule that matched it. */
export interface RenderContext {
  readonly event: Readonly<Record<string, unknown>>;
  readonly eventJson: string;
  readonly ruleArn: string;
  readonly ruleName: string;
  /** ISO time EventBridge took the event in. */
  readonly ingestionTime: string;
  /**
   * Puts back the exact integers `event` holds as markers (see withExactIntegers), where it does; undefined, without
   * building it, when the text would then be longer than MAX_RENDERED_BYTES units (a marker of a few units may stand
   * for an integer of 250,000 digits).
   */
  readonly restoreExact?: (text: string, limit?: number) => string | undefined;
}

export type RenderResult =
  | { readonly ok: true; readonly payload: string }
  | { readonly ok: false; readonly errorCode: string; readonly errorMessage: string };

export type TargetInputRenderer = (ctx: RenderContext) => RenderResult;

/**
 * The most UTF-8 bytes an InputTemplate may render, the largest payload any target here takes (an SQS message,
 * a Lambda function's asynchronous invocation: 1 MiB). A template naming `$.detail` 2,000 times rendered 510 MB
 * for each event of 250 KB, and eight such events ended the process out of memory (adversarial-input review,
 * 2026-12-06). Rendering stops once past it, and the event is dead-lettered as INVALID_PARAMETER, as a target
 * refusing a payload too large is.
 */
export const MAX_RENDERED_BYTES = 1024 * 1024;

function renderedTooLarge(id: string): RenderResult {
  return {
    ok: false,
    errorCode: 'INVALID_PARAMETER',
    errorMessage: `InputTemplate of target ${id} rendered more than ${MAX_RENDERED_BYTES} bytes, more than a target takes.`,
  };
}

/** Whether `text` is past MAX_RENDERED_BYTES in UTF-8 (never fewer bytes than UTF-16 units). */
function pastRenderLimit(text: string): boolean {
  return text.length > MAX_RENDERED_BYTES || Buffer.byteLength(text) > MAX_RENDERED_BYTES;
}

const PREDEFINED = new Set([
  'aws.events.rule-arn',
  'aws.events.rule-name',
  'aws.events.event.ingestion-time',
  'aws.events.event',
  'aws.events.event.json',
]);

/** The predefined variables holding the event as JSON, put in unescaped. */
const UNESCAPED = new Set(['aws.events.event', 'aws.events.event.json']);

const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;

/**
 * Where Jackson (AWS's parser) says a JSON syntax error is, as its messages print it (see jacksonLocation).
 * Jackson reports the column just past what it read: past a word where a value should start (`env:dev` at column
 * 4), past any other character it did not expect (`{'a'` and `{a:` at column 3, a bad escape at its letter), past
 * the end of a text too short; lines are those it had counted at the fault, which a string's raw newline does not
 * move. Checked against Jackson 2.12 on twenty texts; a leading zero is one place it reads one character
 * differently.
 */
function faultLocation(text: string, fault: JsonTextError | undefined): string {
  const offset = fault?.offset ?? text.length;
  let end = offset + 1;
  if (offset >= text.length) end = text.length;
  else if (fault?.what === 'unexpected character' && /[A-Za-z]/.test(text.charAt(offset))) {
    end = offset;
    while (end < text.length && /[A-Za-z0-9_$]/.test(text.charAt(end))) end++;
  } else if (fault?.what === 'bad escape') end = offset + 2;
  return jacksonLocation(text, end, offset);
}

/**
 * A path of InputPath or InputPathsMap, refused in AWS's recorded words ("InputPath for target t1 is invalid.",
 * for a path without its `$` and for quoted brackets, in InputPath and in InputPathsMap values alike: a third
 * party's PutTargets runs, us-east-1, 2026-09-07). AWS's API reference: "You must use JSON dot notation, not
 * bracket notation"; index brackets (`$.detail.a[0]`) were taken. Quoted brackets were taken here before
 * (2026-12-04), and a journal of then keeps them (`replaying`).
 */
function compilePath(path: string, targetId: string, replaying: boolean): PathSegment[] {
  const refused = () => validationError(`InputPath for target ${targetId} is invalid.`);
  if (!replaying && /\[\s*['"]/.test(path)) throw refused();
  try {
    return parseJsonPath(path);
  } catch (cause) {
    if (cause instanceof InvalidJsonPathError) throw refused();
    throw cause;
  }
}

/**
 * Validates a target's input settings as PutTargets does and returns the renderer for its events.
 * Throws EventBridgeApiError (ValidationException) with AWS's message. `replaying`: the settings come from the
 * journal, which holds what an earlier version took; checks added since (dated in docs/eventbridge.md) let them be.
 */
export function compileTargetInput(target: TargetInputConfig, replaying = false): TargetInputRenderer {
  const id = target.Id;
  const given = [target.Input, target.InputPath, target.InputTransformer].filter((v) => v !== undefined);
  if (given.length > 1) {
    throw validationError(
      `Only one of Input, InputPath, or InputTransformer must be provided for target ${id}.`,
    );
  }
  if (target.Input !== undefined) {
    const input = target.Input;
    try {
      JSON.parse(input);
    } catch {
      // Where it went wrong, by our reader (JSON.parse does not say).
      let fault: JsonTextError | undefined;
      try {
        parseJsonText(input);
      } catch (error) {
        if (error instanceof JsonTextError) fault = error;
      }
      // AWS's words, recorded twice (aws/aws-cli#6711, ansible-collections/community.aws#201): Jackson's.
      throw validationError(`JSON syntax error in input for target ${id}: ${faultLocation(input, fault)}`);
    }
    return () => ({ ok: true, payload: input });
  }
  if (target.InputPath !== undefined) {
    const segments = compilePath(target.InputPath, id, replaying);
    return withExactIntegers(
      id,
      (ctx) => {
        if (segments.length === 0) return { ok: true, payload: ctx.eventJson };
        const { found, value } = readJsonPath(ctx.event, segments);
        // A path that selects nothing delivers JSON null rather than an empty (non-JSON) body.
        return { ok: true, payload: found ? JSON.stringify(value) : 'null' };
      },
      'path',
    );
  }
  if (target.InputTransformer !== undefined) {
    const render = compileTransformer(target.InputTransformer, id, replaying);
    // A template holding the marker characters itself would have them taken for markers: such a rare template
    // renders as JavaScript reads the event.
    return /[\uE000-\uE002]/.test(target.InputTransformer.InputTemplate)
      ? render
      : withExactIntegers(id, render, 'template');
  }
  return (ctx) => ({ ok: true, payload: ctx.eventJson });
}

/** Marks an integer JSON.parse would round in the event the renderer reads; restored in what it renders. */
const MARK_OPEN = '\uE000';
const MARK_CLOSE = '\uE001';
/** Opens a marker put inside text (a JSON string, a string template), where the number goes in as digits. */
const MARK_IN_TEXT = '\uE002';
/** A marker as JSON (a string, which its number replaces, quotes and all), or put inside text. */
const MARKED = /"\uE000(\d+)\uE001"|[\uE000\uE002](\d+)\uE001/g;
/** Markers put inside text: a quote beside one is the template's own, not the marker's. */
const inText = (text: string): string => text.replaceAll(MARK_OPEN, MARK_IN_TEXT);

/**
 * A renderer that reads integers beyond 2^53 in the event exactly, as AWS's JSON reader does (Jackson reads them
 * as long or BigInteger integers), where JSON.parse rounds them (1234567890123456789 to ...800). Rare, so the
 * event is read again only when its text holds such a number: each is replaced by a marker string, and the
 * markers in the rendered payload by the number's own text.
 */
function withExactIntegers(
  id: string,
  render: TargetInputRenderer,
  capped: 'template' | 'path',
): TargetInputRenderer {
  return (ctx) => {
    if (!/\d{16}/.test(ctx.eventJson)) return render(ctx);
    const exact: string[] = [];
    const marked = markLargeIntegers(ctx.eventJson, exact);
    if (exact.length === 0 || marked === undefined) return render(ctx);
    // A template's output is capped with the integers restored: a marker of a few units stood for an integer of
    // 250,000 digits, so a text template naming it 2,000 times passed the cap and rendered 500 MB (diff review,
    // 2026-12-06). What a path selects is part of the event, delivered whatever its size, as the whole event is.
    const restoreExact = (text: string, limit = MAX_RENDERED_BYTES): string | undefined => {
      let units = text.length;
      for (const m of text.matchAll(MARKED)) {
        units += (exact[Number(m[1] ?? m[2])] ?? '').length - m[0].length;
        if (capped === 'template' && units > limit) return undefined;
      }
      return text.replace(
        MARKED,
        (_m, json?: string, inText?: string) => exact[Number(json ?? inText)] ?? '',
      );
    };
    const result = render({ ...ctx, event: JSON.parse(marked) as Record<string, unknown>, restoreExact });
    if (!result.ok) return result;
    const payload = restoreExact(result.payload);
    if (capped === 'path') return { ok: true, payload: payload ?? result.payload };
    return payload === undefined || pastRenderLimit(payload) ? renderedTooLarge(id) : { ok: true, payload };
  };
}

/**
 * The JSON text with each integer literal JSON.parse would round written as a marker string instead (its text
 * pushed on `exact`), or undefined when the text already holds a marker character.
 */
function markLargeIntegers(text: string, exact: string[]): string | undefined {
  if (/[\uE000-\uE002]|\\u[eE]00[0-2]/.test(text)) return undefined;
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i = closingQuote(text, i);
      continue;
    }
    if (c !== 45 /* - */ && (c < 48 || c > 57)) continue;
    JSON_NUMBER.lastIndex = i;
    const token = JSON_NUMBER.exec(text)?.[0] ?? '';
    if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${text.slice(from, i)}"${MARK_OPEN}${exact.length}${MARK_CLOSE}"`;
      exact.push(token);
      from = i + token.length;
    }
    i += Math.max(token.length, 1) - 1;
  }
  return out + text.slice(from);
}

type Lookup = (ctx: RenderContext) => { found: boolean; value: unknown; json?: string };

/**
 * The predefined variables' lookups: one set for all targets. Made for each target, they took five closures and five
 * entries of its map of lookups (about 400 bytes) per target, held as long as its rule.
 */
const PREDEFINED_LOOKUPS: ReadonlyMap<string, Lookup> = new Map<string, Lookup>([
  ['aws.events.rule-arn', (ctx) => ({ found: true, value: ctx.ruleArn })],
  ['aws.events.rule-name', (ctx) => ({ found: true, value: ctx.ruleName })],
  ['aws.events.event.ingestion-time', (ctx) => ({ found: true, value: ctx.ingestionTime })],
  ['aws.events.event', (ctx) => ({ found: true, value: eventWithoutDetail(ctx.event) })],
  ['aws.events.event.json', (ctx) => ({ found: true, value: ctx.event, json: ctx.eventJson })],
]);

function compileTransformer(
  transformer: InputTransformerConfig,
  id: string,
  replaying: boolean,
): TargetInputRenderer {
  const template = transformer.InputTemplate;
  if (typeof template !== 'string' || template.length === 0) {
    throw validationError(`InputTemplate for target ${id} must be provided.`);
  }
  const pathsMap = transformer.InputPathsMap ?? {};
  const keys = Object.keys(pathsMap);
  const lookups = new Map<string, Lookup>();
  for (const key of keys) {
    // A copy of its own length: a list grown by push holds room for 17 (152 bytes), kept as long as the target.
    const segments = compilePath(pathsMap[key] ?? '', id, replaying).slice();
    lookups.set(key, (ctx) => readJsonPath(ctx.event, segments));
  }
  const trimmed = template.trim();
  const objectTemplate = trimmed.startsWith('{');
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!lookups.has(name) && !PREDEFINED.has(name)) {
      throw validationError(`InputTemplate for target ${id} contains invalid placeholder ${name}.`);
    }
    // AWS's guide: the two whole-event variables "can only be used as the value of a JSON field", as their
    // contents are not escaped. PutTargets refuses them in a template that is not a JSON object (recorded by a
    // third party for aws.events.event.json in a list and in a string template; the same words for both here).
    // Not on replay: before (2026-12-04) such templates were taken.
    if (UNESCAPED.has(name) && !objectTemplate && !replaying) {
      throw validationError(
        `InputTemplate for target ${id} contains placeholder ${name} valid only for JSON template.`,
      );
    }
  }

  // AWS's API reference: "If InputTemplate is a JSON object (surrounded by curly braces)"; and AWS refuses the
  // whole-event placeholder in a list as "valid only for JSON template" (above), so a list is not one either, we
  // infer (how AWS renders one is not recorded). `[ALERT] <k>` is text; before (2026-12-04) it was read as JSON,
  // rendered invalid JSON and every event was dead-lettered. A journal's list templates render as they did then.
  const jsonTemplate = objectTemplate || (replaying && trimmed.startsWith('['));
  const singlePlaceholder = /^<[A-Za-z0-9_.-]+>$/.test(trimmed);
  if (jsonTemplate || singlePlaceholder) {
    const parts = splitTemplate(template);
    return (ctx) => {
      let out = '';
      // The event as it came holds the spaces it was sent with, which a JSON template's output loses: minified
      // once, so that the limit below is not reached by spaces (diff review, 2026-12-06).
      let eventMinified: string | undefined;
      for (const part of parts) {
        if (typeof part === 'string') {
          out += part;
          continue;
        }
        // A predefined variable before a path of the same name.
        const lookup = PREDEFINED_LOOKUPS.get(part.name) ?? lookups.get(part.name);
        let result = lookup ? lookup(ctx) : { found: false, value: undefined };
        if (jsonTemplate && result.json !== undefined) {
          eventMinified ??= minified(result.json);
          result = { ...result, json: eventMinified };
        }
        out += part.inString ? renderInString(result) : renderAsJson(result);
        // The template's own spaces go too, when minified below: at most its length.
        if (out.length > MAX_RENDERED_BYTES + template.length) return renderedTooLarge(id);
      }
      // Judged, and shown in a refusal, as the target would get it: `{<id>: 1}` is not JSON for any id.
      if (ctx.restoreExact) {
        // Before minifying: the template's own spaces, which go then, are not counted against the limit.
        const restored = ctx.restoreExact(out, MAX_RENDERED_BYTES + template.length);
        if (restored === undefined) return renderedTooLarge(id);
        out = restored;
      }
      if (jsonTemplate) {
        try {
          JSON.parse(out);
        } catch {
          return {
            ok: false,
            errorCode: 'INVALID_JSON',
            errorMessage: `InputTemplate of target ${id} rendered invalid JSON: ${truncate(out)}`,
          };
        }
        // AWS's guide: "The JSON that is passed to the target is minified".
        const payload = minified(out);
        return pastRenderLimit(payload) ? renderedTooLarge(id) : { ok: true, payload };
      }
      return pastRenderLimit(out) ? renderedTooLarge(id) : { ok: true, payload: out };
    };
  }
  // A string template: every value goes in as text, objects and lists without quotes (AWS renders
  // {"a":"b"} as {a:b}); inside a quoted JSON string the text is escaped so the result stays a string.
  const insideJsonString = trimmed.startsWith('"');
  return (ctx) => {
    let units = template.length;
    const out = template.replace(PLACEHOLDER, (_whole, name: string) => {
      // Past the limit already, the rest is not rendered: the answer is the refusal.
      if (units > MAX_RENDERED_BYTES) return '';
      const lookup = PREDEFINED_LOOKUPS.get(name) ?? lookups.get(name);
      const result = lookup ? lookup(ctx) : { found: false, value: undefined };
      if (!result.found) return '';
      const text = inText(typeof result.value === 'string' ? result.value : unquoted(result.value));
      const value = insideJsonString ? JSON.stringify(text).slice(1, -1) : text;
      units += value.length;
      return value;
    });
    return units > MAX_RENDERED_BYTES || pastRenderLimit(out)
      ? renderedTooLarge(id)
      : { ok: true, payload: out };
  };
}

type TemplatePart = string | { readonly name: string; readonly inString: boolean };

/**
 * Cuts a JSON-ish template into literal text and placeholders, noting which sit inside a JSON string. Each literal is
 * a slice of the template, not text added to a character at a time: V8 keeps such text as a tree of the pieces it
 * was joined from, a node of 32 bytes per character past the twelfth, for as long as the target (1.8 KB for the
 * literal of sharebus's subscription template, measured 2026-12-07).
 */
function splitTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let start = 0;
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (c === '<') {
      const match = /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i));
      if (match?.[1] !== undefined) {
        parts.push(template.slice(start, i));
        parts.push({ name: match[1], inString });
        i += match[0].length - 1;
        start = i + 1;
        continue;
      }
    }
    if (c === '\\' && inString) {
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
  }
  parts.push(template.slice(start));
  // A copy of its own length: grown by push, the list holds room for 17 parts (152 bytes).
  return parts.slice();
}

function renderAsJson(result: { found: boolean; value: unknown; json?: string }): string {
  if (!result.found || result.value === undefined) return '""';
  return result.json ?? JSON.stringify(result.value);
}

function renderInString(result: { found: boolean; value: unknown; json?: string }): string {
  if (!result.found || result.value === undefined) return '';
  const v = result.value;
  if (typeof v === 'string') return inText(JSON.stringify(v).slice(1, -1));
  // Objects and lists keep their quotes here, so the template no longer parses and AWS delivers nothing.
  return result.json ?? JSON.stringify(v);
}

/** AWS's rendering of a value inside a string template: JSON without quotes. */
function unquoted(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(unquoted).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${unquoted(v)}`)
      .join(',')}}`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The order AWS writes `<aws.events.event>`'s members in, recorded (input-transformer.json,
 * predefined_variables): not the event's own. Members it does not list (`replay-name`) follow in the event's order;
 * where AWS puts those is not recorded.
 */
const EVENT_MEMBER_ORDER = [
  'id',
  'account',
  'detail-type',
  'time',
  'source',
  'region',
  'resources',
  'version',
];

/** `<aws.events.event>`: the event without `detail`, with `detailType` for `detail-type`. */
function eventWithoutDetail(event: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = [
    ...EVENT_MEMBER_ORDER.filter((key) => Object.hasOwn(event, key)),
    ...Object.keys(event).filter((key) => !EVENT_MEMBER_ORDER.includes(key)),
  ];
  for (const key of keys) {
    if (key === 'detail') continue;
    out[key === 'detail-type' ? 'detailType' : key] = event[key];
  }
  return out;
}

/** Where the JSON string opening at `open` ends (its closing quote), its escapes skipped. */
function closingQuote(json: string, open: number): number {
  let i = open + 1;
  for (; i < json.length && json.charCodeAt(i) !== 34; i++) if (json.charCodeAt(i) === 92) i++;
  return i;
}

/** JSON text without the whitespace between its tokens (strings and numbers left exactly as written). */
function minified(json: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 34 /* " */) {
      i = closingQuote(json, i);
    } else if (c === 32 || c === 10 || c === 13 || c === 9) {
      out += json.slice(from, i);
      from = i + 1;
    }
  }
  return out + json.slice(from);
}

const truncate = (text: string): string => (text.length > 200 ? `${unitsPrefix(text, 200)}...` : text);
