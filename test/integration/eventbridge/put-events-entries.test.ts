// PutEvents entries against AWS's reference (PutEvents review, session 64): an entry's Time as the request check reads
// it, a Time RFC 3339 cannot write, and the more-than-10 message's TraceHeader.
import {
  CreateEventBusCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { caught, putQueueRule, queueArn, useHarness } from './harness.js';

const raw = async (
  endpoint: string,
  body: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> => {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'X-Amz-Target': 'AWSEvents.PutEvents', 'Content-Type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
};

describe('embedded EventBridge: PutEvents entries', () => {
  const harness = useHarness();

  it('stamps the event with the Time it took, a date-time with a space in years 1 to 99 included', async () => {
    // Prepare
    await putQueueRule(harness, { bus: 'default', name: 'all', pattern: '{"source":["s"]}', queue: 'q' });
    const entry = (time: string) => ({ Source: 's', DetailType: 'd', Detail: '{}', Time: time });
    // Act
    const put = await raw(harness.eventBridge.endpoint, {
      Entries: [
        entry('0005-02-28 10:00:00Z'),
        entry('0099-12-31 23:00:00+01:00'),
        entry('2024-01-01 10:00:00Z'),
      ],
    });
    await harness.eventBridge.idle();
    // Assess
    expect(put.json.FailedEntryCount).toBe(0);
    const times = harness.eventBridge.queues
      .peek(queueArn('q'))
      .map((m) => (JSON.parse(m.body) as { time: string }).time);
    expect(times).toEqual(['0005-02-28T10:00:00Z', '0099-12-31T22:00:00Z', '2024-01-01T10:00:00Z']);
  });

  it('refuses a Time RFC 3339 cannot write (past year 9999) rather than dead-lettering it at a bus target', async () => {
    // Prepare: a rule forwarding to another bus of this account
    await harness.client.send(new CreateEventBusCommand({ Name: 'other' }));
    await harness.client.send(new PutRuleCommand({ Name: 'fwd', EventPattern: '{"source":["s"]}' }));
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'fwd',
        Targets: [
          {
            Id: 'b',
            Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/other',
            RoleArn: 'arn:aws:iam::111111111111:role/r',
          },
        ],
      }),
    );
    const entry = { Source: 's', DetailType: 'd', Detail: '{}' };
    // Act
    const error = await caught(() =>
      harness.client.send(
        new PutEventsCommand({ Entries: [{ ...entry, Time: new Date('+010000-01-01T00:00:00Z') }] }),
      ),
    );
    const ok = await harness.client.send(
      new PutEventsCommand({ Entries: [{ ...entry, Time: new Date('9999-12-31T23:59:59Z') }] }),
    );
    await harness.eventBridge.idle();
    // Assess
    expect(error.name).toBe('SerializationException');
    expect(ok.FailedEntryCount).toBe(0);
    expect(harness.eventBridge.deadLetters.list()).toEqual([]);
  });

  it("prints each entry's TraceHeader in the more-than-10 message, as it prints its other members", async () => {
    // Act
    const entry = {
      Source: 's',
      DetailType: 'd',
      Detail: '{}',
      TraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793',
    };
    const error = await caught(() =>
      harness.client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) })),
    );
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain(
      'traceHeader=Root=1-5759e988-bd862e3fe1be46a994272793, kmsKeyIdentifier=null',
    );
    expect(error.message).not.toContain('traceHeader=null');
  });
});
