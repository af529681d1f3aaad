// A subscription's filter names fields of the event's `data`. A field that no version of the major allows can
// never be there, so a filter that needs it matches nothing, silently; it is refused instead. Only what the
// schemas say plainly is judged, and only conditions that need the field: an object schema (`type: "object"`)
// with `properties` and `additionalProperties: false`, and no keyword that could let other properties in
// (combinators, references, conditionals, patternProperties, unevaluatedProperties). Anything else counts as
// allowing the field, and so do `{"exists": false}` conditions (met where the field cannot be, at any depth below
// it), dotted keys (a path EventBridge reads its own way) and `$or` branches while another branch may match.
import { escapePointerSegment } from '../shared/json-pointer.js';
import { isJsonObject } from '../shared/json-text.js';

/** Keywords beside `properties` under which a schema may accept properties it does not list. */
const OPEN_KEYWORDS = [
  'patternProperties',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  '$ref',
  '$dynamicRef',
  'dependentSchemas',
  'unevaluatedProperties',
];

type Schema = Record<string, unknown>;

const asSchema = (value: unknown): Schema | undefined => (isJsonObject(value) ? value : undefined);

/**
 * The schema a field is held to under `schema`: undefined when the schema says plainly that no such field is
 * allowed, `true` when it cannot tell (or allows anything), else the field's own schema. A schema that may be
 * an array (no `type: "object"`) cannot tell: EventBridge matches fields of an array's elements.
 */
function fieldSchema(schema: Schema, field: string): Schema | true | undefined {
  if (schema.type !== 'object' || OPEN_KEYWORDS.some((keyword) => keyword in schema)) return true;
  const properties = asSchema(schema.properties);
  if (properties !== undefined && Object.hasOwn(properties, field))
    return asSchema(properties[field]) ?? true;
  return schema.additionalProperties === false ? undefined : true;
}

/**
 * Whether a field's conditions can hold where the field is absent: `{"exists": false}` among them, or, for an object
 * of fields below it, every one of them so (an `$or` when one branch is), as EventBridge matches `{"a": {"b":
 * [{"exists": false}]}}` on an event without `a`.
 */
function holdsWhenAbsent(conditions: unknown): boolean {
  if (Array.isArray(conditions)) return conditions.some((condition) => asSchema(condition)?.exists === false);
  const fields = asSchema(conditions);
  if (fields === undefined || Object.keys(fields).length === 0) return false;
  return Object.entries(fields).every(([key, value]) =>
    key === '$or' && Array.isArray(value) ? value.some(holdsWhenAbsent) : holdsWhenAbsent(value),
  );
}

/**
 * The JSON Pointer (under `/filter`) of the first field the filter needs that none of `schemas` allows, and the
 * path of that field in the data; undefined when the filter may match.
 */
export function fieldNoSchemaAllows(
  filter: Record<string, unknown>,
  schemas: readonly unknown[],
): { pointer: string; path: string } | undefined {
  return walk(
    filter,
    schemas.map(asSchema).filter((s): s is Schema => s !== undefined),
    '/filter',
    '',
  );
}

/**
 * Where the filter fails the one version that could match it, when no one of `schemas` allows every field it needs
 * together (a field of one version beside a field of another), and undefined when one does: each event is of one
 * version, validated against it alone, so such a filter never matches though each of its fields passes
 * fieldNoSchemaAllows. The place named is the last schema's (the newest version's, as the versions are listed).
 */
export function fieldsNoOneSchemaAllows(
  filter: Record<string, unknown>,
  schemas: readonly unknown[],
): { pointer: string; path: string } | undefined {
  let last: { pointer: string; path: string } | undefined;
  for (const schema of schemas) {
    const one = asSchema(schema);
    if (one === undefined) continue;
    last = walk(filter, [one], '/filter', '');
    if (last === undefined) return undefined;
  }
  return last;
}

