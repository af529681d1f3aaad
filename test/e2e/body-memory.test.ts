// npm start in a small heap, under many publishers of events near the 256 KB limit at once. Memory review,
// 2026-12-07: at --max-old-space-size=96 (and 128), 60 clients each publishing 250 KB events ran the process out of
// heap within seconds ("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory"), with no
// subscription at all: the front door let 20 MiB of bodies in at once whatever the heap (its floor, two bodies of
// 10 MB), and each body held is several copies of itself on its way to the bus (the string, its parsed JSON, the
// envelope, the PutEvents request, the embedded EventBridge's copies of it), some ten times its bytes. Memory review,
// 2026-12-08: the archive (every event, 30 days) was held in memory whole with --in-memory, 0.24 MiB a 250 KB event:
// some 250 such events ran the process out of heap on Node 20 and 24 alike, and the 60 publishers did on Node 24 about
// one run in eight, those runs taking more of their events (180 where most took 90 to 150); it now holds at most an
// eighth of the heap.

import { call, type LocalSharebus, startLocalSharebus } from './harness.js';

const TYPE = 'memory.blob.sent';
const CLIENTS = 60;
const EACH = 4;
/** An event's data of 250,000 bytes: with its envelope, just under the 256 KB an event may be. */
const blob = 'x'.repeat(250_000);

describe('npm start in a 96 MB heap, under publishers of 250 KB events', () => {
  let bus: LocalSharebus;

  beforeAll(async () => {
    bus = await startLocalSharebus({ NODE_OPTIONS: '--max-old-space-size=96' });
    const portal = bus.demoKeys['government-services/one-window-portal'] as string;
    const registered = await call(bus.apiUrl, 'POST', '/contracts', portal, {
      type: TYPE,
      version: '1.0.0',
      description: 'Blobs of the memory review',
      sharing: 'open',
      schema: { type: 'object' },
    });
    expect(registered.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await bus.stop();
  });

  it('answers each 202 or 503, and stays up', async () => {
    // Prepare
    const portal = bus.demoKeys['government-services/one-window-portal'] as string;
    const statuses: Array<number | string> = [];
    // Act: 60 clients at once, each publishing its events one after another.
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, client) => {
        for (let i = 0; i < EACH; i++) {
          try {
            const answer = await fetch(`${bus.apiUrl}/events`, {
              method: 'POST',
              headers: { authorization: `Bearer ${portal}`, 'content-type': 'application/json' },
              body: JSON.stringify({ type: TYPE, data: { client, i, blob } }),
            });
            await answer.arrayBuffer();
            statuses.push(answer.status);
          } catch (error) {
            statuses.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
          }
        }
      }),
    );
    // Assess: every request answered, none refused for anything but room; the process alive and answering.
    expect(statuses.filter((status) => status !== 202 && status !== 503)).toEqual([]);
    expect(statuses).toContain(202);
    expect(bus.output()).not.toContain('heap out of memory');
    const health = await call(bus.apiUrl, 'GET', '/health');
    expect(health.status).toBe(200);
  }, 300_000);

  it('takes more events one after another than the heap could archive, and stays up', async () => {
    // Prepare
    const portal = bus.demoKeys['government-services/one-window-portal'] as string;
    const statuses: Array<number | string> = [];
    // Act: 300 events of 250 KB, 75 MB of JSON, one at a time.
    for (let i = 0; i < 300; i++) {
      try {
        const answer = await fetch(`${bus.apiUrl}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${portal}`, 'content-type': 'application/json' },
          body: JSON.stringify({ type: TYPE, data: { i, blob } }),
        });
        await answer.arrayBuffer();
        statuses.push(answer.status);
      } catch (error) {
        statuses.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
      }
    }
    // Assess: every one taken, the oldest archived dropped and said so, the process alive and answering.
    expect(statuses.filter((status) => status !== 202)).toEqual([]);
    expect(bus.output()).not.toContain('heap out of memory');
    expect(bus.output()).toMatch(
      /\[eventbridge\] archives: dropped the \d+ oldest events? to hold at most 18 MiB/,
    );
    const health = await call(bus.apiUrl, 'GET', '/health');
    expect(health.status).toBe(200);
  }, 300_000);
});
