// Cold-start benchmark: what each deployed function's bundle costs before its first request. Synthesizes the stack
// with its bundles, as `cdk synth` does (esbuild, the construct's options), then starts each bundle in fresh Node.js
// processes with the environment Lambda gives it (the template's variables, Lambda's own, fake credentials) and
// times the import: the init a cold start pays. Each bundle is also timed with NODE_OPTIONS=--enable-source-maps,
// which the functions no longer set (cold-start review, session 63): the column says what it would cost. Samples
// of the two kinds alternate, so a busy moment touches both. Prints a table and writes bench/results/coldstart.json.
// On this machine's Node.js unless --node names another (Lambda's, as npm run test:lambda-node fetches it): the
// figures compare builds and settings on one machine, not Lambda's cold starts, which add the runtime's own.
// Usage: npm run bench:coldstart [-- --samples N]
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { CfnResource } from 'aws-cdk-lib';
import { Stage } from 'aws-cdk-lib';
import { removeAssemblies, synthesizeStack } from '../test/infra/synthesize.js';
import { wholeFlag } from './lib/flags.js';
import { median } from './lib/percentile.js';

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h' },
    samples: { type: 'string', default: '15' },
    node: { type: 'string', default: process.execPath },
  },
});
if (values.help) {
  console.log(
    "usage: npm run bench:coldstart [-- [--samples N] [--node PATH]]\n  --samples N  cold starts of each bundle in each setting (default 15)\n  --node PATH  the Node.js to start them with (default this one; .node-lambda/<version>/bin/node is Lambda's, see npm run test:lambda-node)",
  );
  process.exit(0);
}
const SAMPLES = wholeFlag('--samples', values.samples);
const NODE = values.node;
const nodeVersion = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout?.trim();
if (!nodeVersion) {
  console.error(`--node must name a Node.js executable; ${NODE} printed no version (--help)`);
  process.exit(2);
}
const here = resolve(dirname(fileURLToPath(import.meta.url)));

/** What Lambda's Node.js runtime sets in every function's environment, with fake credentials and names. */
const lambdaEnvironment = (name: string, memoryMb: number): Record<string, string> => ({
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  TZ: ':UTC',
  HOME: '/tmp',
  AWS_REGION: 'eu-west-1',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'example',
  AWS_SESSION_TOKEN: 'example',
  AWS_LAMBDA_FUNCTION_NAME: `Sharebus-${name}`,
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memoryMb),
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_LOG_FORMAT: 'JSON',
  AWS_LAMBDA_LOG_LEVEL: 'INFO',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
  LAMBDA_TASK_ROOT: '/var/task',
  _HANDLER: 'index.handler',
});

interface Sample {
  readonly initMs: number;
  readonly initCpuMs: number;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

function coldStart(bundle: string, environment: Record<string, string>): Sample {
  const child = spawnSync(NODE, [join(here, 'lib', 'init-once.mjs'), bundle], {
    env: environment,
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`${bundle} did not start: ${child.stderr}`);
  return JSON.parse(child.stdout) as Sample;
}

const { stack, template } = synthesizeStack({ bundle: true });
const outdir = Stage.of(stack)?.outdir ?? '';
interface FunctionResource {
  readonly Metadata: Record<string, string>;
  readonly Properties: {
    readonly MemorySize: number;
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
}
const resources = template.toJSON().Resources as Record<string, FunctionResource>;
const rows = [];
try {
  for (const [name, fn] of Object.entries(stack.functions)) {
    const { Metadata, Properties } =
      resources[stack.resolve((fn.node.defaultChild as CfnResource).logicalId)]!;
    const bundle = join(outdir, Metadata['aws:asset:path'] ?? '', 'index.mjs');
    // A variable the template gives by reference gets a stand-in: an ARN for one named so (a queue's, a function's),
    // a name for the others (the table's). No function resolves them at init.
    const variables = Object.fromEntries(
      Object.entries(Properties.Environment?.Variables ?? {}).map(([key, value]) => [
        key,
        typeof value === 'string'
          ? value
          : key.endsWith('_FUNCTION_ARN')
            ? `arn:aws:lambda:eu-west-1:111111111111:function:${key.toLowerCase()}`
            : key.endsWith('_ARN')
              ? `arn:aws:sqs:eu-west-1:111111111111:${key.toLowerCase()}`
              : `sharebus-${key.toLowerCase()}`,
      ]),
    );
    const deployed: Record<string, string> = {
      ...lambdaEnvironment(name, Properties.MemorySize),
      ...variables,
    };
    const withSourceMaps = {
      ...deployed,
      NODE_OPTIONS: [deployed.NODE_OPTIONS, '--enable-source-maps'].filter(Boolean).join(' '),
    };
    const asDeployed: Sample[] = [];
    const sourceMapped: Sample[] = [];
    coldStart(bundle, deployed); // the file system's cache, warm for both
    for (let i = 0; i < SAMPLES; i++) {
      asDeployed.push(coldStart(bundle, deployed));
      sourceMapped.push(coldStart(bundle, withSourceMaps));
    }
    const code = readFileSync(bundle);
    rows.push({
      function: name,
      bundleBytes: code.length,
      gzipBytes: gzipSync(code, { level: 9 }).length,
      initMs: round(median(asDeployed.map((s) => s.initMs))),
      initCpuMs: round(median(asDeployed.map((s) => s.initCpuMs))),
      initMsWithSourceMaps: round(median(sourceMapped.map((s) => s.initMs))),
    });
  }
} finally {
  removeAssemblies();
}

const heads = ['function', 'bundle bytes', 'gzip bytes', 'init ms', 'init CPU ms', 'init ms, source maps on'];
console.log(
  `sharebus cold-start benchmark: median of ${SAMPLES} fresh processes per bundle and setting, Node.js ${nodeVersion}`,
);
console.log(`| ${heads.join(' | ')} |`);
console.log(`| ${heads.map(() => '---').join(' | ')} |`);
for (const row of rows) console.log(`| ${Object.values(row).join(' | ')} |`);
const result = {
  node: nodeVersion,
  samples: SAMPLES,
  note: "init: the time of the bundle's import in a fresh process, with the function's environment, on the Node.js above (Lambda runs 24) on this machine",
  rows,
};
console.log(JSON.stringify(result));
writeFileSync(join(here, 'results', 'coldstart.json'), `${JSON.stringify(result, null, 2)}\n`);
