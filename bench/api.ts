// API benchmark: the local runtime end to end, over real HTTP. Publishes events one at a time and measures
// the 202 answer and the arrival at a webhook receiver (publish → EventBridge → deliver → POST), then
// publishes batches of 10 for throughput. Then a fan-out, with a data directory as `npm start` keeps one: --fan-out
// subscriptions to one type and 8 batches of 10 published at once, each answer timed (a 503 counted), and the time
// until every delivery arrived. Prints a table and writes bench/results/api.json.
// Usage: npm run bench:api [-- --events N --fan-out N]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSharebus } from '../local/runtime.js';
import { wholeFlag } from './lib/flags.js';
import { percentile } from './lib/percentile.js';

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h' },
    events: { type: 'string', default: '500' },
    'fan-out': { type: 'string', default: '300' },
  },
});
if (values.help) {
  console.log(
    'usage: npm run bench:api [-- [--events N] [--fan-out N]]\n  --events N   events published one at a time (default 500)\n  --fan-out N  subscriptions each event of the fan-out reaches (default 300)',
  );
  process.exit(0);
}
const EVENTS = wholeFlag('--events', values.events);
const FAN_OUT = wholeFlag('--fan-out', values['fan-out']);
const WARMUP = 50;
/** The fan-out's publishes sent at once, each a batch of 10. */
const FAN_OUT_PUBLISHES = 8;
/** How long the fan-out's deliveries are waited for. */
const FAN_OUT_LIMIT_MS = 300_000;
const here = resolve(dirname(fileURLToPath(import.meta.url)));

const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? 0),
  };
};
const round = (ms: number) => Math.round(ms * 100) / 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A receiver that timestamps each delivery by event id.
const arrivals = new Map<string, number>();
let waiting: { id: string; resolve: () => void } | undefined;
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const id = (JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id;
    arrivals.set(id, performance.now());
    if (waiting?.id === id) waiting.resolve();
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

/**
 * In process, a delivery takes milliseconds; one not there after this long failed, and Lambda's retry (a minute later)
 * or the dead-letter queue would land in the figures, or keep the bench waiting for ever: stop, saying so.
 */
const ARRIVAL_LIMIT_MS = 10_000;
const notArrived = (what: string) =>
  new Error(
    `${what} did not reach the webhook within ${ARRIVAL_LIMIT_MS / 1000} s: a delivery failed (its retry or dead letter would skew the figures); nothing was measured`,
  );
const arrival = (id: string) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(notArrived(`event ${id}`)), ARRIVAL_LIMIT_MS);
    waiting = {
      id,
      resolve: () => {
        clearTimeout(timer);
        resolve();
      },
    };
  });

type Runtime = Awaited<ReturnType<typeof startSharebus>>;