function walk(
  filter: Record<string, unknown>,
  schemas: readonly (Schema | true)[],
  pointer: string,
  path: string,
): { pointer: string; path: string } | undefined {
  for (const [key, value] of Object.entries(filter)) {
    const here = `${pointer}/${escapePointerSegment(key)}`;
    if (key === '$or' && Array.isArray(value)) {
      // Dead only when every branch is.
      const dead = value.map((branch, index) => {
        const inner = asSchema(branch);
        return inner && walk(inner, schemas, `${here}/${index}`, path);
      });
      if (dead.length > 0 && dead.every((found) => found !== undefined)) return dead[0];
      continue;
    }
    if (key.includes('.') || holdsWhenAbsent(value)) continue;
    const fieldPath = path === '' ? key : `${path}.${key}`;
    const next: (Schema | true)[] = [];
    for (const schema of schemas) {
      const field = schema === true ? true : fieldSchema(schema, key);
      if (field !== undefined) next.push(field);
    }
    if (schemas.length > 0 && next.length === 0) return { pointer: here, path: fieldPath };
    // A nested object in a filter names fields below this one; arrays hold the field's match conditions.
    const nested = asSchema(value);
    if (nested !== undefined && !next.includes(true)) {
      const found = walk(nested, next, here, fieldPath);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * Whether a filter (an event pattern) has a `wildcard` condition: plain or under `anything-but`, at any depth or
 * `$or` branch. A field named "wildcard" is not one.
 */
export function usesWildcard(pattern: unknown): boolean {
  if (typeof pattern !== 'object' || pattern === null || Array.isArray(pattern)) return false;
  return Object.entries(pattern).some(([key, value]) => {
    if (key === '$or') return Array.isArray(value) && value.some(usesWildcard);
    if (!Array.isArray(value)) return usesWildcard(value);
    // A field's list of values and conditions: a condition is an object.
    return value.some((condition) => {
      if (typeof condition !== 'object' || condition === null) return false;
      const anythingBut = (condition as Record<string, unknown>)['anything-but'];
      return (
        'wildcard' in condition ||
        (typeof anythingBut === 'object' && anythingBut !== null && 'wildcard' in anythingBut)
      );
    });
  });
}

/**
 * Where in a rule's pattern the place EventBridge names in a refusal falls: the path of the innermost value, or
 * object member (its key, colon and value), that holds the character before `column`. EventBridge's parser stands
 * just past the token it was reading when it met the fault (past a string's opening quote, past a key's colon), so
 * that character lies in the token at fault. The pattern must be what `JSON.stringify(pattern)` wrote: one line,
 * no spaces; undefined when it is not, or the column falls outside it.
 */
export function patternPlace(pattern: unknown, text: string, column: number): PropertyKey[] | undefined {
  const offset = column - 2;
  let written = '';
  let found: PropertyKey[] | undefined;
  const hold = (start: number, path: PropertyKey[]) => {
    // Spans nest, and an inner one is recorded first: the first to hold the offset is the innermost.
    if (found === undefined && start <= offset && offset < written.length) found = path;
  };
  const write = (value: unknown, path: PropertyKey[]): void => {
    const start = written.length;
    if (Array.isArray(value)) {
      written += '[';
      value.forEach((element, index) => {
        if (index > 0) written += ',';
        write(element, [...path, index]);
      });
      written += ']';
    } else if (typeof value === 'object' && value !== null) {
      written += '{';
      let first = true;
      for (const [key, member] of Object.entries(value)) {
        if (member === undefined) continue;
        if (!first) written += ',';
        first = false;
        const memberStart = written.length;
        written += `${JSON.stringify(key)}:`;
        write(member, [...path, key]);
        hold(memberStart, [...path, key]);
      }
      written += '}';
    } else {
      written += JSON.stringify(value);
    }
    hold(start, path);
  };
  write(pattern, []);
  return written === text ? found : undefined;
}

/**
 * A place in a filter no deeper than the condition it is in: `["amount", 0, "numeric"]` for `["amount", 0,
 * "numeric", 1]`. Inside a condition EventBridge's parser stands where it decided, which may be past the part at
 * fault (a numeric operator is judged once its value is read), so the place names the condition, and the
 * reason what is wrong with it.
 */
export function conditionPlace(filter: unknown, path: readonly PropertyKey[]): PropertyKey[] {
  let fields = asSchema(filter);
  let at = 0;
  while (fields !== undefined && at < path.length) {
    const key = path[at] as string;
    const value = fields[key];
    if (key === '$or' && Array.isArray(value)) {
      // `$or` holds branches, each a filter of its own.
      fields = asSchema(value[path[at + 1] as number]);
      at += 2;
    } else if (Array.isArray(value)) {
      // A field's values and conditions: the condition's own key ends the place.
      const condition = asSchema(value[path[at + 1] as number]);
      return path.slice(0, condition === undefined ? at + 2 : at + 3);
    } else {
      fields = asSchema(value);
      at += 1;
    }
  }
  return path.slice(0, at);
}

/** A character outside the Basic Multilingual Plane (a surrogate pair), or a lone surrogate. */
const OUTSIDE_BMP = /[\uD800-\uDFFF]/;

/**
 * The JSON Pointer (under `/filter`) of the first `equals-ignore-case` text (plain, under `prefix`, `suffix` or
 * `anything-but`, at any depth or `$or` branch) holding a character outside the Basic Multilingual Plane: a CJK
 * Extension B character of a name (𠮷), an emoji. EventBridge's matcher (event-ruler) case-folds such patterns one
 * UTF-16 unit at a time and encodes each half of the pair to UTF-8 as '?', so `{"equals-ignore-case": "𠮷田"}` never
 * matches "𠮷田" and matches "??田"; under `anything-but` it lets "𠮷田" through. Undefined when there is none.
 */
export function ignoreCaseOutsideBmp(filter: unknown, pointer = '/filter'): string | undefined {
  const inCondition = (value: unknown, at: string): string | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    for (const [key, member] of Object.entries(value)) {
      const here = `${at}/${escapePointerSegment(key)}`;
      if (key === 'equals-ignore-case') {
        if (typeof member === 'string' && OUTSIDE_BMP.test(member)) return here;
        if (Array.isArray(member)) {
          const index = member.findIndex((text) => typeof text === 'string' && OUTSIDE_BMP.test(text));
          if (index >= 0) return `${here}/${index}`;
        }
        continue;
      }
      const found = inCondition(member, here);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const fields = asSchema(filter);
  if (fields === undefined) return undefined;
  for (const [key, value] of Object.entries(fields)) {
    const here = `${pointer}/${escapePointerSegment(key)}`;
    let found: string | undefined;
    if (key === '$or' && Array.isArray(value)) {
      for (const [index, branch] of value.entries()) {
        found = ignoreCaseOutsideBmp(branch, `${here}/${index}`);
        if (found !== undefined) break;
      }
    } else if (Array.isArray(value)) {
      for (const [index, condition] of value.entries()) {
        found = inCondition(condition, `${here}/${index}`);
        if (found !== undefined) break;
      }
    } else {
      found = ignoreCaseOutsideBmp(value, here);
    }
    if (found !== undefined) return found;
  }
  return undefined;
}
