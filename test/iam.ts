// IAM's condition operators, as the tests that check a role's grants against what the code does read them.

/** Whether `key` matches an IAM StringLike pattern (`*` any characters, `?` one). */
export function stringLike(pattern: string, key: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(key);
}
