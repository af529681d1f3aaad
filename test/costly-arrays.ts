// An event and a pattern whose same-element check no method decides quickly: the path a.b.c.d.e written in the 16
// ways dotted keys allow (`a.b` beside `a` holding `b`), each an array of 4 objects, and 13 conditions under it.
// The elements chosen in each array are part of what the check must keep (diff review, 2026-12-06).

const SEGMENTS = ['a', 'b', 'c', 'd', 'e'];
const FIELDS = Array.from({ length: 12 }, (_, i) => `x${i}`);

/** Every way of writing `segments` as keys, each joining one or more of them with dots. */
function ways(segments: readonly string[]): string[][] {
  if (segments.length === 1) return [[...segments]];
  return segments.flatMap((_, i) =>
    i === segments.length - 1
      ? [[segments.join('.')]]
      : ways(segments.slice(i + 1)).map((tail) => [segments.slice(0, i + 1).join('.'), ...tail]),
  );
}

/** The event's detail: 16 arrays of 4 objects at one path, each object meeting every condition but the last. */
export function costlyDetail(): Record<string, unknown> {
  const element = Object.fromEntries([...FIELDS.map((f) => [f, 1]), ['zz', 1]]);
  const detail: Record<string, unknown> = {};
  for (const way of ways(SEGMENTS)) {
    let at = detail;
    for (const key of way.slice(0, -1)) {
      at[key] ??= {};
      at = at[key] as Record<string, unknown>;
    }
    at[way.at(-1) as string] = [element, element, element, element];
  }
  return detail;
}

/** The detail's conditions: 12 that every element meets, and one (`zz` absent) that none does. */
export function costlyCondition(): Record<string, unknown> {
  let condition: Record<string, unknown> = Object.fromEntries([
    ...FIELDS.map((f) => [f, [1]]),
    ['zz', [{ exists: false }]],
  ]);
  for (const key of [...SEGMENTS].reverse()) condition = { [key]: condition };
  return condition;
}

/**
 * An event's detail that the same-element check decides in some 20,000 steps, within any budget of its own but more
 * than a search is allowed once a shared budget is spent (see sharingSearchBudget): 10,001 objects of `items`, of
 * which only the last holds both values that slowConditions() asks for (150 KB).
 */
export function slowDetail(): Record<string, unknown> {
  return { items: [...Array.from({ length: 10_000 }, () => ({ a: 1, b: 0 })), { a: 1, b: 1 }] };
}

/** Two conditions on one element of `items`: `a` and `b` both 1. */
export function slowCondition(): Record<string, unknown> {
  return { items: { a: [1], b: [1] } };
}
