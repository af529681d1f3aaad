// RFC 6901 JSON Pointers: how every error names the field at fault in a request body.

export function escapePointerSegment(segment: PropertyKey): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A segment as it was before escapePointerSegment (`~1` → `/`, then `~0` → `~`). */
export function unescapePointerSegment(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** `['events', 2, 'data']` → `/events/2/data`. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${escapePointerSegment(part)}`).join('');
}
