// The CloudFormation answer of the SubscriptionTargets function: its 4,096-byte limit, and how it is sent to the
// response URL (a real HTTP server here) when that URL fails; and the retarget use case's time limit.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import {
  answerBody,
  CustomResourceAnswerError,
  type CustomResourceRequest,
  MAX_ANSWER_BYTES,
  sendAnswer,
} from '../../../functions/retarget/custom-resource.js';
import {
  describeRetarget,
  retargetComplete,
  retargetSubscriptions,
} from '../../../functions/retarget/retarget.js';
import type { Subscription } from '../../../functions/shared/registry/registry.js';

const request = (url = 'http://127.0.0.1:9/'): CustomResourceRequest => ({
  RequestType: 'Update',
  ResponseURL: url,
  StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Sharebus/1b2c',
  RequestId: 'request-1',
  LogicalResourceId: 'SubscriptionTargets',
  PhysicalResourceId: 'targets',
  ResourceProperties: {},
});

describe('answerBody', () => {
  it('leaves an answer within 4,096 bytes as it is', () => {
    // Act
    const body = JSON.parse(
      answerBody(request(), { Status: 'FAILED', Reason: 'short', PhysicalResourceId: 'p' }),
    );
    // Assess
    expect(body).toEqual({
      Status: 'FAILED',
      Reason: 'short',
      PhysicalResourceId: 'p',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Sharebus/1b2c',
      RequestId: 'request-1',
      LogicalResourceId: 'SubscriptionTargets',
    });
  });

  it.each([
    ['ASCII', 'x'.repeat(10_000)],
    ['characters of 4 bytes, never split in half', '𐐀'.repeat(3_000)],
    ['characters JSON escapes to 2 bytes', '\t"'.repeat(2_000)],
  ])('shortens a long reason of %s to fit exactly, marking the cut', (_, reason) => {
    // Act
    const text = answerBody(request(), { Status: 'FAILED', Reason: reason, PhysicalResourceId: 'p' });
    // Assess
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_ANSWER_BYTES - 12);
    const shortened = (JSON.parse(text) as { Reason: string }).Reason;
    expect(shortened.endsWith('…')).toBe(true);
    expect(reason.startsWith(shortened.slice(0, -1))).toBe(true);
    expect(shortened).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('replaces what XML cannot carry, which broke DescribeStackEvents, and keeps tabs, line breaks and pairs', () => {
    // Prepare: an ANSI colour, NUL, a form feed, U+FFFF, and halves of surrogate pairs alone
    const reason = '\u001b[31mfailed\u001b[0m\u0000\f\uffff \ud800x \udc00 𐐀\tline\r\nnext';
    // Act
    const body = JSON.parse(
      answerBody(request(), { Status: 'FAILED', Reason: reason, PhysicalResourceId: 'p' }),
    );
    // Assess
    expect(body.Reason).toBe('\ufffd[31mfailed\ufffd[0m\ufffd\ufffd\ufffd \ufffdx \ufffd 𐐀\tline\r\nnext');
  });

  it('shortens a long reason after replacing, so the replacements count as what is sent', () => {
    // Act: each NUL, 6 bytes as JSON, becomes U+FFFD, 3 bytes
    const text = answerBody(request(), {
      Status: 'FAILED',
      Reason: '\u0000'.repeat(1_200),
      PhysicalResourceId: 'p',
    });
    // Assess
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    expect(JSON.parse(text).Reason).toBe('\ufffd'.repeat(1_200));
  });
});

describe('sendAnswer', () => {
  let server: Server;
  let url: string;
  let statuses: number[];
  let puts = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        puts++;
        res.statusCode = statuses.shift() ?? 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/answer`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));
  beforeEach(() => {
    puts = 0;
    statuses = [];
  });

  const answer = { Status: 'SUCCESS', PhysicalResourceId: 'p' } as const;

  it('tries again after 5xx answers until one takes it', async () => {
    // Prepare
    statuses = [500, 503];
    // Act
    await sendAnswer(request(url), answer, { backoffMs: 1 });
    // Assess
    expect(puts).toBe(3);
  });

  it('gives up after the attempts it was given, saying what the URL answered', async () => {
    // Prepare
    statuses = [502, 502, 502];
    // Act
    const sent = sendAnswer(request(url), answer, { backoffMs: 1, attempts: 3 });
    // Assess
    await expect(sent).rejects.toThrow(new CustomResourceAnswerError('HTTP 502', 3).message);
    expect(puts).toBe(3);
  });

  it('does not send again after a 4xx, which the same request would get again (an expired URL)', async () => {
    // Prepare
    statuses = [403];
    // Act
    const sent = sendAnswer(request(url), answer, { backoffMs: 1 });
    // Assess
    await expect(sent).rejects.toThrow('after 1 attempt(s): HTTP 403');
    expect(puts).toBe(1);
  });

  it('tries again when nothing listens, then gives up naming the failure', async () => {
    // Prepare: a port nothing listens on
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    // Act
    const sent = sendAnswer(request(`http://127.0.0.1:${port}/`), answer, { backoffMs: 1, attempts: 2 });
    // Assess
    await expect(sent).rejects.toThrow(/after 2 attempt\(s\): fetch failed/);
  });
});

