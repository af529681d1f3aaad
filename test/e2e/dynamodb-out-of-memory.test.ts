// DynamoDB Local out of Java heap under a running `npm start`. Memory review, 2026-12-07: at -Xmx24m, 20 clients
// registering contracts with 200 KB schemas ran its Java out of heap (java.lang.OutOfMemoryError, a heap dump written
// with -XX:+HeapDumpOnOutOfMemoryError); Java stayed up but answered nothing again, so every call with a key was
// answered 500 while /health said all was well, and nothing said why. Java now exits on it, and sharebus stops,
// saying DynamoDB Local exited, as when it is killed.

import { itWithProc } from '../linux.js';
import { type LocalSharebus, startLocalSharebus } from './harness.js';

const CLIENTS = 20;
/** Requests each client sends at most: 500 in all, twice what ran 24 MB of Java heap out in the review. */
const EACH = 25;
const description = 'y'.repeat(200_000);

describe('npm start when DynamoDB Local runs out of Java heap', () => {
  let local: LocalSharebus | undefined;

  afterEach(async () => {
    await local?.stop();
  });

  itWithProc(
    'stops with exit code 1, saying DynamoDB Local exited',
    async () => {
      // Prepare: DynamoDB Local's Java given 24 MB of heap (the options every Java takes, beside sharebus's own).
      local = await startLocalSharebus({ _JAVA_OPTIONS: '-Xmx24m' });
      const bus = local;
      const portal = bus.demoKeys['government-services/one-window-portal'] as string;
      let running = true;
      void bus.exited.then(() => {
        running = false;
      });
      // Act: contract versions with schemas of 200 KB, each written to the registry, until sharebus ends.
      let next = 0;
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          for (let i = 0; i < EACH && running; i++) {
            const n = next++;
            await fetch(`${bus.apiUrl}/contracts`, {
              method: 'POST',
              headers: { authorization: `Bearer ${portal}`, 'content-type': 'application/json' },
              body: JSON.stringify({
                type: 'memory.schema.sent',
                version: `1.0.${n}`,
                description: 'A large schema',
                sharing: 'open',
                schema: { type: 'object', description },
              }),
            }).then(
              (answer) => answer.arrayBuffer(),
              () => undefined,
            );
          }
        }),
      );
      // Assess: it ended by itself, saying why.
      expect(running).toBe(false);
      expect(await bus.exited).toBe(1);
      expect(bus.output()).toMatch(
        /sharebus: DynamoDB Local exited with code \d+.*\. Stopping: the registry is gone \(start again to carry on\)\./,
      );
    },
    600_000,
  );
});
