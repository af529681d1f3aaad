// The archive holds every event on the bus, each a department's record (often personal data), for its retention:
// a customer managed key can be given for it, so that its use is in CloudTrail and disabling the key makes the
// archive unreadable (data-flow review, session 63).
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Alias, Key } from 'aws-cdk-lib/aws-kms';
import { createSharebusApp } from '../../infra/sharebus-app.js';
import { SharebusStack } from '../../infra/sharebus-stack.js';
import { appProps, removeAssemblies } from './synthesize.js';

afterAll(removeAssemblies);

describe('SharebusStack archiveKey', () => {
  it('encrypts the archive with the key given, and lets EventBridge use it for this bus alone', () => {
    // Prepare: the key in a stack of its own, as a key kept apart from the bus's stack would be
    const app = new App(appProps());
    const keys = new Stack(app, 'Keys');
    const key = new Key(keys, 'ArchiveKey');

    // Act
    const stack = new SharebusStack(app, 'Sharebus', { archiveKey: key });

    // Assess: the two stacks deploy one after the other (no reference back from the key's stack to the bus)
    expect(() => app.synth()).not.toThrow();

    // Assess: the archive names the key
    const archive = Object.values(Template.fromStack(stack).findResources('AWS::Events::Archive'));
    expect(archive).toHaveLength(1);
    // (through a stack output of the key's stack, however the app's flags have it referred to)
    expect(JSON.stringify(archive[0]?.Properties.KmsKeyIdentifier ?? null)).toMatch(/ArchiveKey.*Arn/);
    // Assess: EventBridge may encrypt and decrypt with it only under the bus's encryption context
    Template.fromStack(keys).hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: Match.arrayWith(['kms:Decrypt', 'kms:GenerateDataKey']),
            Condition: {
              StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
  });

  it("names the bus by its name in the key policy, so the key's stack does not refer to the bus's", () => {
    // Prepare
    const app = new App(appProps());
    const key = new Key(new Stack(app, 'Keys'), 'ArchiveKey');

    // Act
    new SharebusStack(app, 'Sharebus', { archiveKey: key, busName: 'gov-bus' });

    // Assess
    const policy = JSON.stringify(Template.fromStack(key.stack).toJSON());
    expect(policy).toContain(':event-bus/gov-bus');
    expect(policy).not.toContain('Fn::ImportValue');
    expect(policy).not.toContain('Fn::GetStackOutput');
  });

  it('leaves the archive on an AWS owned key, without the empty KmsKeyIdentifier, when none is given', () => {
    // Act
    const stack = new SharebusStack(new App(appProps()), 'Sharebus');

    // Assess
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Archive', {
      KmsKeyIdentifier: Match.absent(),
    });
  });

  it('takes a key made in a stack of its own through createSharebusApp, the app cdk-nag checks', () => {
    // Prepare: the key made in the app the function makes (one made in another app cannot be referred to)
    let key: Key | undefined;
    const given = (app: App) => {
      key = new Key(new Stack(app, 'Keys'), 'ArchiveKey', { enableKeyRotation: true });
      return { archiveKey: key };
    };

    // Act
    const { app, stack } = createSharebusApp(appProps(), given);

    // Assess: it synthesizes, cdk-nag's findings included, and the archive names the key
    expect(() => app.synth()).not.toThrow();
    expect(key).toBeDefined();
    const archive = Object.values(Template.fromStack(stack).findResources('AWS::Events::Archive'));
    expect(JSON.stringify(archive[0]?.Properties.KmsKeyIdentifier ?? null)).toMatch(/ArchiveKey.*Arn/);
  });

  // Each key, the archive's and the bus's (bus-key.test.ts), checked alike.
  it.each([
    ['archiveKey', 'the archive', 'an archive'],
    ['busKey', 'the bus', 'a bus'],
  ] as const)("refuses a %s of another region than the stack's, naming both", (prop, where, what) => {
    // Prepare
    const app = new App(appProps());
    const key = new Key(
      new Stack(app, 'Keys', { env: { account: '111111111111', region: 'us-east-1' } }),
      'K',
    );

    // Act
    const act = () =>
      new SharebusStack(app, 'Sharebus', {
        env: { account: '111111111111', region: 'eu-west-1' },
        [prop]: key,
      });

    // Assess: before, it synthesized, and CloudFormation failed at deploy
    expect(act).toThrow(
      `${prop} is a key of us-east-1, and ${where} is in eu-west-1: EventBridge encrypts ${what} with a key of its own region only`,
    );
  });

  it.each(['archiveKey', 'busKey'] as const)(
    'refuses an AWS managed key as %s, whose policy cannot let EventBridge use it',
    (prop) => {
      // Prepare
      const app = new App(appProps());
      const managed = Alias.fromAliasName(new Stack(app, 'Keys'), 'Managed', 'alias/aws/events');

      // Act
      const act = () => new SharebusStack(app, 'Sharebus', { [prop]: managed });

      // Assess
      expect(act).toThrow(
        `${prop} alias/aws/events is an AWS managed key, whose key policy cannot let EventBridge use it: give a customer managed key`,
      );
    },
  );
});
