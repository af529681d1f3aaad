// The JSONPath subset that EventBridge accepts in InputPath and InputPathsMap: `$`, `.name` (any characters
// but `.` and `[`, so `$.detail-type` works), `['name']`, `[index]`, and the wildcards `.*` and `[*]` (AWS's
// guide lists "wildcards (*)").

/** Every member of an object, or element of a list. */
export const WILDCARD: unique symbol = Symbol('*');

export type PathSegment = string | number | typeof WILDCARD;

export class InvalidJsonPathError extends Error {
  override name = 'InvalidJsonPathError';
}

/** Splits a path into segments; throws InvalidJsonPathError on anything outside the subset. */
export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new InvalidJsonPathError(`JSONPath must start with $: ${path}`);
  const segments: PathSegment[] = [];
  let i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      let j = i + 1;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      const name = path.slice(i + 1, j);
      if (name === '') throw new InvalidJsonPathError(`empty name in JSONPath: ${path}`);
      segments.push(name === '*' ? WILDCARD : name);
      i = j;
    } else if (c === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new InvalidJsonPathError(`unclosed [ in JSONPath: ${path}`);
      const inner = path.slice(i + 1, close).trim();
      const quoted = /^'(.*)'$|^"(.*)"$/.exec(inner);
      if (quoted) segments.push(quoted[1] ?? quoted[2] ?? '');
      else if (/^\d+$/.test(inner)) segments.push(Number(inner));
      else if (inner === '*') segments.push(WILDCARD);
      else throw new InvalidJsonPathError(`unsupported selector [${inner}] in JSONPath: ${path}`);
      i = close + 1;
    } else {
      throw new InvalidJsonPathError(`unexpected character ${c} in JSONPath: ${path}`);
    }
  }
  return segments;
}

/**
 * Reads the value at `segments`; `found` is false where any step is missing. A path with a wildcard selects a
 * list, as JSONPath's indefinite paths do: every value it reaches, in order (none: an empty list).
 */
export function readJsonPath(
  root: unknown,
  segments: readonly PathSegment[],
): { found: boolean; value: unknown } {
  const reached = readAll(root, segments);
  if (segments.includes(WILDCARD)) return { found: true, value: reached };
  // A path without a wildcard reaches one value at most.
  return reached.length === 0 ? { found: false, value: undefined } : { found: true, value: reached[0] };
}

/** Every value `segments` reach from `root`, in order. */
function readAll(root: unknown, segments: readonly PathSegment[]): unknown[] {
  let reached: unknown[] = [root];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const node of reached) {
      if (segment === WILDCARD) {
        // One at a time: spread into push's arguments, an array of 130,000 values (a 256 KB event holds more)
        // overflowed the stack, and the delivery failed and was retried (adversarial-input review, 2026-12-06).
        const members = Array.isArray(node)
          ? node
          : typeof node === 'object' && node !== null
            ? Object.values(node)
            : [];
        for (const member of members) next.push(member);
      } else if (typeof segment === 'number') {
        if (Array.isArray(node) && segment < node.length) next.push(node[segment]);
      } else if (
        typeof node === 'object' &&
        node !== null &&
        !Array.isArray(node) &&
        Object.hasOwn(node, segment)
      ) {
        next.push((node as Record<string, unknown>)[segment]);
      }
    }
    reached = next;
  }
  return reached;
}
