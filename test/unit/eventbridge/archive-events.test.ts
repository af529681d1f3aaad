// The events of one archive on disk, in segments, against real files: what a start reads, what retention drops,
// what a replay selects, and that memory holds only the segment being written.

import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import {
  type ArchivedEvent,
  type ArchiveSelecting,
  type ArchiveSelection,
  MemoryArchiveEvents,
  readArchivedEvents,
  SegmentedArchiveEvents,
  writeSegments,
} from '../../../local/eventbridge/archive-events.js';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 1);

/** An event of about 100 bytes, ingested `at` ms after T0, whose `time` is `time` ms after T0 (default: `at`). */
function event(id: number, at: number, time = at): ArchivedEvent {
  return {
    json: JSON.stringify({ id: `e${id}`, time: new Date(T0 + time).toISOString(), detail: { n: id } }),
    time: T0 + time,
    ingestedAt: T0 + at,
  };
}

/** The whole selection, chosen in one step. */
function chosen(selecting: ArchiveSelecting): ArchiveSelection {
  const selection = selecting.step(Number.POSITIVE_INFINITY);
  if (!selection) throw new Error('a step without a time limit left events to choose');
  return selection;
}

const ids = (selection: ArchiveSelection): string[] => {
  const out: string[] = [];
  for (let i = 0; i < selection.length; i++) {
    const e = selection.at(i);
    out.push(e ? (JSON.parse(e.json) as { id: string }).id : 'unreadable');
  }
  selection.close();
  return out;
};

