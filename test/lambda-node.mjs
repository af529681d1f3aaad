// `npm run test:lambda-node`: the Lambda handlers' tests on the Node.js major the functions are deployed on
// (SHAREBUS_RUNTIME in infra/constructs/sharebus-function.ts), where the rest of the suite runs on this machine's.
// Lambda runs 24 while machines here run 20: an API one removed or changed would pass `npm test` and fail deployed
// (in session 63, Node 24 left ids unflattened and sized its heap otherwise).
// Usage: npm run test:lambda-node [-- <jest arguments>]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchNode, jestOn, root } from './other-node.mjs';

const construct = readFileSync(join(root, 'infra', 'constructs', 'sharebus-function.ts'), 'utf8');
const major = /SHAREBUS_RUNTIME = Runtime\.NODEJS_(\d+)_X/.exec(construct)?.[1];
if (major === undefined) {
  console.error(
    'test:lambda-node: SHAREBUS_RUNTIME in infra/constructs/sharebus-function.ts names no Node.js major',
  );
  process.exit(2);
}
jestOn('test:lambda-node', await fetchNode('test:lambda-node', major), `Lambda's nodejs${major}.x`, [
  'test/unit/functions',
  'test/integration/functions',
  'test/infra/sharebus-stack.test.ts',
]);
