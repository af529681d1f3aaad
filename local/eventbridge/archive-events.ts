// The events one archive keeps. Without a dataDir they are an array in memory. With one they are on disk, in
// segment files of at most SEGMENT_MAX_BYTES and SEGMENT_SPAN_MS of ingestion each, and memory holds only what each
// segment spans (counts, sizes, times) and the lines of the segment being written: a busy bus's 30-day archive is
// gigabytes, more than a heap holds and far more than one JavaScript string (about 512 MiB), and before segments
// every start read it whole. Retention drops whole segments, so an event may outlast it by up to SEGMENT_SPAN_MS
// (no replay includes it). A replay reads the events it selects from their files as it puts them back.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { type CoalescingWriter, readJsonLines, startFile } from './persistence.js';

export interface ArchivedEvent {
  readonly json: string;
  /** Epoch ms of the event's `time`, which replay windows select on. */
  readonly time: number;
  readonly ingestedAt: number;
  /** The bus that forwarded it here (a bus target): replayed, it goes no further to a third bus either. */
  readonly forwardedFrom?: string;
}

/** The events a replay selected, in the order it puts them back. */
export interface ArchiveSelection {
  readonly length: number;
  /** The i-th event; undefined if it can no longer be read (its segment dropped by retention since). */
  at(index: number): ArchivedEvent | undefined;
  /** Lets go of the files it reads. */
  close(): void;
  /**
   * Lines of its segments' files that are not events, met while choosing or read since: changed on disk behind the
   * index's back (a segment the index vouches for is not read at start, where such lines are skipped and said so).
   * Left out.
   */
  readonly unreadable: number;
  /** How its events were read so far from files: segments read whole, and events read alone (for tests). */
  readonly fileReads?: { readonly whole: number; readonly alone: number };
}

/**
 * A replay's choice of events, made a slice at a time so that the server answers in between: one step scans on for
 * about `budgetMs` (at least one segment on disk, or a few thousand events in memory) and gives the selection once
 * everything is scanned. The events it chooses from are those archived when it was made; one archived later is not
 * in it. Before (2026-12-03) a replay chose in one pass: with 300,000 1 KB events archived on disk,
 * every request waited up to 0.8 to 1.1 s; now up to 0.1 s, or 0.17 s when one event in 1,000 came with an earlier
 * Time (the last step sorts what was chosen).
 */
export interface ArchiveSelecting {
  step(budgetMs: number): ArchiveSelection | undefined;
}

export interface ArchiveEvents {
  readonly count: number;
  /** The bytes of the events' JSON, which DescribeArchive reports as SizeBytes. */
  readonly sizeBytes: number;
  add(event: ArchivedEvent): void;
  /** Drops the events ingested before `oldest` (on disk, the segments holding only such events). */
  prune(oldest: number): void;
  /**
   * The events whose time is in [start, end) and that were ingested at or after `oldest`, by time, events of one
   * time in the order archived.
   */
  select(start: number, end: number, oldest: number): ArchiveSelecting;
  /** Drops every event, and on disk the files (the archive deleted). */
  drop(): void;
}

/** A line of an archive's events file, or undefined if it is not one (a crash cut it short, or a hand edited it). */
export function archivedEvent(value: unknown): ArchivedEvent | undefined {
  const e = value as Partial<ArchivedEvent> | null;
  if (typeof e?.json !== 'string' || typeof e.time !== 'number' || typeof e.ingestedAt !== 'number')
    return undefined;
  const from = typeof e.forwardedFrom === 'string' ? { forwardedFrom: e.forwardedFrom } : {};
  return { json: e.json, time: e.time, ingestedAt: e.ingestedAt, ...from };
}

/** An archive's events file as versions before segments wrote it (`archives/NAME.jsonl`), with what it lacked. */
export function readArchivedEvents(file: string): { events: ArchivedEvent[]; skipped: number } {
  const { values, skipped } = readJsonLines(file);
  const events: ArchivedEvent[] = [];
  for (const value of values) {
    const event = archivedEvent(value);
    if (event) events.push(event);
  }
  return { events, skipped: skipped + values.length - events.length };
}

const bytesOf = (event: ArchivedEvent): number => Buffer.byteLength(event.json);

/**
 * Indexes 0..n-1 ordered by `time`, ties in their order (Array.prototype.sort is stable). Events are archived as they
 * come, so their times are mostly in order already: then nothing is sorted.
 */
