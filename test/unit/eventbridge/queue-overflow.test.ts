// The local queues' messages moved to disk past their limit, and put back by a restore (queue-overflow.ts, and
// QueueStore.restore): on the real file system, with the clock faked so that days pass.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';
import { QueueStore, type Restored } from '../../../local/eventbridge/queue-store.js';

const DLQ = 'arn:aws:sqs:us-east-1:111111111111:dlq';
const OTHER = 'arn:aws:sqs:us-east-1:111111111111:other';
/** heldBytes() of a message of a 4-character body and no attributes: its body and 700 for the rest. */
const EACH = 704;
/** A limit that holds ten such messages; a restore puts back up to 7.5 of them. */
const TEN = { bytes: 10 * EACH, setting: 'maxQueueBytes' };

/**
 * A regular file no one may read, not even root: sysfs refuses to open a write-only attribute for reading (EACCES).
 * Linked to from the overflow directory, it stands for a file the disk will not give back.
 */
const UNREADABLE = ['/sys/bus/pci/rescan', '/sys/bus/pci/drivers_probe'].find((path) => existsSync(path));

describe('QueueStore: messages moved to disk past the limit, and restored', () => {
  let dir: string;
  let overflow: string;
  let warnings: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-overflow-'));
    overflow = join(dir, 'queues-overflow');
    warnings = [];
    jest.spyOn(console, 'warn').mockImplementation((message: string) => warnings.push(message));
    // A second between sends, so that which is oldest is never a tie.
    jest.useFakeTimers({
      now: Date.UTC(2026, 11, 1, 12),
      doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'],
    });
  });

  afterEach(async () => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    // What the stores opened still write (a start's compaction) lands first: removed meanwhile, the directory was
    // written into as rm emptied it (ENOTEMPTY, now and then).
    await Promise.all(opened.splice(0).map((store) => store.writer.flush()));
    await rm(dir, { recursive: true, force: true });
  });

  const body = (i: number) => String(i).padStart(4, '0');
  /** `count` sends to `arn`, numbered from `from`. */
  const sends = (count: number, from = 0, arn = DLQ) =>
    Array.from({ length: count }, (_, i) => [arn, from + i] as const);
  function sendEach(store: QueueStore, list: ReadonlyArray<readonly [string, number]>): void {
    for (const [arn, i] of list) {
      store.send(arn, body(i));
      jest.advanceTimersByTime(1_000);
    }
  }
  const held = (store: QueueStore) =>
    Object.fromEntries(store.queueArns().map((arn) => [arn, store.peek(arn).map((m) => m.body)]));
  /** The stores open() made, their writes waited for after each test. */
  const opened: QueueStore[] = [];
  const open = () => {
    const store = new QueueStore(new CoalescingWriter(), dir, { limit: TEN });
    opened.push(store);
    return store;
  };
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  /** What a restore answers, but the promise of its writes. */
  const counted = ({ durable: _, ...counts }: Restored) => counts;
  /** A restore, once its writes are on disk. */
  async function restore(store: QueueStore): Promise<Omit<Restored, 'durable'> & { written: boolean }> {
    const restored = store.restore();
    const written = await restored.durable;
    await store.writer.flush();
    return { ...counted(restored), written };
  }
  /** Each file of the overflow directory, as the bodies of its messages in file order. */
  async function files(): Promise<Record<string, string[]>> {
    const names = (await readdir(overflow)).filter((name) => name.endsWith('.jsonl')).sort();
    const bodies = async (name: string) =>
      (await readFile(join(overflow, name), 'utf8'))
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => (JSON.parse(line) as { send: { body: string } }).send.body);
    return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await bodies(name)])));
  }

  it('puts back what moved out, in that order and each in its place, up to three quarters of the limit, then the rest', async () => {
    // Prepare: 14 sends to two queues in turn: the first four moved out; DLQ then received.
    const store = open();
    sendEach(
      store,
      Array.from({ length: 14 }, (_, i) => [i % 2 === 0 ? DLQ : OTHER, i] as const),
    );
    store.receive(DLQ);
    const movedOut = await files();
    // Act: a restore with OTHER's five held; a restart; both queues received and a second restore.
    const first = await restore(store);
    const afterFirst = held(store);
    const restarted = held(open());
    store.receive(DLQ);
    store.receive(OTHER);
    const second = await restore(store);
    // Assess: room for two below 7.5 of ten: the first two to move out, each back in its place by when it was sent.
    expect(movedOut).toEqual({ '2026-12-01.jsonl': ['0000', '0001', '0002', '0003'] });
    expect(first).toEqual({
      restored: 2,
      expired: 0,
      duplicates: 0,
      left: { files: 1, bytes: expect.any(Number) },
      unreadable: [],
      written: true,
    });
    expect(afterFirst).toEqual({
      [DLQ]: ['0000'],
      [OTHER]: ['0001', '0005', '0007', '0009', '0011', '0013'],
    });
    expect(restarted).toEqual(afterFirst);
    expect(second).toMatchObject({ restored: 2, left: { files: 0, bytes: 0 }, written: true });
    expect(held(store)).toEqual({ [DLQ]: ['0002'], [OTHER]: ['0003'] });
    // The day's file stays while it may still be appended to, and goes at the first prune of a later day.
    expect(Object.keys(await files())).toEqual(['2026-12-01.jsonl']);
    jest.advanceTimersByTime(86_400_000);
    store.prune();
    expect(await files()).toEqual({});
    expect(warnings.filter((w) => w.includes('removed'))).toEqual([]);
  });

  it('goes on where the last restore stopped, after a restart too, and never puts back twice what it read', async () => {
    // Prepare: 12 sends, the first two moved out; all received; a restore puts both back, and they are received.
    const first = open();
    sendEach(first, sends(12));
    first.receive(DLQ);
    const before = await restore(first);
    first.receive(DLQ);
    // Act: more sends move out, a restart, everything received, and a restore.
    sendEach(first, sends(13, 100));
    await first.writer.flush();
    const second = open();
    second.receive(DLQ);
    const after = await restore(second);
    // Assess: the three moved out since come back, not the two received before.
    expect(before.restored).toBe(2);
    expect(after).toMatchObject({ restored: 3, duplicates: 0, left: { files: 0, bytes: 0 } });
    expect(held(second)).toEqual({ [DLQ]: ['0100', '0101', '0102'] });
  });

  it('puts back each of megabytes moved out exactly once, in order, lines crossing its reads of a megabyte included', async () => {
    // Prepare: room for 200 messages of 10 KB; 500 sent, so 300 (3 MB) moved out.
    const big = (i: number) => `${body(i)}${'x'.repeat(9_996)}`;
    const store = new QueueStore(new CoalescingWriter(), dir, {
      limit: { bytes: 200 * 10_700, setting: 'x' },
    });
    for (let i = 0; i < 500; i++) {
      store.send(DLQ, big(i));
      jest.advanceTimersByTime(1_000);
    }
    store.receive(DLQ);
    // Act: restores, each received, until none is left.
    const back: string[] = [];
    let rounds = 0;
    for (let left = store.overflow().files; left > 0 && rounds < 100; rounds++) {
      const restored = await restore(store);
      back.push(...store.receive(DLQ).map((m) => m.body.slice(0, 4)));
      left = restored.left.files;
    }
    // Assess: 150 a restore (three quarters of 200), 1.6 MB read in each.
    expect(back).toEqual(Array.from({ length: 300 }, (_, i) => body(i)));
    expect(rounds).toBe(2);
  });

  it('reads again what it put back when where it read to was not kept (a crash), dropping what the queues hold', async () => {
    // Prepare: two moved out and put back; then read.json lost, as if the process died before it was written.
    const store = open();
    sendEach(store, sends(12));
    store.receive(DLQ);
    await restore(store);
    await rm(join(overflow, 'read.json'));
    // Act
    const again = await restore(open());
    // Assess
    expect(again).toMatchObject({ restored: 0, duplicates: 2 });
  });

  it("keeps where restores read to only once every earlier restore's log write landed too (two restores at once)", async () => {
    // Prepare: 12 sends, the first two moved out; all received. The disk then refuses the log's rewrite but takes
    // read.json's few bytes: the rewrite's temporary file's name is taken.
    const writer = new CoalescingWriter();
    const store = new QueueStore(writer, dir, { limit: TEN });
    sendEach(store, sends(12));
    store.receive(DLQ);
    await writer.flush();
    const temporary = join(dir, `queues.jsonl.${process.pid}.tmp`);
    await mkdir(temporary);
    // Act: two restores at once; the second finds nothing left to read. Then a kill before the log's retry lands.
    const first = store.restore();
    const second = store.restore();
    // Until the log's rewrite has failed, then as many turns again: read.json, were it asked for, lands by then.
    let turns = 0;
    for (; turns < 10_000 && !writer.unwritten; turns++) await turn();
    for (let more = 0; more < turns + 200 && !existsSync(join(overflow, 'read.json')); more++) await turn();
    writer.close();
    await Promise.all([first.durable, second.durable]);
    await rm(temporary, { recursive: true });
    const restarted = open();
    const again = restarted.restore();
    // Assess: before (review, 2026-12-07) the second's positions, the first's among them, were kept at once, and the
    // two messages were lost: read.json said they were read, the log never held them.
    expect(first.restored).toBe(2);
    expect(turns).toBeLessThan(10_000);
    expect(existsSync(join(overflow, 'read.json'))).toBe(false);
    expect(again.restored).toBe(2);
    expect(held(restarted)).toEqual({ [DLQ]: ['0000', '0001'] });
  });

  it("passes a past day's last line a failed append cut short, so the file counts as read and goes", async () => {
    // Prepare: a day's file of two messages and a cut-short third (a disk that filled part-way through an append).
    await mkdir(overflow);
    const send = (i: number) =>
      JSON.stringify({
        send: {
          messageId: `m${i}`,
          queueArn: DLQ,
          body: body(i),
          attributes: {},
          sentAt: new Date().toISOString(),
        },
      });
    await writeFile(join(overflow, '2026-12-01.jsonl'), `\n${send(0)}\n${send(1)}\n${send(2).slice(0, 30)}`);
    const store = open();
    // Act: a restore; a restore the next day, and that day's sweep.
    const first = await restore(store);
    jest.advanceTimersByTime(86_400_000);
    const next = await restore(store);
    store.prune();
    // Assess: before (review, 2026-12-07) only today's file's cut-short line was ended (by the next move), so a past
    // day's was never read: one file left for 14 days, and "until nothing is left" never came.
    expect(first).toMatchObject({ restored: 2, left: { files: 1, bytes: 30 } });
    expect(next).toMatchObject({ restored: 0, left: { files: 0, bytes: 0 } });
    expect(existsSync(join(overflow, '2026-12-01.jsonl'))).toBe(false);
  });

  it('never moves out a pinned message (a dead letter being redriven), so that a restore cannot put it back', async () => {
    // Prepare: ten held, the two oldest of DLQ pinned as a redrive pins them until it is on disk.
    const store = open();
    sendEach(store, sends(8));
    sendEach(store, sends(2, 50, OTHER));
    const pinned = store.peek(DLQ).slice(0, 2);
    store.pin(pinned.map((m) => m.messageId));
    // Act: three sends past the limit; then the redrive lands (take, unpin), a send, everything received, a restore.
    sendEach(store, sends(3, 100, OTHER));
    const whilePinned = held(store);
    store.take(new Set(pinned.map((m) => m.messageId)));
    store.unpin(pinned.map((m) => m.messageId));
    sendEach(store, sends(1, 200));
    const moved = await files();
    store.receive(DLQ);
    store.receive(OTHER);
    const restored = await restore(store);
    // Assess: OTHER's oldest moved out while DLQ's pinned head held, though older.
    expect(whilePinned).toEqual({
      [DLQ]: ['0000', '0001', '0002', '0003', '0004', '0005', '0006', '0007'],
      [OTHER]: ['0101', '0102'],
    });
    expect(moved).toEqual({ '2026-12-01.jsonl': ['0050', '0051', '0100'] });
    expect(restored.restored).toBe(3);
    expect(held(store)).toEqual({ [OTHER]: ['0050', '0051', '0100'] });
  });

  it('reads nothing when the queues have no room, however much is on disk', async () => {
    // Prepare: 14 sends, four moved out; the queues then at 80% of the limit.
    const store = open();
    sendEach(store, sends(14));
    store.take(
      new Set(
        store
          .peek(DLQ)
          .slice(0, 2)
          .map((m) => m.messageId),
      ),
    );
    const left = store.overflow();
    // Act
    const restored = await restore(store);
    // Assess
    expect(restored).toEqual({ restored: 0, expired: 0, duplicates: 0, left, unreadable: [], written: true });
    expect(left).toEqual({ files: 1, bytes: expect.any(Number) });
    expect(existsSync(join(overflow, 'read.json'))).toBe(false);
  });

  it('drops, rather than put back, the messages past the retention and those their queue holds already', async () => {
    // Prepare: a day's file as a crash left it: a message also in the log (moved out, the take not written), one
    // sent 20 days ago, a line of another kind, one the store can use, and a last line cut short.
    const send = (messageId: string, text: string, sentAt: string) =>
      JSON.stringify({ send: { messageId, queueArn: DLQ, body: text, attributes: {}, sentAt } });
    const now = new Date().toISOString();
    await writeFile(join(dir, 'queues.jsonl'), `${send('kept', 'in-the-log', now)}\n`);
    await mkdir(overflow);
    await writeFile(
      join(overflow, '2026-11-30.jsonl'),
      [
        send('kept', 'in-the-log', now),
        send('old', 'twenty-days', '2026-11-11T00:00:00.000Z'),
        '{"take":["x"]}',
        send('back', 'put-back', '2026-11-29T00:00:00.000Z'),
        '{"send":{"messageId":"torn","que',
      ].join('\n'),
    );
    const store = open();
    // Act
    const restored = await restore(store);
    // Assess: the line cut short is passed: a past day's file is never appended to, so nothing will end it.
    expect(restored).toEqual({
      restored: 1,
      expired: 1,
      duplicates: 1,
      left: { files: 0, bytes: 0 },
      unreadable: [],
      written: true,
    });
    expect(store.peek(DLQ).map((m) => m.body)).toEqual(['put-back', 'in-the-log']);
  });

  it('starts a new line after one a crash cut short, so the message it moves out next is read whole', async () => {
    // Prepare: today's file ending in a line cut short.
    await mkdir(overflow);
    await writeFile(join(overflow, '2026-12-01.jsonl'), '{"send":{"messageId":"torn","que');
    const store = open();
    // Act: eleven sends (one moved out), all received, and a restore.
    sendEach(store, sends(11));
    store.receive(DLQ);
    const restored = await restore(store);
    // Assess
    expect(restored).toMatchObject({ restored: 1, left: { files: 0, bytes: 0 } });
    expect(held(store)).toEqual({ [DLQ]: ['0000'] });
  });

  it('removes the files whose messages are all past the retention, saying so, and leaves what is not a day’s file', async () => {
    // Prepare: files of 15 and 14 days ago (the first ended 14 days ago), today's, a name that is no day, a directory.
    await mkdir(join(overflow, '2026-11-01.jsonl'), { recursive: true });
    for (const name of ['2026-11-16.jsonl', '2026-11-17.jsonl', '2026-12-01.jsonl', '2026-13-01.jsonl'])
      await writeFile(join(overflow, name), '{}\n');
    // Act: a start, then the sweep a day later.
    const store = open();
    const atStart = (await readdir(overflow)).sort();
    jest.advanceTimersByTime(86_400_000);
    store.prune();
    // Assess
    expect(atStart).toEqual(['2026-11-01.jsonl', '2026-11-17.jsonl', '2026-12-01.jsonl', '2026-13-01.jsonl']);
    expect((await readdir(overflow)).sort()).toEqual([
      '2026-11-01.jsonl',
      '2026-12-01.jsonl',
      '2026-13-01.jsonl',
    ]);
    expect(warnings).toEqual([
      `[eventbridge] queues: removed ${join(overflow, '2026-11-16.jsonl')}, whose messages were all older than 14 days, as SQS does`,
      `[eventbridge] queues: removed ${join(overflow, '2026-11-17.jsonl')}, whose messages were all older than 14 days, as SQS does`,
    ]);
  });

  it('passes a file it cannot read, naming it, and puts back what the others hold', async () => {
    // Prepare: yesterday's file unreadable, today's holding two messages moved out.
    if (UNREADABLE === undefined)
      throw new Error('no write-only sysfs attribute on this machine to stand for it');
    await mkdir(overflow);
    await symlink(UNREADABLE, join(overflow, '2026-11-30.jsonl'));
    const store = open();
    sendEach(store, sends(12));
    store.receive(DLQ);
    // Act
    const first = await restore(store);
    const second = await restore(store);
    // Assess: tried again by the next restore, and not stopping it either.
    const unreadable = [expect.stringMatching(/^.*2026-11-30\.jsonl: .*EACCES/)];
    expect(first).toMatchObject({ restored: 2, unreadable });
    expect(second).toMatchObject({ restored: 0, unreadable });
    expect(held(store)).toEqual({ [DLQ]: ['0000', '0001'] });
  });

  it('takes back where restores read to only from a read.json this server wrote, reading from the start otherwise', async () => {
    // Prepare: two moved out; a read.json of another shape, and one past the file's end.
    const store = open();
    sendEach(store, sends(12));
    store.receive(DLQ);
    await store.writer.flush();
    await writeFile(join(overflow, 'read.json'), '["2026-12-01.jsonl"]');
    const listed = open();
    await writeFile(join(overflow, 'read.json'), '{"2026-12-01.jsonl": 999999}');
    const past = open();
    // Act
    const restored = [await restore(listed), await restore(past)];
    // Assess
    expect(restored.map((r) => r.restored)).toEqual([2, 2]);
    expect(warnings.filter((w) => w.includes('read.json'))).toEqual([
      expect.stringContaining(
        `[eventbridge] queues: ${join(overflow, 'read.json')} is not what this server writes; restores read the files of ${overflow} from their start again`,
      ),
    ]);
  });

  it('removes what it cannot keep on disk, saying why, and restores nothing from there', async () => {
    // Prepare: a file where the overflow directory would go.
    await writeFile(overflow, 'not a directory');
    const store = new QueueStore(new CoalescingWriter(), dir, {
      limit: { bytes: TEN.bytes, setting: 'SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB' },
    });
    // Act
    sendEach(store, sends(11));
    store.receive(DLQ);
    const restored = await restore(store);
    // Assess
    expect(warnings).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^\\[eventbridge\\] queue ${DLQ}: removed 1 message\\(s\\), the oldest of the local queues, to keep them within 7 KiB \\(SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB\\) \\(they could not be kept on disk: .*(EEXIST|ENOTDIR).*\\)$`,
        ),
      ),
    );
    expect(restored).toMatchObject({ restored: 0, left: { files: 0, bytes: 0 }, unreadable: [] });
  });

  it('restores nothing without a dataDir, where what passes the limit is removed', async () => {
    // Prepare
    const store = new QueueStore(new CoalescingWriter(), undefined, { limit: TEN });
    sendEach(store, sends(11));
    store.receive(DLQ);
    // Act
    const restored = await restore(store);
    // Assess
    expect(restored).toEqual({
      restored: 0,
      expired: 0,
      duplicates: 0,
      left: { files: 0, bytes: 0 },
      unreadable: [],
      written: true,
    });
    expect(warnings).toContainEqual(expect.stringContaining(`queue ${DLQ}: removed 1 message(s)`));
  });
});
