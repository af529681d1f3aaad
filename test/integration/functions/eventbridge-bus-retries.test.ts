// How the EventBridge adapter handles entries EventBridge does not take. The embedded EventBridge never fails
// an entry by chance, so a tiny server speaking the same JSON protocol fails the entries each test picks.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type BusEntry, EventBridgeBus } from '../../../functions/shared/bus.js';
import { createBus } from '../../../functions/shared/clients.js';
import { linesWritten } from '../../lines-written.js';

interface EntryFault {
  readonly code: string;
  readonly message: string;
}

interface CallFault {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

interface FaultyEventBridge {
  readonly endpoint: string;
  /** Event ids of each PutEvents request, in order. */
  readonly calls: string[][];
  /** The SDK's amz-sdk-request header of each request (`attempt=1; max=3`). */
  readonly attempts: string[];
  /** Decides the fate of an entry on its n-th attempt (1-based); undefined means accepted. */
  failEntry: (eventId: string, attempt: number) => EntryFault | undefined;
  /** Fails the whole n-th request (1-based): with HTTP 500 when true, or with the error given. */
  failCall: (call: number) => boolean | CallFault;
  /** Awaited before each answer (default: nothing). */
  beforeAnswer: () => Promise<void>;
  /** Leaves the last entries of the answer out when true. */
  truncateAnswer: (call: number) => boolean;
  close(): Promise<void>;
}

async function startFaultyEventBridge(): Promise<FaultyEventBridge> {
  const calls: string[][] = [];
  const attempts = new Map<string, number>();
  const fake = {
    endpoint: '',
    calls,
    attempts: [] as string[],
    failEntry: (): EntryFault | undefined => undefined,
    failCall: () => false,
    truncateAnswer: () => false,
    beforeAnswer: async () => {},
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  } as FaultyEventBridge;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      };
      if (req.headers['x-amz-target'] !== 'AWSEvents.PutEvents') {
        reply(400, { __type: 'UnknownOperationException', message: 'only PutEvents here' });
        return;
      }
      const { Entries } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        Entries: Array<{ Detail: string }>;
      };
      const ids = Entries.map((entry) => (JSON.parse(entry.Detail) as { id: string }).id);
      calls.push(ids);
      fake.attempts.push(String(req.headers['amz-sdk-request']));
      const callFault = fake.failCall(calls.length);
      if (callFault === true) {
        reply(500, { __type: 'InternalException', message: 'simulated outage' });
        return;
      }
      if (callFault !== false) {
        reply(callFault.status, { __type: callFault.type, message: callFault.message });
        return;
      }
      const results = ids.map((id) => {
        const attempt = (attempts.get(id) ?? 0) + 1;
        attempts.set(id, attempt);
        const fault = fake.failEntry(id, attempt);
        return fault
          ? { ErrorCode: fault.code, ErrorMessage: fault.message }
          : { EventId: `eb-${id}-${attempt}` };
      });
      const answered = fake.truncateAnswer(calls.length) ? results.slice(0, -1) : results;
      void fake
        .beforeAnswer()
        .then(() =>
          reply(200, { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: answered }),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (fake as { endpoint: string }).endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function entries(count: number): BusEntry[] {
  return Array.from({ length: count }, (_, n) => ({
    eventId: `e${n}`,
    source: 'sharebus.tax',
    detailType: 'tax.company.registered',
    detail: JSON.stringify({ id: `e${n}` }),
    time: new Date('2025-01-01T00:00:00.000Z'),
  }));
}

let fake: FaultyEventBridge;
let client: EventBridgeClient;

beforeEach(async () => {
  fake = await startFaultyEventBridge();
  // One SDK attempt per call, so every retry seen here is the adapter's own.
  client = new EventBridgeClient({
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
});
afterEach(async () => {
  client.destroy();
  await fake.close();
});

const busWith = (publishAttempts = 5) =>
  new EventBridgeBus({ client, busName: 'sharebus', publishAttempts, backoffBaseMs: 1 });

describe('EventBridgeBus.publish retries', () => {
  it('re-sends only the entries that failed until EventBridge takes them', async () => {
    // Prepare
    fake.failEntry = (id, attempt) =>
      (id === 'e1' || id === 'e3') && attempt <= 2 ? { code: 'InternalFailure', message: 'busy' } : undefined;
    // Act
    const result = await busWith().publish(entries(5));
    // Assess
    expect(fake.calls).toEqual([
      ['e0', 'e1', 'e2', 'e3', 'e4'],
      ['e1', 'e3'],
      ['e1', 'e3'],
    ]);
    expect([...result.accepted].sort()).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(result.failed).toEqual([]);
  });

  it('reports an entry that keeps failing with its last code after the last attempt, never dropping it', async () => {
    // Prepare
    fake.failEntry = (id, attempt) =>
      id === 'e2' ? { code: 'ThrottlingException', message: `throttled ${attempt}` } : undefined;
    // Act
    const result = await busWith(3).publish(entries(4));
    // Assess
    expect(fake.calls).toEqual([['e0', 'e1', 'e2', 'e3'], ['e2'], ['e2']]);
    expect(result.failed).toEqual([
      { eventId: 'e2', code: 'ThrottlingException', message: 'throttled 3', permanent: false },
    ]);
    expect(result.accepted).toEqual(['e0', 'e1', 'e3']);
  });

  // PutEventsResultEntry's non-retryable codes; three were retried until review (handlers angle, 2026-12-06), the
  // caller then told to resend what would be refused again.
  it.each([
    'MalformedDetail',
    'InvalidArgument',
    'NotAuthorizedForSourceException',
    'NotAuthorizedForDetailTypeException',
    'AccessDeniedException',
    'InvalidAccountIdException',
    'RedactionFailure',
  ])('does not resend an entry refused with the permanent code %s', async (code) => {
    // Prepare
    fake.failEntry = (id) => (id === 'e1' ? { code, message: 'refused' } : undefined);
    // Act
    const result = await busWith().publish(entries(3));
    // Assess
    expect(fake.calls).toEqual([['e0', 'e1', 'e2']]);
    expect(result).toEqual({
      accepted: ['e0', 'e2'],
      failed: [{ eventId: 'e1', code, message: 'refused', permanent: true }],
    });
  });

  it('reports the entries of a call EventBridge never answers as failed by the deadline, rather than hang', async () => {
    // Prepare: before, the call waited until the publish function's timeout cut it off: a bare 500 naming no event.
    fake.beforeAnswer = () => new Promise<void>(() => {});
    const bus = new EventBridgeBus({ client, busName: 'sharebus', backoffBaseMs: 1, deadlineMs: 300 });
    // Act
    const result = await bus.publish(entries(2));
    // Assess
    const message = 'EventBridge did not answer within 300 ms; the event may or may not have been published';
    expect(fake.calls).toEqual([['e0', 'e1']]);
    expect(result).toEqual({
      accepted: [],
      failed: [
        { eventId: 'e0', code: 'Timeout', message, permanent: false },
        { eventId: 'e1', code: 'Timeout', message, permanent: false },
      ],
    });
  });

  it.each([
    [Number.NaN, 300],
    [100, 100],
    [-50, 0],
  ])(
    "takes the shorter of the caller's time (%s ms) and its own deadline, never less than nothing",
    async (withinMs, waited) => {
      // Prepare: before (diff review, 2026-12-06), NaN made AbortSignal.timeout throw a RangeError, a 500
      fake.beforeAnswer = () => new Promise<void>(() => {});
      const bus = new EventBridgeBus({ client, busName: 'sharebus', backoffBaseMs: 1, deadlineMs: 300 });
      // Act
      const result = await bus.publish(entries(1), { withinMs });
      // Assess
      expect(result.failed.map((failure) => failure.message)).toEqual([
        `EventBridge did not answer within ${waited} ms; the event may or may not have been published`,
      ]);
    },
  );

  it('reports throttled calls as throttled, not as unanswered, when the SDK would retry within one call', async () => {
    // Prepare: a client that retries as the SDK does by default; before, its waits (500 ms and more after a
    // throttle) ran inside one call, the deadline cut them off, and the entries read "may or may not have been
    // published" though every call was answered.
    fake.failCall = () => ({ status: 400, type: 'ThrottlingException', message: 'Rate exceeded' });
    const retrying = new EventBridgeClient({
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const bus = new EventBridgeBus({
      client: retrying,
      publishClient: client,
      busName: 'sharebus',
      // Two quick attempts of the bus's own, well inside the deadline however busy the machine
      publishAttempts: 2,
      backoffBaseMs: 20,
      deadlineMs: 1_500,
    });
    // Act
    const result = await bus.publish(entries(2));
    retrying.destroy();
    // Assess
    expect(fake.calls.length).toBe(2);
    expect(result.failed.map((f) => f.code)).toEqual(['ThrottlingException', 'ThrottlingException']);
  });

  it('is made by createBus with one SDK attempt per PutEvents call, so that its retries are its own', async () => {
    // Prepare
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_EVENTBRIDGE: fake.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SHAREBUS_BUS_NAME: 'sharebus',
    });
    fake.failCall = (call) => call === 1;
    try {
      // Act
      const result = await createBus().publish(entries(1));
      // Assess: the second call is the bus's, a new first attempt of one
      expect(result).toEqual({ accepted: ['e0'], failed: [] });
      expect(fake.attempts).toEqual(['attempt=1; max=1', 'attempt=1; max=1']);
    } finally {
      process.env = saved;
    }
  });

  it('tries an entry that keeps failing five times by default before reporting it', async () => {
    // Prepare
    fake.failEntry = () => ({ code: 'ThrottlingException', message: 'slow down' });
    const bus = new EventBridgeBus({ client, busName: 'sharebus', backoffBaseMs: 1 });
    // Act
    const result = await bus.publish(entries(1));
    // Assess
    expect(fake.calls).toEqual([['e0'], ['e0'], ['e0'], ['e0'], ['e0']]);
    expect(result.failed).toEqual([
      { eventId: 'e0', code: 'ThrottlingException', message: 'slow down', permanent: false },
    ]);
  });

  it('stops retrying when the next backoff would pass the deadline', async () => {
    // Prepare: a first backoff of 5 to 15 s against a deadline of 3 s, which the first call, however slow a busy
    // machine makes it, leaves no room for (a 150 ms deadline made the call itself time out under CI's load)
    fake.failEntry = () => ({ code: 'ThrottlingException', message: 'slow down' });
    const bus = new EventBridgeBus({ client, busName: 'sharebus', backoffBaseMs: 10_000, deadlineMs: 3_000 });
    // Act
    const result = await bus.publish(entries(1));
    // Assess: answered with the throttle at once, rather than after sleeping past the deadline (jest's 5 s)
    expect(fake.calls.length).toBe(1);
    expect(result.failed).toEqual([
      { eventId: 'e0', code: 'ThrottlingException', message: 'slow down', permanent: false },
    ]);
  });

  it('re-sends every entry of a request that failed as a whole', async () => {
    // Prepare
    fake.failCall = (call) => call === 1;
    // Act
    const result = await busWith().publish(entries(3));
    // Assess
    expect(fake.calls).toEqual([
      ['e0', 'e1', 'e2'],
      ['e0', 'e1', 'e2'],
    ]);
    expect(result).toEqual({ accepted: ['e0', 'e1', 'e2'], failed: [] });
  });

  it('reports every entry of requests that keep failing, with the error’s name as code', async () => {
    // Prepare
    fake.failCall = () => true;
    // Act
    const result = await busWith(2).publish(entries(2));
    // Assess
    expect(fake.calls).toHaveLength(2);
    expect(result.accepted).toEqual([]);
    const message = 'EventBridge refused the PutEvents call as a whole (InternalException)';
    expect(result.failed).toEqual([
      { eventId: 'e0', code: 'InternalException', message, permanent: false },
      { eventId: 'e1', code: 'InternalException', message, permanent: false },
    ]);
  });

  it('does not re-send a call refused for good (AccessDenied), and keeps its words, which name the account, to the log', async () => {
    // Prepare
    const denial =
      'User: arn:aws:sts::123456789012:assumed-role/sharebus-publish/fn is not authorized to perform: events:PutEvents';
    fake.failCall = () => ({ status: 400, type: 'AccessDeniedException', message: denial });
    // Act
    const result = await busWith(5).publish(entries(2));
    // Assess
    expect(fake.calls).toHaveLength(1);
    expect(result.accepted).toEqual([]);
    const message = 'EventBridge refused the PutEvents call as a whole (AccessDeniedException)';
    expect(result.failed).toEqual([
      { eventId: 'e0', code: 'AccessDeniedException', message, permanent: true },
      { eventId: 'e1', code: 'AccessDeniedException', message, permanent: true },
    ]);
  });

  it('re-sends a call that was throttled, a client fault that passes, logging it as a warning without its stack', async () => {
    // Prepare
    fake.failCall = (call) =>
      call === 1 && { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' };
    let result: Awaited<ReturnType<EventBridgeBus['publish']>> | undefined;
    // Act
    const lines = await linesWritten(async () => {
      result = await busWith(5).publish(entries(2));
    });
    // Assess: contention, not an error that pages (each attempt was an error with its stack before 2026-12-07).
    expect(fake.calls).toHaveLength(2);
    expect(result).toEqual({ accepted: ['e0', 'e1'], failed: [] });
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'PutEvents throttled as a whole',
        code: 'ThrottlingException',
        entries: 2,
      }),
    ]);
    expect(lines.join('\n')).not.toContain('stack');
  });

  it('treats an entry the answer leaves out as failed and re-sends it', async () => {
    // Prepare
    fake.truncateAnswer = (call) => call === 1;
    // Act
    const result = await busWith().publish(entries(3));
    // Assess
    expect(fake.calls).toEqual([['e0', 'e1', 'e2'], ['e2']]);
    expect(result).toEqual({ accepted: ['e0', 'e1', 'e2'], failed: [] });
  });

  it('retries within each chunk of ten, re-sending only the failed entry of the second chunk', async () => {
    // Prepare
    fake.failEntry = (id, attempt) =>
      id === 'e11' && attempt === 1 ? { code: 'InternalFailure', message: 'busy' } : undefined;
    // Act
    const result = await busWith().publish(entries(12));
    // Assess: the two chunks side by side (in either order), then the failed entry alone
    expect(
      fake.calls
        .slice(0, 2)
        .map((call) => call.length)
        .sort(),
    ).toEqual([10, 2].sort());
    expect(fake.calls[2]).toEqual(['e11']);
    expect(fake.calls).toHaveLength(3);
    expect(result.accepted).toEqual(entries(12).map((e) => e.eventId));
    expect(result.failed).toEqual([]);
  });

  it('sends the chunks of a batch side by side, and answers in the order of the request', async () => {
    // Prepare: each answer held 50 ms; how many calls were answered when each arrived
    const answeredAtArrival: number[] = [];
    let answered = 0;
    fake.beforeAnswer = async () => {
      answeredAtArrival.push(answered);
      await new Promise((resolve) => setTimeout(resolve, 50));
      answered++;
    };
    // Act
    const result = await busWith().publish(entries(15));
    // Assess: the second call did not wait for the first's answer
    expect(answeredAtArrival).toEqual([0, 0]);
    expect(result.accepted).toEqual(entries(15).map((e) => e.eventId));
  });
});
