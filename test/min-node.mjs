// `npm run test:min-node`: the suite's fast part, and one end-to-end test, on the oldest Node.js package.json's
// `engines` allows (>=20.6: 20.6.0). tsc does not catch an API newer than it: @types/node 20.19 declares
// import.meta.dirname (20.11) and process.getBuiltinModule (20.16), and jest fills in import.meta.dirname itself,
// so only code run in a process of its own shows such a break (session 63: 20.6.0 ran npm start and the whole suite).
// Usage: npm run test:min-node [-- <jest arguments>]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchNode, jestOn, root } from './other-node.mjs';

const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines?.node ?? '';
const match = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(engines.trim());
if (match === null) {
  console.error(`test:min-node: package.json's engines.node must read ">=X.Y[.Z]"; it reads "${engines}"`);
  process.exit(2);
}
const version = `${match[1]}.${match[2] ?? 0}.${match[3] ?? 0}`;
jestOn('test:min-node', await fetchNode('test:min-node', version), `the oldest engines allows: ${engines}`, [
  'test/unit',
  'test/integration/functions',
  'test/e2e/bus.test.ts',
]);
