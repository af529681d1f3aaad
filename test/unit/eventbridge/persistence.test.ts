import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import {
  CoalescingWriter,
  CompactedLog,
  eachJsonLine,
  readJsonLines,
} from '../../../local/eventbridge/persistence.js';

/** Fakes the writer's retry timers (1 s after a failure), leaving setImmediate, which schedules writes, real. */
function fakeRetryTimers(): void {
  jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
}

/** Fires the writer's first retry at once rather than a second later. */
async function firstRetry(): Promise<void> {
  jest.advanceTimersByTime(1_000);
  jest.useRealTimers();
}

describe('CoalescingWriter', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-writer-'));
  });

  afterEach(async () => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  describe('written(since): whether the files a caller wrote hold what it asked', () => {
    beforeEach(() => {
      jest.spyOn(console, 'error').mockImplementation(() => {});
    });

    it("answers [] once they do, whatever another file's trouble", async () => {
      // Prepare: another change's file is a directory, so its rewrite fails and waits to be tried again.
      const writer = new CoalescingWriter();
      await mkdir(join(dir, 'other.json'));
      writer.replace(join(dir, 'other.json'), () => '{}');
      await writer.flush();
      // Act
      const since = writer.asked;
      writer.append(join(dir, 'mine.jsonl'), '{"a":1}', () => '{"a":1}\n');
      const behind = await writer.written(since);
      // Assess
      expect(writer.behind).toEqual([join(dir, 'other.json')]);
      expect(behind).toEqual([]);
      expect(await readFile(join(dir, 'mine.jsonl'), 'utf8')).toBe('{"a":1}\n');
      writer.close();
    });

    it('writes a missing file whole once, the lines asked for while its pass was on its way not twice', async () => {
      // Prepare: the log is gone from under the writer, and a long rewrite goes first in the pass.
      const writer = new CoalescingWriter();
      const log = join(dir, 'log.jsonl');
      const live: string[] = [];
      const rebuild = () => live.map((line) => `${line}\n`).join('');
      writer.replace(join(dir, 'big.json'), () => `"${'x'.repeat(5_000_000)}"`);
      const since = writer.asked;
      live.push('l1');
      writer.append(log, 'l1', rebuild);
      // Act: l2 comes while the pass waits on the long rewrite (or after it: either way l2 is written once).
      const first = writer.written(since);
      const second = new Promise<string[]>((resolve) =>
        setImmediate(() =>
          setImmediate(() => {
            const before = writer.asked;
            live.push('l2');
            writer.append(log, 'l2', rebuild);
            void writer.written(before).then(resolve);
          }),
        ),
      );
      const answers = [await first, await second];
      await writer.flush();
      // Assess
      expect(answers).toEqual([[], []]);
      expect(await readFile(log, 'utf8')).toBe('l1\nl2\n');
      writer.close();
    });

    it('answers a rewrite asked for while a missing file waited to be rebuilt once the file holds the rewrite', async () => {
      // Prepare: the file is missing (its directory deleted), an append to it waits behind a long rewrite.
      const writer = new CoalescingWriter();
      const file = join(dir, 'archives', 'x.jsonl');
      writer.replace(join(dir, 'big.json'), () => `"${'x'.repeat(20_000_000)}"`);
      writer.append(file, 'old-1', () => 'old-1\n');
      // Act: meanwhile the file is asked to be rewritten with other content (an archive made again, say).
      const seen = await new Promise<string>((resolve) =>
        setImmediate(() =>
          setImmediate(async () => {
            const before = writer.asked;
            writer.replace(file, () => 'new-1\n');
            await writer.written(before);
            resolve(await readFile(file, 'utf8'));
          }),
        ),
      );
      // Assess
      expect(seen).toBe('new-1\n');
      writer.close();
    });

    it('names its file when that write failed, even when a rewrite of it was asked for meanwhile', async () => {
      // Prepare: the file is a directory, so the append fails, and so will the rewrite asked for during the pass
      // (while a long write goes first); before, the append's caller was answered [] as if all were on disk.
      const writer = new CoalescingWriter();
      const file = join(dir, 'log.jsonl');
      await mkdir(file);
      writer.replace(join(dir, 'big'), () => 'x'.repeat(64 * 1024 * 1024));
      const since = writer.asked;
      writer.append(file, 'line A', () => 'line A\n');
      // Act
      const first = writer.written(since);
      await new Promise((resolve) => setTimeout(resolve, 1));
      const later = writer.asked;
      writer.replace(file, () => 'line A\nline B\n');
      const second = writer.written(later);
      // Assess
      expect(await first).toEqual([file]);
      expect(await second).toEqual([file]);
      writer.close();
    });
  });

  it("waits in flush() for a write that follows another's landing, and reports pending until it is asked for", async () => {
    // Prepare: a line for a, and a line for b to follow once a's has landed
    const writer = new CoalescingWriter();
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const since = writer.asked;
    writer.append(a, 'a1', () => 'a1\n');
    let landedFirst: boolean | undefined;
    // A turn of the event loop between the landing and the follow-up's write: flush() must not end in it.
    writer.follow(
      writer
        .landed(since, a)
        .then(async (landed) => {
          landedFirst = landed;
          await new Promise((resolve) => setTimeout(resolve, 20));
        })
        .then(() => writer.append(b, 'b1', () => 'b1\n')),
    );
    const pendingAtOnce = writer.pending;
    // Act
    await writer.flush();
    // Assess
    expect(pendingAtOnce).toBe(true);
    expect(landedFirst).toBe(true);
    expect(writer.pending).toBe(false);
    expect(await readFile(b, 'utf8')).toBe('b1\n');
    writer.close();
  });

  it('says a write did not land when it failed, and waits to be tried again', async () => {
    // Prepare: the file is a directory
    const writer = new CoalescingWriter();
    jest.spyOn(console, 'error').mockImplementation(() => {});
    const a = join(dir, 'a.jsonl');
    await mkdir(a);
    const since = writer.asked;
    // Act
    writer.append(a, 'a1', () => 'a1\n');
    const landed = await writer.landed(since, a);
    writer.close();
    // Assess
    expect(landed).toBe(false);
  });

  it('appends a batch too large to write at once without stalling (asynchronously), whole and in order', async () => {
    // Prepare
    const writer = new CoalescingWriter();
    const log = join(dir, 'log.jsonl');
    await writeFile(log, 'start\n');
    // 17.6 MB: past the 16 MB written at once.
    const lines = Array.from({ length: 1_100 }, (_, i) => `${i}:${'y'.repeat(16_000)}`);
    // Act
    const since = writer.asked;
    for (const line of lines) writer.append(log, line, () => 'never\n');
    const behind = await writer.written(since);
    // Assess
    expect(behind).toEqual([]);
    expect(await readFile(log, 'utf8')).toBe(`start\n${lines.join('\n')}\n`);
  });

  it('writes nothing asked for once closed, as a stopped server must not touch files a later start owns', async () => {
    // Prepare
    const writer = new CoalescingWriter();
    writer.replace(join(dir, 'before.json'), () => '{}');
    await writer.flush();
    // Act
    writer.close();
    writer.replace(join(dir, 'after.json'), () => '{}');
    writer.append(join(dir, 'log.jsonl'), '{}', () => '{}\n');
    await writer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    // Assess
    expect((await readdir(dir)).sort()).toEqual(['before.json']);
    expect(writer.pending).toBe(false);
  });

  it('answers a caller of written() once closed that its file is behind, rather than leave it waiting', async () => {
    // Prepare
    const writer = new CoalescingWriter();
    const log = join(dir, 'log.jsonl');
    writer.close();
    // Act: a change asked for after the stop, whose answer waits for its write.
    const since = writer.asked;
    writer.append(log, '{}', () => '{}\n');
    const behind = await writer.written(since);
    // Assess
    expect(behind).toEqual([log]);
    expect(existsSync(log)).toBe(false);
  });

  it('writes a rewrite asked for after lines still waiting to be appended once, not followed by those lines again', async () => {
    // Prepare: a log on disk, and a line waiting for the next pass.
    const writer = new CoalescingWriter();
    const log = join(dir, 'log.jsonl');
    await writeFile(log, 'a\n');
    writer.append(log, 'b', () => 'never\n');
    // Act: in the same turn, a rewrite of the whole state, which holds that line already.
    writer.replace(log, () => 'a\nb\n');
    await writer.flush();
    writer.close();
    // Assess
    expect(await readFile(log, 'utf8')).toBe('a\nb\n');
  });

  it('reports a snapshot that cannot be built as a failed write, and writes the others', async () => {
    // Prepare: what building a file past JavaScript's longest string throws.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const writer = new CoalescingWriter();
    writer.replace(join(dir, 'huge.json'), () => {
      throw new RangeError('Invalid string length');
    });
    writer.replace(join(dir, 'small.json'), () => '{"ok":true}');
    const log: string[] = [];
    const rebuild = () => `${log.join('\n')}\n`;
    log.push('{"n":1}');
    writer.append(join(dir, 'log.jsonl'), '{"n":1}', rebuild);
    // Act
    await writer.flush();
    log.push('{"n":2}');
    writer.append(join(dir, 'log.jsonl'), '{"n":2}', rebuild);
    await writer.flush();
    writer.close();
    // Assess
    expect(writer.failures).toBe(1);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('huge.json'), expect.any(RangeError));
    expect(await readFile(join(dir, 'small.json'), 'utf8')).toBe('{"ok":true}');
    expect(await readFile(join(dir, 'log.jsonl'), 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  // Disk-full review, 2026-12-06: with the backoff grown to a minute, every change was answered as not written for up
  // to a minute after space was freed; the server now asks the writer to try again when a change comes.
  it('tries a failed rewrite again when asked, once a second at most, and says whether it landed', async () => {
    // Prepare: the file's place holds a directory (as a full disk, no rewrite lands)
    fakeRetryTimers();
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const path = join(dir, 'retries.jsonl');
    await mkdir(path);
    const lines = ['a'];
    const writer = new CoalescingWriter();
    writer.append(path, 'a', () => `${lines.join('\n')}\n`);
    await writer.flush();
    const unwritten = writer.unwritten;
    // Act: asked at once, the rewrite is not tried; a second later it is, and fails; freed, it lands
    const atOnce = await writer.retryUnwritten();
    const failuresAtOnce = writer.failures;
    jest.advanceTimersByTime(999);
    const stillFull = await writer.retryUnwritten().then(async (before) => {
      jest.advanceTimersByTime(1);
      return [before, await writer.retryUnwritten()];
    });
    const failuresFull = writer.failures;
    await rm(path, { recursive: true });
    jest.advanceTimersByTime(1_000);
    lines.push('b');
    const freed = await writer.retryUnwritten();
    writer.close();
    // Assess
    expect([unwritten, atOnce, failuresAtOnce]).toEqual([true, [path], 1]);
    expect([stillFull, failuresFull]).toEqual([[[path], [path]], 2]);
    expect([freed, writer.unwritten]).toEqual([[], false]);
    expect(await readFile(path, 'utf8')).toBe('a\nb\n');
  });

  // Disk-full review, 2026-12-06: a file tried again each second printed its stack at every failure (47 lines a
  // second while publishing to a full disk), and nothing said when writes worked again.
  it('says once that a file cannot be written, without a stack, and once when the disk takes writes again', async () => {
    // Prepare: the file's place holds a directory (as a full disk, no rewrite lands)
    fakeRetryTimers();
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const path = join(dir, 'retries.jsonl');
    await mkdir(path);
    const writer = new CoalescingWriter();
    writer.append(path, 'a', () => 'a\n');
    await writer.flush();
    // Act: tried again three times while full, then freed
    for (let i = 0; i < 3; i++) {
      jest.advanceTimersByTime(1_000);
      await writer.retryUnwritten();
    }
    const whileFull = logged.mock.calls.map((args) => args.map(String).join(' '));
    await rm(path, { recursive: true });
    jest.advanceTimersByTime(1_000);
    await writer.retryUnwritten();
    writer.close();
    // Assess
    expect(writer.failures).toBe(4);
    expect(whileFull).toEqual([
      expect.stringMatching(
        /^\[eventbridge\] could not write .*retries\.jsonl: EISDIR: illegal operation on a directory/,
      ),
      expect.stringContaining('changes are refused, not made, until the data directory takes writes again'),
    ]);
    expect(whileFull.join('\n')).not.toContain('    at ');
    expect(logged.mock.calls.slice(2)).toEqual([
      [
        '[eventbridge] the data directory takes writes again: no file is left unwritten, after 4.0 s of refusing changes; they are made again',
      ],
    ]);
  });

  it('says once that a file replaced whole cannot be written, though a newer rewrite came while one failed', async () => {
    // Prepare: the file's place holds a directory, and a newer rewrite is asked for while the first is on its way, so
    // that the failed one is not the file's last (diff review, 2026-12-06: each such failure printed "could not
    // write" again)
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const path = join(dir, 'archives.json');
    await mkdir(path);
    const writer = new CoalescingWriter();
    writer.replace(path, () => '{}');
    // Act: the pass has taken its snapshot once a turn has passed
    await new Promise((r) => setImmediate(r));
    writer.replace(path, () => '{"n":1}');
    await writer.flush();
    writer.close();
    // Assess
    expect(writer.failures).toBe(2);
    expect(logged.mock.calls.filter(([first]) => String(first).includes('could not write'))).toEqual([
      [
        `[eventbridge] could not write ${path}:`,
        expect.stringMatching(/^EISDIR: illegal operation on a directory, /),
      ],
    ]);
  });

  it('does not say the disk takes writes again when the last file unwritten was removed, not written', async () => {
    // Prepare: a file that cannot be written, in a directory of its own
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const sub = join(dir, 'archive');
    const path = join(sub, 'segment.jsonl');
    await mkdir(path, { recursive: true });
    const writer = new CoalescingWriter();
    writer.replace(path, () => 'x\n');
    await writer.flush();
    const unwritten = writer.unwritten;
    // Act
    writer.remove(sub);
    writer.close();
    // Assess
    expect(unwritten).toBe(true);
    expect(logged.mock.calls.at(-1)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^\\[eventbridge\\] no file is left unwritten \\(the last is under ${sub}, removed\\), after \\d+\\.\\d s of refusing changes; they are made again$`,
        ),
      ),
    ]);
  });

  it('does not try again, nor count as unwritten, a rewrite that failed after its directory was removed', async () => {
    // Prepare: a rewrite that fails (its place holds a directory), large enough to be on its way when the removal comes
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const sub = join(dir, 'archive');
    const file = join(sub, 'segment.jsonl');
    await mkdir(file, { recursive: true });
    const writer = new CoalescingWriter();
    writer.replace(file, () => ['x'.repeat(1 << 20)]);
    await new Promise((r) => setImmediate(r));
    // Act
    writer.remove(sub);
    await writer.flush();
    const state = [writer.unwritten, writer.behind];
    writer.close();
    // Assess: before, it was tried again (and, once it could be, written back where nothing reads it)
    expect(state).toEqual([false, []]);
  });

  it('says when every failed write has landed since, and no more once closed', async () => {
    // Prepare: two files whose places hold directories
    fakeRetryTimers();
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const [one, two] = [join(dir, 'one.jsonl'), join(dir, 'two.jsonl')];
    await Promise.all([mkdir(one), mkdir(two)]);
    const writer = new CoalescingWriter();
    const already = await writer.caughtUp();
    writer.replace(one, () => '1\n');
    writer.replace(two, () => '2\n');
    await writer.flush();
    const outcomes: boolean[] = [];
    void writer.caughtUp().then((caughtUp) => outcomes.push(caughtUp));
    // Act: one file freed, then the other
    await rm(one, { recursive: true });
    jest.advanceTimersByTime(1_000);
    await writer.retryUnwritten();
    const afterOne = [...outcomes];
    await rm(two, { recursive: true });
    jest.advanceTimersByTime(1_000);
    await writer.retryUnwritten();
    const afterBoth = [...outcomes];
    const closing = writer.caughtUp();
    const other = new CoalescingWriter();
    const three = join(dir, 'three.jsonl');
    await mkdir(three);
    other.replace(three, () => '3\n');
    await other.flush();
    const waiting = other.caughtUp();
    other.close();
    writer.close();
    // Assess
    expect(already).toBe(true);
    expect(afterOne).toEqual([]);
    expect(afterBoth).toEqual([true]);
    expect(await closing).toBe(true);
    expect(await waiting).toBe(false);
    expect(await other.caughtUp()).toBe(false);
  });

  it('tries a failed rewrite again until it lands, the lines appended meanwhile in it', async () => {
    // Prepare: a rewrite that fails once, then writes the live state.
    fakeRetryTimers();
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const path = join(dir, 'queues.jsonl');
    const lines = ['a'];
    let fails = 1;
    const writer = new CoalescingWriter();
    writer.replace(path, () => {
      if (fails-- > 0) throw new Error('disk full');
      return `${lines.join('\n')}\n`;
    });
    // Act
    await writer.flush();
    const behind = writer.behind;
    lines.push('b');
    writer.append(path, 'b', () => `${lines.join('\n')}\n`);
    await firstRetry();
    await writer.flush();
    writer.close();
    // Assess
    expect(behind).toEqual([path]);
    expect({ failures: writer.failures, behind: writer.behind }).toEqual({ failures: 1, behind: [] });
    expect(await readFile(path, 'utf8')).toBe('a\nb\n');
  });

  it('leaves no gap when a rewrite fails on disk: lines appended while it was on its way wait for the retry', async () => {
    // Prepare: a log on disk, and a directory where the rewrite's temporary file goes, so the write fails.
    fakeRetryTimers();
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const path = join(dir, 'control-plane.jsonl');
    await writeFile(path, 'old\n');
    const blocker = `${path}.${process.pid}.tmp`;
    await mkdir(blocker);
    const lines = ['a'];
    const writer = new CoalescingWriter();
    writer.replace(path, () => `${lines.join('\n')}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    // Act: a line arrives while the rewrite is on its way.
    lines.push('b');
    writer.append(path, 'b', () => `${lines.join('\n')}\n`);
    await writer.flush();
    const afterFailure = await readFile(path, 'utf8');
    await rm(blocker, { recursive: true });
    await firstRetry();
    await writer.flush();
    writer.close();
    // Assess: behind (the old file, whole) but never a mix of the two.
    expect(afterFailure).toBe('old\n');
    expect(await readFile(path, 'utf8')).toBe('a\nb\n');
  });

  it('rewrites a log whole after an append fails, so the lines after it never land without it', async () => {
    // Prepare: a directory where the log goes, so appending to it fails.
    fakeRetryTimers();
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const path = join(dir, 'queues.jsonl');
    await mkdir(path);
    const lines: string[] = [];
    const rebuild = () => `${lines.join('\n')}\n`;
    const writer = new CoalescingWriter();
    // Act
    lines.push('a');
    writer.append(path, 'a', rebuild);
    await writer.flush();
    const behind = writer.behind;
    await rm(path, { recursive: true });
    lines.push('b');
    writer.append(path, 'b', rebuild);
    await writer.flush();
    const beforeRetry = await readFile(path, 'utf8').catch(() => 'no file');
    await firstRetry();
    await writer.flush();
    writer.close();
    // Assess: 'b' waited for the rewrite rather than landing alone.
    expect(behind).toEqual([path]);
    expect(beforeRetry).toBe('no file');
    expect(await readFile(path, 'utf8')).toBe('a\nb\n');
  });

  // Memory review, 2026-12-07: every path ever written stayed tracked, a removed archive segment (one an hour) too,
  // and written(), at each change the server answers, went over them all (172.7 µs a call after 4,000 segments).
  it('forgets the paths it removed, and those under a directory it removed, once the removal landed', async () => {
    // Prepare: 100 files, and two in a directory.
    const writer = new CoalescingWriter();
    const files = Array.from({ length: 100 }, (_, i) => join(dir, `segment-${i}.jsonl`));
    for (const file of files) writer.append(file, '{}', () => '{}\n');
    writer.append(join(dir, 'archive', 'a.jsonl'), '{}', () => '{}\n');
    writer.append(join(dir, 'archive', 'b.jsonl'), '{}', () => '{}\n');
    writer.append(join(dir, 'kept.jsonl'), '{}', () => '{}\n');
    await writer.flush();
    const before = writer.tracked;
    // Act
    for (const file of files) writer.remove(file);
    writer.remove(join(dir, 'archive'));
    await writer.flush();
    // Assess: the kept file alone, written and waited for as before.
    expect([before, writer.tracked]).toEqual([103, 1]);
    expect(await readdir(dir)).toEqual(['kept.jsonl']);
    const since = writer.asked;
    writer.append(join(dir, 'kept.jsonl'), '{"b":1}', () => '{}\n{"b":1}\n');
    expect(await writer.written(since)).toEqual([]);
    expect(await readFile(join(dir, 'kept.jsonl'), 'utf8')).toBe('{}\n{"b":1}\n');
    writer.close();
  });

  it('writes whole again every file of a directory deleted under it, so no line before the deletion is lost', async () => {
    // Prepare: one line in each of two files of one directory, then the directory deleted from under the writer.
    const paths = ['a', 'b'].map((name) => join(dir, 'archives', `${name}.jsonl`));
    const lines = new Map(paths.map((path) => [path, ['1']]));
    const rebuild = (path: string) => () => `${(lines.get(path) ?? []).join('\n')}\n`;
    const writer = new CoalescingWriter();
    for (const path of paths) writer.append(path, '1', rebuild(path));
    await writer.flush();
    await rm(join(dir, 'archives'), { recursive: true });
    // Act
    for (const path of paths) {
      lines.get(path)?.push('2');
      writer.append(path, '2', rebuild(path));
    }
    await writer.flush();
    writer.close();
    // Assess: nothing failed, and each file holds both its lines.
    expect(writer.failures).toBe(0);
    expect(await Promise.all(paths.map((path) => readFile(path, 'utf8')))).toEqual(['1\n2\n', '1\n2\n']);
  });
});

describe('readJsonLines', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-lines-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([1, 3, 7, 64 * 1024])(
    'reads lines that span its chunks of %i bytes, as one read would',
    async (chunk) => {
      // Prepare: lines of several lengths, one of them multi-byte, one blank, and a last one a crash cut short.
      const file = join(dir, 'log.jsonl');
      await writeFile(file, '{"a":1}\n\n{"b":"ü€😀"}\n{"c":[1,2,3]}\n{"d":');
      // Act
      const read = readJsonLines(file, chunk);
      // Assess
      expect(read).toEqual({
        values: [{ a: 1 }, { b: 'ü€😀' }, { c: [1, 2, 3] }],
        skipped: 1,
        unterminated: true,
      });
    },
  );

  it('says a file whose last line has its newline is terminated', async () => {
    // Prepare
    const file = join(dir, 'log.jsonl');
    await writeFile(file, '{"a":1}\n');
    // Act / Assess
    expect(readJsonLines(file, 2)).toEqual({ values: [{ a: 1 }], skipped: 0, unterminated: false });
  });

  it.each([1, 3, 7, 64 * 1024])(
    'stops where its taker says, and goes on from where it stopped, each line once, in chunks of %i bytes',
    async (chunk) => {
      // Prepare: the same lines, and a taker that stops before every second value, so each read takes one or two.
      const file = join(dir, 'log.jsonl');
      await writeFile(file, '{"a":1}\n\n{"b":"ü€😀"}\n{"c":[1,2,3]}\nnot json\n{"d":4}\n{"e":');
      // Act: reads from where the last one reached, the cut-short last line left, until one takes nothing.
      const taken: unknown[] = [];
      const reads: number[] = [];
      for (let from = 0, again = true; again && reads.length < 20; ) {
        let count = 0;
        const read = eachJsonLine(
          file,
          (value) => {
            if (count === 1) return false;
            count++;
            taken.push(value);
          },
          chunk,
          { from, unterminated: 'leave' },
        );
        reads.push(read.reached);
        again = read.reached > from;
        from = read.reached;
      }
      const whole = eachJsonLine(file, () => {}, chunk, { from: reads[reads.length - 1] as number });
      // Assess: positions at the ends of lines; the line cut short read only when asked, and then to the end.
      const text = await readFile(file, 'utf8');
      const ends = (...lines: string[]) =>
        Buffer.byteLength(text.slice(0, text.indexOf(lines.join('\n')) + lines.join('\n').length + 1));
      expect(taken).toEqual([{ a: 1 }, { b: 'ü€😀' }, { c: [1, 2, 3] }, { d: 4 }]);
      expect(reads).toEqual([
        ends('{"a":1}', ''),
        ends('{"b":"ü€😀"}'),
        ends('{"c":[1,2,3]}', 'not json'),
        ends('{"d":4}'),
        ends('{"d":4}'),
      ]);
      expect(whole).toEqual({ skipped: 1, unterminated: true, reached: Buffer.byteLength(text) });
    },
  );
});

describe('CoalescingWriter: a text in pieces', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-pieces-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes pieces past one write chunk (16 MiB) as their text joined, in order', async () => {
    // Prepare: 20,000 lines of about 1 KB, each telling its place.
    const pieces = Array.from(
      { length: 20_000 },
      (_, i) => `${String(i).padStart(6, '0')}${'x'.repeat(1_000)}\n`,
    );
    const writer = new CoalescingWriter();
    // Act
    writer.replace(join(dir, 'log.jsonl'), () => pieces);
    await writer.flush();
    writer.close();
    // Assess
    const text = await readFile(join(dir, 'log.jsonl'), 'utf8');
    expect(text.length).toBe(20_000 * 1_007);
    expect(text === pieces.join('')).toBe(true);
  });
});

