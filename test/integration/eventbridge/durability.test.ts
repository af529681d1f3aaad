// What a dataDir holds when the server answers a change: the change itself, written before the answer (group
// commit), so that a process killed right after an answer keeps what it answered. A file replaced by a FIFO makes
// the write wait until the test reads it (the server, in a process of its own, waits whole: appends are made
// synchronously), which shows the order of the two without timing either; a file replaced by a directory makes
// the write fail.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  PutEventsCommand,
  PutRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { jest } from '@jest/globals';
import { killed, startChild, stopped } from './child-server.js';
import { caught, rawCall, routeOrders, sleep, startHarness, waitFor } from './harness.js';

const BUS_ARN = 'arn:aws:events:us-east-1:111111111111:event-bus/default';

/** An EventBridge call on a connection of its own, which the server closes once it has answered. */
function call(endpoint: string, operation: string, body: string): Promise<{ json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(endpoint, {
      method: 'POST',
      agent: false,
      headers: {
        connection: 'close',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSEvents.${operation}`,
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ json: JSON.parse(Buffer.concat(chunks).toString()) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('embedded EventBridge: a change is on disk when it is answered (dataDir)', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sharebus-durability-'));
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** Makes `file` a FIFO: a write to it waits until someone reads it. */
  const fifo = async (file: string): Promise<void> => {
    await rm(file, { force: true });
    execFileSync('mkfifo', [file]);
  };

  it.each([
    [
      'PutRule, in the control-plane log',
      async () => 'control-plane.jsonl',
      'PutRule',
      { Name: 'kept', EventPattern: '{"source":["s"]}' },
      '"Name":"kept"',
    ],
    [
      "PutEvents, in its archive's events",
      // The segment the first event started, in the directory of this archive's incarnation.
      async (dir: string) => {
        const [incarnation] = await readdir(join(dir, 'archives', 'events'));
        return join('archives', 'events', incarnation ?? '', '00000001.jsonl');
      },
      'PutEvents',
      { Entries: [{ Source: 's', DetailType: 'kept', Detail: '{}' }] },
      '\\"detail-type\\":\\"kept\\"',
    ],
    [
      "PutEvents, in the retry journal, for each target's delivery",
      async () => 'retries.jsonl',
      'PutEvents',
      { Entries: [{ Source: 's', DetailType: 'kept', Detail: '{}' }] },
      '\\"detail-type\\":\\"kept\\"',
    ],
  ])('%s', async (_, fileIn, operation, body, expected) => {
    // Prepare: a server of its own, whose writes to a FIFO may block it whole without blocking the test.
    const { child, endpoint } = await startChild(dataDir);
    try {
      await rawCall(
        endpoint,
        'CreateArchive',
        JSON.stringify({ ArchiveName: 'all', EventSourceArn: BUS_ARN }),
      );
      // A rule whose Lambda target gets every event.
      await rawCall(endpoint, 'PutRule', JSON.stringify({ Name: 'all', EventPattern: '{"source":["s"]}' }));
      const targets = [{ Id: 'fn', Arn: 'arn:aws:lambda:us-east-1:111111111111:function:fn' }];
      await rawCall(endpoint, 'PutTargets', JSON.stringify({ Rule: 'all', Targets: targets }));
      const first = { Entries: [{ Source: 's', DetailType: 'first', Detail: '{}' }] };
      await rawCall(endpoint, 'PutEvents', JSON.stringify(first));
      // Its delivery made, and the journal's note of it written: waited for, as the server is a process of its own,
      // which a busy machine can hold back longer than any sleep (a note written after the FIFO was made went into
      // it, so the test read the note instead of the change, and the change's write then waited for a reader).
      await waitFor(() => readFileSync(join(dataDir, 'retries.jsonl'), 'utf8').includes('{"end":'));
      const file = await fileIn(dataDir);
      await fifo(join(dataDir, file));
      const order: string[] = [];
      // Act: the change is sent; the file is read only well after an answer given before the write would be in.
      const answered = rawCall(endpoint, operation, JSON.stringify(body)).then((answer) => {
        order.push('answered');
        return answer;
      });
      await sleep(300);
      order.push('reading');
      const written = await readFile(join(dataDir, file), 'utf8');
      const answer = await answered;
      // Assess
      expect(answer.status).toBe(200);
      expect(written).toContain(expected);
      expect(order).toEqual(['reading', 'answered']);
    } finally {
      await killed(child);
    }
  });

  it('answers 500 to a change the disk refuses, naming the file, and keeps it once the write lands', async () => {
    // Prepare: the log becomes a directory, which no write can replace.
    const first = await startHarness({ dataDir });
    const log = join(dataDir, 'control-plane.jsonl');
    let refused: Awaited<ReturnType<typeof caught>>;
    try {
      await first.eventBridge.idle();
      await rm(log);
      await mkdir(log);
      // Act
      refused = await caught(() =>
        first.client.send(new PutRuleCommand({ Name: 'late', EventPattern: '{"source":["s"]}' })),
      );
      await rm(log, { recursive: true });
      // The writer tries the log again after 1 s.
      await sleep(1_500);
      await first.eventBridge.idle();
    } finally {
      await first.close();
    }
    const second = await startHarness({ dataDir });
    const restored = await second.client
      .send(new DescribeRuleCommand({ Name: 'late' }))
      .finally(() => second.close());
    // Assess
    expect([refused.name, refused.$metadata?.httpStatusCode]).toEqual(['InternalException', 500]);
    expect(refused.message).toBe(
      `The change was made but could not be written to ${log} (see the server's log); a restart before the write succeeds loses it.`,
    );
    expect(first.warnings).toEqual([]);
    expect(first.errors[0]).toBe(
      `[eventbridge] could not write ${log}: EISDIR: illegal operation on a directory, open '${log}'`,
    );
    expect(restored.Name).toBe('late');
  });

  // Disk-full review, 2026-12-06: each change made while the disk refused writes was answered 500, which the SDK tries
  // again, each time made anew: one PutEvents reached its target three times (the publish function's five tries, five
  // times), and the caller was told it had failed.
  it('refuses changes unmade while the disk refuses writes, so that retries do not make a PutEvents again', async () => {
    // Prepare: a rule to a function, then EventBridge's journal becomes a directory, which no write can replace
    const first = await startHarness({ dataDir });
    const journal = join(dataDir, 'retries.jsonl');
    const retrying = new EventBridgeClient({
      endpoint: first.eventBridge.endpoint,
      region: first.eventBridge.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 3,
    });
    let put: Awaited<ReturnType<typeof caught>>;
    let refused: Awaited<ReturnType<typeof caught>>;
    let refusedRule: Awaited<ReturnType<typeof caught>>;
    let invoked: number;
    try {
      await routeOrders(first);
      await first.eventBridge.idle();
      await rm(journal);
      await mkdir(journal);
      // Act
      put = await caught(() =>
        retrying.send(
          new PutEventsCommand({
            Entries: [{ Source: 'sharebus.orders', DetailType: 'OrderPlaced', Detail: '{}' }],
          }),
        ),
      );
      await first.eventBridge.idle();
      invoked = first.invocations.length;
      refused = await caught(() =>
        first.client.send(new PutRuleCommand({ Name: 'refused', EventPattern: '{"source":["s"]}' })),
      );
      refusedRule = await caught(() => first.client.send(new DescribeRuleCommand({ Name: 'refused' })));
      await rm(journal, { recursive: true });
      await sleep(1_100);
      await first.client.send(new PutRuleCommand({ Name: 'after', EventPattern: '{"source":["s"]}' }));
      await first.eventBridge.idle();
    } finally {
      retrying.destroy();
      await first.close();
    }
    const second = await startHarness({ dataDir });
    let rules: string[];
    try {
      await second.eventBridge.idle();
      rules = ((await second.client.send(new ListRulesCommand({}))).Rules ?? []).map(
        (rule) => rule.Name ?? '',
      );
    } finally {
      await second.close();
    }
    // Assess: the first attempt made the change and said it was not written; the SDK's two tries after it were
    // refused, unmade, as is every change until the disk takes writes again; a read is answered meanwhile
    const nothing = `This request was refused, not made: the data directory cannot be written (${journal} could not be; see the server's log), and changes are refused until the disk takes writes again. An earlier try answered "The change was made but could not be written" was made.`;
    expect([put.name, put.message, put.$metadata?.attempts]).toEqual(['InternalException', nothing, 3]);
    expect(invoked).toBe(1);
    expect([refused.name, refused.$metadata?.httpStatusCode, refused.message]).toEqual([
      'InternalException',
      500,
      nothing,
    ]);
    expect(refusedRule.name).toBe('ResourceNotFoundException');
    expect(rules.sort()).toEqual(['after', 'orders']);
    expect(second.invocations).toEqual([]);
    // The log says it in three lines, none a stack (before, a stack at every failure and every retry's)
    expect(first.errors).toEqual([
      `[eventbridge] could not write ${journal}: EISDIR: illegal operation on a directory, open '${journal}'`,
      '[eventbridge] changes are refused, not made, until the data directory takes writes again (each change tries the files that failed again, at most once a second each)',
      expect.stringMatching(
        /^\[eventbridge\] the data directory takes writes again: no file is left unwritten, after \d+\.\d s of refusing changes; they are made again$/,
      ),
    ]);
  });

  it('saves as CANCELLED a replay running when the server stops', async () => {
    // Prepare: 1,000 archived events of 20 KB and no rule, so that a replay runs in ten steps of 100 events (a few
    // milliseconds each) and writes nothing (a pending write would hold the stop past the next step).
    // Each call on a connection of its own, closed after: a connection left open would hold the stop until the
    // event loop's close phase, after the replay's next step, which would hide whether the stop itself ends it.
    let { child, endpoint } = await startChild(dataDir);
    try {
      await call(endpoint, 'CreateArchive', JSON.stringify({ ArchiveName: 'all', EventSourceArn: BUS_ARN }));
      const Detail = JSON.stringify({ text: 'x'.repeat(20_000) });
      for (let i = 0; i < 100; i++) {
        const Entries = Array.from({ length: 10 }, () => ({ Source: 's', DetailType: 'kept', Detail }));
        await call(endpoint, 'PutEvents', JSON.stringify({ Entries }));
      }
      const replay = {
        ReplayName: 'cut',
        EventSourceArn: 'arn:aws:events:us-east-1:111111111111:archive/all',
        EventStartTime: Date.now() / 1000 - 60,
        EventEndTime: Date.now() / 1000 + 60,
        Destination: { Arn: BUS_ARN },
      };
      await call(endpoint, 'StartReplay', JSON.stringify(replay));
      let state: unknown;
      do {
        await sleep(5);
        state = (await call(endpoint, 'DescribeReplay', JSON.stringify({ ReplayName: 'cut' }))).json.State;
      } while (state === 'STARTING');
      // Act
      const code = await stopped(child);
      ({ child, endpoint } = await startChild(dataDir));
      const after = await call(endpoint, 'DescribeReplay', JSON.stringify({ ReplayName: 'cut' }));
      // Assess: before (2026-12-03) the stop ended without writing the cancel, and a restart read FAILED.
      expect([state, code]).toEqual(['RUNNING', 0]);
      expect(after.json).toMatchObject({
        State: 'CANCELLED',
        StateReason: 'The embedded EventBridge stopped.',
      });
    } finally {
      await killed(child);
    }
  }, 30_000);
});
