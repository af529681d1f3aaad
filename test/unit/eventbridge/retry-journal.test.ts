import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { CoalescingWriter } from '../../../local/eventbridge/persistence.js';
import {
  RetryJournal,
  type SavedDelivery,
  type SavedEvent,
} from '../../../local/eventbridge/retry-journal.js';

const RULE = 'arn:aws:events:us-east-1:111111111111:rule/orders/placed';
const dlq = (name: string) => `arn:aws:sqs:us-east-1:111111111111:${name}`;

describe('RetryJournal in a dataDir', () => {
  let dir: string;
  const writers: CoalescingWriter[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-retries-'));
  });

  afterEach(async () => {
    for (const writer of writers.splice(0)) {
      await writer.flush();
      writer.close();
    }
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  /** A journal on `dir`, as a start opens it, and its writer. */
  function open(): { journal: RetryJournal; writer: CoalescingWriter } {
    const writer = new CoalescingWriter();
    writers.push(writer);
    return { journal: new RetryJournal(writer, dir), writer };
  }

  const eventOf = (orderId: number): SavedEvent => ({
    json: JSON.stringify({ id: `e${orderId}`, detail: { orderId, padding: 'p'.repeat(1_000) } }),
    ingestedAt: 1_700_000_000_000 + orderId,
  });

  const delivery = (id: string, event: SavedEvent, targetId = id): SavedDelivery => ({
    id,
    event,
    busName: 'orders',
    ruleName: 'placed',
    ruleArn: RULE,
    targetId,
    targetArn: `arn:aws:lambda:us-east-1:111111111111:function:${targetId}`,
    retries: 0,
    dueAt: 1_700_000_000_000,
  });

  const lines = async (): Promise<Array<Record<string, Record<string, unknown> | string>>> =>
    (await readFile(join(dir, 'retries.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));

  it('writes an event once for all its deliveries, each naming it by its key', async () => {
    // Prepare
    const { journal, writer } = open();
    const event = eventOf(1);
    // Act: one event to four targets, as the dispatcher hands it (one event object).
    for (const target of ['a', 'b', 'c', 'd']) journal.wait(delivery(target, event));
    await writer.flush();
    // Assess
    const written = await lines();
    const events = written
      .filter((line) => 'event' in line)
      .map((line) => line.event as Record<string, unknown>);
    const waits = written
      .filter((line) => 'wait' in line)
      .map((line) => line.wait as Record<string, unknown>);
    expect(events).toEqual([{ key: expect.any(String), ...event }]);
    expect(waits.map((wait) => [wait.id, wait.eventKey, 'event' in wait])).toEqual(
      ['a', 'b', 'c', 'd'].map((id) => [id, events[0]?.key, false]),
    );
    const escaped = JSON.stringify(event.json).slice(1, -1);
    expect((await readFile(join(dir, 'retries.jsonl'), 'utf8')).split(escaped).length - 1).toBe(1);
  });

  it('gives the next start the deliveries still waiting, with their retries, those of one event sharing it', async () => {
    // Prepare: two events, one to two targets; one delivery retried, one ended.
    const { journal, writer } = open();
    const [first, second] = [eventOf(1), eventOf(2)];
    journal.wait(delivery('a', first));
    journal.wait(delivery('b', first));
    journal.wait(delivery('c', second));
    journal.wait({ ...delivery('a', first), retries: 1, dueAt: 5, failure: { code: 'X', message: 'down' } });
    journal.end('c');
    await writer.flush();
    // Act
    const saved = open().journal.saved();
    // Assess
    expect(saved).toEqual([
      {
        ...delivery('a', expect.objectContaining(first)),
        retries: 1,
        dueAt: 5,
        failure: { code: 'X', message: 'down' },
      },
      delivery('b', expect.objectContaining(first)),
    ]);
    expect(saved[0]?.event).toBe(saved[1]?.event);
  });

  it('gives the next start the target and DLQ a retry went to, put again under the id since', async () => {
    // Prepare: diff review, 2026-12-05: a retry line kept the first target's DLQ for the next start.
    const { journal, writer } = open();
    const [alone, shared] = [eventOf(1), eventOf(2)];
    journal.wait({ ...delivery('a', alone), deadLetterArn: dlq('first') });
    journal.wait({ ...delivery('b', shared), deadLetterArn: dlq('first') });
    journal.wait(delivery('c', shared));
    // Act: both retried to the target as put again, with another ARN and DLQ.
    const moved = {
      targetArn: 'arn:aws:lambda:us-east-1:111111111111:function:now',
      deadLetterArn: dlq('now'),
    };
    journal.wait({ ...delivery('a', alone), ...moved, retries: 1, dueAt: 5, targetRemoved: true });
    journal.wait({ ...delivery('b', shared), ...moved, retries: 1, dueAt: 5 });
    await writer.flush();
    const saved = open().journal.saved();
    // Assess
    expect(saved).toEqual(
      expect.arrayContaining([
        {
          ...delivery('a', expect.objectContaining(alone)),
          ...moved,
          retries: 1,
          dueAt: 5,
          targetRemoved: true,
        },
        { ...delivery('b', expect.objectContaining(shared)), ...moved, retries: 1, dueAt: 5 },
        delivery('c', expect.objectContaining(shared)),
      ]),
    );
    expect(saved).toHaveLength(3);
  });

  it('gives the next start the DLQ a retry went to, the target put again with only its DLQ changed', async () => {
    // Prepare
    const { journal, writer } = open();
    const event = eventOf(1);
    journal.wait({ ...delivery('a', event), deadLetterArn: dlq('first') });
    // Act
    journal.wait({ ...delivery('a', event), deadLetterArn: dlq('now'), retries: 1, dueAt: 5 });
    await writer.flush();
    const saved = open().journal.saved();
    // Assess
    expect(saved).toEqual([
      { ...delivery('a', expect.objectContaining(event)), deadLetterArn: dlq('now'), retries: 1, dueAt: 5 },
    ]);
  });

  it('gives the next start a delivery whose target was removed while an attempt ran, its retry line saying so', async () => {
    // Prepare
    const { journal, writer } = open();
    journal.wait(delivery('a', eventOf(1)));
    // Act: the attempt ends after its target left the rule (same ARN and DLQ: a retry line, not a whole wait line).
    journal.wait({ ...delivery('a', eventOf(1)), retries: 1, dueAt: 5, targetRemoved: true });
    await writer.flush();
    // Assess
    expect(open().journal.saved()).toEqual([
      { ...delivery('a', expect.objectContaining(eventOf(1))), retries: 1, dueAt: 5, targetRemoved: true },
    ]);
  });

  it('writes no event again for a delivery the last run left, retried to its target put again', async () => {
    // Prepare: one event to two targets, left waiting by the last run.
    const first = open();
    const event = eventOf(1);
    first.journal.wait(delivery('a', event));
    first.journal.wait(delivery('b', event));
    await first.writer.flush();
    // Act: this run retries one of them to the target as put again under its id.
    const { journal, writer } = open();
    const [resumed] = journal.saved();
    if (resumed === undefined) throw new Error('no delivery saved');
    journal.wait({
      ...resumed,
      targetArn: 'arn:aws:lambda:us-east-1:111111111111:function:now',
      retries: 1,
      dueAt: 5,
    });
    await writer.flush();
    // Assess: the event once in the log, as both deliveries' own.
    const escaped = JSON.stringify(event.json).slice(1, -1);
    expect((await readFile(join(dir, 'retries.jsonl'), 'utf8')).split(escaped).length - 1).toBe(1);
    const saved = open().journal.saved();
    expect(saved.map((s) => s.id)).toEqual(['b', 'a']);
    expect(saved[0]?.event).toBe(saved[1]?.event);
  });

  it('drops at the next start the event of a delivery written whole again (its target put again) and then ended', async () => {
    // Prepare: a delivery retried to its target put again with another DLQ, so its wait line is written again.
    const { journal, writer } = open();
    const event = eventOf(1);
    journal.wait({ ...delivery('a', event), deadLetterArn: dlq('first') });
    journal.wait({ ...delivery('a', event), deadLetterArn: dlq('now'), retries: 1, dueAt: 5 });
    journal.end('a');
    await writer.flush();
    // Act: a start reads the log and compacts it.
    const again = open();
    await again.writer.flush();
    // Assess
    expect(again.journal.saved()).toEqual([]);
    expect(await lines()).toEqual([]);
  });

  it('drops an event from the log once its deliveries have all ended', async () => {
    // Prepare
    const { journal, writer } = open();
    const [ended, waiting] = [eventOf(1), eventOf(2)];
    journal.wait(delivery('a', ended));
    journal.wait(delivery('b', ended));
    journal.wait(delivery('c', waiting));
    journal.end('a');
    journal.end('b');
    await writer.flush();
    // Act: a start compacts the log.
    const again = open();
    await again.writer.flush();
    // Assess
    const written = await lines();
    expect(
      written.filter((line) => 'event' in line).map((line) => (line.event as { json: string }).json),
    ).toEqual([waiting.json]);
    expect(again.journal.saved().map((saved) => saved.id)).toEqual(['c']);
  });

  it('writes an event again, under a new key, for a delivery that comes after all its others ended', async () => {
    // Prepare: the log on disk (a start writes it), so that what follows is appended to it line by line.
    const { journal, writer } = open();
    await writer.flush();
    const event = eventOf(1);
    journal.wait(delivery('a', event));
    journal.end('a');
    // Act
    journal.wait(delivery('b', event));
    await writer.flush();
    // Assess
    const keys = (await lines())
      .filter((line) => 'event' in line)
      .map((line) => (line.event as { key: string }).key);
    expect(new Set(keys).size).toBe(2);
    expect(open().journal.saved()).toEqual([delivery('b', expect.objectContaining(event))]);
  });

  it('reads the journal of an earlier version, each delivery with its event in its wait line', async () => {
    // Prepare: as versions before 2026-12-04 wrote it.
    const event = eventOf(1);
    const old = [
      { wait: delivery('a', event) },
      { wait: delivery('b', event) },
      { retry: { id: 'b', retries: 2, dueAt: 9 } },
      { wait: delivery('c', event) },
      { end: 'c' },
    ];
    await writeFile(join(dir, 'retries.jsonl'), old.map((line) => `${JSON.stringify(line)}\n`).join(''));
    // Act
    const { journal, writer } = open();
    await writer.flush();
    // Assess: read, then written anew in this version's lines.
    expect(journal.saved()).toEqual([
      delivery('a', expect.objectContaining(event)),
      { ...delivery('b', expect.objectContaining(event)), retries: 2, dueAt: 9 },
    ]);
    expect((await lines()).map((line) => Object.keys(line)[0])).toEqual(['event', 'event', 'wait', 'wait']);
    expect(
      open()
        .journal.saved()
        .map((saved) => saved.id),
    ).toEqual(['a', 'b']);
  });

  it.each([
    ['the same wait line twice', ['event', 'wait', 'wait']],
    ['an event line again after the waits naming it', ['event', 'wait', 'event']],
  ])(
    'keeps the delivery of a log with %s (a hand edit), at this start and the next',
    async (_case, kinds) => {
      // Prepare
      const event = { key: 'k1', ...eventOf(1) };
      const { event: _event, ...rest } = delivery('a', eventOf(1));
      const line = (kind: string): unknown =>
        kind === 'event' ? { event } : { wait: { ...rest, eventKey: 'k1' } };
      await writeFile(
        join(dir, 'retries.jsonl'),
        kinds.map((kind) => `${JSON.stringify(line(kind))}\n`).join(''),
      );
      // Act
      const first = open();
      const atFirst = first.journal.saved();
      await first.writer.flush();
      const atNext = open().journal.saved();
      // Assess
      expect(atFirst).toEqual([delivery('a', expect.objectContaining(eventOf(1)))]);
      expect(atNext).toEqual(atFirst);
    },
  );

  it("keeps, at this start and the next, an earlier version's delivery whose event carries a key of its own", async () => {
    // Prepare: a hand edit: the event of an old-form wait line has a `key`, which must not replace the one given.
    const line = { wait: { ...delivery('a', eventOf(1)), event: { ...eventOf(1), key: 'mine' } } };
    await writeFile(join(dir, 'retries.jsonl'), `${JSON.stringify(line)}\n`);
    // Act
    const first = open();
    const atFirst = first.journal.saved();
    await first.writer.flush();
    const atNext = open().journal.saved();
    // Assess
    expect(atFirst.map((saved) => saved.id)).toEqual(['a']);
    expect(atNext.map((saved) => saved.id)).toEqual(['a']);
  });

  it.each([
    [
      'a time past what a number holds',
      (text: string) => text.replace(/"ingestedAt":\d+/, '"ingestedAt":1e999'),
    ],
    ['a due time past what a number holds', (text: string) => text.replace(/"dueAt":\d+/, '"dueAt":1e999')],
    [
      'an event whose text is not a JSON object',
      (text: string) => text.replace(/"json":"(?:[^"\\]|\\.)*"/, '"json":"[1]"'),
    ],
    [
      'a dead-letter queue that is not a string',
      (text: string) => text.replace('"retries"', '"deadLetterArn":5,"retries"'),
    ],
  ])(
    'leaves out, and counts, a line with %s, at this start and the next, without failing',
    async (_case, edit) => {
      // Prepare: an old-form line edited by hand, beside a good one.
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
      const bad = edit(JSON.stringify({ wait: delivery('bad', eventOf(1)) }));
      expect(bad).not.toBe(JSON.stringify({ wait: delivery('bad', eventOf(1)) }));
      await writeFile(
        join(dir, 'retries.jsonl'),
        `${bad}\n${JSON.stringify({ wait: delivery('good', eventOf(2)) })}\n`,
      );
      // Act
      const first = open();
      const atFirst = first.journal.saved().map((saved) => saved.id);
      await first.writer.flush();
      const atNext = open()
        .journal.saved()
        .map((saved) => saved.id);
      // Assess
      expect(atFirst).toEqual(['good']);
      expect(atNext).toEqual(['good']);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('retries: skipped 1 unreadable line(s)'));
    },
  );

  it('leaves out, and counts, a wait naming no event it read, and an event no delivery names', async () => {
    // Prepare: what a crash between an event's line and its first delivery's leaves, and a line edited by hand.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => {});
    const event = { key: 'k1', ...eventOf(1) };
    const { event: _event, ...rest } = delivery('a', eventOf(2));
    await writeFile(
      join(dir, 'retries.jsonl'),
      [{ event }, { wait: { ...rest, eventKey: 'unknown' } }]
        .map((line) => `${JSON.stringify(line)}\n`)
        .join(''),
    );
    // Act
    const { journal, writer } = open();
    await writer.flush();
    // Assess
    expect(journal.saved()).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('retries: skipped 1 unreadable line(s)'));
    expect(await lines()).toEqual([]);
  });
});
