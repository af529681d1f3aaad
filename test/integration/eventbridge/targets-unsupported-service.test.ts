// PutTargets of a service that is no EventBridge target (the user guide's "Event bus targets" list), refused as AWS
// refuses it, whole, before any role is asked for (targets review, session 64: it asked for a RoleArn, then took it).
import { ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { caught, LAMBDA_ARN, useHarness } from './harness.js';

describe('embedded EventBridge: PutTargets of a service that is no EventBridge target', () => {
  const harness = useHarness();

  beforeEach(async () => {
    await harness.client.send(new PutRuleCommand({ Name: 'r1', ScheduleExpression: 'rate(10 minutes)' }));
  });

  it.each([
    // CloudFormation's status reason for an AWS::Events::Rule targeting a bucket (localstack's resource_providers
    // test_events.py, recorded against AWS)
    ['s3', 'arn:aws:s3:::target-bucket', undefined],
    // aws-cloudformation/cfn-lint#4505: a role as the target, no RoleArn, HTTP 400 from EventBridge
    ['iam', 'arn:aws:iam::111111111111:role/x', undefined],
    ['dynamodb', 'arn:aws:dynamodb:us-east-1:111111111111:table/t', 'arn:aws:iam::111111111111:role/r'],
  ])(
    'refuses a %s target as the whole request, in AWS words, before asking for a role',
    async (service, arn, role) => {
      // Act
      const error = await caught(() =>
        harness.client.send(
          new PutTargetsCommand({
            Rule: 'r1',
            Targets: [
              { Id: 'ok', Arn: LAMBDA_ARN },
              { Id: 't', Arn: arn, ...(role ? { RoleArn: role } : {}) },
            ],
          }),
        ),
      );
      // Assess
      expect([error.name, error.message]).toEqual([
        'ValidationException',
        `${service} is not a supported service for a target.`,
      ]);
      const listed = await harness.client.send(new ListTargetsByRuleCommand({ Rule: 'r1' }));
      expect(listed.Targets).toEqual([]);
    },
  );

  it('still takes the targets of services EventBridge calls, delivered here or not', async () => {
    // Act
    const put = await harness.client.send(
      new PutTargetsCommand({
        Rule: 'r1',
        Targets: [
          { Id: 'fn', Arn: LAMBDA_ARN },
          { Id: 'logs', Arn: 'arn:aws:logs:us-east-1:111111111111:log-group:/aws/events/x' },
          {
            Id: 'sfn',
            Arn: 'arn:aws:states:us-east-1:111111111111:stateMachine:s',
            RoleArn: 'arn:aws:iam::111111111111:role/r',
          },
          {
            Id: 'stop',
            Arn: 'arn:aws:automation:us-east-1:111111111111:action/EC2StopInstance/EC2StopInstance_r1',
          },
        ],
      }),
    );
    // Assess
    expect(put).toMatchObject({ FailedEntryCount: 0, FailedEntries: [] });
  });
});
