// RFC 6901 JSON Pointers: how every error names the field at fault in a request body.

export function escapePointerSegment(segment: PropertyKey): string {
  return String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
}

/** `['events', 2, 'data']` → `/events/2/data`. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((part) => `/${escapePointerSegment(part)}`).join('');
}