function byTime(times: readonly number[]): number[] {
  const order = Array.from(times, (_, i) => i);
  for (let i = 1; i < times.length; i++) {
    if ((times[i] as number) < (times[i - 1] as number)) {
      return order.sort((a, b) => (times[a] as number) - (times[b] as number));
    }
  }
  return order;
}

/** Events in memory a selection scans between looks at the clock. */
const SCAN_SLICE = 4_096;

export class MemoryArchiveEvents implements ArchiveEvents {
  /**
   * The events in the order archived, from #first: those before it were dropped for the memory limit (dropOldest),
   * their places emptied so that the heap lets go of them at once, and the array is cut once they are half of it.
   */
  #events: Array<ArchivedEvent | undefined> = [];
  #first = 0;
  #sizeBytes = 0;

  get count(): number {
    return this.#events.length - this.#first;
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** When the oldest event kept was ingested, or undefined if none is kept. */
  get oldestIngestedAt(): number | undefined {
    return this.#events[this.#first]?.ingestedAt;
  }

  add(event: ArchivedEvent): void {
    this.#events.push(event);
    this.#sizeBytes += bytesOf(event);
  }

  /** Drops the oldest event kept (ArchiveStore's memory limit), and gives its bytes: 0 if none is kept. */
  dropOldest(): number {
    const event = this.#events[this.#first];
    if (event === undefined) return 0;
    const bytes = bytesOf(event);
    this.#sizeBytes -= bytes;
    this.#events[this.#first++] = undefined;
    if (this.#first >= 1_024 && this.#first * 2 >= this.#events.length) {
      this.#events = this.#events.slice(this.#first);
      this.#first = 0;
    }
    return bytes;
  }

  prune(oldest: number): void {
    // Archived in the order they came, so the expired events lead. Only that leading run goes: should the clock
    // have stepped back, an event inside the window is never dropped, and a later expired one goes once it leads.
    const events = this.#events;
    let expired = this.#first;
    while (expired < events.length && (events[expired] as ArchivedEvent).ingestedAt < oldest) {
      this.#sizeBytes -= bytesOf(events[expired] as ArchivedEvent);
      expired++;
    }
    if (expired > this.#first) {
      this.#events = events.slice(expired);
      this.#first = 0;
    }
  }

  select(start: number, end: number, oldest: number): ArchiveSelecting {
    // prune replaces the array and add appends to it: the events archived so far stay where they are, but for those
    // dropOldest empties, which no replay includes.
    const events = this.#events;
    const total = events.length;
    const inWindow: ArchivedEvent[] = [];
    let next = this.#first;
    return {
      step(budgetMs) {
        const deadline = performance.now() + budgetMs;
        do {
          for (const stop = Math.min(total, next + SCAN_SLICE); next < stop; next++) {
            const e = events[next];
            if (e !== undefined && e.time >= start && e.time < end && e.ingestedAt >= oldest)
              inWindow.push(e);
          }
        } while (next < total && performance.now() < deadline);
        if (next < total) return undefined;
        const order = byTime(inWindow.map((e) => e.time));
        return {
          length: order.length,
          at: (i) => inWindow[order[i] as number],
          close: () => {},
          unreadable: 0,
        };
      },
    };
  }

  drop(): void {
    this.#events = [];
    this.#first = 0;
    this.#sizeBytes = 0;
  }
}

/** The events `times` and the others locate, as a replay reads them: by time, each read from memory or its file. */
function selection(
  times: readonly number[],
  texts: ReadonlyArray<string | undefined>,
  files: readonly string[],
  offsets: readonly number[],
  lengths: readonly number[],
  unreadable: number,
): ArchiveSelection {
  const order = byTime(times);
  // Reading: a segment many selected events come from is read whole once and kept while the replay reads on in it
  // (time order mostly follows the order archived); otherwise, or once segments have been read whole four times
  // over (times far out of order), each event is read alone. Reading each alone made a 100,000-event replay 4.5
  // times slower than from memory (review).
  const selectedIn = new Map<string, number>();
  for (const file of files) selectedIn.set(file, (selectedIn.get(file) ?? 0) + 1);
  let wholeReadsLeft = 4 * selectedIn.size;
  let cached: { readonly file: string; readonly bytes: Buffer | undefined } | undefined;
  const fileReads = { whole: 0, alone: 0 };
  const whole = (file: string): Buffer | undefined => {
    if (cached?.file === file) return cached.bytes;
    if ((selectedIn.get(file) ?? 0) < WHOLE_READ_AT_LEAST || wholeReadsLeft <= 0) return undefined;
    wholeReadsLeft--;
    fileReads.whole++;
    let bytes: Buffer | undefined;
    try {
      bytes = readFileSync(file);
    } catch {
      bytes = undefined;
    }
    cached = { file, bytes };
    return bytes;
  };
  const descriptors = new Map<string, number | undefined>();
  const descriptor = (file: string): number | undefined => {
    if (!descriptors.has(file)) {
      try {
        descriptors.set(file, openSync(file, 'r'));
      } catch {
        descriptors.set(file, undefined);
      }
    }
    return descriptors.get(file);
  };
  // Lines read that are not events: whole past the times that chose them (their start intact), changed on disk since.
  let unreadableRead = 0;
  const parsed = (text: string): ArchivedEvent | undefined => {
    let event: ArchivedEvent | undefined;
    try {
      event = archivedEvent(JSON.parse(text));
    } catch {
      event = undefined;
    }
    if (event === undefined) unreadableRead++;
    return event;
  };
  return {
    length: order.length,
    fileReads,
    get unreadable() {
      return unreadable + unreadableRead;
    },
    at(i) {
      const n = order[i] as number;
      const text = texts[n];
      if (text !== undefined) return archivedEvent(JSON.parse(text));
      const start = offsets[n] as number;
      const bytes = whole(files[n] as string);
      if (bytes !== undefined) return parsed(bytes.toString('utf8', start, start + (lengths[n] as number)));
      // A file that can no longer be read was dropped by retention since: not a damaged line.
      const fd = descriptor(files[n] as string);
      if (fd === undefined) return undefined;
      const buffer = Buffer.alloc(lengths[n] as number);
      try {
        readSync(fd, buffer, 0, buffer.length, offsets[n] as number);
      } catch {
        return undefined;
      }
      fileReads.alone++;
      return parsed(buffer.toString('utf8'));
    },
    close() {
      for (const fd of descriptors.values()) if (fd !== undefined) closeSync(fd);
      descriptors.clear();
      cached = undefined;
    },
  };
}

/** A replay reads a segment whole when it selected at least this many events in it. */
const WHOLE_READ_AT_LEAST = 16;

/** How long to wait before asking again whether a segment whose write failed is on disk now. */
const RELEASE_RETRY_MS = 5_000;

/** A segment ends once it holds this many bytes of lines... */
export const SEGMENT_MAX_BYTES = 8 * 1024 * 1024;
/** ...or spans this long since its first event's ingestion: what an expired event may outlast retention by. */
export const SEGMENT_SPAN_MS = 60 * 60_000;

interface Segment {
  /** Its number, which names its file and orders it among the others. */
  readonly number: number;
  readonly file: string;
  count: number;
  sizeBytes: number;
  /** The bytes of its lines, newlines included: what its file holds once written. */
  fileBytes: number;
  minTime: number;
  maxTime: number;
  minIngestedAt: number;
  maxIngestedAt: number;
  /** Takes no more events. */
  closed: boolean;
  /**
   * Its lines while it is written to, and after until the writer has them all on disk: what a failed append
   * rebuilds the file from, and what a replay reads meanwhile.
   */
  lines: string[] | undefined;
  /** The writer's count of writes asked for when this segment's file was last asked for one, if any was. */
  asked?: number;
}

/** What the index keeps of a closed segment, so that a start reads no segment the index vouches for. */
type SegmentSummary = Omit<Segment, 'file' | 'closed' | 'lines' | 'asked'>;

const INDEX_FILE = 'segments.json';
/** A segment's file name: its number, 8 digits, so that names sort as numbers do. */
const segmentFileName = (number: number): string => `${String(number).padStart(8, '0')}.jsonl`;
const SEGMENT_FILE = /^(\d{8})\.jsonl$/;

export interface SegmentLimits {
  readonly maxBytes: number;
  readonly spanMs: number;
  /** @default RELEASE_RETRY_MS */
  readonly releaseRetryMs?: number;
}

export class SegmentedArchiveEvents implements ArchiveEvents {
  readonly #segments: Segment[] = [];
  #count = 0;
  #sizeBytes = 0;
  #nextNumber = 1;

