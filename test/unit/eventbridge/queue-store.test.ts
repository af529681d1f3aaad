import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';
import { type QueueLimit, QueueStore } from '../../../local/eventbridge/queue-store.js';

const DLQ = 'arn:aws:sqs:us-east-1:111111111111:dlq';
const OTHER = 'arn:aws:sqs:us-east-1:111111111111:other';

describe('QueueStore in a dataDir', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-queues-'));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  /** A store on `dir`, and what it holds once everything it wrote is on disk. */
  async function reopened(): Promise<Record<string, string[]>> {
    const store = new QueueStore(new CoalescingWriter(), dir);
    await store.writer.flush();
    return Object.fromEntries(store.queueArns().map((arn) => [arn, store.peek(arn).map((m) => m.body)]));
  }

  it('removes the messages older than its retention, as SQS does, says so, and keeps that across a restart', async () => {
    // Prepare: two messages sent 15 days before a third, with SQS's 14-day retention.
    jest.useFakeTimers({
      now: Date.UTC(2026, 11, 1),
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'],
    });
    const warnings: string[] = [];
    jest.spyOn(console, 'warn').mockImplementation((message: string) => warnings.push(message));
    const store = new QueueStore(new CoalescingWriter(), dir);
    store.send(DLQ, 'a');
    store.send(OTHER, 'b');
    jest.setSystemTime(Date.UTC(2026, 11, 16));
    // Act
    store.send(DLQ, 'c');
    await store.writer.flush();
    jest.useRealTimers();
    // Assess
    expect(store.queueArns().map((arn) => [arn, store.peek(arn).map((m) => m.body)])).toEqual([[DLQ, ['c']]]);
    expect(warnings.sort()).toEqual([
      `[eventbridge] queue ${DLQ}: removed 1 message(s) older than 14 days, as SQS does`,
      `[eventbridge] queue ${OTHER}: removed 1 message(s) older than 14 days, as SQS does`,
    ]);
    expect(await reopened()).toEqual({ [DLQ]: ['c'] });
  });

  it('keeps what is sent, taken and received across a restart', async () => {
    // Prepare
    const store = new QueueStore(new CoalescingWriter(), dir);
    const [a] = [store.send(DLQ, 'a'), store.send(DLQ, 'b'), store.send(OTHER, 'x'), store.send(DLQ, 'c')];
    // Act
    store.take(new Set([a.messageId]));
    store.receive(OTHER);
    await store.writer.flush();
    // Assess
    expect(await reopened()).toEqual({ [DLQ]: ['b', 'c'] });
  });

  it('appends a line per change and compacts the log once it outgrows the messages', async () => {
    // Prepare
    const store = new QueueStore(new CoalescingWriter(), dir);
    // Act: 3,000 messages in, all but 10 out, one at a time.
    const sent = Array.from({ length: 3_000 }, (_, i) => store.send(DLQ, `m${i}`));
    await store.writer.flush();
    for (const m of sent.slice(10)) store.take(new Set([m.messageId]));
    await store.writer.flush();
    // Assess: without compaction the log would hold 5,990 lines.
    const lines = (await readFile(join(dir, 'queues.jsonl'), 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines.length).toBeLessThanOrEqual(2 * 10 + 1_000);
    expect(await reopened()).toEqual({ [DLQ]: sent.slice(0, 10).map((m) => m.body) });
  });

  it('compacts by size too: large messages sent and taken many times do not grow the log by their size each time', async () => {
    // Prepare: one small message kept, then 200 KB messages sent and taken one at a time
    const store = new QueueStore(new CoalescingWriter(), dir);
    store.send(DLQ, 'kept');
    const body = 'x'.repeat(200 * 1024);
    let largest = 0;
    // Act
    for (let i = 0; i < 100; i++) {
      const sent = store.send(DLQ, body);
      store.take(new Set([sent.messageId]));
      await store.writer.flush();
      largest = Math.max(largest, (await readFile(join(dir, 'queues.jsonl'))).length);
    }
    // Assess: under twice the live messages plus 1 MiB of slack and one message (20 MB by line count alone)
    expect(largest).toBeLessThan(2 * 1024 * 1024 + 2 * body.length);
    expect(await reopened()).toEqual({ [DLQ]: ['kept'] });
  });

  it('removes at start the files a rewrite of its log left when its process died, and no other', async () => {
    // Prepare: what a process killed while rewriting or compacting the log leaves; and files not of that kind.
    const left = ['queues.jsonl.4242.tmp', 'queues.jsonl.4243.7.compacting'];
    const kept = [
      'queues.jsonl.backup',
      'queues.jsonl.x.tmp',
      'queues.jsonl.4243.compacting',
      'other.jsonl.4242.tmp',
    ];
    for (const name of [...left, ...kept]) await writeFile(join(dir, name), 'x');
    // Act
    const store = new QueueStore(new CoalescingWriter(), dir);
    await store.writer.flush();
    // Assess
    expect((await readdir(dir)).sort()).toEqual([...kept, 'queues.jsonl'].sort());
  });

  it('ends a torn last line at start, so that what it appends before its compaction is in place is read whole', async () => {
    // Prepare: a log whose last line a crash cut short.
    await writeFile(
      join(dir, 'queues.jsonl'),
      `${JSON.stringify({ receive: OTHER })}\n{"send":{"messageId":"m`,
    );
    const warned = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = new QueueStore(new CoalescingWriter(), dir);
    // Act: a message stored, and the file as a crash right after would leave it (before the compaction lands).
    const since = store.writer.asked;
    store.send(DLQ, 'kept');
    expect(await store.writer.written(since)).toEqual([]);
    const crashed = await readFile(join(dir, 'queues.jsonl'), 'utf8');
    await store.writer.flush();
    await writeFile(join(dir, 'queues.jsonl'), crashed);
    // Assess: the torn line is skipped, and said so, at each start; the message after it is read
    expect(await reopened()).toEqual({ [DLQ]: ['kept'] });
    const skipped = `[eventbridge] queues: skipped 1 unreadable line(s) in ${join(dir, 'queues.jsonl')}`;
    expect(warned.mock.calls).toEqual([[skipped], [skipped]]);
  });

  it('starts after a crash tore the last line, without it, and goes on from there', async () => {
    // Prepare
    const warned = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = new QueueStore(new CoalescingWriter(), dir);
    store.send(DLQ, 'kept');
    await store.writer.flush();
    await appendFile(join(dir, 'queues.jsonl'), '{"send":{"messageId":"torn","queueA');
    // Act
    const after = new QueueStore(new CoalescingWriter(), dir);
    after.send(DLQ, 'next');
    await after.writer.flush();
    // Assess
    expect(warned).toHaveBeenCalledWith(expect.stringContaining('skipped 1 unreadable line'));
    expect(await reopened()).toEqual({ [DLQ]: ['kept', 'next'] });
  });

  /** A queues.json as earlier versions wrote it, holding one dead letter sent an hour ago (within the retention). */
  const writeEarlierQueues = () =>
    writeFile(
      join(dir, 'queues.json'),
      JSON.stringify({
        queues: {
          [DLQ]: [
            {
              messageId: 'old-1',
              queueArn: DLQ,
              body: 'from before',
              attributes: {},
              sentAt: new Date(Date.now() - 3_600_000).toISOString(),
            },
          ],
        },
      }),
    );

  // Retention review, 2026-12-06: the old file stayed, holding every message of the versions that removed none, and
  // came back should the log go.
  it('reads the queues.json of earlier versions when there is no log yet, then removes it once the log holds its messages', async () => {
    // Prepare
    await writeEarlierQueues();
    // Act
    const held = await reopened();
    // Assess
    expect(held).toEqual({ [DLQ]: ['from before'] });
    expect(await readFile(join(dir, 'queues.jsonl'), 'utf8')).toContain('"old-1"');
    expect(await readdir(dir)).toEqual(['queues.jsonl']);
  });

  // Diff review, 2026-12-06: the move made an empty queues.jsonl at once and appended the messages after; a crash
  // before those appends landed left the empty log, which the next start read instead of queues.json.
  it('reads the queues.json of earlier versions again after a crash before the log held its messages', async () => {
    // Prepare
    await writeEarlierQueues();
    // Act: a start killed before its writer's first pass (which a faked setImmediate never runs), then another
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    new QueueStore(new CoalescingWriter(), dir);
    jest.useRealTimers();
    const held = await reopened();
    // Assess
    expect(held).toEqual({ [DLQ]: ['from before'] });
  });

  it('removes the queues.json of earlier versions though every message it held had expired', async () => {
    // Prepare: its one message is 15 days old.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await writeEarlierQueues();
    jest.useFakeTimers({
      now: Date.now() + 15 * 86_400_000,
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'],
    });
    // Act
    const held = await reopened();
    jest.useRealTimers();
    // Assess
    expect(held).toEqual({});
    expect(await readdir(dir)).toEqual(['queues.jsonl']);
  });

  // Retention review, 2026-12-06: a prune while the clock was a year ahead set the next one a year out, so nothing
  // expired in the meantime once the clock was set right.
  it('is not held up by a prune made while the clock was ahead, once it is set right', async () => {
    // Prepare: a use while the clock is a year ahead, then a message sent once it is set right.
    jest.useFakeTimers({
      now: Date.UTC(2026, 11, 1),
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'],
    });
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = new QueueStore(new CoalescingWriter(), dir);
    jest.setSystemTime(Date.UTC(2027, 11, 1));
    store.peek(DLQ);
    jest.setSystemTime(Date.UTC(2026, 11, 1, 0, 1));
    store.send(DLQ, 'a');
    // Act: 15 days on, a use.
    jest.setSystemTime(Date.UTC(2026, 11, 16, 0, 2));
    store.send(DLQ, 'b');
    await store.writer.flush();
    jest.useRealTimers();
    // Assess
    expect(store.peek(DLQ).map((m) => m.body)).toEqual(['b']);
  });

  it('removes expired messages when told to (the server sweeps idle stores), not only at a use a minute after the last', async () => {
    // Prepare: a message, and a use a second before it expires, which prunes.
    jest.useFakeTimers({
      now: Date.UTC(2026, 11, 1),
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'],
    });
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const store = new QueueStore(new CoalescingWriter(), dir);
    store.send(DLQ, 'a');
    jest.setSystemTime(Date.UTC(2026, 11, 14, 23, 59, 59));
    store.peek(DLQ);
    // Act: expired now, but a use within the minute does not prune again; the sweep does.
    jest.setSystemTime(Date.UTC(2026, 11, 15, 0, 0, 10));
    const beforeSweep = store.peek(DLQ).map((m) => m.body);
    store.prune();
    await store.writer.flush();
    jest.useRealTimers();
    // Assess
    expect(beforeSweep).toEqual(['a']);
    expect(store.peek(DLQ)).toEqual([]);
    expect(await reopened()).toEqual({});
  });

  it('reads its log, not the queues.json an earlier version left beside it, at every start after the first', async () => {
    // Prepare: a queues.json read once, then changes that only the log holds.
    await writeEarlierQueues();
    const first = new QueueStore(new CoalescingWriter(), dir);
    // Act
    first.take(new Set(['old-1']));
    first.send(DLQ, 'since');
    await first.writer.flush();
    // Assess
    expect(await reopened()).toEqual({ [DLQ]: ['since'] });
  });

  it.each(['messageId', 'queueArn', 'body', 'sentAt', 'attributes'])(
    'starts past a sent message whose %s is missing, keeping the others, and says so',
    async (field) => {
      // Prepare: a message kept, and a line a damaged or hand-edited file holds.
      const warned = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const store = new QueueStore(new CoalescingWriter(), dir);
      const kept = store.send(DLQ, 'kept');
      await store.writer.flush();
      const { [field as keyof typeof kept]: _missing, ...damaged } = { ...kept, messageId: 'damaged' };
      await appendFile(join(dir, 'queues.jsonl'), `${JSON.stringify({ send: damaged })}\n`);
      // Act
      const held = await reopened();
      // Assess
      expect(held).toEqual({ [DLQ]: ['kept'] });
      expect(warned).toHaveBeenCalledWith(expect.stringContaining('queues: skipped 1 unreadable line(s)'));
    },
  );

  it('says a take did not land while its log cannot be written, so that nothing that follows it goes first', async () => {
    // Prepare: a message on disk, then the log made a directory, so that appending to it fails.
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const store = new QueueStore(new CoalescingWriter(), dir);
    const message = store.send(DLQ, 'a');
    await store.writer.flush();
    await rm(join(dir, 'queues.jsonl'));
    await mkdir(join(dir, 'queues.jsonl'));
    // Act
    const { taken, durable } = store.takeDurably(new Set([message.messageId]));
    const landed = await durable;
    store.writer.close();
    // Assess
    expect({ taken, landed }).toEqual({ taken: 1, landed: false });
  });
});