describe('SegmentedArchiveEvents', () => {
  let dir: string;
  let writer: CoalescingWriter;
  const limits = { maxBytes: 1_000, spanMs: HOUR };

  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'sharebus-archive-')), 'a');
    writer = new CoalescingWriter();
  });

  afterEach(async () => {
    // A pass already on its way (the index a reopened archive mends, say) still writes after close(): removing the
    // directory under it failed with ENOTEMPTY once in a CI run (2026-12-04).
    await writer.flush();
    writer.close();
    await rm(join(dir, '..'), { recursive: true, force: true });
    // The console.error spies of the tests whose writes fail, once those writes have landed
    jest.restoreAllMocks();
  });

  /** The archive as a new start reads it, once everything asked is on disk. */
  const reopened = async (): Promise<SegmentedArchiveEvents> => {
    await writer.flush();
    writer.close();
    writer = new CoalescingWriter();
    return new SegmentedArchiveEvents(writer, dir, limits);
  };

  it('starts a segment past its bytes or its span, and counts events and bytes as the events are', async () => {
    // Prepare
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    // Lines of one length (ids of two digits, times of as many), so that a segment holds a known number of them.
    const added = [...Array.from({ length: 25 }, (_, i) => event(10 + i, 10_000 + i)), event(35, 2 * HOUR)];
    // Act
    for (const e of added) events.add(e);
    const again = await reopened();
    // Assess: 1,000 bytes hold 7 lines of 136 bytes (newline included), so 25 events take 4 segments (7, 7, 7,
    // 4), and the one two hours later a 5th.
    const first = await readFile(join(dir, '00000001.jsonl'), 'utf8');
    expect([first.length, first.split('\n').length - 1]).toEqual([7 * 136, 7]);
    const bytes = added.reduce((n, e) => n + Buffer.byteLength(e.json), 0);
    expect([events.count, events.sizeBytes, events.segments]).toEqual([26, bytes, 5]);
    expect([again.count, again.sizeBytes, again.segments]).toEqual([26, bytes, 5]);
    await writer.flush();
    expect((await readdir(dir)).sort()).toEqual([
      '00000001.jsonl',
      '00000002.jsonl',
      '00000003.jsonl',
      '00000004.jsonl',
      '00000005.jsonl',
      'segments.json',
    ]);
  });

  // Scale review, 2026-12-05: a segment's file came with the first pass, written whole and asynchronously, which a busy
  // server took seconds over while every PutEvents waited.
  it('makes the file of a segment as it starts it, so that its first events are appended', async () => {
    // Prepare
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    // Act
    events.add(event(10, 10_000));
    const atOnce = existsSync(join(dir, '00000001.jsonl'));
    await writer.flush();
    // Assess
    expect(atOnce).toBe(true);
    expect((await readFile(join(dir, '00000001.jsonl'), 'utf8')).split('\n')).toHaveLength(2);
  });

  it('holds in memory only the lines of the segment being written, once the others are on disk', async () => {
    // Prepare
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 30; i++) events.add(event(i, 10_000 + i));
    // Act
    await writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const again = await reopened();
    // Assess: 20 events, 7 to a segment: the third segment holds 6, and only its lines stay.
    expect([events.segments, events.linesInMemory]).toEqual([3, 6]);
    expect([again.segments, again.linesInMemory]).toEqual([3, 6]);
  });

  it('reads at start only the last segment and those the index does not vouch for', async () => {
    // Prepare: three segments; the first then loses its last line behind the index's back.
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 0; i < 15; i++) events.add(event(i, i));
    await writer.flush();
    const first = join(dir, '00000001.jsonl');
    const lines = (await readFile(first, 'utf8')).split('\n').filter(Boolean);
    await writeFile(first, `${lines.slice(0, -1).join('\n')}\n`);
    // Act
    const again = await reopened();
    // Assess: the first is read again, so the count is right; the index is mended for the next start.
    expect(again.count).toBe(14);
    expect((await reopened()).count).toBe(14);
  });

  it('leaves out a line a crash cut short, and appends the next event on a line of its own', async () => {
    // Prepare
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 0; i < 3; i++) events.add(event(i, i));
    await writer.flush();
    await appendFile(join(dir, '00000001.jsonl'), '{"time":1,"ingestedAt":');
    // Act
    const again = await reopened();
    const skipped = again.skipped;
    again.add(event(3, 3));
    const third = await reopened();
    // Assess
    expect({ skipped, count: third.count }).toEqual({ skipped: 1, count: 4 });
    expect(ids(chosen(third.select(-Infinity, Infinity, -Infinity)))).toEqual(['e0', 'e1', 'e2', 'e3']);
  });

  it('drops whole segments past retention, never one holding an event inside it', async () => {
    // Prepare: segments of one hour, at hours 0, 1 and 2 (their events 10 minutes apart).
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (const [i, at] of [0, 10, 20, 60, 70, 120].entries()) events.add(event(i, at * 60_000));
    // Act: events ingested before 1:05 expire: the first segment wholly, the second only in part.
    events.prune(T0 + 65 * 60_000);
    await writer.flush();
    // Assess: the second segment stays whole in the counts; a replay leaves out its expired event.
    expect([events.count, events.segments]).toEqual([3, 2]);
    expect((await readdir(dir)).sort()).toEqual(['00000002.jsonl', '00000003.jsonl', 'segments.json']);
    expect(ids(chosen(events.select(-Infinity, Infinity, T0 + 65 * 60_000)))).toEqual(['e4', 'e5']);
    expect((await reopened()).count).toBe(3);
  });

  // Retention review, 2026-12-06: only the leading run of expired segments was dropped, so one ingested while the
  // clock was ahead kept every segment after it past the retention.
  it('drops every expired segment, though one ingested while the clock was ahead comes before it', async () => {
    // Prepare: a segment at hour 0, one at hour 100 (the clock ahead), then the clock set right: one at hour 2.
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (const [i, hour] of [0, 100, 2].entries()) events.add(event(i, hour * HOUR));
    const before = events.segments;
    // Act: events ingested before hour 50 expire.
    events.prune(T0 + 50 * HOUR);
    await writer.flush();
    // Assess: three segments (the clock's step back starts one), and only hour 100's left.
    expect(before).toBe(3);
    expect([events.count, events.segments]).toEqual([1, 1]);
    expect(ids(chosen(events.select(-Infinity, Infinity, T0 + 50 * HOUR)))).toEqual(['e1']);
    expect((await readdir(dir)).sort()).toEqual(['00000002.jsonl', 'segments.json']);
    expect((await reopened()).count).toBe(1);
  });

  it('starts a segment when the clock steps back by its span, not only forward', async () => {
    // Prepare
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    // Act: ingested at 3:00, then at 2:30 (half a span back: same segment), then at 1:59 (past a span back).
    for (const [i, minutes] of [180, 150, 119].entries()) events.add(event(i, minutes * 60_000));
    // Assess
    expect(events.segments).toBe(2);
  });

  it('takes the bytes of the segments retention drops out of sizeBytes, as it takes their events out of count', async () => {
    // Prepare: segments of one hour, at hours 0, 1 and 2.
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    const added = [0, 10, 60, 120].map((minutes, i) => event(i, minutes * 60_000));
    for (const e of added) events.add(e);
    // Act: the first segment's events expire.
    events.prune(T0 + 30 * 60_000);
    // Assess: DescribeArchive's SizeBytes is what is left, now and after a restart.
    const left = added.slice(2).reduce((n, e) => n + Buffer.byteLength(e.json), 0);
    expect([events.count, events.sizeBytes]).toEqual([2, left]);
    const again = await reopened();
    expect([again.count, again.sizeBytes]).toEqual([2, left]);
  });

  it('selects by the time in the event across segments, events of one time in the order archived', async () => {
    // Prepare: events put with times out of order, spread over segments on disk and the one in memory.
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    const times = [50, 10, 40, 10, 30, 20, 60, 0, 10, 70, 25, 5, 45];
    for (const [i, t] of times.entries()) events.add(event(i, i, t));
    await writer.flush();
    // Act
    const all = ids(chosen(events.select(T0, T0 + 100, -Infinity)));
    const window = ids(chosen(events.select(T0 + 10, T0 + 40, -Infinity)));
    // Assess
    expect(all).toEqual(['e7', 'e11', 'e1', 'e3', 'e8', 'e5', 'e10', 'e4', 'e2', 'e12', 'e0', 'e6', 'e9']);
    expect(window).toEqual(['e1', 'e3', 'e8', 'e5', 'e10', 'e4']);
  });

  it('chooses a segment a step, from the events archived when the replay began, passing a segment dropped since', async () => {
    // Prepare: 7 events a segment, in hours 0 and 2, and a third segment being written; a selection begins.
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 17; i++) events.add(event(i, i));
    for (let i = 17; i < 24; i++) events.add(event(i, 2 * HOUR + i));
    for (let i = 24; i < 27; i++) events.add(event(i, 2 * HOUR + i));
    await writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const selecting = events.select(-Infinity, Infinity, -Infinity);
    // Act: a step without time to spare, then retention drops the first hour, events arrive in the open segment and
    // in a next one, and the steps go on.
    const steps = [selecting.step(0)];
    events.prune(T0 + HOUR);
    await writer.flush();
    for (let i = 27; i < 40; i++) events.add(event(i, 2 * HOUR + i));
    while (steps.at(-1) === undefined) steps.push(selecting.step(0));
    await writer.flush();
    // Assess: one segment a step (three then, four now); nothing archived later is chosen; the first segment's
    // events, chosen before it went, can no longer be read (a replay passes them).
    expect([events.segments, steps.length]).toEqual([4, 3]);
    expect(ids(steps.at(-1) as ArchiveSelection)).toEqual([
      ...Array.from({ length: 7 }, () => 'unreadable'),
      ...Array.from({ length: 10 }, (_, i) => `e${17 + i}`),
    ]);
  });

  it('chooses from a segment that went to disk while it chose only the events it held when the replay began', async () => {
    // Prepare: a closed segment at hour 0 and an open one at hour 2 holding 3 events; a selection begins and
    // chooses from the first
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 17; i++) events.add(event(i, i));
    for (let i = 24; i < 27; i++) events.add(event(i, 2 * HOUR + i));
    await writer.flush();
    const selecting = events.select(-Infinity, Infinity, -Infinity);
    const first = selecting.step(0);
    // Act: the open segment fills, closes and is let go of once on disk; then the selection goes on
    for (let i = 27; i < 34; i++) events.add(event(i, 2 * HOUR + i));
    await writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const held = events.linesInMemory;
    const rest = chosen(selecting);
    // Assess: the second segment was read from its file, and only its first 3 events chosen
    expect([first, held]).toEqual([undefined, 3]);
    expect(ids(rest)).toEqual(['e10', 'e11', 'e12', 'e13', 'e14', 'e15', 'e16', 'e24', 'e25', 'e26']);
  });

  it('passes over the segments retention dropped while it chose', async () => {
    // Prepare: two closed segments, on disk only.
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 17; i++) events.add(event(i, i));
    for (let i = 17; i < 24; i++) events.add(event(i, HOUR + i));
    events.add(event(24, 2 * HOUR));
    await writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    const selecting = events.select(-Infinity, Infinity, -Infinity);
    const first = selecting.step(0);
    // Act: both segments expire, the second before the next step reads it.
    events.prune(T0 + 2 * HOUR);
    await writer.flush();
    const rest = chosen(selecting);
    // Assess: the first segment's events were chosen but can no longer be read; the second's were never chosen.
    expect(first).toBeUndefined();
    expect(ids(rest)).toEqual([...Array.from({ length: 7 }, () => 'unreadable'), 'e24']);
  });

  it('writes, when moving an old file, the same segments as events added one by one', async () => {
    // Prepare
    const added = Array.from({ length: 40 }, (_, i) => event(10 + i, i < 30 ? 10_000 + i : 2 * HOUR + i));
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (const e of added) events.add(e);
    await writer.flush();
    const moved = join(dir, '..', 'moved');
    // Act
    writeSegments(moved, added, limits);
    // Assess
    const names = (await readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
    expect((await readdir(moved)).sort()).toEqual(names);
    for (const name of names)
      expect(await readFile(join(moved, name), 'utf8')).toBe(await readFile(join(dir, name), 'utf8'));
  });

  it('lets go of the lines of a segment whose write failed once the writer has them on disk', async () => {
    // Prepare: the first segment's file is a directory, so its first write fails and is tried again a second later.
    jest.spyOn(console, 'error').mockImplementation(() => {});
    const events = new SegmentedArchiveEvents(writer, dir, { ...limits, releaseRetryMs: 50 });
    mkdirSync(join(dir, '00000001.jsonl'), { recursive: true });
    for (let i = 10; i < 17; i++) events.add(event(i, 10_000 + i));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const whileFailing = writer.behind.length;
    // Act: the directory goes, a second segment starts, and the writer's retry lands.
    await rm(join(dir, '00000001.jsonl'), { recursive: true });
    events.add(event(17, 10_017));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // Assess: only the open segment's one line is held.
    expect(whileFailing).toBe(1);
    expect([events.segments, events.linesInMemory]).toEqual([2, 1]);
    expect((await reopened()).count).toBe(8);
  });

  it('replays from segments read whole, and event by event once times jump between them', async () => {
    // Prepare: 400 events in segments of about 70, their times scrambled so a replay goes back and forth.
    const big = { maxBytes: 10_000, spanMs: HOUR };
    const events = new SegmentedArchiveEvents(writer, dir, big);
    const n = 400;
    for (let i = 0; i < n; i++) events.add(event(100 + i, 10_000 + i, (i * 7919) % n));
    await writer.flush();
    const again = await reopened();
    // Act
    const scrambled = chosen(again.select(-Infinity, Infinity, -Infinity));
    const reads = scrambled.fileReads;
    const replayed = ids(scrambled);
    const inOrder = chosen(again.select(-Infinity, T0 + 0.5, -Infinity));
    const inOrderIds = ids(inOrder);
    // Assess: the whole reads ran out (four per segment) and the rest were read alone; the one event of time 0
    // (e100) was read alone too, as a segment gives so few.
    const expected = Array.from({ length: n }, (_, i) => i)
      .sort((a, b) => ((a * 7919) % n) - ((b * 7919) % n))
      .map((i) => `e${100 + i}`);
    expect(again.segments).toBeGreaterThan(4);
    expect(replayed).toEqual(expected);
    expect(reads?.whole).toBe(4 * again.segments);
    expect(reads?.alone).toBeGreaterThan(0);
    expect([inOrderIds, inOrder.fileReads]).toEqual([['e100'], { whole: 0, alone: 1 }]);
  });

  it('fills a segment up to its bytes exactly, newlines included', async () => {
    // Prepare: room for 7 lines of 136 bytes and not a byte more
    const events = new SegmentedArchiveEvents(writer, dir, { maxBytes: 7 * 136, spanMs: HOUR });
    // Act
    for (let i = 10; i < 18; i++) events.add(event(i, 10_000 + i));
    await writer.flush();
    // Assess
    const first = await readFile(join(dir, '00000001.jsonl'), 'utf8');
    expect([events.segments, first.length]).toEqual([2, 7 * 136]);
  });

  it('holds a segment to its bytes, not its characters, and replays text that is not ASCII as it was', async () => {
    // Prepare: 60 events whose JSON holds characters of two and three bytes, each a line of 203 bytes (newline
    // included) and 143 characters, in segments a byte short of 25 such lines
    const big = { maxBytes: 25 * 203 - 1, spanMs: HOUR };
    const events = new SegmentedArchiveEvents(writer, dir, big);
    const added = Array.from({ length: 60 }, (_, i) => ({
      ...event(10 + i, 10_000 + i),
      json: JSON.stringify({ id: `e${10 + i}`, detail: { text: 'é状'.repeat(20) } }),
    }));
    for (const e of added) events.add(e);
    await writer.flush();
    const again = await reopened();
    // Act: the closed segments are read whole, as a replay selecting many of their events does
    const selection = chosen(again.select(-Infinity, Infinity, -Infinity));
    const replayed = Array.from({ length: selection.length }, (_, i) => selection.at(i)?.json);
    const reads = selection.fileReads;
    selection.close();
    // Assess
    const sizes = (await readdir(dir))
      .filter((name) => name.endsWith('.jsonl'))
      .sort()
      .map((name) => statSync(join(dir, name)).size);
    expect(sizes).toEqual([24 * 203, 24 * 203, 12 * 203]);
    expect(reads?.whole).toBeGreaterThan(0);
    expect(replayed).toEqual(added.map((e) => e.json));
  });

  it('with the default limits, starts a segment after an hour of ingestion or 8 MiB of lines', async () => {
    // Prepare: lines of a little over 1 MiB each, so that the eighth would take a segment past 8 MiB; then small
    // events 59 and 60 minutes after the second segment's first
    const events = new SegmentedArchiveEvents(writer, dir);
    const mib = (id: number, at: number): ArchivedEvent => ({
      ...event(id, at),
      json: JSON.stringify({ id: `e${id}`, detail: { pad: 'x'.repeat(1024 * 1024) } }),
    });
    // Act
    for (let i = 0; i < 7; i++) events.add(mib(i, i));
    const sevenMiB = events.segments;
    events.add(mib(7, 7));
    const eightMiB = events.segments;
    events.add(event(8, 7 + 59 * 60_000));
    const within = events.segments;
    events.add(event(9, 7 + 60 * 60_000));
    // Assess
    expect([sevenMiB, eightMiB, within, events.segments]).toEqual([1, 2, 2, 3]);
  });

  it('keeps the bus an event was forwarded from, read back from the open segment and after a restart', async () => {
    // Prepare: an event a bus target forwarded here, which a replay must not forward to a third bus
    const from = 'arn:aws:events:us-east-1:111111111111:event-bus/orders';
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    // Act
    events.add({ ...event(1, 1), forwardedFrom: from });
    events.add(event(2, 2));
    const now = chosen(events.select(-Infinity, Infinity, -Infinity));
    const later = chosen((await reopened()).select(-Infinity, Infinity, -Infinity));
    // Assess
    for (const selection of [now, later]) {
      expect([selection.at(0)?.forwardedFrom, selection.at(1)?.forwardedFrom]).toEqual([from, undefined]);
      selection.close();
    }
  });

  it('leaves out a line that is JSON but not an event (a hand edit), as one a crash cut short', async () => {
    // Prepare
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 0; i < 3; i++) events.add(event(i, i));
    await writer.flush();
    await appendFile(join(dir, '00000001.jsonl'), `${JSON.stringify({ ingestedAt: T0 + 3, json: '{}' })}\n`);
    // Act
    const again = await reopened();
    // Assess
    expect({ skipped: again.skipped, count: again.count }).toEqual({ skipped: 1, count: 3 });
    expect(ids(chosen(again.select(-Infinity, Infinity, -Infinity)))).toEqual(['e0', 'e1', 'e2']);
  });

  it('selects an event whose time is the start of the window, the last of its segment', async () => {
    // Prepare: two segments of 7 events, times 0 to 6 and 7 to 13
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 24; i++) events.add(event(i, 10_000 + i, i - 10));
    await writer.flush();
    // Act
    const window = ids(chosen(events.select(T0 + 6, T0 + 8, -Infinity)));
    // Assess
    expect(window).toEqual(['e16', 'e17']);
  });

  it('does not reuse the name of a segment retention dropped before a restart', async () => {
    // Prepare: segments at hours 0, 1 and 2; the first expires; a restart
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (const [i, minutes] of [0, 60, 120].entries()) events.add(event(i, minutes * 60_000));
    events.prune(T0 + 30 * 60_000);
    const again = await reopened();
    // Act: an event at hour 3 starts a segment; then the segments of hours 1 and 2 expire
    again.add(event(3, 180 * 60_000));
    again.prune(T0 + 150 * 60_000);
    // Assess: the hour-3 event is kept, in a file of its own
    const third = await reopened();
    expect(ids(chosen(third.select(-Infinity, Infinity, -Infinity)))).toEqual(['e3']);
    expect((await readdir(dir)).sort()).toEqual(['00000004.jsonl', 'segments.json']);
  });

  it('removes at start a segment file without events (a crash after making it)', async () => {
    // Prepare
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 17; i++) events.add(event(i, 10_000 + i));
    await writer.flush();
    await writeFile(join(dir, '00000002.jsonl'), '');
    // Act
    const again = await reopened();
    await writer.flush();
    // Assess
    expect([again.count, again.segments]).toEqual([7, 1]);
    expect((await readdir(dir)).sort()).toEqual(['00000001.jsonl', 'segments.json']);
  });

  it('reads at start a segment whose index entry lacks a number, rather than trust it', async () => {
    // Prepare: three segments, then the index loses the count of the first
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 25; i++) events.add(event(i, 10_000 + i));
    await writer.flush();
    const indexFile = join(dir, 'segments.json');
    const index = JSON.parse(await readFile(indexFile, 'utf8')) as { segments: Record<string, unknown>[] };
    delete index.segments[0]?.count;
    await writeFile(indexFile, JSON.stringify(index));
    // Act
    const again = await reopened();
    // Assess
    expect([again.count, again.sizeBytes]).toEqual([events.count, events.sizeBytes]);
  });

  // Coverage review, 2026-12-06: an index that is not JSON, and a line of a vouched-for segment that is not as
  // lineOf writes it, were never read by a test.
  it('reads every segment at a start whose index is not JSON, and writes the index again', async () => {
    // Prepare: three segments, then an index cut short
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 30; i++) events.add(event(i, 10_000 + i));
    await writer.flush();
    const indexFile = join(dir, 'segments.json');
    await writeFile(indexFile, '{"segments":[{"number":1,');
    // Act
    const again = await reopened();
    await writer.flush();
    // Assess
    expect([again.segments, again.count, again.sizeBytes]).toEqual([3, 20, events.sizeBytes]);
    expect(ids(chosen(again.select(-Infinity, Infinity, -Infinity)))).toHaveLength(20);
    expect(JSON.parse(await readFile(indexFile, 'utf8'))).toMatchObject({ segments: expect.any(Array) });
  });

  it('replays a line of a segment the index vouches for that is not as lineOf writes it, leaving out one not JSON', async () => {
    // Prepare: two segments; then, behind the index's back and keeping the first file's size, one line of it gets
    // its fields in another order (a hand edit) and another is overwritten
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 24; i++) events.add(event(i, 10_000 + i));
    await writer.flush();
    const first = join(dir, '00000001.jsonl');
    const lines = (await readFile(first, 'utf8')).split('\n').filter(Boolean);
    const { time, ingestedAt, json } = JSON.parse(lines[1] as string) as ArchivedEvent;
    lines[1] = JSON.stringify({ json, ingestedAt, time });
    lines[2] = '#'.repeat((lines[2] as string).length);
    // and a third past its times, which a replay chooses by, so found only as it is read
    lines[3] = `${(lines[3] as string).slice(0, 100)}${'#'.repeat((lines[3] as string).length - 100)}`;
    await writeFile(first, `${lines.join('\n')}\n`);
    const again = await reopened();
    // Act
    const selection = chosen(again.select(-Infinity, Infinity, -Infinity));
    const unreadableChosen = selection.unreadable;
    const replayed = ids(selection);
    // Assess: the segment was not read at start (the index vouched for it), so a replay reads its lines as they are,
    // and counts those it leaves out (for the replay's warning): one as it chooses, one as it reads
    expect(again.count).toBe(14);
    expect(replayed).toEqual([
      'e10',
      'e11',
      'unreadable',
      ...Array.from({ length: 10 }, (_, k) => `e${14 + k}`),
    ]);
    expect([unreadableChosen, selection.unreadable]).toEqual([1, 2]);
  });

  it('holds in memory only the open segment at a start that read every segment (no index)', async () => {
    // Prepare: three segments, and no index
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 30; i++) events.add(event(i, 10_000 + i));
    await writer.flush();
    await rm(join(dir, 'segments.json'));
    // Act
    const again = await reopened();
    // Assess: the third segment's 6 lines, not all 20
    expect([again.segments, again.count, again.linesInMemory]).toEqual([3, 20, 6]);
  });

  it('keeps the lines of a closed segment while its file cannot be written', async () => {
    // Prepare: the first segment's file is a directory, so its writes fail and are tried again
    jest.spyOn(console, 'error').mockImplementation(() => {});
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    mkdirSync(join(dir, '00000001.jsonl'), { recursive: true });
    for (let i = 10; i < 17; i++) events.add(event(i, 10_000 + i));
    for (let i = 0; i < 500 && writer.behind.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    // Act: an event closes the first segment
    events.add(event(17, 10_017));
    await new Promise((resolve) => setImmediate(resolve));
    const held = events.linesInMemory;
    const behind = writer.behind.length;
    await rm(join(dir, '00000001.jsonl'), { recursive: true });
    // Assess: the file was behind all along; the 7 lines its file is to be rebuilt from, and the open segment's one
    expect([behind, held]).toEqual([1, 8]);
  });

  it('lets go of the files a replay read event by event once it is closed', async () => {
    // Prepare: three segments on disk, too few events in each to read it whole
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 10; i < 30; i++) events.add(event(i, 10_000 + i));
    const again = await reopened();
    // Nothing of the writer's own on its way while the descriptors are counted
    await writer.flush();
    // /dev/fd: this process's descriptors on Linux (a link to /proc/self/fd) and on macOS alike
    const open = () => readdirSync('/dev/fd').length;
    // Act
    const before = open();
    const selection = chosen(again.select(-Infinity, Infinity, -Infinity));
    const read = ids(selection);
    const after = open();
    // Assess
    expect(read).toHaveLength(20);
    expect(selection.fileReads?.alone).toBeGreaterThan(0);
    expect(after).toBe(before);
  });

  it('removes its files when dropped, and a replay selected before reads what it still can', async () => {
    // Prepare
    const events = new SegmentedArchiveEvents(writer, dir, limits);
    for (let i = 0; i < 8; i++) events.add(event(i, i));
    await writer.flush();
    const selection = chosen(events.select(-Infinity, Infinity, -Infinity));
    const firstRead = selection.at(0);
    // Act
    events.drop();
    await writer.flush();
    // Assess: nothing left on disk or in the counts; the file already open is still read.
    expect([events.count, events.sizeBytes]).toEqual([0, 0]);
    await expect(readdir(dir)).rejects.toThrow(/ENOENT/);
    expect(firstRead && JSON.parse(firstRead.json)).toMatchObject({ id: 'e0' });
    expect(ids(selection)).toHaveLength(8);
  });
});

