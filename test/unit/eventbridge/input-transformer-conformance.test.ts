// Replays the 32 input-transformer cases recorded from Amazon EventBridge through the real embedded server:
// PutRule + PutTargets (SQS target) over the SDK, PutEvents, then the message in the local queue store.
import {
  CreateEventBusCommand,
  PutEventsCommand,
  type PutEventsRequestEntry,
  PutRuleCommand,
  PutTargetsCommand,
  type Target,
} from '@aws-sdk/client-eventbridge';
import {
  caught,
  type Harness,
  queueArn,
  startHarness,
  targetLetters,
} from '../../integration/eventbridge/harness.js';
import { conformanceText } from './patterns/conformance-cases.js';

interface RecordedCase {
  readonly name: string;
  readonly putEventsEntry: PutEventsRequestEntry;
  readonly eventPattern: unknown;
  readonly target: Omit<Target, 'Id' | 'Arn'>;
  readonly expected:
    | { readonly delivered: true; readonly messages: Array<{ bodyText?: string; bodyJson?: unknown }> }
    | { readonly delivered: false }
    | { readonly putTargetsError: { readonly Code: string; readonly Message: string } };
}

const cases = JSON.parse(conformanceText('input-transformer.json')) as RecordedCase[];

const ISO = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z';
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface Names {
  readonly bus: string;
  readonly rule: string;
  readonly target: string;
  readonly region: string;
}

/** Turns a recorded text with placeholders ("date", <uuid:N>, <bus-name>...) into an exact-match RegExp. */
function recordedPattern(text: string, names: Names): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const source = escaped
    .replace(/<partition>/g, 'aws')
    .replace(/<region>/g, names.region)
    .replace(/<bus-name>/g, names.bus)
    .replace(/<rule-name>/g, names.rule)
    .replace(/<target-id>/g, names.target)
    .replace(/<ingestion-time>/g, ISO)
    .replace(/<uuid:\d+>/g, UUID)
    .replace(/\bdate\b/g, ISO);
  return new RegExp(`^${source}$`);
}

/** Deep comparison where recorded strings may hold placeholders; the same <uuid:N> must be the same value. */
function assertRecorded(
  expected: unknown,
  actual: unknown,
  names: Names,
  uuids: Map<string, string>,
  at = '$',
): void {
  if (typeof expected === 'string') {
    expect(typeof actual).toBe('string');
    const uuid = /^<uuid:\d+>$/.exec(expected)?.[0];
    if (uuid) {
      const seen = uuids.get(uuid);
      if (seen === undefined) uuids.set(uuid, actual as string);
      else expect({ at, value: actual }).toEqual({ at, value: seen });
    }
    expect({ at, value: actual }).toEqual({
      at,
      value: expect.stringMatching(recordedPattern(expected, names)),
    });
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual)).toBe(true);
    expect((actual as unknown[]).length).toBe(expected.length);
    expected.forEach((e, i) => {
      assertRecorded(e, (actual as unknown[])[i], names, uuids, `${at}[${i}]`);
    });
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    expect(typeof actual === 'object' && actual !== null && !Array.isArray(actual)).toBe(true);
    const object = actual as Record<string, unknown>;
    expect({ at, keys: Object.keys(object).sort() }).toEqual({ at, keys: Object.keys(expected).sort() });
    for (const [key, value] of Object.entries(expected))
      assertRecorded(value, object[key], names, uuids, `${at}.${key}`);
    return;
  }
  expect({ at, value: actual }).toEqual({ at, value: expected });
}

describe('input transformer conformance with Amazon EventBridge', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ region: 'us-east-1' });
  });

  afterAll(async () => {
    await harness.close();
  });

  it.each(cases.map((c, index) => [c.name, c, index] as const))('%s', async (_name, recorded, index) => {
    // Prepare: a bus of its own per case, so no other case's rule sees the event
    const names: Names = {
      bus: `conformance-${index}`,
      rule: `rule-${index}`,
      target: `target-${index}`,
      region: 'us-east-1',
    };
    const queue = queueArn(`conformance-queue-${index}`);
    await harness.client.send(new CreateEventBusCommand({ Name: names.bus }));
    await harness.client.send(
      new PutRuleCommand({
        Name: names.rule,
        EventBusName: names.bus,
        EventPattern: JSON.stringify(recorded.eventPattern),
      }),
    );
    const putTargets = () =>
      harness.client.send(
        new PutTargetsCommand({
          Rule: names.rule,
          EventBusName: names.bus,
          Targets: [{ ...recorded.target, Id: names.target, Arn: queue }],
        }),
      );

    if ('putTargetsError' in recorded.expected) {
      // Act
      const error = await caught(putTargets);
      // Assess
      expect(error.name).toBe(recorded.expected.putTargetsError.Code);
      expect(error.message).toMatch(recordedPattern(recorded.expected.putTargetsError.Message, names));
      return;
    }
    const accepted = await putTargets();
    expect(accepted.FailedEntryCount).toBe(0);

    // Act
    const put = await harness.client.send(
      new PutEventsCommand({ Entries: [{ ...recorded.putEventsEntry, EventBusName: names.bus }] }),
    );
    await harness.eventBridge.idle();

    // Assess
    expect(put.FailedEntryCount).toBe(0);
    const messages = harness.eventBridge.queues.receive(queue);
    if (!recorded.expected.delivered) {
      expect(messages).toEqual([]);
      const deadLetter = targetLetters(harness.eventBridge).find((d) => d.targetId === names.target);
      expect(deadLetter?.errorCode).toBe('INVALID_JSON');
      return;
    }
    expect(messages).toHaveLength(recorded.expected.messages.length);
    const uuids = new Map<string, string>();
    recorded.expected.messages.forEach((expected, i) => {
      const body = messages[i]?.body ?? '';
      if (expected.bodyText !== undefined) expect(body).toMatch(recordedPattern(expected.bodyText, names));
      if (expected.bodyJson !== undefined) assertRecorded(expected.bodyJson, JSON.parse(body), names, uuids);
    });
  });
});