  /**
   * The events in `dir` (created on the first event), read as the index and the files say; `skipped` counts the
   * lines that could not be read (a crash cut the last one short), which are left out of the file again.
   */
  constructor(
    private readonly writer: CoalescingWriter,
    readonly dir: string,
    private readonly limits: SegmentLimits = { maxBytes: SEGMENT_MAX_BYTES, spanMs: SEGMENT_SPAN_MS },
  ) {
    if (!existsSync(dir)) return;
    const index = readIndex(join(dir, INDEX_FILE));
    const numbers = readdirSync(dir)
      .map((name) => SEGMENT_FILE.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const [i, number] of numbers.entries()) {
      const file = this.#file(number);
      const summary = index.get(number);
      const last = i === numbers.length - 1;
      const segment =
        summary && !last && statSync(file).size === summary.fileBytes
          ? { ...summary, file, closed: true, lines: undefined }
          : this.#scan(number, file, last);
      if (segment.count === 0) {
        this.writer.remove(file);
        continue;
      }
      this.#segments.push(segment);
      this.#count += segment.count;
      this.#sizeBytes += segment.sizeBytes;
    }
    this.#nextNumber = (numbers.at(-1) ?? 0) + 1;
    this.#saveIndex();
  }

  /** Lines skipped while reading the files at start. */
  skipped = 0;