/** POSTs as `key`, and throws unless the answer is a success. */
const poster = (runtime: Runtime) => async (path: string, key: string, body: unknown) => {
  const answer = await post(runtime, path, key, body);
  if (answer.status >= 300)
    throw new Error(`${path} answered ${answer.status}: ${JSON.stringify(answer.json)}`);
  return answer.json;
};
const post = async (runtime: Runtime, path: string, key: string, body: unknown) => {
  const res = await fetch(`${runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

const TYPE = 'bench-pub.reading.taken';
const data = (i: number) => ({ meter: `M-${i}`, kwh: i / 10, note: 'x'.repeat(600) });

/** A publisher, a subscriber and the publisher's contract; `subscriptions` of the subscriber's to it, at `hook`. */
async function setUp(runtime: Runtime, subscriptions: number, hook = hookUrl): Promise<{ pub: string }> {
  const api = poster(runtime);
  await api('/departments', runtime.adminKey, { id: 'bench-pub', name: 'Publisher' });
  await api('/departments', runtime.adminKey, { id: 'bench-sub', name: 'Subscriber' });
  const pub = String(
    (await api('/departments/bench-pub/systems', runtime.adminKey, { id: 'meters', name: 'Meters' })).apiKey,
  );
  const sub = String(
    (await api('/departments/bench-sub/systems', runtime.adminKey, { id: 'stats', name: 'Stats' })).apiKey,
  );
  await api('/contracts', pub, {
    type: TYPE,
    version: '1.0.0',
    description: 'A meter reading',
    sharing: 'open',
    schema: {
      type: 'object',
      required: ['meter', 'kwh'],
      properties: { meter: { type: 'string' }, kwh: { type: 'number' }, note: { type: 'string' } },
    },
  });
  // Four at a time; each its own endpoint (the same endpoint twice is one subscription).
  let next = 0;
  const subscribe = async () => {
    for (let n = next++; n < subscriptions; n = next++) {
      await api('/subscriptions', sub, { type: TYPE, endpoint: { url: `${hook}?n=${n}` } });
    }
  };
  await Promise.all([subscribe(), subscribe(), subscribe(), subscribe()]);
  return { pub };
}

/** One event at a time, then batches of 10 one after another, on a runtime in memory. */
async function oneByOne() {
  const startedAt = performance.now();
  const runtime = await startSharebus({
    inMemory: true,
    // What the handlers take, not what the deployed stage's throttle (100 requests a second) lets through.
    apiThrottle: false,
    seedDemo: false,
    apiPort: 0,
    eventBridgePort: 0,
    dynamoDbPort: 0,
  });
  const startupMs = performance.now() - startedAt;
  try {
    const api = poster(runtime);
    const { pub } = await setUp(runtime, 1);
    const answered: number[] = [];
    const delivered: number[] = [];
    for (let i = 0; i < WARMUP + EVENTS; i++) {
      const sent = performance.now();
      const { id } = (await api('/events', pub, { type: TYPE, data: data(i) })) as { id: string };
      const accepted = performance.now();
      if (!arrivals.has(id)) await arrival(id);
      if (i >= WARMUP) {
        answered.push(accepted - sent);
        delivered.push((arrivals.get(id) ?? Number.NaN) - sent);
      }
    }

    const batches = Math.ceil(EVENTS / 10);
    arrivals.clear();
    const t0 = performance.now();
    for (let b = 0; b < batches; b++) {
      await api('/events', pub, {
        events: Array.from({ length: 10 }, (_, i) => ({ type: TYPE, data: data(b * 10 + i) })),
      });
    }
    const publishedMs = performance.now() - t0;
    while (arrivals.size < batches * 10) {
      if (performance.now() - t0 - publishedMs > ARRIVAL_LIMIT_MS) {
        throw notArrived(`${batches * 10 - arrivals.size} of the ${batches * 10} batched events`);
      }
      await sleep(5);
    }
    const deliveredMs = performance.now() - t0;
    return {
      startupMs: Math.round(startupMs),
      publishAccepted: summary(answered),
      publishToWebhook: summary(delivered),
      batchPublishEventsPerSecond: Math.round((batches * 10 * 1000) / publishedMs),
      batchEndToEndEventsPerSecond: Math.round((batches * 10 * 1000) / deliveredMs),
    };
  } finally {
    await runtime.stop();
  }
}

/**
 * FAN_OUT_PUBLISHES batches of 10 sent at once, each event to FAN_OUT subscriptions, with a data directory (every
 * delivery journaled, as under `npm start`): how long each publish waits for its answer while the deliveries of the
 * others run in the same process, how many are refused (503 bus_unavailable: EventBridge's answer came past the
 * publish function's deadline), and how long until every delivery has arrived.
 */
async function fanOut() {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-bench-fan-out-'));
  const receiving = await countingReceiver();
  const runtime = await startSharebus({
    dataDir,
    apiThrottle: false,
    seedDemo: false,
    maxRulesPerBus: Math.max(300, FAN_OUT),
    apiPort: 0,
    eventBridgePort: 0,
    dynamoDbPort: 0,
  });
  try {
    const { pub } = await setUp(runtime, FAN_OUT, `${receiving.url}/hook`);
    const expected = FAN_OUT_PUBLISHES * 10 * FAN_OUT;
    const t0 = performance.now();
    const answers = await Promise.all(
      Array.from({ length: FAN_OUT_PUBLISHES }, async (_, p) => {
        const events = Array.from({ length: 10 }, (_, i) => ({ type: TYPE, data: data(p * 10 + i) }));
        const sent = performance.now();
        const { status } = await post(runtime, '/events', pub, { events });
        return { status, ms: performance.now() - sent };
      }),
    );
    // Every delivery, the refused publishes' too (a 503 after the deadline may have been published all the same).
    // Some 500 to 700 a second on this 2-core machine: 24,000 take most of a minute. A run past five minutes is
    // cut short, its count of arrivals said.
    let stats = await receiving.stats();
    while (stats.distinct < expected && performance.now() - t0 < FAN_OUT_LIMIT_MS) {
      await sleep(100);
      stats = await receiving.stats();
    }
    const deliveredMs = performance.now() - t0;
    return {
      fanOut: {
        subscriptions: FAN_OUT,
        publishesAtOnce: FAN_OUT_PUBLISHES,
        eventsPerPublish: 10,
        answered: summary(answers.map((a) => a.ms)),
        refused: answers.filter((a) => a.status !== 202).length,
        deliveries: expected,
        arrived: stats.distinct,
        arrivedAgain: stats.received - stats.distinct,
        deliveriesPerSecond: Math.round((stats.distinct * 1000) / deliveredMs),
      },
    };
  } finally {
    await runtime.stop();
    receiving.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** bench/lib/counting-receiver.ts in a process of its own, as a subscriber's webhook is. */
async function countingReceiver() {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'lib', 'counting-receiver.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the counting receiver exited (${code}) before listening`)),
    );
    child.stdout.once('data', (line: Buffer) => resolve(String(line).trim()));
  });
  child.removeAllListeners('exit');
  return {
    url,
    stats: async () =>
      (await (await fetch(`${url}/_stats`)).json()) as { received: number; distinct: number },
    stop: () => child.kill(),
  };
}

