import { Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { SUBSCRIPTION_RULE_PREFIX } from '../../functions/routes.js';
import type { SharebusApp } from '../../infra/sharebus-app.js';
import { buildApp, removeAssemblies } from './synthesize.js';

interface Acknowledgement {
  readonly path: string;
  readonly id: string;
  readonly reason: string;
}

/** Every acknowledgement recorded with Validations.of(scope).acknowledge, and where. */
function acknowledgementsIn(root: IConstruct): Acknowledgement[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({
          path: construct.node.path,
          // The CDK stores IDs without a known prefix as annotation IDs.
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AWS Solutions checks', () => {
  let sharebus: SharebusApp;

  beforeAll(() => {
    sharebus = buildApp();
  }, 120_000);

  afterAll(removeAssemblies);

  it('find nothing unacknowledged in the sharebus app, errors and warnings alike', () => {
    // WHEN
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(sharebus.app);
    // THEN
    const findings = report.violations.map(
      (violation) =>
        `${violation.severity} ${violation.ruleName} at ${violation.violatingResources
          .map((resource) => resource.constructPath)
          .join(', ')}: ${violation.description}`,
    );
    expect(findings).toEqual([]);
  });

  it('acknowledge only the findings the design accepts, each with a reason a reviewer can check', () => {
    // WHEN
    const acknowledged = acknowledgementsIn(sharebus.app);
    // THEN
    expect(new Set(acknowledged.map((ack) => ack.id))).toEqual(
      new Set([
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/sharebus/${SUBSCRIPTION_RULE_PREFIX}*]`,
        'AwsSolutions-APIG4',
      ]),
    );
    for (const ack of acknowledged) {
      expect(ack.reason.length).toBeGreaterThan(60);
    }
    // Each acknowledgement sits on the construct it excuses, never on the stack or the app.
    for (const ack of acknowledged) {
      expect(ack.path.split('/').length).toBeGreaterThan(2);
    }
    expect(acknowledged.filter((ack) => ack.id === 'AwsSolutions-APIG4').map((ack) => ack.path)).toEqual([
      'Sharebus/HttpApi/Api/GET--health',
    ]);
    // The subscription rules' ARN pattern is excused only on the two roles that manage those rules' targets.
    expect(
      acknowledged
        .filter((ack) => ack.id.startsWith('AwsSolutions-IAM5[Resource::arn:'))
        .map((ack) => ack.path)
        .sort(),
    ).toEqual(['Sharebus/Retarget/Role', 'Sharebus/Subscriptions/Role']);
  });

  it('acknowledge the X-Ray grant on "*" on each function role, and with tracing off find it nowhere', () => {
    // GIVEN
    const untraced = buildApp({ stackProps: { tracing: false } });
    const onEverything = (app: SharebusApp['app']) =>
      acknowledgementsIn(app)
        .filter((ack) => ack.id === 'AwsSolutions-IAM5[Resource::*]')
        .map((ack) => ack.path)
        .sort();
    // WHEN
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(untraced.app);
    // THEN
    expect(onEverything(sharebus.app)).toEqual(
      [
        'Authorizer',
        'Contracts',
        'Deliver',
        'Departments',
        'Health',
        'Publish',
        'Retarget',
        'Subscriptions',
      ].map((name) => `Sharebus/${name}/Role`),
    );
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(onEverything(untraced.app)).toEqual([]);
  }, 120_000);

  // Last, as it adds a broken resource to the app the other tests read.
  it('run when the app synthesizes, as `cdk synth` does: the clean app passes, a broken rule fails it', () => {
    // WHEN / THEN
    expect(() => sharebus.app.synth()).not.toThrow();
    // GIVEN
    new Queue(sharebus.stack, 'Unencrypted', { encryption: QueueEncryption.UNENCRYPTED });
    // WHEN / THEN
    expect(() => sharebus.app.synth({ force: true })).toThrow(/AwsSolutions-SQS2/);
  }, 120_000);
});
