// AWS's guide ("Event retry policy and using dead-letter queues", considerations): "The Amazon SQS queue you use must
// be in the same Region in which you create the rule." A DeadLetterConfig naming a queue of another Region must not
// quietly receive the dead letters here, where AWS could not send them there.
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { DROPPED_DELIVERIES } from '../../../local/eventbridge/index.js';
import { putOrder, queueArn, routeOrders, targetLetters, useHarness } from './harness.js';

const OTHER_REGION_DLQ = 'arn:aws:sqs:eu-west-1:111111111111:orders-dlq';
const failing = async (): Promise<void> => {
  throw new Error('database unavailable');
};

describe("embedded EventBridge: a DLQ outside the rule's Region", () => {
  const harness = useHarness();

  it('keeps the dead letter among dropped deliveries, not in the queue of another Region, and says why', async () => {
    // Prepare: a rule in us-east-1 whose target's DLQ is in eu-west-1
    expect(harness.eventBridge.region).toBe('us-east-1');
    await routeOrders(harness, {
      RetryPolicy: { MaximumRetryAttempts: 1 },
      DeadLetterConfig: { Arn: OTHER_REGION_DLQ },
    });
    harness.lambda = failing;
    // Act
    await putOrder(harness);
    await harness.eventBridge.idle();
    // Assess: retried as its policy says, then not written to the other Region's queue
    expect(harness.invocations).toHaveLength(2);
    expect(harness.eventBridge.queues.peek(OTHER_REGION_DLQ)).toEqual([]);
    expect(targetLetters(harness.eventBridge)).toEqual([
      expect.objectContaining({
        queueArn: DROPPED_DELIVERIES,
        errorCode: 'ERROR_FROM_TARGET',
        exhaustedRetryCondition: 'MaximumRetryAttempts',
        retryAttempts: 1,
      }),
    ]);
    expect(harness.warnings.join('\n')).toContain(
      `its DLQ ${OTHER_REGION_DLQ} is not in the rule's Region (us-east-1)`,
    );
  });

  it('warns at PutTargets, and still writes to a DLQ of the same Region (another account included)', async () => {
    // Prepare
    await harness.client.send(
      new PutRuleCommand({ Name: 'orders', EventPattern: '{"source":["sharebus.orders"]}' }),
    );
    const sameRegion = 'arn:aws:sqs:us-east-1:222222222222:shared-dlq';
    // Act
    const put = await harness.client.send(
      new PutTargetsCommand({
        Rule: 'orders',
        Targets: [
          {
            Id: 'far',
            Arn: queueArn('orders'),
            DeadLetterConfig: { Arn: OTHER_REGION_DLQ },
          },
          { Id: 'near', Arn: queueArn('audit'), DeadLetterConfig: { Arn: sameRegion } },
        ],
      }),
    );
    // Assess: taken (what AWS's PutTargets answers is not recorded), with a warning for the far one only
    expect(put.FailedEntryCount).toBe(0);
    const said = harness.warnings.filter((w) => w.includes('DeadLetterConfig'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`target far of rule orders: its DeadLetterConfig ${OTHER_REGION_DLQ}`);
  });
});
