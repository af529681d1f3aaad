// The custom EventBridge bus every department publishes to, with an archive of everything on it so events
// can be replayed to a subscriber that missed them.
import { Duration, Stack, Token } from 'aws-cdk-lib';
import { type Archive, type CfnArchive, EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DEFAULT_ARCHIVE_RETENTION_DAYS } from '../../functions/routes.js';

export interface SharebusEventBusProps {
  /**
   * Name of the bus. Subscription rules are named under it, so it is part of the rule ARNs that the
   * delivery permissions are scoped to.
   * @default 'sharebus'
   */
  readonly busName?: string;
  /**
   * How long the archive keeps events. Whole days, at least one.
   * @default Duration.days(DEFAULT_ARCHIVE_RETENTION_DAYS), 30
   */
  readonly archiveRetention?: Duration;
  /**
   * A customer managed key for the archive, which holds every event (a department's record, often personal data)
   * for its retention. Its key policy is given EventBridge's use of it for this bus alone (for a key made in this
   * app; an imported key's policy must say so itself). @default - an AWS owned key
   */
  readonly archiveKey?: IKey;
}

export class EventBusPropsError extends Error {
  override name = 'EventBusPropsError';
}

// EventBridge's own limits on a custom bus name; `default` is the account's bus, which we never replace.
const BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/;

export class SharebusEventBus extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;
  readonly busName: string;

  constructor(scope: Construct, id: string, props: SharebusEventBusProps = {}) {
    super(scope, id);
    this.busName = props.busName ?? 'sharebus';
    if (!BUS_NAME.test(this.busName) || this.busName === 'default') {
      throw new EventBusPropsError(
        `busName '${this.busName}' is not a valid custom bus name: 1-256 of A-Z a-z 0-9 . _ -, and not 'default'`,
      );
    }
    const retention = props.archiveRetention ?? Duration.days(DEFAULT_ARCHIVE_RETENTION_DAYS);
    const retentionDays = retention.toDays({ integral: false });
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new EventBusPropsError(
        `archiveRetention ${retention.toHumanString()} must be a whole number of days, at least one`,
      );
    }

    // A KMS key serves its own region alone: another region's synthesized (the CDK passes the key's ARN across regions
    // with Fn::GetStackOutput) and failed only at deploy, in CloudFormation, after the stack's other resources.
    const keyRegion = props.archiveKey?.env.region;
    const region = Stack.of(this).region;
    if (
      keyRegion !== undefined &&
      !Token.isUnresolved(keyRegion) &&
      !Token.isUnresolved(region) &&
      keyRegion !== region
    ) {
      throw new EventBusPropsError(
        `archiveKey is a key of ${keyRegion}, and the archive is in ${region}: EventBridge encrypts an archive with a key of its own region only`,
      );
    }

    this.bus = new EventBus(this, 'Bus', { eventBusName: this.busName });
    this.archive = this.bus.archive('Archive', {
      description: `Every event on the ${this.busName} bus, for replay`,
      // An archive needs a pattern; every event put on the bus carries the account that put it, and only
      // this account's functions can put events here, so this pattern matches them all.
      eventPattern: { account: [Stack.of(this).account] },
      retention,
    });
    const cfnArchive = this.archive.node.defaultChild as CfnArchive;
    const key = props.archiveKey;
    if (key === undefined) {
      // aws-cdk-lib writes `KmsKeyIdentifier: ""` for an archive without a key, which some regions refuse at deploy
      // with GeneralServiceException (aws/aws-cdk#37847, fix open as #37865): without the property the archive uses
      // an AWS owned key (AWS review, 2026-12-05).
      cfnArchive.addPropertyDeletionOverride('KmsKeyIdentifier');
      return;
    }
    // Not aws-cdk-lib's `kmsKey`: EventBus.archive() drops it (writing ""), and the Archive construct's key policy names
    // the bus by its resource's ARN, so a key kept in a stack of its own (as a key outliving this stack would be) and
    // this stack would each refer to the other, a cycle the CDK refuses. The bus's ARN is written from its name instead:
    // EventBridge encrypts the archive's events under it as encryption context (EventBridge user guide, "Encrypting
    // EventBridge archives").
    cfnArchive.kmsKeyIdentifier = key.keyArn;
    const busArn = Stack.of(this).formatArn({
      service: 'events',
      resource: 'event-bus',
      resourceName: this.busName,
    });
    const events = new ServicePrincipal('events.amazonaws.com');
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SharebusArchiveEncryption',
        effect: Effect.ALLOW,
        principals: [events],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': busArn } },
      }),
    );
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SharebusArchiveDescribeKey',
        effect: Effect.ALLOW,
        principals: [events],
        actions: ['kms:DescribeKey'],
        resources: ['*'],
      }),
    );
  }
}
