// The dead letters a redrive took back stay named in the journal that keeps their new deliveries (or invocations)
// until their leaving their queue is on disk, whatever compactions drop the lines that first named them: else a
// crash in between leaves them in their queue, and the next redrive delivers them a second time.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { AsyncInvocations } from '../../../local/eventbridge/lambda-async.js';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';
import { QueueStore } from '../../../local/eventbridge/queue-store.js';
import { RetryJournal } from '../../../local/eventbridge/retry-journal.js';

const FUNCTION = 'arn:aws:lambda:us-east-1:111111111111:function:consumer';
const DEAD_LETTER = 'dead-letter-1';

describe('redriven dead letters in a dataDir', () => {
  let dir: string;
  const writers: CoalescingWriter[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-redrive-marks-'));
  });

  afterEach(async () => {
    for (const writer of writers.splice(0)) {
      await writer.flush();
      writer.close();
    }
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const newWriter = (): CoalescingWriter => {
    const writer = new CoalescingWriter();
    writers.push(writer);
    return writer;
  };

  it('names one in the retry journal at every start, its delivery ended, until it has left its queue', async () => {
    // Prepare: the redriven delivery ends; then a start, whose compaction drops the lines that named it.
    const writer = newWriter();
    const journal = new RetryJournal(writer, dir);
    journal.wait({
      id: 'a',
      event: { json: '{"id":"e1"}', ingestedAt: 1_700_000_000_000 },
      busName: 'default',
      ruleName: 'orders',
      ruleArn: 'arn:aws:events:us-east-1:111111111111:rule/orders',
      targetId: 'fn',
      targetArn: FUNCTION,
      redriveOf: DEAD_LETTER,
      retries: 0,
      dueAt: 1_700_000_000_000,
    });
    journal.end('a');
    await writer.flush();
    const compacting = newWriter();
    new RetryJournal(compacting, dir);
    await compacting.flush();
    // Act
    const writerOfNext = newWriter();
    const next = new RetryJournal(writerOfNext, dir);
    const named = [...next.redrives.pending];
    next.landRedrives([DEAD_LETTER]);
    await writerOfNext.flush();
    // Assess: still named after that compaction; no longer once it has left its queue.
    expect(named).toEqual([DEAD_LETTER]);
    expect([...new RetryJournal(newWriter(), dir).redrives.pending]).toEqual([]);
  });

  it("names one in Lambda's log at the next start though the log was compacted after its invocation ended", async () => {
    // Prepare
    const writer = newWriter();
    const options = {
      run: async () => {},
      functions: { [FUNCTION]: {} },
      queues: new QueueStore(writer, dir),
      delayScale: 0.001,
      logger: { warn: () => {}, error: () => {} },
      writer,
      dataDir: dir,
    };
    const lambda = new AsyncInvocations(options);
    lambda.accept(FUNCTION, '{"id":"e1"}', { redriveOf: DEAD_LETTER });
    await lambda.idle();
    // Act: 1,100 more invocations, whose 2,200 lines have the log compacted as they end.
    for (let i = 0; i < 1_100; i++) lambda.accept(FUNCTION, '{}');
    await lambda.idle();
    await writer.flush();
    lambda.stop();
    // Assess: a start on these files, the dead letter's leaving never written
    const nextWriter = newWriter();
    const next = new AsyncInvocations({
      ...options,
      queues: new QueueStore(nextWriter, dir),
      writer: nextWriter,
    });
    expect([...next.redrives.pending]).toEqual([DEAD_LETTER]);
  });
  it.each([
    ['a number', 5],
    ['a text', 'dead-letter-2'],
    ['a list of numbers', [1, 2]],
  ])(
    'starts past a redriven line whose dead letters are %s, counting it, and names none from it',
    async (_case, redriven) => {
      // Prepare: a line edited by hand (or damaged) beside one the journal wrote.
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
      await writeFile(
        join(dir, 'retries.jsonl'),
        `${JSON.stringify({ redriven })}\n${JSON.stringify({ redriven: [DEAD_LETTER] })}\n`,
      );
      // Act
      const journal = new RetryJournal(newWriter(), dir);
      // Assess
      expect([...journal.redrives.pending]).toEqual([DEAD_LETTER]);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('retries: skipped 1 unreadable line(s)'));
    },
  );
});