  get count(): number {
    return this.#count;
  }

  get sizeBytes(): number {
    return this.#sizeBytes;
  }

  /** Segments held, for tests and benchmarks. */
  get segments(): number {
    return this.#segments.length;
  }

  /** Lines held in memory, for tests and benchmarks: the segment being written and those not on disk yet. */
  get linesInMemory(): number {
    let n = 0;
    for (const s of this.#segments) n += s.lines?.length ?? 0;
    return n;
  }

  #file(number: number): string {
    return join(this.dir, segmentFileName(number));
  }

  /**
   * A segment read from its file, when the index does not vouch for it: the last one (the one being written when
   * the process stopped) or one written or cut short since the index was. Lines that cannot be read are left out;
   * if there were any, or the last newline is missing, the file is rewritten as the lines that are left. The last
   * segment stays open for more events unless it is full.
   */
  #scan(number: number, file: string, last: boolean): Segment {
    const { values, skipped, unterminated } = readJsonLines(file);
    const segment = emptySegment(number, file);
    const lines: string[] = [];
    let unusable = skipped;
    for (const value of values) {
      const event = archivedEvent(value);
      if (!event) {
        unusable++;
        continue;
      }
      const line = lineOf(event);
      lines.push(line);
      count(segment, event, line);
    }
    this.skipped += unusable;
    segment.lines = lines;
    if (unusable > 0 || unterminated) {
      this.writer.replace(file, () => linesText(lines));
      segment.asked = this.writer.asked;
    }
    segment.closed = !last || segment.fileBytes >= this.limits.maxBytes;
    if (segment.closed) this.#release(segment);
    return segment;
  }

  add(event: ArchivedEvent): void {
    const line = lineOf(event);
    let open = this.#segments.at(-1);
    if (open && !open.closed && full(open, event, line, this.limits)) this.#close(open);
    if (!open || open.closed) {
      const number = this.#nextNumber++;
      open = { ...emptySegment(number, this.#file(number)), lines: [] };
      this.#segments.push(open);
      startFile(open.file);
    }
    const lines = open.lines as string[];
    lines.push(line);
    count(open, event, line);
    this.#count++;
    this.#sizeBytes += bytesOf(event);
    this.writer.append(open.file, line, () => linesText(lines));
    open.asked = this.writer.asked;
  }

  #close(segment: Segment): void {
    segment.closed = true;
    this.#saveIndex();
    this.#release(segment);
  }

  /**
   * Lets go of a closed segment's lines once the writer has them on disk; while its file is behind (a write failed
   * and is tried again), asks again a few seconds later, until the writer is closed.
   */
  #release(segment: Segment): void {
    if (segment.asked === undefined) {
      segment.lines = undefined;
      return;
    }
    void this.writer.written(segment.asked - 1).then((behind) => {
      if (!segment.closed) return;
      if (!behind.includes(segment.file)) segment.lines = undefined;
      else if (!this.writer.closed)
        setTimeout(() => this.#release(segment), this.limits.releaseRetryMs ?? RELEASE_RETRY_MS).unref();
    });
  }

  prune(oldest: number): void {
    // Every segment whose events have all expired, not only the leading run: one ingested while the clock was ahead
    // (set right since) must not hold every later segment past the retention.
    const kept = this.#segments.filter((segment) => {
      if (segment.maxIngestedAt >= oldest) return true;
      segment.closed = true;
      this.#count -= segment.count;
      this.#sizeBytes -= segment.sizeBytes;
      this.writer.remove(segment.file);
      return false;
    });
    if (kept.length === this.#segments.length) return;
    this.#segments.splice(0, this.#segments.length, ...kept);
    this.#saveIndex();
  }