describe("QueueStore's limit on what the queues hold", () => {
  /** heldBytes() of a message of a 4-character body and no attributes: its body and 700 for the rest. */
  const EACH = 704;
  /** A limit that holds ten such messages. */
  const TEN = { bytes: 10 * EACH, setting: 'SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB' };
  let dir: string;
  let warnings: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-queues-'));
    warnings = [];
    jest.spyOn(console, 'warn').mockImplementation((message: string) => warnings.push(message));
    // A second between sends, so that which is oldest is never a tie.
    jest.useFakeTimers({
      now: Date.UTC(2026, 11, 1),
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'],
    });
  });

  afterEach(async () => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const body = (i: number) => String(i).padStart(4, '0');
  /** `count` sends to DLQ, numbered from `from`. */
  const toDlq = (count: number, from = 0) =>
    Array.from({ length: count }, (_, i) => [DLQ, from + i] as const);
  function sendEach(store: QueueStore, sends: ReadonlyArray<readonly [string, number]>): void {
    for (const [arn, i] of sends) {
      store.send(arn, body(i));
      jest.advanceTimersByTime(1_000);
    }
  }
  const held = (store: QueueStore) =>
    Object.fromEntries(store.queueArns().map((arn) => [arn, store.peek(arn).map((m) => m.body)]));
  /** The overflow directory's files, each as the queue and body of its messages, in file order. */
  async function overflowed(): Promise<Record<string, Array<[string, string]>>> {
    const overflow = join(dir, 'queues-overflow');
    const files = (await readdir(overflow)).sort();
    const read = async (name: string) =>
      (await readFile(join(overflow, name), 'utf8'))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const { send } = JSON.parse(line) as { send: { queueArn: string; body: string } };
          return [send.queueArn, send.body] as [string, string];
        });
    return Object.fromEntries(await Promise.all(files.map(async (name) => [name, await read(name)])));
  }
  /** What a store started on `dir` with this limit holds, once what its start wrote is on disk. */
  async function reopened(limit: QueueLimit): Promise<Record<string, string[]>> {
    const store = new QueueStore(new CoalescingWriter(), dir, { limit });
    await store.writer.flush();
    return held(store);
  }

  it('moves the oldest messages of any queue past the limit to disk, says how many of which queue, and keeps that across a restart', async () => {
    // Prepare
    const store = new QueueStore(new CoalescingWriter(), dir, { limit: TEN });
    // Act: 12 messages, the two queues in turn.
    sendEach(
      store,
      Array.from({ length: 12 }, (_, i) => [i % 2 === 0 ? DLQ : OTHER, i] as const),
    );
    await store.writer.flush();
    // Assess: the first two, one of each queue, are out of memory, in the day's file of the overflow directory.
    const expected = {
      [DLQ]: ['0002', '0004', '0006', '0008', '0010'],
      [OTHER]: ['0003', '0005', '0007', '0009', '0011'],
    };
    expect(held(store)).toEqual(expected);
    const overflow = join(dir, 'queues-overflow');
    expect(warnings).toEqual([
      '[eventbridge] local queues hold 6 KiB of their 7 KiB limit (SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB): past it their ' +
        `oldest messages move to ${overflow}; redrive the dead letters (POST /_local/dead-letters/redrive) or receive the messages before`,
      `[eventbridge] queue ${DLQ}: moved 1 message(s), the oldest of the local queues, to ${overflow} to keep them ` +
        'within 7 KiB (SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB); POST /_local/queues/restore puts them back once there is room',
    ]);
    expect(await overflowed()).toEqual({
      '2026-12-01.jsonl': [
        [DLQ, '0000'],
        [OTHER, '0001'],
      ],
    });
    expect(store.overflow()).toEqual({ files: 1, bytes: expect.any(Number) });
    expect(await reopened(TEN)).toEqual(expected);
  });

  it('logs what it moves out at most once a minute, counting what it moved meanwhile', async () => {
    // Prepare: the limit reached, and a first removal logged.
    const store = new QueueStore(new CoalescingWriter(), dir, { limit: TEN });
    sendEach(store, toDlq(11));
    const removals = () => warnings.filter((w) => w.includes(': moved '));
    expect(removals()).toEqual([expect.stringContaining(`queue ${DLQ}: moved 1 message(s)`)]);
    // Act: 30 more within the minute, then the server's sweep a minute after the first line.
    sendEach(
      store,
      Array.from({ length: 30 }, (_, i) => [i % 3 === 0 ? OTHER : DLQ, 100 + i] as const),
    );
    const withinTheMinute = removals().length;
    jest.advanceTimersByTime(30_000);
    store.prune();
    // Assess: 30 removed since the first line, in the order sent: DLQ's 10 held, then the first 20 of the 30 (7 OTHER's).
    expect(withinTheMinute).toBe(1);
    expect(removals().slice(1).sort()).toEqual([
      expect.stringContaining(`queue ${DLQ}: moved 23 message(s)`),
      expect.stringContaining(`queue ${OTHER}: moved 7 message(s)`),
    ]);
    expect(store.peek(DLQ).length + store.peek(OTHER).length).toBe(10);
  });

  it('says what it removed within the minute at its end though nothing is sent after, and at once when told to (a stop)', async () => {
    // Prepare: the limit reached, a first removal logged, then 5 more removed within the minute.
    const store = new QueueStore(new CoalescingWriter(), dir, { limit: TEN });
    sendEach(store, toDlq(11));
    sendEach(store, toDlq(5, 100));
    const removals = () => warnings.filter((w) => w.includes(': moved '));
    const withinTheMinute = removals().length;
    // Act: nothing more is sent; the minute since the first line ends.
    jest.advanceTimersByTime(60_000);
    const atTheMinute = removals().slice(1);
    sendEach(store, toDlq(2, 200));
    store.flushWarnings();
    // Assess: before (2026-12-07) the count waited for a send a minute later, and went unsaid when none came.
    expect(withinTheMinute).toBe(1);
    expect(atTheMinute).toEqual([expect.stringContaining(`queue ${DLQ}: moved 5 message(s)`)]);
    expect(removals().slice(2)).toEqual([expect.stringContaining(`queue ${DLQ}: moved 2 message(s)`)]);
  });

  it('moves out at start what a lower limit than the last run had does not hold, oldest first, and says so', async () => {
    // Prepare: ten messages under the limit of ten.
    const first = new QueueStore(new CoalescingWriter(), dir, { limit: TEN });
    sendEach(first, toDlq(10));
    await first.writer.flush();
    // Act: a start with a limit of four, then another with ten again.
    const lowered = new QueueStore(new CoalescingWriter(), dir, {
      limit: { bytes: 4 * EACH, setting: 'maxQueueBytes' },
    });
    await lowered.writer.flush();
    // Assess
    expect(held(lowered)).toEqual({ [DLQ]: ['0006', '0007', '0008', '0009'] });
    expect(warnings).toContain(
      `[eventbridge] queue ${DLQ}: moved 6 message(s), the oldest of the local queues, to ${join(dir, 'queues-overflow')} ` +
        'to keep them within 3 KiB (maxQueueBytes); POST /_local/queues/restore puts them back once there is room',
    );
    expect((await overflowed())['2026-12-01.jsonl']?.map(([, b]) => b)).toEqual([
      '0000',
      '0001',
      '0002',
      '0003',
      '0004',
      '0005',
    ]);
    expect(await reopened(TEN)).toEqual({
      [DLQ]: ['0006', '0007', '0008', '0009'],
    });
  });

  it('starts on a log whose message has an attribute of another shape, as before the limit', async () => {
    // Prepare: a hand-edited line the store before 2026-12-07 read; heldBytes() threw on it, stopping the start.
    const message = { messageId: 'm1', queueArn: DLQ, body: 'x', sentAt: new Date().toISOString() };
    const lines = [{}, null, { DataType: 'Number', StringValue: 5 }].map((attribute, i) =>
      JSON.stringify({ send: { ...message, messageId: `m${i}`, attributes: { A: attribute } } }),
    );
    await writeFile(join(dir, 'queues.jsonl'), `${lines.join('\n')}\n`);
    // Act
    const store = new QueueStore(new CoalescingWriter(), dir, { limit: TEN });
    await store.writer.flush();
    // Assess
    expect(store.peek(DLQ).map((m) => m.messageId)).toEqual(['m0', 'm1', 'm2']);
  });

  it('logs removals no sooner than a minute after the last such line, the sweep included', () => {
    // Prepare: a first removal logged
    const store = new QueueStore(new CoalescingWriter(), undefined, { limit: TEN });
    sendEach(store, toDlq(13));
    const removals = () => warnings.filter((w) => w.includes(': removed '));
    // Act: the server's sweep, two seconds after the first line
    store.prune();
    const afterSweep = removals().length;
    jest.advanceTimersByTime(60_000);
    store.prune();
    // Assess: the two removed meanwhile, said once the minute is up
    expect(afterSweep).toBe(1);
    expect(removals()).toEqual([
      expect.stringContaining(`queue ${DLQ}: removed 1 message(s)`),
      expect.stringContaining(`queue ${DLQ}: removed 2 message(s)`),
    ]);
  });

  it('keeps the newest message though it alone is over the limit', () => {
    // Prepare
    const store = new QueueStore(new CoalescingWriter(), undefined, {
      limit: { bytes: 100, setting: 'maxQueueBytes' },
    });
    // Act
    sendEach(store, [
      [DLQ, 1],
      [OTHER, 2],
      [DLQ, 3],
    ]);
    // Assess
    expect(held(store)).toEqual({ [DLQ]: ['0003'] });
  });

  it('keeps the order of a long queue it takes thousands from the front of, in memory and on disk', async () => {
    // Prepare
    const store = new QueueStore(new CoalescingWriter(), dir, { limit: TEN });
    // Act: 3,000 messages, past the point where the taken are let go of (1,024 taken, and half).
    sendEach(store, toDlq(3_000));
    await store.writer.flush();
    // Assess
    const newest = Array.from({ length: 10 }, (_, i) => body(2_990 + i));
    expect(held(store)).toEqual({ [DLQ]: newest });
    expect(store.deadLetters()).toEqual([]);
    expect(await reopened(TEN)).toEqual({ [DLQ]: newest });
  });

  it('warns once as the limit nears, and again only after the queues were well below it', () => {
    // Prepare
    const store = new QueueStore(new CoalescingWriter(), undefined, { limit: TEN });
    const nearing = () =>
      warnings.filter((w) => w.includes('past it their oldest messages are removed')).length;
    // Act: 8 (80%), then 9; all received; 4 (40%) then 8 again.
    sendEach(store, toDlq(9));
    const once = nearing();
    store.receive(DLQ);
    sendEach(store, toDlq(4));
    const belowHalf = nearing();
    sendEach(store, toDlq(4, 10));
    // Assess
    expect([once, belowHalf, nearing()]).toEqual([1, 1, 2]);
  });
});
