// The bus holds every event for up to a day of retries, and its rules hold the subscriptions' filters: a customer
// managed key can be given for it too, as for the archive (archiveKey), so that its use is in CloudTrail and
// disabling it stops the bus.
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import { createSharebusApp } from '../../infra/sharebus-app.js';
import { SharebusStack } from '../../infra/sharebus-stack.js';
import { appProps, removeAssemblies } from './synthesize.js';

afterAll(removeAssemblies);

interface Statement {
  readonly Sid?: string;
  readonly Action: string | string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
  readonly Principal?: unknown;
  readonly Resource?: unknown;
}

function keyStatements(keys: Stack): Statement[] {
  const [key] = Object.values(Template.fromStack(keys).findResources('AWS::KMS::Key'));
  return key?.Properties.KeyPolicy.Statement ?? [];
}

function roleStatements(template: Template, sid: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy) =>
    (policy.Properties.PolicyDocument.Statement as Statement[]).filter((s) => s.Sid === sid),
  );
}

describe('SharebusStack busKey', () => {
  it('encrypts the bus with the key given, and lets EventBridge use it for this bus alone', () => {
    // Prepare: the key in a stack of its own, as a key kept apart from the bus's stack would be
    const app = new App(appProps());
    const keys = new Stack(app, 'Keys');
    const key = new Key(keys, 'BusKey');

    // Act
    const stack = new SharebusStack(app, 'Sharebus', { busKey: key, busName: 'gov-bus' });

    // Assess: the two stacks deploy one after the other (no reference back from the key's stack to the bus)
    expect(() => app.synth()).not.toThrow();
    const template = Template.fromStack(stack);
    const bus = Object.values(template.findResources('AWS::Events::EventBus'));
    expect(bus).toHaveLength(1);
    expect(JSON.stringify(bus[0]?.Properties.KmsKeyIdentifier ?? null)).toMatch(/BusKey.*Arn/);
    const keyPolicy = JSON.stringify(Template.fromStack(keys).toJSON());
    expect(keyPolicy).not.toContain('Fn::ImportValue');
    expect(keyPolicy).not.toContain('Fn::GetStackOutput');
    // Assess: encrypting and decrypting only under this bus's encryption context and as this bus; DescribeKey, which
    // carries no encryption context, in a statement without that condition
    const statements = keyStatements(keys);
    const encryption = statements.find((s) => s.Sid === 'SharebusBusEncryption');
    expect(encryption).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    });
    const conditions = JSON.stringify(encryption?.Condition);
    expect(Object.keys(encryption?.Condition?.StringEquals ?? {}).sort()).toEqual([
      'aws:SourceArn',
      'kms:EncryptionContext:aws:events:event-bus:arn',
    ]);
    expect(conditions.match(/:event-bus\/gov-bus/g)).toHaveLength(2);
    const describe = statements.filter((s) => JSON.stringify(s.Action).includes('kms:DescribeKey'));
    expect(describe).toEqual([
      expect.objectContaining({ Action: 'kms:DescribeKey', Principal: { Service: 'events.amazonaws.com' } }),
    ]);
    expect(describe[0]?.Condition).toBeUndefined();
  });

  it('encrypts the archive with the bus key too, unless archiveKey names another', () => {
    // Prepare
    const app = new App(appProps());
    const keys = new Stack(app, 'Keys');
    const busKey = new Key(keys, 'BusKey');
    const archiveKey = new Key(keys, 'ArchiveKey');

    // Act
    const same = new SharebusStack(app, 'Same', { busKey, busName: 'same-bus' });
    const apart = new SharebusStack(app, 'Apart', { busKey, archiveKey, busName: 'apart-bus' });

    // Assess: EventBridge recommends a customer managed key for the archive of a bus that has one
    const archiveKeyOf = (stack: Stack) =>
      JSON.stringify(
        Object.values(Template.fromStack(stack).findResources('AWS::Events::Archive'))[0]?.Properties
          .KmsKeyIdentifier,
      );
    expect(archiveKeyOf(same)).toMatch(/BusKey.*Arn/);
    expect(archiveKeyOf(apart)).toMatch(/ArchiveKey.*Arn/);
    const busKeyPolicy = Template.fromStack(keys).findResources('AWS::KMS::Key');
    const busKeySids = Object.entries(busKeyPolicy)
      .filter(([id]) => id.startsWith('BusKey'))
      .flatMap(([, key]) => (key.Properties.KeyPolicy.Statement as Statement[]).map((s) => s.Sid));
    // (one bus key, two buses: each statement's conditions name its own bus; DescribeKey once, the same for both)
    expect(busKeySids.filter((sid) => sid === 'SharebusArchiveEncryption')).toHaveLength(1);
    expect(busKeySids.filter((sid) => sid === 'SharebusBusEncryption')).toHaveLength(2);
    expect(busKeySids.filter((sid) => sid?.endsWith('DescribeKey'))).toEqual(['SharebusBusDescribeKey']);
  });

  it('lets the subscriptions and retarget roles decrypt the rules under this bus alone, and no other role', () => {
    // Prepare
    const app = new App(appProps());
    const key = new Key(new Stack(app, 'Keys'), 'BusKey');

    // Act
    const stack = new SharebusStack(app, 'Sharebus', { busKey: key });

    // Assess: EventBridge asks kms:Decrypt of PutRule, PutTargets and ListTargetsByRule callers on such a bus
    const template = Template.fromStack(stack);
    const grants = roleStatements(template, 'DecryptBusRules');
    expect(grants).toHaveLength(2);
    for (const grant of grants) {
      expect(grant.Action).toBe('kms:Decrypt');
      expect(JSON.stringify(grant.Resource)).toMatch(/BusKey.*Arn/);
      expect(JSON.stringify(grant.Condition)).toMatch(
        /"StringEquals":\{"kms:EncryptionContext:aws:events:event-bus:arn":.*:event-bus\/sharebus"/,
      );
    }
    const rolesWithKms = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, policy]) => JSON.stringify(policy.Properties.PolicyDocument).includes('kms:'))
      .map(([, policy]) => JSON.stringify(policy.Properties.Roles));
    expect(rolesWithKms).toHaveLength(2);
    expect(rolesWithKms.join()).toMatch(/Subscriptions/);
    expect(rolesWithKms.join()).toMatch(/Retarget/);
  });

  it("dead-letters the bus's own failures into the delivery queue, which admits the bus", () => {
    // Prepare
    const app = new App(appProps());
    const key = new Key(new Stack(app, 'Keys'), 'BusKey');

    // Act
    const stack = new SharebusStack(app, 'Sharebus', { busKey: key });

    // Assess
    const template = Template.fromStack(stack);
    const bus = Object.values(template.findResources('AWS::Events::EventBus'))[0];
    expect(JSON.stringify(bus?.Properties.DeadLetterConfig)).toMatch(/DeliveryDeadLetters.*Arn/);
    // (after the queue's policy admits it)
    const [policyId] = Object.keys(template.findResources('AWS::SQS::QueuePolicy'));
    expect(bus?.DependsOn).toContain(policyId);
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'BusDeadLetter',
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: Match.objectLike({ ArnEquals: { 'aws:SourceArn': Match.anyValue() } }),
          }),
        ]),
      },
    });
  });

  it('leaves the bus on an AWS owned key, with no dead-letter queue of its own and no KMS grant, when none is given', () => {
    // Act
    const stack = new SharebusStack(new App(appProps()), 'Sharebus');

    // Assess
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Events::EventBus', {
      KmsKeyIdentifier: Match.absent(),
      DeadLetterConfig: Match.absent(),
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('kms:');
    expect(JSON.stringify(template.toJSON())).not.toContain('"Sid":"BusDeadLetter"');
  });

  it('takes a key made in a stack of its own through createSharebusApp, the app cdk-nag checks', () => {
    // Prepare
    let key: Key | undefined;
    const given = (app: App) => {
      key = new Key(new Stack(app, 'Keys'), 'BusKey', { enableKeyRotation: true });
      return { busKey: key };
    };

    // Act
    const { app, stack } = createSharebusApp(appProps(), given);

    // Assess: it synthesizes, cdk-nag's findings included
    expect(() => app.synth()).not.toThrow();
    expect(key).toBeDefined();
    const bus = Object.values(Template.fromStack(stack).findResources('AWS::Events::EventBus'))[0];
    expect(JSON.stringify(bus?.Properties.KmsKeyIdentifier)).toMatch(/BusKey.*Arn/);
  });
});
