// Measures what the embedded EventBridge adds between a client's PutEvents and the in-process Lambda call:
// N rules on the default bus, events sent over the AWS SDK at a fixed rate (open loop), each matching one rule.
// The client runs in a worker thread, as a separate client process would, so its SDK work (serialising,
// signing) does not sit on the server's event loop.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { startEventBridge } from '../../local/eventbridge/index.js';

export interface LatencyOptions {
  /** Rules on the bus, each with one Lambda target. */
  readonly rules: number;
  /** Send rate; events go out on schedule whether or not earlier ones were answered. */
  readonly eventsPerSecond: number;
  /**
   * Events measured, after a warm-up of five seconds' worth at the same rate: the JIT and the heap settle
   * that long (measured here: with half a second of warm-up, the first second shows several times the
   * steady state's slow events).
   */
  readonly events: number;
  /** `sdk`: the AWS SDK, as a user's code would call it; `http`: the same bytes from a light client. @default 'sdk' */
  readonly client?: 'sdk' | 'http';
  /**
   * `bare`: instead of the embedded EventBridge, a Node HTTP server that answers PutEvents at once and "invokes"
   * right after answering — the floor this machine sets, to subtract. @default 'eventbridge'
   */
  readonly server?: 'eventbridge' | 'bare';
}

/** The floor: loopback HTTP, body read and parsed, answer, then invoke at once, as the real server does. */
async function startBareServer(invoke: (payload: string) => void) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        Entries: Array<{ Detail: string }>;
      };
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end('{"FailedEntryCount":0,"Entries":[{"EventId":"bare"}]}');
      invoke(body.Entries[0]?.Detail ?? '');
    });
  });
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    idle: async () => undefined,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface LatencyResult {
  /**
   * Inside the server: the request's headers parsed (Node's http.server.request.start) -> Lambda invoked. What
   * the server itself adds: reading the body, PutEvents, matching, dispatch. Time a request waits for the
   * server's event loop before that point is not in it; it is in the wire figures below.
   */
  readonly serverP50Ms: number;
  readonly serverP99Ms: number;
  readonly serverMaxMs: number;
  /** Request handed to HTTP by the client -> Lambda invoked: loopback HTTP plus everything the server does. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** PutEvents called on the SDK client -> Lambda invoked (adds the SDK's serialising and signing). */
  readonly clientP50Ms: number;
  readonly clientP99Ms: number;
  /** PutEvents round trip as the client sees it (called -> answered). */
  readonly putEventsP50Ms: number;
  readonly putEventsP99Ms: number;
  readonly rules: number;
  readonly events: number;
  readonly achievedEventsPerSecond: number;
}

interface ClientJob {
  readonly role: 'sharebus-latency-client';
  readonly endpoint: string;
  readonly rules: number;
  readonly eventsPerSecond: number;
  readonly total: number;
  readonly client: 'sdk' | 'http';
}

interface ClientTimes {
  /** Absolute times (performance.timeOrigin + now), comparable across threads. */
  readonly calledAt: Float64Array;
  readonly wireAt: Float64Array;
  readonly answeredAt: Float64Array;
  elapsedMs: number;
}

const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:bench';
/** Carries the event's sequence number, so the server side can stamp a request's arrival without its body. */
const SEQ_HEADER = 'x-sharebus-bench-seq';
const now = (): number => performance.timeOrigin + performance.now();

/** Rule i: an exact source, a choice of detail types, a tenant and a numeric condition in detail. */
function rulePattern(i: number): string {
  return JSON.stringify({
    source: [`bench.department-${i}`],
    'detail-type': [`Record${i % 10}Changed`, 'RecordDeleted'],
    detail: { tenant: [`tenant-${i}`], version: [{ numeric: ['>=', 1] }] },
  });
}

function newClient(endpoint: string): EventBridgeClient {
  return new EventBridgeClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
}

/** One PutEvents entry per send: event `seq` matches exactly one rule, spread over all of them. */
function entryFor(seq: number, rules: number) {
  const rule = (seq * 7919) % rules;
  return {
    Source: `bench.department-${rule}`,
    DetailType: `Record${rule % 10}Changed`,
    Detail: JSON.stringify({ tenant: `tenant-${rule}`, version: 1, seq, payload: { name: 'x'.repeat(200) } }),
  };
}

type Sender = (seq: number, entry: ReturnType<typeof entryFor>) => Promise<void>;

