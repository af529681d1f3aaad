// API benchmark: the local runtime end to end, over real HTTP. Publishes events one at a time and measures
// the 202 answer and the arrival at a webhook receiver (publish → EventBridge → deliver → POST), then
// publishes batches of 10 for throughput. Prints a table and writes bench/results/api.json.
// Usage: npm run bench:api [-- --events N]
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startSharebus } from '../local/runtime.js';
import { percentile } from './lib/percentile.js';

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h' },
    events: { type: 'string', default: '500' },
  },
});
if (values.help) {
  console.log(
    'usage: npm run bench:api [-- [--events N]]\n  --events N  events published one at a time (default 500)',
  );
  process.exit(0);
}
const EVENTS = Number(values.events);
const WARMUP = 50;

const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? 0),
  };
};
const round = (ms: number) => Math.round(ms * 100) / 100;

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

const startedAt = performance.now();
const bus = await startSharebus({
  inMemory: true,
  // What the handlers take, not what the deployed stage's throttle (100 requests a second) lets through.
  apiThrottle: false,
  seedDemo: false,
  apiPort: 0,
  eventBridgePort: 0,
  dynamoDbPort: 0,
});
const startupMs = performance.now() - startedAt;
const api = async (path: string, key: string, body: unknown) => {
  const res = await fetch(`${bus.apiUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
};

try {
  await api('/departments', bus.adminKey, { id: 'bench-pub', name: 'Publisher' });
  await api('/departments', bus.adminKey, { id: 'bench-sub', name: 'Subscriber' });
  const pub = String(
    (await api('/departments/bench-pub/systems', bus.adminKey, { id: 'meters', name: 'Meters' })).apiKey,
  );
  const sub = String(
    (await api('/departments/bench-sub/systems', bus.adminKey, { id: 'stats', name: 'Stats' })).apiKey,
  );
  const type = 'bench-pub.reading.taken';
  await api('/contracts', pub, {
    type,
    version: '1.0.0',
    description: 'A meter reading',
    sharing: 'open',
    schema: {
      type: 'object',
      required: ['meter', 'kwh'],
      properties: { meter: { type: 'string' }, kwh: { type: 'number' }, note: { type: 'string' } },
    },
  });
  await api('/subscriptions', sub, { type, endpoint: { url: hookUrl } });
  const data = (i: number) => ({ meter: `M-${i}`, kwh: i / 10, note: 'x'.repeat(600) });

  const answered: number[] = [];
  const delivered: number[] = [];
  for (let i = 0; i < WARMUP + EVENTS; i++) {
    const sent = performance.now();
    const { id } = (await api('/events', pub, { type, data: data(i) })) as { id: string };
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
      events: Array.from({ length: 10 }, (_, i) => ({ type, data: data(b * 10 + i) })),
    });
  }
  const publishedMs = performance.now() - t0;
  while (arrivals.size < batches * 10) {
    if (performance.now() - t0 - publishedMs > ARRIVAL_LIMIT_MS) {
      throw notArrived(`${batches * 10 - arrivals.size} of the ${batches * 10} batched events`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const deliveredMs = performance.now() - t0;

  const result = {
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    events: EVENTS,
    eventBytes: JSON.stringify(data(0)).length,
    startupMs: Math.round(startupMs),
    publishAccepted: summary(answered),
    publishToWebhook: summary(delivered),
    batchPublishEventsPerSecond: Math.round((batches * 10 * 1000) / publishedMs),
    batchEndToEndEventsPerSecond: Math.round((batches * 10 * 1000) / deliveredMs),
  };
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
    `\nbatches of 10: ${result.batchPublishEventsPerSecond} events/s accepted, ${result.batchEndToEndEventsPerSecond} events/s delivered`,
  );
  console.log(`runtime start (DynamoDB Local, EventBridge, table, handlers): ${result.startupMs} ms`);
  const out = join(resolve(dirname(fileURLToPath(import.meta.url))), 'results', 'api.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(JSON.stringify(result));
} finally {
  await bus.stop();
  receiver.close();
}