describe('retargetSubscriptions', () => {
  const subscriptions = ['a', 'b', 'c'].map((id) => ({ id, ruleName: `sharebus-sub-${id}` }) as Subscription);

  it('starts no rule past its deadline, and counts those it did not reach as not complete', async () => {
    // Prepare: a clock that passes the deadline after the first rule is started
    let clock = 0;
    const started: string[] = [];
    // Act
    const summary = await retargetSubscriptions({
      registry: { listSubscriptions: async () => subscriptions },
      bus: {
        retargetSubscriptionRule: async (rule) => {
          started.push(rule.subscriptionId);
          clock = 10;
          return 'updated';
        },
      },
      deadline: 5,
      now: () => clock,
      concurrency: 1,
    });
    // Assess
    expect(started).toEqual(['a']);
    expect(summary).toMatchObject({ subscriptions: 3, updated: 1, notReached: 2 });
    expect(retargetComplete(summary)).toBe(false);
    expect(describeRetarget(summary)).toBe(
      '1 of 3 subscription targets put again with the deployed settings, 0 already had them; 2 not reached before the time limit.',
    );
  });

  it('counts its deadline on the monotonic clock by default, so a wall clock set forward meanwhile stops nothing', async () => {
    // Prepare: the wall clock jumps an hour ahead once the first rule is started
    const started: string[] = [];
    const wallClock = jest.spyOn(Date, 'now');
    try {
      // Act
      const summary = await retargetSubscriptions({
        registry: { listSubscriptions: async () => subscriptions },
        bus: {
          retargetSubscriptionRule: async (rule) => {
            started.push(rule.subscriptionId);
            wallClock.mockReturnValue(Date.now() + 3_600_000);
            return 'updated';
          },
        },
        deadline: performance.now() + 60_000,
        concurrency: 1,
      });
      // Assess
      expect(started).toEqual(['a', 'b', 'c']);
      expect(summary).toMatchObject({ subscriptions: 3, updated: 3, notReached: 0 });
    } finally {
      wallClock.mockRestore();
    }
  });

  it('works on several rules at once, but never more than asked', async () => {
    // Prepare
    let running = 0;
    let most = 0;
    const many = Array.from({ length: 20 }, (_, n) => ({ id: `s${n}`, ruleName: `r${n}` }) as Subscription);
    // Act
    const summary = await retargetSubscriptions({
      registry: { listSubscriptions: async () => many },
      bus: {
        retargetSubscriptionRule: async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          return 'unchanged';
        },
      },
      deadline: Number.POSITIVE_INFINITY,
      concurrency: 3,
    });
    // Assess
    expect(most).toBe(3);
    expect(summary).toMatchObject({ subscriptions: 20, unchanged: 20, notReached: 0, failed: [] });
    expect(retargetComplete(summary)).toBe(true);
  });

  it('lists at most five subscription ids in its sentence', () => {
    // Act
    const sentence = describeRetarget({
      subscriptions: 8,
      updated: 0,
      unchanged: 1,
      missing: ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      failed: [],
      notReached: 0,
    });
    // Assess
    expect(sentence).toBe(
      '0 of 8 subscription targets put again with the deployed settings, 1 already had them; 7 had no rule or target (left as they were): a, b, c, d, e and 2 more.',
    );
  });
});