const newTimes = (total: number): ClientTimes => ({
  calledAt: new Float64Array(total),
  wireAt: new Float64Array(total),
  answeredAt: new Float64Array(total),
  elapsedMs: 0,
});

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Sends `job.total` events on schedule (open loop: whether or not earlier ones were answered). */
async function paced(job: ClientJob, times: ClientTimes, send: Sender): Promise<ClientTimes> {
  const intervalMs = 1000 / job.eventsPerSecond;
  const sends: Array<Promise<void>> = [];
  const start = performance.now();
  for (let seq = 0; seq < job.total; seq++) {
    const due = start + seq * intervalMs;
    // Timers are millisecond-coarse: sleep on them to within 2 ms of the send time, then block this thread
    // for the rest (Atomics.wait sleeps without spinning a core). Answers wait for the next turn of the loop,
    // which only delays the round-trip stamps. (Sending as soon as less than a timer's tick remained sent the
    // events in pairs, and the second of each pair queued behind the first in the server.)
    const wait = due - performance.now();
    if (wait > 2) await new Promise((resolve) => setTimeout(resolve, wait - 2));
    else await new Promise((resolve) => setImmediate(resolve));
    const rest = due - performance.now();
    if (rest > 0) Atomics.wait(sleeper, 0, 0, rest);
    times.calledAt[seq] = now();
    sends.push(
      send(seq, entryFor(seq, job.rules)).then(() => {
        times.answeredAt[seq] = now();
      }),
    );
  }
  times.elapsedMs = performance.now() - start;
  await Promise.all(sends);
  return times;
}

/** The AWS SDK, as a user's code would call it; the wire time is stamped by its innermost middleware. */
async function runSdkClient(job: ClientJob): Promise<ClientTimes> {
  const client = newClient(job.endpoint);
  const times = newTimes(job.total);
  client.middlewareStack.add(
    (next) => async (args) => {
      const detail = (args.input as { Entries?: Array<{ Detail?: string }> }).Entries?.[0]?.Detail ?? '';
      const seq = Number(/"seq":(\d+)/.exec(detail)?.[1] ?? -1);
      if (seq >= 0) {
        (args.request as { headers: Record<string, string> }).headers[SEQ_HEADER] = String(seq);
        times.wireAt[seq] = now();
      }
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'sharebusLatencyStamp' },
  );
  await paced(job, times, async (_seq, entry) => {
    await client.send(new PutEventsCommand({ Entries: [entry] }));
  });
  client.destroy();
  return times;
}

/**
 * The same requests without the SDK: a keep-alive HTTP client sending the awsJson1.1 bytes the SDK would
 * (the embedded EventBridge does not check signatures). The SDK spends about a millisecond of CPU per call;
 * on a 2-core machine that starves the client thread and queues requests before they reach the server, which
 * the server would be blamed for. This client measures what the server adds.
 */
async function runHttpClient(job: ClientJob): Promise<ClientTimes> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(job.endpoint);
  const times = newTimes(job.total);
  await paced(
    job,
    times,
    (seq, entry) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({ Entries: [entry] });
        const req = request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method: 'POST',
            path: '/',
            headers: {
              'content-type': 'application/x-amz-json-1.1',
              'x-amz-target': 'AWSEvents.PutEvents',
              'content-length': Buffer.byteLength(body),
              [SEQ_HEADER]: String(seq),
            },
          },
          (res) => {
            res.resume();
            res.on('end', resolve);
            // A connection lost after the answer's head ends it with 'close' alone.
            res.on('close', () => {
              if (!res.complete)
                reject(new Error('PutEvents: the connection closed before the whole answer'));
            });
          },
        );
        req.on('error', reject);
        times.wireAt[seq] = now();
        req.end(body);
      }),
  );
  agent.destroy();
  return times;
}

const runClient = (job: ClientJob): Promise<ClientTimes> =>
  job.client === 'http' ? runHttpClient(job) : runSdkClient(job);

export interface StallResult {
  readonly spinMs: number;
  /** Share of a busy thread's time it was not running (another thread, the OS, or the hypervisor had the core). */
  readonly lostPercent: number;
  /** Pauses longer than 1 ms per second, and the longest seen. */
  readonly over1msPerSecond: number;
  readonly longestMs: number;
}

/**
 * The machine's own floor for tail latency: a thread spinning on the clock, with nothing else to do, records
 * every pause above 50 µs. No server on this machine can answer faster than its thread is allowed to run.
 */
export function measureStalls(spinMs = 2000): StallResult {
  const end = performance.now() + spinMs;
  let last = performance.now();
  let lost = 0;
  let over1ms = 0;
  let longest = 0;
  while (last < end) {
    const at = performance.now();
    const gap = at - last;
    if (gap > 0.05) {
      lost += gap;
      if (gap > 1) over1ms++;
      longest = Math.max(longest, gap);
    }
    last = at;
  }
  return {
    spinMs,
    lostPercent: round((lost / spinMs) * 100),
    over1msPerSecond: round(over1ms / (spinMs / 1000)),
    longestMs: round(longest),
  };
}

