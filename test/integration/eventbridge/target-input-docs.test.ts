// Target input behaviours AWS documents or recorded outside what the 32 input-transformer conformance cases compare
// (input-transformer review, session 64).
import {
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { caught, queueArn, useHarness } from './harness.js';

describe('embedded EventBridge: target input beyond the recorded cases', () => {
  const harness = useHarness();

  beforeEach(async () => {
    await harness.client.send(new PutRuleCommand({ Name: 'r1', EventPattern: '{"source":["s"]}' }));
  });

  // PutTargets reference: "Input, InputPath, and InputTransformer are not available with PutTarget if the target
  // is an event bus of a different Amazon Web Services account." (AWS's refusal text is not recorded.)
  it.each([
    ['Input', { Input: '{"a":1}' }],
    ['InputPath', { InputPath: '$.detail' }],
    [
      'InputTransformer',
      { InputTransformer: { InputPathsMap: { a: '$.detail.a' }, InputTemplate: '{"a": <a>}' } },
    ],
  ])("refuses %s on another account's event bus target", async (_name, input) => {
    // Act
    const error = await caught(() =>
      harness.client.send(
        new PutTargetsCommand({
          Rule: 'r1',
          Targets: [
            {
              Id: 't1',
              Arn: 'arn:aws:events:us-east-1:222222222222:event-bus/default',
              RoleArn: 'arn:aws:iam::111111111111:role/send',
              ...input,
            },
          ],
        }),
      ),
    );
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toContain('t1');
    const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
    expect(listed.Targets).toEqual([]);
  });

  it("takes an input on a bus of this account, and another account's bus without one", async () => {
    // Act
    const own = await harness.client.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [
          { Id: 'own', Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/default', InputPath: '$' },
        ],
      }),
    );
    const other = await harness.client.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [
          {
            Id: 'other',
            Arn: 'arn:aws:events:us-east-1:222222222222:event-bus/default',
            RoleArn: 'arn:aws:iam::111111111111:role/send',
          },
        ],
      }),
    );
    // Assess
    expect(own.FailedEntryCount).toBe(0);
    expect(other.FailedEntryCount).toBe(0);
  });

  // Recorded (input-transformer.json, predefined_variables/{"originalEvent": <aws.events.event>, ...}): AWS writes
  // <aws.events.event> with its members in this order; the cases compare bodies as JSON, which ignores it.
  it('writes <aws.events.event> with its members in the order AWS recorded', async () => {
    // Prepare
    const queue = queueArn('q');
    await harness.client.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [{ Id: 'q', Arn: queue, InputTransformer: { InputTemplate: '{"e": <aws.events.event>}' } }],
      }),
    );
    // Act
    await harness.client.send(
      new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{"a":1}' }] }),
    );
    await harness.eventBridge.idle();
    // Assess
    const [message] = harness.eventBridge.queues.peek(queue);
    const body = (message?.body ?? '') as string;
    expect(body.startsWith('{"e":{"id":')).toBe(true);
    expect(Object.keys((JSON.parse(body) as { e: object }).e)).toEqual([
      'id',
      'account',
      'detailType',
      'time',
      'source',
      'region',
      'resources',
      'version',
    ]);
  });
});