  select(start: number, end: number, oldest: number): ArchiveSelecting {
    // Where each selected event is: its line's text when the segment's lines are in memory, else its file and the
    // line's place there, read again when the replay reaches it (a whole archive's events would not fit in memory).
    const times: number[] = [];
    const texts: Array<string | undefined> = [];
    const files: string[] = [];
    const offsets: number[] = [];
    const lengths: number[] = [];
    let unreadable = 0;
    const take = (times: LineTimes | undefined): boolean =>
      times !== undefined && times.time >= start && times.time < end && times.ingestedAt >= oldest;
    // The segments and their counts as they are now: the last one may take more events meanwhile.
    const segments = this.#segments.filter(
      (s) => !(s.maxTime < start || s.minTime >= end || s.maxIngestedAt < oldest),
    );
    const counts = segments.map((s) => s.count);
    const scan = (segment: Segment, count: number): void => {
      const { lines, file } = segment;
      if (lines) {
        for (let i = 0; i < count; i++) {
          const line = lines[i] as string;
          const lineTimes = timesOf(line);
          if (!take(lineTimes)) continue;
          times.push((lineTimes as LineTimes).time);
          texts.push(line);
          files.push(file);
          offsets.push(0);
          lengths.push(0);
        }
        return;
      }
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch {
        return; // dropped by retention meanwhile
      }
      for (let at = 0, seen = 0; at < bytes.length && seen < count; seen++) {
        const newline = bytes.indexOf(10, at);
        const stop = newline < 0 ? bytes.length : newline;
        // The times lead each line (lineOf): read from its first bytes, the rest parsed when it is replayed.
        const head = bytes.toString('latin1', at, Math.min(stop, at + 96));
        const lineTimes = LINE_HEAD.test(head) ? timesOf(head) : timesOf(bytes.toString('utf8', at, stop));
        if (lineTimes === undefined) unreadable++;
        if (take(lineTimes)) {
          times.push((lineTimes as LineTimes).time);
          texts.push(undefined);
          files.push(file);
          offsets.push(at);
          lengths.push(stop - at);
        }
        at = stop + 1;
      }
    };
    let next = 0;
    return {
      step: (budgetMs) => {
        const deadline = performance.now() + budgetMs;
        while (next < segments.length) {
          scan(segments[next] as Segment, counts[next] as number);
          next++;
          if (performance.now() >= deadline) break;
        }
        return next < segments.length
          ? undefined
          : selection(times, texts, files, offsets, lengths, unreadable);
      },
    };
  }

  drop(): void {
    for (const segment of this.#segments) segment.closed = true;
    this.#segments.length = 0;
    this.#count = 0;
    this.#sizeBytes = 0;
    this.writer.remove(this.dir);
  }

  /** The index of closed segments, rewritten as one closes or goes. */
  #saveIndex(): void {
    const file = join(this.dir, INDEX_FILE);
    this.writer.replace(file, () => {
      const closed: SegmentSummary[] = this.#segments
        .filter((s) => s.closed)
        .map(({ file: _f, closed: _c, lines: _l, asked: _a, ...summary }) => summary);
      return `${JSON.stringify({ segments: closed })}\n`;
    });
  }
}

