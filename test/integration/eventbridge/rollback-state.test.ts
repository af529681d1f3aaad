// Rollback review, 2026-12-06: a state directory a later version wrote, opened by this version after a rollback.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAMBDA_ARN, startHarness } from './harness.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sharebus-rollback-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const DLQ = 'arn:aws:sqs:us-east-1:111111111111:delivery-dlq';

describe('state a later version wrote', () => {
  it('redrives a later dead letter with its extra fields, and keeps one of an origin it does not know', async () => {
    // Prepare: a function's dead letter with fields this version does not write, and one of another origin
    const later = {
      send: {
        messageId: 'm-later',
        queueArn: DLQ,
        body: JSON.stringify({ subscriptionId: 'sub-1', event: { id: 'e' }, projection: ['/a'] }),
        attributes: { ErrorCode: { DataType: 'String', StringValue: '200' } },
        sentAt: new Date().toISOString(),
        signature: 'v2=abc',
        deadLetter: { functionArn: LAMBDA_ARN, requestId: 'r-1', retryAttempts: 2, redriveCount: 1 },
      },
    };
    const otherKind = {
      send: {
        messageId: 'm-pipe',
        queueArn: DLQ,
        body: '{"x":1}',
        attributes: {},
        sentAt: new Date().toISOString(),
        deadLetter: { kind: 'pipe', pipeArn: 'arn:aws:pipes:us-east-1:111111111111:pipe/p' },
      },
    };
    await writeFile(
      join(dataDir, 'queues.jsonl'),
      `${JSON.stringify(later)}\n${JSON.stringify(otherKind)}\n`,
    );
    const harness = await startHarness({ dataDir, asyncFunctions: { [LAMBDA_ARN]: { deadLetterArn: DLQ } } });
    try {
      // Assess: kept whole on disk, both listed
      const kept = await readFile(join(dataDir, 'queues.jsonl'), 'utf8');
      expect(kept).toContain('"signature":"v2=abc"');
      expect(harness.eventBridge.deadLetters.list().map((l) => [l.id, l.kind])).toEqual([
        ['m-later', 'function'],
        ['m-pipe', 'target'],
      ]);
      // Act
      const result = harness.eventBridge.deadLetters.redrive();
      await harness.eventBridge.idle();
      // Assess: the function's invoked again with its payload whole (its deliver function judges it), the other kept
      expect(result.redriven).toEqual(['m-later']);
      expect(result.failed).toEqual([
        {
          id: 'm-pipe',
          reason: 'its origin is of a kind this version does not know (a later version wrote it?)',
        },
      ]);
      expect(harness.invocations.map((i) => JSON.parse(i.payload).projection)).toEqual([['/a']]);
      expect(harness.eventBridge.deadLetters.list().map((l) => l.id)).toEqual(['m-pipe']);
    } finally {
      await harness.close();
    }
  });
});
