// SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB as `npm start` reads it: the delivery dead letters of a webhook that keeps failing
// are held within it, the oldest moved to disk past it, and the terminal says so, naming the variable. Before (soak
// run, 2026-12-07) every dead letter was held in memory for 14 days: a webhook down under load ran the process out of
// memory in about two days; the limit as first made removed the oldest past it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  application,
  call,
  type LocalSharebus,
  type Receiver,
  sleep,
  startLocalSharebus,
  startReceiver,
  subscribeDemo,
} from './harness.js';

/** A business scope that makes an application about 2.5 KB. */
const LONG_SCOPE = 'Software development; '.repeat(90);
const BATCHES = 30;
const EACH = 10;

describe('the local queues limit under npm start', () => {
  let bus: LocalSharebus;
  let failing: Receiver;
  let dataDir: string;

  beforeAll(async () => {
    // A data directory: in memory (--in-memory) there is no disk to move them to, and they are removed.
    dataDir = mkdtempSync(join(tmpdir(), 'sharebus-queue-limit-'));
    bus = await startLocalSharebus(
      { SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB: '1', SHAREBUS_DATA_DIR: dataDir },
      [],
    );
    failing = await startReceiver();
    failing.status = 500;
  }, 120_000);

  afterAll(async () => {
    await failing?.close();
    await bus?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('moves the oldest dead letters of a failing webhook to disk past it, saying so, and puts every one back to redrive', async () => {
    // Prepare
    const { portal } = await subscribeDemo(bus, failing.url);
    // Act: 300 events of about 2.5 KB, each dead-lettered (about 4 KB with its payload) after Lambda's two retries.
    for (let batch = 0; batch < BATCHES; batch++) {
      const events = Array.from({ length: EACH }, (_, i) => application(batch * EACH + i, LONG_SCOPE));
      expect((await call(bus.apiUrl, 'POST', '/events', portal, { events })).status).toBe(202);
    }
    const moved =
      /queue (\S+): moved \d+ message\(s\), the oldest of the local queues, to (\S+) to keep them within 1 MiB \(SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB\); POST \/_local\/queues\/restore puts them back once there is room/;
    for (let waited = 0; !moved.test(bus.output()) && waited < 60_000; waited += 100) await sleep(100);
    // Every invocation over: each event a dead letter, held or on disk.
    const local = async (path: string, method = 'GET') =>
      (await (await fetch(`${bus.eventBridgeUrl}/_local/${path}`, { method })).json()) as Record<
        string,
        unknown
      >;
    for (let waited = 0; waited < 60_000; waited += 100) {
      const { heldBytes, functions } = (await local('invocations')) as {
        heldBytes: number;
        functions: unknown[];
      };
      if (heldBytes === 0 && functions.length === 0) break;
      await sleep(100);
    }
    const page = await local('dead-letters?limit=10000');
    const listed = page.deadLetters as unknown[];
    const queues = (await local('queues')) as { overflow: { files: number; bytes: number } };
    // Then the webhook answers again: what is held redriven, what is on disk put back and redriven, until none is left.
    failing.status = 204;
    const failed = failing.received.length;
    const held = async () => ((await local('dead-letters')).deadLetters as unknown[]).length;
    let rounds = 0;
    for (; rounds < 10; rounds++) {
      await local('dead-letters/redrive', 'POST');
      for (let waited = 0; (await held()) > 0 && waited < 60_000; waited += 100) await sleep(100);
      const restored = (await local('queues/restore', 'POST')) as {
        restored: number;
        left: { files: number };
      };
      if (restored.restored === 0 && restored.left.files === 0) break;
    }
    await failing.waitFor(failed + BATCHES * EACH, 60_000).catch(() => undefined);
    // Assess: the warnings, naming the variable and the directory; some on disk; every event delivered in the end.
    expect(bus.output()).toMatch(moved);
    expect(moved.exec(bus.output())?.[1]).toBe('arn:aws:sqs:us-east-1:000000000000:sharebus-delivery-dlq');
    expect(bus.output()).toContain(
      `of their 1 MiB limit (SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB): past it their oldest messages move to ${moved.exec(bus.output())?.[2]}`,
    );
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.length).toBeLessThan(BATCHES * EACH);
    expect(queues.overflow.files).toBe(1);
    // The page says what is on disk, as it lists only what is held.
    expect(page.onDisk).toEqual(queues.overflow);
    expect(moved.exec(bus.output())?.[2]).toBe(join(dataDir, 'eventbridge', 'queues-overflow'));
    expect(rounds).toBeGreaterThan(0);
    const delivered = failing.received.slice(failed).map((r) => /EST-20261207-\d{4}/.exec(r.body)?.[0]);
    expect(new Set(delivered).size).toBe(BATCHES * EACH);
    expect(delivered).not.toContain(undefined);
  }, 240_000);
});