/** Whether `event`, as `line`, should start a new segment rather than join `open`. */
function full(
  open: Pick<Segment, 'count' | 'fileBytes' | 'minIngestedAt' | 'maxIngestedAt'>,
  event: ArchivedEvent,
  line: string,
  limits: SegmentLimits,
): boolean {
  if (open.count === 0) return false;
  const bytes = open.fileBytes + Buffer.byteLength(line) + 1;
  // Also when the clock stepped back past the span: the event would join a segment that expires much later.
  return (
    bytes > limits.maxBytes ||
    event.ingestedAt - open.minIngestedAt >= limits.spanMs ||
    open.maxIngestedAt - event.ingestedAt >= limits.spanMs
  );
}

/**
 * Writes `events` as the segments of an archive in `dir` (which must not hold any), directly and synchronously,
 * each through a temporary file: for moving the one file of versions before segments, before the server runs.
 * Throws what the disk refused. The summary is left to the first SegmentedArchiveEvents on `dir`, which reads them.
 */
export function writeSegments(
  dir: string,
  events: readonly ArchivedEvent[],
  limits: SegmentLimits = { maxBytes: SEGMENT_MAX_BYTES, spanMs: SEGMENT_SPAN_MS },
): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let number = 0;
  let open = emptySegment(0, '');
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length === 0) return;
    const file = join(dir, segmentFileName(++number));
    writeFileSync(`${file}.tmp`, linesText(lines), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  };
  for (const event of events) {
    const line = lineOf(event);
    if (full(open, event, line, limits)) {
      flush();
      open = emptySegment(0, '');
      lines = [];
    }
    lines.push(line);
    count(open, event, line);
  }
  flush();
}

function emptySegment(number: number, file: string): Segment {
  return {
    number,
    file,
    count: 0,
    sizeBytes: 0,
    fileBytes: 0,
    minTime: Infinity,
    maxTime: -Infinity,
    minIngestedAt: Infinity,
    maxIngestedAt: -Infinity,
    closed: false,
    lines: undefined,
  };
}

interface LineTimes {
  readonly time: number;
  readonly ingestedAt: number;
}

/** The start of a line as lineOf writes it: the event's time and ingestion, as JSON numbers. */
const LINE_HEAD = /^\{"time":(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?),"ingestedAt":(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?),/;

/**
 * The times of a line (or of its first bytes, when they hold them as lineOf writes them), without parsing the event;
 * undefined for a line that is not an event.
 */
function timesOf(text: string): LineTimes | undefined {
  const head = LINE_HEAD.exec(text);
  if (head) return { time: Number(head[1]), ingestedAt: Number(head[2]) };
  try {
    return archivedEvent(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/** An event as a line of its segment: the times first, so a line can be told by its start. */
function lineOf(event: ArchivedEvent): string {
  const { json, time, ingestedAt, forwardedFrom } = event;
  return JSON.stringify({
    time,
    ingestedAt,
    ...(forwardedFrom !== undefined ? { forwardedFrom } : {}),
    json,
  });
}

function count(segment: Segment, event: ArchivedEvent, line: string): void {
  segment.count++;
  segment.sizeBytes += bytesOf(event);
  segment.fileBytes += Buffer.byteLength(line) + 1;
  segment.minTime = Math.min(segment.minTime, event.time);
  segment.maxTime = Math.max(segment.maxTime, event.time);
  segment.minIngestedAt = Math.min(segment.minIngestedAt, event.ingestedAt);
  segment.maxIngestedAt = Math.max(segment.maxIngestedAt, event.ingestedAt);
}

const linesText = (lines: readonly string[]): string => (lines.length === 0 ? '' : `${lines.join('\n')}\n`);

/** The index's summaries by segment number; none when it is missing or unreadable (the segments are read instead). */
function readIndex(file: string): Map<number, SegmentSummary> {
  const byNumber = new Map<number, SegmentSummary>();
  if (!existsSync(file)) return byNumber;
  let saved: unknown;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return byNumber;
  }
  const segments = (saved as { segments?: unknown } | null)?.segments;
  if (!Array.isArray(segments)) return byNumber;
  const numbers = [
    'number',
    'count',
    'sizeBytes',
    'fileBytes',
    'minTime',
    'maxTime',
    'minIngestedAt',
    'maxIngestedAt',
  ] as const;
  for (const s of segments) {
    if (typeof s !== 'object' || s === null) continue;
    const summary = s as Record<string, unknown>;
    if (numbers.every((key) => typeof summary[key] === 'number'))
      byNumber.set(summary.number as number, summary as unknown as SegmentSummary);
  }
  return byNumber;
}