/** A full garbage collection, without starting node with --expose-gc. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

export async function measureDeliveryLatency(options: LatencyOptions): Promise<LatencyResult> {
  const warmup = options.eventsPerSecond * 5;
  const total = warmup + options.events;
  const invokedAt = new Float64Array(total);
  let invoked = 0;
  let allInvoked: () => void = () => {};
  const done = new Promise<void>((resolve) => (allInvoked = resolve));

  // Stamped as Node hands the request to the server (headers parsed), before the server's own code runs.
  const arrivedAt = new Float64Array(total);
  const onRequestStart = (message: unknown) => {
    const seq = Number((message as { request: IncomingMessage }).request.headers[SEQ_HEADER] ?? -1);
    if (seq >= 0 && seq < total) arrivedAt[seq] = now();
  };
  subscribe('http.server.request.start', onRequestStart);
  // Each event's source is one rule's alone: a second invocation of an event, or one of no event, is a wrong match.
  let wrong = '';
  const record = (payload: string) => {
    const at = now();
    const seq = Number(/"seq":(\d+)/.exec(payload)?.[1] ?? -1);
    if (seq >= 0 && seq < total && invokedAt[seq] === 0) {
      invokedAt[seq] = at;
      if (++invoked === total) allInvoked();
    } else if (wrong === '') {
      wrong =
        seq >= 0 && seq < total ? `event ${seq} was delivered twice` : `a payload of no event: ${payload}`;
    }
  };
  const eventBridge =
    options.server === 'bare'
      ? await startBareServer(record)
      : await startEventBridge({
          // A bus of this many rules is past AWS's default quota of 300, which an account raises on request.
          maxRulesPerBus: options.rules,
          // The corpus mixes in wildcard conditions on more rules than AWS's fixed 30 per bus.
          maxWildcardRulesPerBus: options.rules,
          invokeLambda: async (_arn, payload) => record(payload),
          logger: { warn: () => {}, error: (message, ...rest) => console.error(message, ...rest) },
        });
  const setup = newClient(eventBridge.endpoint);
  try {
    for (let i = 0; options.server !== 'bare' && i < options.rules; i++) {
      await setup.send(new PutRuleCommand({ Name: `rule-${i}`, EventPattern: rulePattern(i) }));
      await setup.send(
        new PutTargetsCommand({ Rule: `rule-${i}`, Targets: [{ Id: 'fn', Arn: LAMBDA_ARN }] }),
      );
    }
    // Collect the setup's garbage (a thousand PutRule/PutTargets calls) now, so a full collection of it does
    // not land among the measured events: they measure the steady state.
    collectGarbage();
    const job: ClientJob = {
      role: 'sharebus-latency-client',
      endpoint: eventBridge.endpoint,
      rules: options.rules,
      eventsPerSecond: options.eventsPerSecond,
      total,
      client: options.client ?? 'sdk',
    };
    const times = await new Promise<ClientTimes>((resolve, reject) => {
      // Worker threads do not inherit tsx's loader, so the worker registers it before loading this file.
      const bootstrap = `(async () => {
        const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
        register();
        await import(${JSON.stringify(import.meta.url)});
      })();`;
      const worker = new Worker(bootstrap, { eval: true, workerData: job });
      worker.once('message', (message: ClientTimes) => resolve(message));
      worker.once('error', reject);
      worker.once('exit', (code) => {
        if (code !== 0) reject(new Error(`latency client exited with ${code}`));
      });
    });
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    await eventBridge.idle();

    if (wrong !== '') throw new Error(`the bus matched wrongly: ${wrong}`);
    const inServer: number[] = [];
    const wire: number[] = [];
    const client: number[] = [];
    const roundTrip: number[] = [];
    for (let seq = warmup; seq < total; seq++) {
      const invokedTime = invokedAt[seq] ?? 0;
      if (invokedTime === 0) throw new Error(`event ${seq} was never delivered`);
      if (arrivedAt[seq] === 0) throw new Error(`event ${seq}'s request was never stamped on arrival`);
      inServer.push(invokedTime - (arrivedAt[seq] ?? 0));
      wire.push(invokedTime - (times.wireAt[seq] ?? 0));
      client.push(invokedTime - (times.calledAt[seq] ?? 0));
      roundTrip.push((times.answeredAt[seq] ?? 0) - (times.calledAt[seq] ?? 0));
    }
    for (const list of [inServer, wire, client, roundTrip]) list.sort((a, b) => a - b);
    return {
      serverP50Ms: round(percentile(inServer, 50)),
      serverP99Ms: round(percentile(inServer, 99)),
      serverMaxMs: round(inServer[inServer.length - 1] ?? Number.NaN),
      p50Ms: round(percentile(wire, 50)),
      p99Ms: round(percentile(wire, 99)),
      maxMs: round(wire[wire.length - 1] ?? Number.NaN),
      meanMs: round(wire.reduce((a, b) => a + b, 0) / wire.length),
      clientP50Ms: round(percentile(client, 50)),
      clientP99Ms: round(percentile(client, 99)),
      putEventsP50Ms: round(percentile(roundTrip, 50)),
      putEventsP99Ms: round(percentile(roundTrip, 99)),
      rules: options.rules,
      events: options.events,
      achievedEventsPerSecond: Math.round((total / times.elapsedMs) * 1000),
    };
  } finally {
    unsubscribe('http.server.request.start', onRequestStart);
    setup.destroy();
    await eventBridge.stop();
  }
}

// In the client worker: send the events and hand the timings back.
if (!isMainThread && (workerData as Partial<ClientJob> | null)?.role === 'sharebus-latency-client') {
  void runClient(workerData as ClientJob).then((times) => parentPort?.postMessage(times));
}
