// The control plane's journal is replayed through the same operations at start; what it hands the replay must be
// entries the server wrote, so a damaged or hand-edited line is left out and counted, never replayed as a change.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOURNAL_FILE, readJournal } from '../../../local/eventbridge/control-journal.js';

describe('readJournal', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sharebus-control-journal-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the entries in order, with when a schedule became active, and counts every line that is not one', async () => {
    // Prepare: two entries, and lines a damaged or hand-edited file may hold, the last one cut short by a crash.
    const file = join(dir, JOURNAL_FILE);
    const lines = [
      { at: 1, op: 'CreateEventBus', body: { Name: 'orders' } },
      { op: 'PutRule', body: { Name: 'no-time' } },
      { at: '2', op: 'PutRule', body: { Name: 'time-as-text' } },
      { at: 3, op: 'PutEvents', body: { Entries: [] } },
      { at: 4, op: 'PutRule', body: 'not an object' },
      { at: 5, op: 'PutRule', body: ['not', 'an', 'object'] },
      { at: 6, op: 'PutRule', body: { Name: 'hourly', ScheduleExpression: 'rate(1 hour)' }, since: 6_000 },
    ];
    await writeFile(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n{"at":7,"op":"Put`);
    // Act
    const read = readJournal(file);
    // Assess
    expect(read).toEqual({
      entries: [
        { at: 1, op: 'CreateEventBus', body: { Name: 'orders' } },
        { at: 6, op: 'PutRule', body: { Name: 'hourly', ScheduleExpression: 'rate(1 hour)' }, since: 6_000 },
      ],
      skipped: 6,
    });
  });
});
