// Registry benchmark: the local runtime over real HTTP, with one contract type whose major grows to --versions
// versions of --schema-kb KB schemas (a large form, revised often). At each checkpoint it times, three times each:
// registering the next version, subscribing without a filter and with one, the catalogue's first page (GET
// /contracts), the type's first page of versions (GET /contracts/{type}), and a publish naming no version. What
// grew with the major before 2026-12-07: every registration and subscription read the major's every version whole,
// past the functions' 10 s at 300 versions of 200 KB (scale review). Prints a table and writes
// bench/results/registry.json.
// Usage: npm run bench:registry [-- --versions N --schema-kb N]
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSharebus } from '../local/runtime.js';
import { wholeFlag } from './lib/flags.js';
import { percentile } from './lib/percentile.js';

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h' },
    versions: { type: 'string', default: '100' },
    'schema-kb': { type: 'string', default: '200' },
  },
});
if (values.help) {
  console.log(
    "usage: npm run bench:registry [-- [--versions N] [--schema-kb N]]\n  --versions N   versions the major grows to (default 100)\n  --schema-kb N  each version schema's size in KB (default 200; a schema may be at most 256 KB)",
  );
  process.exit(0);
}
const VERSIONS = wholeFlag('--versions', values.versions);
const SCHEMA_KB = wholeFlag('--schema-kb', values['schema-kb']);
if (SCHEMA_KB > 256) {
  // Each schema is some 60 bytes under this, and the API refuses one over 256 KB
  console.error(
    `--schema-kb must be at most 256, as a schema may be at most 256 KB; got ${SCHEMA_KB} (--help)`,
  );
  process.exit(1);
}
const CHECKPOINTS = [
  ...new Set([1, 10, 25, 50, 100, 200, 300, VERSIONS].filter((n) => n >= 1 && n <= VERSIONS)),
].sort((a, b) => a - b);
const SAMPLES = 3;
const TYPE = 'bench-pub.form.filed';
const here = resolve(dirname(fileURLToPath(import.meta.url)));

// Deliveries go to a receiver that answers each at once: a failing one would retry beside the measurements.
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(204).end());
});
await new Promise<void>((resolveListen) => receiver.listen(0, '127.0.0.1', () => resolveListen()));
const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

const runtime = await startSharebus({
  inMemory: true,
  apiThrottle: false,
  seedDemo: false,
  apiPort: 0,
  eventBridgePort: 0,
  dynamoDbPort: 0,
});

/** Sends as `key`; throws unless the answer is `expected`, and answers how long it took and its JSON body. */
async function send(
  method: string,
  path: string,
  key: string,
  body?: unknown,
  expected = 200,
): Promise<{ ms: number; json: Record<string, unknown> }> {
  const started = performance.now();
  const res = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  if (res.status !== expected)
    throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return { ms, json: JSON.parse(text) as Record<string, unknown> };
}
const timed = async (method: string, path: string, key: string, body?: unknown, expected = 200) =>
  (await send(method, path, key, body, expected)).ms;
const made = async (path: string, key: string, body: unknown) =>
  (await send('POST', path, key, body, 201)).json;

const schema = (n: number) => ({
  type: 'object',
  description: `revision ${n} ${'y'.repeat(SCHEMA_KB * 1024 - 200)}`,
  required: ['companyId'],
  properties: { companyId: { type: 'string' }, size: { type: 'integer' } },
});
const version = (n: number) => `1.${n}.0`;

const median = (samples: number[]) =>
  Math.round(
    percentile(
      [...samples].sort((a, b) => a - b),
      50,
    ) * 10,
  ) / 10;

const rows: Record<string, number>[] = [];
try {
  await made('/departments', runtime.adminKey, { id: 'bench-pub', name: 'Publisher' });
  await made('/departments', runtime.adminKey, { id: 'bench-sub', name: 'Subscriber' });
  const pub = String(
    (await made('/departments/bench-pub/systems', runtime.adminKey, { id: 'forms', name: 'Forms' })).apiKey,
  );
  const sub = String(
    (await made('/departments/bench-sub/systems', runtime.adminKey, { id: 'stats', name: 'Stats' })).apiKey,
  );
  const register = (n: number) =>
    timed(
      'POST',
      '/contracts',
      pub,
      { type: TYPE, version: version(n), description: `revision ${n}`, sharing: 'open', schema: schema(n) },
      201,
    );
  let registered = 0;
  let endpoint = 0;
  for (const checkpoint of CHECKPOINTS) {
    // The measured registrations end at the checkpoint, so that `versions` is the checkpoint (a checkpoint below
    // SAMPLES ends at SAMPLES)
    while (registered < checkpoint - SAMPLES) await register(registered++);
    const sample = async (act: () => Promise<number>) => {
      const taken: number[] = [];
      for (let i = 0; i < SAMPLES; i++) taken.push(await act());
      return median(taken);
    };
    // The checkpoint's own version, then the next ones as the further samples of a registration
    const registerMs = await sample(() => register(registered++));
    const subscribeMs = await sample(() =>
      timed('POST', '/subscriptions', sub, { type: TYPE, endpoint: { url: `${hook}/${endpoint++}` } }, 201),
    );
    const subscribeFilteredMs = await sample(() =>
      timed(
        'POST',
        '/subscriptions',
        sub,
        {
          type: TYPE,
          filter: { companyId: ['42'] },
          endpoint: { url: `${hook}/${endpoint++}` },
        },
        201,
      ),
    );
    const catalogueMs = await sample(() => timed('GET', '/contracts', sub));
    const versionsMs = await sample(() => timed('GET', `/contracts/${TYPE}`, sub));
    const publishMs = await sample(() =>
      timed('POST', '/events', pub, { type: TYPE, data: { companyId: '7' } }, 202),
    );
    rows.push({
      versions: registered,
      registerMs,
      subscribeMs,
      subscribeFilteredMs,
      catalogueMs,
      versionsMs,
      publishMs,
    });
    console.error(`${registered} versions measured`);
  }
  // The last publishes' deliveries, so that the stop finds none under way
  await new Promise((resolveWait) => setTimeout(resolveWait, 1_000));
} finally {
  await runtime.stop();
  receiver.close();
}

const heads = [
  'versions',
  'register',
  'subscribe',
  'subscribe, filter',
  'GET /contracts',
  'GET /contracts/{type}',
  'publish',
];
const keys = [
  'versions',
  'registerMs',
  'subscribeMs',
  'subscribeFilteredMs',
  'catalogueMs',
  'versionsMs',
  'publishMs',
];
console.log(
  `sharebus registry benchmark (local runtime): one major of ${SCHEMA_KB} KB schemas, median of ${SAMPLES} in ms`,
);
console.log(`| ${heads.join(' | ')} |`);
console.log(`| ${heads.map(() => '---').join(' | ')} |`);
for (const row of rows) console.log(`| ${keys.map((k) => row[k]).join(' | ')} |`);
const result = {
  node: process.version,
  schemaKb: SCHEMA_KB,
  samples: SAMPLES,
  note: 'versions: of the one major when measured (the registrations measured add to it); DynamoDB Local reads whole items behind an index, so the catalogue grows with the schemas locally where DynamoDB bills the index alone',
  rows,
};
console.log(JSON.stringify(result));
writeFileSync(join(here, 'results', 'registry.json'), `${JSON.stringify(result, null, 2)}\n`);
