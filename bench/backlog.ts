// Backlog benchmark: how long the embedded EventBridge keeps a PutEvents waiting while a large backlog of
// deliveries builds up and drains, with a dataDir (so every delivery is journaled in retries.jsonl, and that log is
// compacted as the backlog drains). Publishes --events events of about 1 KB in batches of 10 to a rule with four
// Lambda targets that each take --lambda-ms, while a probe PutEvents of one entry to another rule (a Lambda that
// answers at once) goes every 10 ms; prints the probes' answer times by phase as a table and writes
// bench/results/backlog.json. It runs twice: with the Lambdas awaited (the backlog is EventBridge's deliveries, in
// retries.jsonl), and invoked asynchronously as AWS invokes them and the local runtime invokes the deliver function
// (the backlog is Lambda's invocations, in lambda-invocations.jsonl).
// Usage: npm run bench:backlog [-- --events N --lambda-ms MS]
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startEventBridge } from '../local/eventbridge/index.js';
import { wholeFlag } from './lib/flags.js';
import { percentile } from './lib/percentile.js';

const { values } = parseArgs({
  options: {
    help: { type: 'boolean', short: 'h' },
    events: { type: 'string', default: '10000' },
    'lambda-ms': { type: 'string', default: '3000' },
  },
});
if (values.help) {
  console.log(
    'usage: npm run bench:backlog [-- [--events N] [--lambda-ms MS]]\n  --events N      events published (default 10000)\n  --lambda-ms MS  how long each Lambda target takes (default 3000)',
  );
  process.exit(0);
}
const EVENTS = wholeFlag('--events', values.events);
const LAMBDA_MS = wholeFlag('--lambda-ms', values['lambda-ms']);
const PROBE_EVERY_MS = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (ms: number) => Math.round(ms * 10) / 10;
const summary = (samples: readonly number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    probes: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? Number.NaN),
  };
};

const SLOW = [1, 2, 3, 4].map((i) => `arn:aws:lambda:us-east-1:111111111111:function:f${i}-slow`);
const JOURNALS = { awaited: 'retries.jsonl', asynchronous: 'lambda-invocations.jsonl' } as const;
type Invocation = keyof typeof JOURNALS;

