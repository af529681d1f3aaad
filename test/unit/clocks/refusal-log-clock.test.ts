// "Said at once, then at most once a minute": the minute is measured on the wall clock, so a clock set back an hour
// (NTP step, a VM restored) silences the count for the hour, however much real time passes.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import type { InvocationSource } from '../../../local/eventbridge/delivery.js';
import { AsyncInvocations, heldBytes } from '../../../local/eventbridge/lambda-async.js';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';
import { QueueStore } from '../../../local/eventbridge/queue-store.js';

const FUNCTION = 'arn:aws:lambda:us-east-1:111111111111:function:deliver';
const SLOW: InvocationSource = {
  ruleArn: 'arn:aws:events:us-east-1:111111111111:rule/sharebus/slow',
  targetId: 'd',
};

describe('AsyncInvocations: the refusal warning after the wall clock is set back', () => {
  it('is said again once more than a minute of real time has passed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sharebus-clocks-'));
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m), error: () => {} };
    const writer = new CoalescingWriter({ logger });
    const lambda = new AsyncInvocations({
      run: () => new Promise<void>(() => {}),
      functions: { [FUNCTION]: {} },
      queues: new QueueStore(writer, dir, { logger }),
      delayScale: 0.001,
      logger,
      writer,
      limit: { bytes: 20 * heldBytes('x'), setting: 'maxLambdaQueueBytes' },
    });
    try {
      for (let n = 0; n < 20; n++) lambda.accept(FUNCTION, 'x', { source: SLOW });
      await new Promise((resolve) => setTimeout(resolve, 1));
      lambda.refusal(FUNCTION, SLOW);
      // 61 s of real time pass, during which the wall clock is set back an hour.
      const wall = Date.now();
      const mono = performance.now();
      jest.spyOn(Date, 'now').mockReturnValue(wall - 3_600_000 + 61_000);
      jest.spyOn(performance, 'now').mockReturnValue(mono + 61_000);
      lambda.refusal(FUNCTION, SLOW);
      expect(warnings.filter((w) => w.includes('refused'))).toHaveLength(2);
    } finally {
      jest.restoreAllMocks();
      lambda.stop();
      await writer.flush();
      writer.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