describe('CoalescingWriter: compacting a log in the background', () => {
  let dir: string;
  let log: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-compact-'));
    log = join(dir, 'log.jsonl');
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * A text whose first piece comes at once and whose second only once `open()` is called: a slow compaction.
   * `atGate` settles once the second piece is asked for, so the first is in the compaction's file by then.
   */
  function gated(
    first: string,
    second: string,
  ): { readonly text: () => AsyncIterable<string>; readonly atGate: Promise<void>; open(): void } {
    let open = (): void => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    let reached = (): void => {};
    const atGate = new Promise<void>((resolve) => {
      reached = resolve;
    });
    return {
      text: async function* () {
        yield first;
        reached();
        await opened;
        yield second;
      },
      atGate,
      open: () => open(),
    };
  }

  /** A writer whose log holds `lines`, on disk. */
  async function writerWith(...lines: string[]): Promise<CoalescingWriter> {
    await writeFile(log, '');
    const writer = new CoalescingWriter();
    for (const line of lines) writer.append(log, line, () => 'never\n');
    await writer.flush();
    return writer;
  }

  const tmpFiles = async (): Promise<string[]> => (await readdir(dir)).filter((name) => name !== 'log.jsonl');

  it('answers appends while a compaction is on its way, then puts the new text and the lines after it in place', async () => {
    // Prepare: a log of three lines, compacted as two.
    const writer = await writerWith('a1', 'a2', 'b1');
    const slow = gated('a\n', 'b\n');
    // Act: a line appended while the new text is half written.
    writer.compact(log, slow.text);
    const since = writer.asked;
    writer.append(log, 'c', () => 'never\n');
    const behind = await writer.written(since);
    const during = await readFile(log, 'utf8');
    // The compaction's file is made in the background: looked at before, it may not be there yet.
    await slow.atGate;
    const leftDuring = await tmpFiles();
    slow.open();
    await writer.flush();
    writer.close();
    // Assess: answered from the old file, which held every line; then the compacted text, with the line once.
    expect(behind).toEqual([]);
    expect(during).toBe('a1\na2\nb1\nc\n');
    expect(leftDuring).toEqual([
      expect.stringMatching(new RegExp(`^log\\.jsonl\\.${process.pid}\\.\\d+\\.compacting$`)),
    ]);
    expect(await readFile(log, 'utf8')).toBe('a\nb\nc\n');
    expect(await tmpFiles()).toEqual([]);
  });

  // Scale review, 2026-12-05: in a new dataDir the file came only with the start's compaction, in the background, so
  // the first appends found none and the pass wrote it whole, asynchronously: 6.4 s under a fan-out.
  it("makes an empty log's missing file at its first compaction, before anything is written, so that appends find it", async () => {
    // Prepare
    const writer = new CoalescingWriter();
    const lines: string[] = [];
    const compacted = new CompactedLog(writer, log, () => lines);
    const beforeCompaction = existsSync(log);
    // Act
    compacted.compact(0);
    const atOnce = existsSync(log);
    lines.push('a');
    compacted.append('a', 1);
    await writer.flush();
    writer.close();
    // Assess: made at the owner's first compaction (not when opened, which must tell a new log from none), empty.
    expect([beforeCompaction, atOnce]).toEqual([false, true]);
    expect(await readFile(log, 'utf8')).toBe('"a"\n');
  });

  it('does not make an empty file for a log whose state came from elsewhere, which it would hide at the next start', () => {
    // Prepare: a state of one line, read from a file of an earlier version (as queues.json was).
    const writer = new CoalescingWriter();
    const compacted = new CompactedLog(writer, log, () => ['kept']);
    // Act
    compacted.compact(1);
    const atOnce = existsSync(log);
    writer.close();
    // Assess: the file comes with the compaction, holding the state, or not at all.
    expect(atOnce).toBe(false);
  });

  it('catches up with many lines appended while the new text was written, in order', async () => {
    // Prepare: more lines meanwhile than the pass writes at once (256 KB).
    const writer = await writerWith('a1', 'a2');
    const slow = gated('a\n', '');
    writer.compact(log, slow.text);
    const after = Array.from({ length: 400 }, (_, i) => `${i}:${'y'.repeat(1_000)}`);
    // Act
    for (const line of after) writer.append(log, line, () => 'never\n');
    await writer.written(writer.asked - 1);
    slow.open();
    await writer.flush();
    writer.close();
    // Assess
    expect(await readFile(log, 'utf8')).toBe(`a\n${after.join('\n')}\n`);
    expect(await tmpFiles()).toEqual([]);
  });

  it('gives a compaction up when the file is replaced meanwhile, and writes the replacement', async () => {
    // Prepare
    const writer = await writerWith('a1', 'a2');
    const slow = gated('a\n', '');
    writer.compact(log, slow.text);
    await new Promise((resolve) => setImmediate(resolve));
    // Act
    writer.replace(log, () => 'r\n');
    slow.open();
    await writer.flush();
    writer.close();
    // Assess
    expect(await readFile(log, 'utf8')).toBe('r\n');
    expect(await tmpFiles()).toEqual([]);
  });

  it('gives a compaction up when the writer closes, leaving the old file whole and no other', async () => {
    // Prepare
    const writer = await writerWith('a1', 'a2');
    const slow = gated('a\n', '');
    writer.compact(log, slow.text);
    writer.append(log, 'b', () => 'never\n');
    await writer.written(writer.asked - 1);
    // Act
    writer.close();
    slow.open();
    await writer.flush();
    // Assess
    expect(await readFile(log, 'utf8')).toBe('a1\na2\nb\n');
    expect(await tmpFiles()).toEqual([]);
  });

  it('makes a compaction asked for during another once that one is in place, from the state then', async () => {
    // Prepare
    const writer = await writerWith('a1', 'a2');
    const slow = gated('a\n', '');
    writer.compact(log, slow.text);
    writer.append(log, 'b1', () => 'never\n');
    writer.append(log, 'b2', () => 'never\n');
    // Act: the second snapshot is taken only once the first is in place, so it is the state after b1 and b2.
    let snapshots = 0;
    writer.compact(log, () => {
      snapshots++;
      return ['a\n', 'b\n'];
    });
    writer.append(log, 'c', () => 'never\n');
    const beforeFirst = snapshots;
    slow.open();
    await writer.flush();
    writer.close();
    // Assess
    expect(beforeFirst).toBe(0);
    expect(snapshots).toBe(1);
    expect(await readFile(log, 'utf8')).toBe('a\nb\n');
    expect(await tmpFiles()).toEqual([]);
  });

  it('removes a log for good though compactions of it were on their way, which put nothing back', async () => {
    // Prepare: a slow compaction, and another asked for while it is on its way.
    const writer = await writerWith('a1', 'a2');
    const slow = gated('a\n', '');
    writer.compact(log, slow.text);
    writer.compact(log, () => ['again\n']);
    // Act
    writer.remove(log);
    await writer.written(writer.asked - 1);
    slow.open();
    await writer.flush();
    writer.close();
    // Assess
    expect(existsSync(log)).toBe(false);
    expect(await tmpFiles()).toEqual([]);
  });

  it('makes no compaction of a log whose rewrite is on its way, which would put an older text back', async () => {
    // Prepare
    const writer = await writerWith('a1', 'a2');
    // Act
    writer.replace(log, () => 'r\n');
    writer.compact(log, () => ['a\n']);
    await writer.flush();
    writer.close();
    // Assess
    expect(await readFile(log, 'utf8')).toBe('r\n');
    expect(await tmpFiles()).toEqual([]);
  });

  it('answers a line asked for while a finished compaction waits to be put in place once it is in, not as behind', async () => {
    // Prepare: a compaction that ends while a long rewrite of another file holds the pass.
    const writer = await writerWith('a1', 'a2');
    const big = join(dir, 'big');
    writer.replace(big, () => 'x'.repeat(64 * 1024 * 1024));
    writer.compact(log, () => ['a\n']);
    // Act: a line asked for once that pass is under way, so that the next one, which puts the compaction in place,
    // finds it waiting to be appended.
    const behind = await new Promise<string[]>((resolve) =>
      setImmediate(() =>
        setImmediate(() => {
          const since = writer.asked;
          writer.append(log, 'b', () => 'never\n');
          void writer.written(since).then(resolve);
        }),
      ),
    );
    await writer.flush();
    writer.close();
    await rm(big);
    // Assess
    expect(behind).toEqual([]);
    expect(await readFile(log, 'utf8')).toBe('a\nb\n');
    expect(await tmpFiles()).toEqual([]);
  });

  it('reports a compaction that cannot be put in place and leaves no temporary file beside the log', async () => {
    // Prepare: a slow compaction, and the log made a directory meanwhile, so that renaming onto it fails.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const writer = await writerWith('a1', 'a2');
    const slow = gated('a\n', '');
    writer.compact(log, slow.text);
    await rm(log);
    await mkdir(log);
    // Act
    slow.open();
    await writer.flush();
    writer.close();
    // Assess
    expect(writer.failures).toBe(1);
    expect(logged).toHaveBeenCalledWith(`[eventbridge] could not write ${log}:`, expect.anything());
    expect(await tmpFiles()).toEqual([]);
  });

  it('reports a compaction that fails on its way and keeps appending to the old file, which loses nothing', async () => {
    // Prepare: a new text that fails half written, as a full disk would fail it.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const writer = await writerWith('a1', 'a2');
    // Act
    writer.compact(log, function* () {
      yield 'a\n';
      throw new Error('ENOSPC: no space left on device');
    });
    writer.append(log, 'b', () => 'never\n');
    await writer.flush();
    writer.append(log, 'c', () => 'never\n');
    await writer.flush();
    writer.close();
    // Assess
    expect(writer.failures).toBe(1);
    expect(logged).toHaveBeenCalledWith(`[eventbridge] could not write ${log}:`, expect.anything());
    expect(await readFile(log, 'utf8')).toBe('a1\na2\nb\nc\n');
  });

  it('leaves no file behind once closed, even for a compaction asked for just before, nor removes a later one', async () => {
    // Prepare: a writer closed right after asking for a compaction, and a later one on the same file (a restart in
    // the same process) whose compaction is slow.
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    const old = await writerWith('a1', 'a2');
    old.compact(log, () => ['a\n']);
    old.close();
    const next = new CoalescingWriter();
    const slow = gated('A\n', 'B\n');
    next.compact(log, slow.text);
    // Act
    await old.flush();
    slow.open();
    await next.flush();
    next.close();
    // Assess: the later compaction is in place, not failed for want of its file.
    expect(next.failures).toBe(0);
    expect(logged).not.toHaveBeenCalled();
    expect(await readFile(log, 'utf8')).toBe('A\nB\n');
    expect(await tmpFiles()).toEqual([]);
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'holds every line once and in order, whatever the timing of appends and compactions (seed %i)',
    async (seed) => {
      // Prepare: a log whose state is every line appended so far, so a compaction writes them all again and a line
      // lost or written twice shows; a pseudo-random mix of appends, compactions and waits of several kinds.
      let state = seed;
      const random = (): number => {
        state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
        return state / 2 ** 31;
      };
      await writeFile(log, '');
      const writer = new CoalescingWriter();
      const lines: string[] = [];
      const everyLine = (): Iterable<string> => {
        const now = [...lines];
        // In pieces of a few lines, made as they are asked for.
        return (function* () {
          for (let i = 0; i < now.length; i += 7)
            yield now
              .slice(i, i + 7)
              .map((l) => `${l}\n`)
              .join('');
        })();
      };
      const rebuild = (): string => lines.map((l) => `${l}\n`).join('');
      const wrong: string[] = [];
      // Act
      for (let step = 0; step < 600; step++) {
        const r = random();
        if (r < 0.7) {
          const line = `${step}:${'x'.repeat(Math.floor(random() * 3_000))}`;
          lines.push(line);
          writer.append(log, line, rebuild);
        } else if (r < 0.78) writer.compact(log, everyLine);
        else if (r < 0.86) await new Promise((resolve) => setImmediate(resolve));
        else if (r < 0.9) await new Promise((resolve) => setTimeout(resolve, 1));
        else if (r < 0.95) await writer.written(writer.asked - 1);
        else {
          // At any moment the file holds the lines from the first on, as a crash would find it: the last one perhaps
          // cut short, if a write was on its way (which reading skips), none missing, none twice.
          const text = await readFile(log, 'utf8');
          if (!rebuild().startsWith(text)) wrong.push(text.slice(-80));
        }
      }
      await writer.flush();
      writer.close();
      // Assess
      expect(wrong).toEqual([]);
      expect(await readFile(log, 'utf8')).toBe(rebuild());
      expect(await tmpFiles()).toEqual([]);
      expect(writer.failures).toBe(0);
    },
  );
});

// Data-protection follow-up, 2026-12-06: a log was compacted only by its line count, so a quiet server kept each
// delivered event in retries.jsonl until 100,000 lines had come (months of a small site's deliveries), long past the
// archive's retention.
describe('CompactedLog: lines past its state do not stay longer than the linger', () => {
  let dir: string;
  let log: string;
  /** The log's state, one line a value: what a compaction writes. */
  let state: string[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-linger-'));
    log = join(dir, 'log.jsonl');
    state = [];
    // Only setTimeout is faked: the writer's passes run on setImmediate.
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  });

  afterEach(async () => {
    jest.useRealTimers();
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  /** A log whose first value is added, then whose second is added and the first ended: three lines, one of state. */
  async function logWithAnEnd(writer: CoalescingWriter): Promise<CompactedLog> {
    const compacted = new CompactedLog(writer, log, () => state);
    compacted.compact(0);
    state.push('first');
    compacted.append('add first', state.length);
    state.push('second');
    compacted.append('add second', state.length);
    state.shift();
    compacted.append('end first', state.length);
    await writer.flush();
    return compacted;
  }

  const lines = async (): Promise<string[]> => (await readFile(log, 'utf8')).split('\n').filter(Boolean);

  it('rewrites the log as its state ten minutes (by default) after a line past it was appended, not before', async () => {
    // Prepare
    const writer = new CoalescingWriter();
    await logWithAnEnd(writer);
    // Act
    jest.advanceTimersByTime(10 * 60_000 - 1);
    await writer.flush();
    const before = await lines();
    jest.advanceTimersByTime(1);
    await writer.flush();
    writer.close();
    // Assess
    expect(before).toEqual(['"add first"', '"add second"', '"end first"']);
    expect(await lines()).toEqual(['"second"']);
  });

  it("takes the writer's linger, and leaves alone a log that holds nothing past its state", async () => {
    // Prepare: one log with an end, another of live lines only.
    const writer = new CoalescingWriter({ lingerMs: 1_000 });
    const other = join(dir, 'other.jsonl');
    const otherState: string[] = [];
    const live = new CompactedLog(writer, other, () => otherState);
    live.compact(0);
    otherState.push('only');
    live.append('only', 1);
    await logWithAnEnd(writer);
    const compactions = jest.spyOn(writer, 'compact');
    // Act
    jest.advanceTimersByTime(1_000);
    await writer.flush();
    writer.close();
    // Assess
    expect(compactions.mock.calls.map(([path]) => path)).toEqual([log]);
    expect(await lines()).toEqual(['"second"']);
    expect(await readFile(other, 'utf8')).toBe('"only"\n');
  });

  // Diff review, 2026-12-06: a few messages expiring from a dead-letter queue of gigabytes had it rewritten whole
  // every ten minutes.
  it('waits longer for a large log: 100 KB of its state for each second, past the linger', async () => {
    // Prepare: a state of about 2 MB, so 20 s rather than the writer's 1 s.
    const writer = new CoalescingWriter({ lingerMs: 1_000 });
    const compacted = new CompactedLog(writer, log, () => state);
    compacted.compact(0);
    state.push('first', 'second');
    compacted.append('add first', 1, 1_000);
    compacted.append('add second', 2, 2_001_000);
    state.shift();
    compacted.append('end first', 1, 2_000_000);
    await writer.flush();
    const compactions = jest.spyOn(writer, 'compact');
    // Act
    jest.advanceTimersByTime(19_999);
    const before = compactions.mock.calls.length;
    jest.advanceTimersByTime(1);
    await writer.flush();
    writer.close();
    // Assess: the wait is set by the state when the first line past it came.
    expect([before, compactions.mock.calls.length]).toEqual([0, 1]);
  });

  it('compacts nothing once the writer is closed, and holds no timer for it', async () => {
    // Prepare
    const writer = new CoalescingWriter({ lingerMs: 1_000 });
    await logWithAnEnd(writer);
    const compactions = jest.spyOn(writer, 'compact');
    // Act
    writer.close();
    const timersAfterClose = jest.getTimerCount();
    jest.advanceTimersByTime(1_000);
    // Assess
    expect(timersAfterClose).toBe(0);
    expect(compactions).not.toHaveBeenCalled();
    expect(await lines()).toEqual(['"add first"', '"add second"', '"end first"']);
  });
});