async function measure(invocation: Invocation) {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-backlog-'));
  const eventBridge = await startEventBridge({
    accountId: '111111111111',
    dataDir,
    logger: { warn: () => {}, error: (...args: unknown[]) => console.error(...args) },
    ...(invocation === 'asynchronous'
      ? // Every invocation may run at once, as before functions had a concurrency (2026-12-07): this measures the
        // log and PutEvents' answers while the backlog is held, not how long 1,000 turns take to drain it.
        { asyncFunctions: Object.fromEntries(SLOW.map((arn) => [arn, { concurrency: EVENTS }])) }
      : {}),
    invokeLambda: async (functionArn) => {
      if (functionArn.endsWith('-slow')) await sleep(LAMBDA_MS);
    },
  });
  const agent = new Agent({ keepAlive: true });

  /** An EventBridge operation over HTTP, answered in how many ms; an error answer throws. */
  function call(operation: string, body: unknown): Promise<number> {
    const data = JSON.stringify(body);
    const startedAt = performance.now();
    return new Promise((resolveCall, reject) => {
      const req = request(
        {
          agent,
          host: '127.0.0.1',
          port: eventBridge.port,
          method: 'POST',
          path: '/',
          headers: {
            'x-amz-target': `AWSEvents.${operation}`,
            'content-type': 'application/x-amz-json-1.1',
            'content-length': Buffer.byteLength(data),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
          });
          res.on('end', () => {
            const failed =
              res.statusCode !== 200 || (operation === 'PutEvents' && !text.includes('"FailedEntryCount":0'));
            if (failed) reject(new Error(`${operation}: ${res.statusCode} ${text}`));
            else resolveCall(performance.now() - startedAt);
          });
          // A connection lost after the answer's head ends it with 'close' alone.
          res.on('close', () => {
            if (!res.complete)
              reject(new Error(`${operation}: the connection closed before the whole answer`));
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  const journal = join(dataDir, JOURNALS[invocation]);
  let journalMaxBytes = 0;
  const sampler = setInterval(() => {
    try {
      journalMaxBytes = Math.max(journalMaxBytes, statSync(journal).size);
    } catch {}
  }, 20);
  try {
    await call('PutRule', { Name: 'bulk', EventPattern: JSON.stringify({ source: ['bulk'] }) });
    await call('PutTargets', {
      Rule: 'bulk',
      Targets: SLOW.map((Arn, i) => ({ Id: `t${i + 1}`, Arn })),
    });
    await call('PutRule', { Name: 'probe', EventPattern: JSON.stringify({ source: ['probe'] }) });
    await call('PutTargets', {
      Rule: 'probe',
      Targets: [{ Id: 'p', Arn: 'arn:aws:lambda:us-east-1:111111111111:function:probe' }],
    });

    // In an object, so that TypeScript does not narrow it to its first value inside the loop below.
    const now: { phase: 'publishing' | 'draining' | 'done' } = { phase: 'publishing' };
    const probes = { publishing: [] as number[], draining: [] as number[] };
    const probing = (async () => {
      while (now.phase !== 'done') {
        const during = now.phase;
        const ms = await call('PutEvents', {
          Entries: [{ Source: 'probe', DetailType: 'probe', Detail: '{}' }],
        });
        if (during === now.phase) probes[during].push(ms);
        await sleep(PROBE_EVERY_MS);
      }
    })();
    const detail = JSON.stringify({ pad: 'x'.repeat(900) });
    const batch = Array.from({ length: 10 }, () => ({ Source: 'bulk', DetailType: 'bulk', Detail: detail }));
    const startedAt = performance.now();
    for (let sent = 0; sent < EVENTS; sent += 10) await call('PutEvents', { Entries: batch });
    const publishedMs = performance.now() - startedAt;
    now.phase = 'draining';
    await eventBridge.idle();
    const drainedMs = performance.now() - startedAt;
    now.phase = 'done';
    await probing;

    return {
      invocation,
      journal: JOURNALS[invocation],
      publishedMs: Math.round(publishedMs),
      drainedMs: Math.round(drainedMs),
      journalMaxMB: Math.round(journalMaxBytes / 1e5) / 10,
      probeWhilePublishing: summary(probes.publishing),
      probeWhileDraining: summary(probes.draining),
    };
  } finally {
    clearInterval(sampler);
    agent.destroy();
    await eventBridge.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const runs = [await measure('awaited'), await measure('asynchronous')];
const result = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  events: EVENTS,
  targets: SLOW.length,
  lambdaMs: LAMBDA_MS,
  probeEveryMs: PROBE_EVERY_MS,
  runs,
};
console.log(
  `sharebus backlog benchmark (embedded EventBridge with a dataDir: ${EVENTS} events of ~1 KB to 4 Lambdas taking ${LAMBDA_MS} ms, a probe PutEvents every ${PROBE_EVERY_MS} ms)`,
);
console.log(
  '| Lambdas | phase | probes | p50 ms | p99 ms | max ms | published, ms | drained, ms | journal, MB |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
);
for (const run of runs) {
  for (const [name, s] of [
    ['publishing', run.probeWhilePublishing],
    ['draining', run.probeWhileDraining],
  ] as const) {
    console.log(
      `| ${run.invocation} | ${name} | ${s.probes} | ${s.p50Ms} | ${s.p99Ms} | ${s.maxMs} | ${run.publishedMs} | ${run.drainedMs} | ${run.journalMaxMB} (${run.journal}) |`,
    );
  }
}
const out = join(resolve(dirname(fileURLToPath(import.meta.url))), 'results', 'backlog.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result));