try {
  const first = await oneByOne();
  const second = await fanOut();
  const result = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    events: EVENTS,
    eventBytes: JSON.stringify(data(0)).length,
    ...first,
    ...second,
  };
  const { fanOut: f } = result;
  console.log(
    `sharebus API benchmark (local runtime, ${EVENTS} events of ${result.eventBytes} B data, one at a time)`,
  );
  console.log('| measure | p50 ms | p99 ms | max ms |\n| --- | --- | --- | --- |');
  console.log(
    `| POST /events → 202 | ${result.publishAccepted.p50Ms} | ${result.publishAccepted.p99Ms} | ${result.publishAccepted.maxMs} |`,
  );
  console.log(
    `| POST /events → webhook received | ${result.publishToWebhook.p50Ms} | ${result.publishToWebhook.p99Ms} | ${result.publishToWebhook.maxMs} |`,
  );
  console.log(
    `| fan-out: ${f.publishesAtOnce} batches of 10 at once, to ${f.subscriptions} subscriptions, answered | ${f.answered.p50Ms} | ${f.answered.p99Ms} | ${f.answered.maxMs} |`,
  );
  console.log(
    `\nbatches of 10: ${result.batchPublishEventsPerSecond} events/s accepted, ${result.batchEndToEndEventsPerSecond} events/s delivered`,
  );
  console.log(
    `fan-out (data directory): ${f.refused} of ${f.publishesAtOnce} publishes refused; ${f.arrived} of ${f.deliveries} deliveries arrived (${f.arrivedAgain} more than once), ${f.deliveriesPerSecond} a second`,
  );
  console.log(`runtime start (DynamoDB Local, EventBridge, table, handlers): ${result.startupMs} ms`);
  const out = join(here, 'results', 'api.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
} finally {
  receiver.close();
}
