// Where deliveries end that could not be made: events EventBridge could not hand to the deliver function,
// and invocations of the deliver function that failed after their retries. An alarm says when any arrive.
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IDependable } from 'constructs';

export interface DeliveryDeadLetterQueueProps {
  /**
   * ARN pattern of the EventBridge rules allowed to dead-letter into the queue, e.g.
   * `arn:aws:events:eu-west-1:111122223333:rule/sharebus/sharebus-sub-*`.
   */
  readonly ruleArnPattern: string;
  /**
   * ARN of the event bus whose own dead letters (events it could not encrypt or decrypt with its customer managed
   * key) come here. @default - none
   */
  readonly busArn?: string;
}

export class DeliveryDeadLetterQueue extends Construct {
  readonly queue: Queue;
  /** In ALARM while any failed delivery waits in the queue. */
  readonly alarm: Alarm;
  /** The queue's policy, which whatever names the queue as its dead-letter queue should follow. */
  readonly policy: IDependable | undefined;

  constructor(scope: Construct, id: string, props: DeliveryDeadLetterQueueProps) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      // SQS-managed keys rather than KMS: EventBridge can only dead-letter into a KMS-encrypted queue through
      // a customer-managed key whose policy admits it, and the messages are events already on the bus.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });

    // Written by hand rather than with grantSendMessages: that grant also hands out GetQueueAttributes and
    // GetQueueUrl, and EventBridge needs only SendMessage. The source ARN condition keeps any other rule
    // (ours or another account's) from writing here.
    this.policy = this.queue.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SubscriptionRulesDeadLetter',
        principals: [new ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': props.ruleArnPattern },
          StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
        },
      }),
    ).policyDependable;

    if (props.busArn !== undefined) {
      this.queue.addToResourcePolicy(
        new PolicyStatement({
          sid: 'BusDeadLetter',
          principals: [new ServicePrincipal('events.amazonaws.com')],
          actions: ['sqs:SendMessage'],
          resources: [this.queue.queueArn],
          conditions: {
            ArnEquals: { 'aws:SourceArn': props.busArn },
            StringEquals: { 'aws:SourceAccount': Stack.of(this).account },
          },
        }),
      );
    }

    this.alarm = new Alarm(this, 'MessagesVisibleAlarm', {
      alarmDescription: 'Failed sharebus deliveries are waiting in the dead-letter queue',
      metric: this.queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }
}