describe('MemoryArchiveEvents', () => {
  it('chooses a few thousand events a step, from those archived when the replay began', () => {
    // Prepare
    const events = new MemoryArchiveEvents();
    for (let i = 0; i < 10_000; i++) events.add(event(i, i));
    const selecting = events.select(-Infinity, Infinity, -Infinity);
    // Act: retention and new events come between the steps.
    const steps = [selecting.step(0)];
    events.prune(T0 + 5_000);
    events.add(event(10_000, 10_000));
    while (steps.at(-1) === undefined) steps.push(selecting.step(0));
    // Assess: 4,096 events a step; all 10,000 chosen, and not the one archived after.
    const chosenIds = ids(steps.at(-1) as ArchiveSelection);
    expect([steps.length, chosenIds.length, chosenIds.at(-1)]).toEqual([3, 10_000, 'e9999']);
  });

  it('drops the events ingested before the oldest kept, not at it, and takes their bytes out of sizeBytes', () => {
    // Prepare
    const events = new MemoryArchiveEvents();
    const added = [0, 10, 20].map((at, i) => event(i, at));
    for (const e of added) events.add(e);
    // Act
    events.prune(T0 + 10);
    // Assess
    const left = added.slice(1).reduce((n, e) => n + Buffer.byteLength(e.json), 0);
    expect([events.count, events.sizeBytes]).toEqual([2, left]);
    expect(ids(chosen(events.select(-Infinity, Infinity, T0 + 10)))).toEqual(['e1', 'e2']);
  });

  it('drops only the leading run of expired events, and selects by time', () => {
    // Prepare: the clock stepped back between the third and the fourth event.
    const events = new MemoryArchiveEvents();
    for (const [i, at] of [0, 10, 20, 5, 30].entries()) events.add(event(i, at, 100 - at));
    // Act
    events.prune(T0 + 15);
    // Assess
    expect(events.count).toBe(3);
    expect(ids(chosen(events.select(-Infinity, Infinity, T0 + 15)))).toEqual(['e4', 'e2']);
  });

  it('drops its oldest events one at a time for the memory limit, a replay begun before passing over them', () => {
    // Prepare
    const events = new MemoryArchiveEvents();
    const added = [0, 10, 20].map((at, i) => event(i, at));
    for (const e of added) events.add(e);
    const selecting = events.select(-Infinity, Infinity, -Infinity);
    // Act
    const bytes = events.dropOldest();
    // Assess
    expect(bytes).toBe(Buffer.byteLength(added[0]!.json));
    expect([events.count, events.sizeBytes, events.oldestIngestedAt]).toEqual([
      2,
      Buffer.byteLength(added[1]!.json) + Buffer.byteLength(added[2]!.json),
      T0 + 10,
    ]);
    expect(ids(chosen(selecting))).toEqual(['e1', 'e2']);
    expect(ids(chosen(events.select(-Infinity, Infinity, -Infinity)))).toEqual(['e1', 'e2']);
  });

  it('keeps the rest in order however many it drops, and pruning and dropping mix', () => {
    // Prepare
    const events = new MemoryArchiveEvents();
    for (let i = 0; i < 5_000; i++) events.add(event(i, i));
    // Act: past the 1,024 after which the array is cut, then retention, then all but one.
    for (let i = 0; i < 3_000; i++) events.dropOldest();
    events.prune(T0 + 4_000);
    const afterPrune = [events.count, events.oldestIngestedAt];
    while (events.count > 1) events.dropOldest();
    // Assess
    expect(afterPrune).toEqual([1_000, T0 + 4_000]);
    expect(ids(chosen(events.select(-Infinity, Infinity, -Infinity)))).toEqual(['e4999']);
    expect(events.sizeBytes).toBe(Buffer.byteLength(event(4_999, 4_999).json));
    expect([events.dropOldest(), events.dropOldest(), events.count, events.sizeBytes]).toEqual([
      Buffer.byteLength(event(4_999, 4_999).json),
      0,
      0,
      0,
    ]);
    expect(events.oldestIngestedAt).toBeUndefined();
  });
});

describe('readArchivedEvents', () => {
  it('reads the events file of versions before segments, counting as skipped every line that is not an event', async () => {
    // Prepare: an event, a line a crash cut short, and a line that is JSON but no event
    const dir = await mkdtemp(join(tmpdir(), 'sharebus-legacy-'));
    const file = join(dir, 'orders-archive.jsonl');
    const kept = event(1, 1);
    await writeFile(
      file,
      `${JSON.stringify(kept)}\n{"json":"{}","time":\n${JSON.stringify({ json: '{}' })}\n`,
    );
    try {
      // Act
      const read = readArchivedEvents(file);
      // Assess
      expect(read).toEqual({ events: [kept], skipped: 2 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
