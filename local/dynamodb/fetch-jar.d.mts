// Types of what fetch-jar.mjs (plain JavaScript: npm's postinstall runs it before any TypeScript loader exists) gives
// the TypeScript that imports it.
export function recordOf(
  dir: string,
): { name: string; files: Array<{ hash: string; path: string }> } | undefined;
