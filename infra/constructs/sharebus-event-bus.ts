// The custom EventBridge bus every department publishes to, with an archive of everything on it so events
// can be replayed to a subscriber that missed them.
import { Duration, Stack, Token } from 'aws-cdk-lib';
import { type Archive, type CfnArchive, type CfnEventBus, EventBus } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IAlias, IKey } from 'aws-cdk-lib/aws-kms';
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
   * app; an imported key's policy must say so itself). @default - `busKey` if given, else an AWS owned key
   */
  readonly archiveKey?: IKey;
  /**
   * A customer managed key for the bus itself: the events on it (for up to a day of retries), the subscription rules'
   * patterns and their targets' input transformers. Its key policy is given EventBridge's use of it for this bus alone,
   * as for `archiveKey`; the archive takes it too unless `archiveKey` names another (EventBridge recommends a
   * customer managed key for the archive of such a bus). @default - an AWS owned key
   */
  readonly busKey?: IKey;
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
  /** The bus's ARN, written from its name: what EventBridge's encryption context names. */
  readonly busArn: string;
  /** The customer managed key of the bus, if given. */
  readonly busKey: IKey | undefined;

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

    checkKey('archiveKey', props.archiveKey, this);
    checkKey('busKey', props.busKey, this);

    this.bus = new EventBus(this, 'Bus', { eventBusName: this.busName });
    // The bus's ARN as written from its name, not the resource's: EventBridge's encryption context and the key policy's
    // conditions name it, and a key kept in a stack of its own must not refer back to this one (see the archive's key).
    this.busArn = Stack.of(this).formatArn({
      service: 'events',
      resource: 'event-bus',
      resourceName: this.busName,
    });
    const events = new ServicePrincipal('events.amazonaws.com');
    const describing = new Set<IKey>();
    // EventBridge checks a key with DescribeKey, which carries no encryption context: a statement of its own, without
    // the context condition (EventBridge user guide, "Encrypting EventBridge event buses with AWS KMS keys").
    const allowDescribeKey = (key: IKey, sid: string) => {
      if (describing.has(key)) return;
      describing.add(key);
      key.addToResourcePolicy(
        new PolicyStatement({
          sid,
          effect: Effect.ALLOW,
          principals: [events],
          actions: ['kms:DescribeKey'],
          resources: ['*'],
        }),
      );
    };
    this.busKey = props.busKey;
    if (props.busKey !== undefined) {
      // Not aws-cdk-lib's `kmsKey`: its one statement puts kms:DescribeKey under the encryption context condition too,
      // which no DescribeKey request carries (aws/aws-cdk#35411, closed unmerged).
      (this.bus.node.defaultChild as CfnEventBus).kmsKeyIdentifier = props.busKey.keyArn;
      props.busKey.addToResourcePolicy(
        new PolicyStatement({
          sid: 'SharebusBusEncryption',
          effect: Effect.ALLOW,
          principals: [events],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: {
            StringEquals: {
              'kms:EncryptionContext:aws:events:event-bus:arn': this.busArn,
              'aws:SourceArn': this.busArn,
            },
          },
        }),
      );
      allowDescribeKey(props.busKey, 'SharebusBusDescribeKey');
    }
    this.archive = this.bus.archive('Archive', {
      description: `Every event on the ${this.busName} bus, for replay`,
      // An archive needs a pattern; every event put on the bus carries the account that put it, and only
      // this account's functions can put events here, so this pattern matches them all.
      eventPattern: { account: [Stack.of(this).account] },
      retention,
    });
    const cfnArchive = this.archive.node.defaultChild as CfnArchive;
    const key = props.archiveKey ?? props.busKey;
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
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SharebusArchiveEncryption',
        effect: Effect.ALLOW,
        principals: [events],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:ReEncrypt*'],
        resources: ['*'],
        conditions: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': this.busArn } },
      }),
    );
    allowDescribeKey(key, 'SharebusArchiveDescribeKey');
  }
}

// A KMS key serves its own region alone: another region's synthesized (the CDK passes the key's ARN across regions
// with Fn::GetStackOutput) and failed only at deploy, in CloudFormation, after the stack's other resources. An AWS
// managed key (alias/aws/...) cannot be given: its key policy cannot be changed to let EventBridge use it.
function checkKey(name: string, key: IKey | undefined, scope: Construct): void {
  if (key === undefined) return;
  const keyRegion = key.env.region;
  const region = Stack.of(scope).region;
  if (!Token.isUnresolved(keyRegion) && !Token.isUnresolved(region) && keyRegion !== region) {
    throw new EventBusPropsError(
      `${name} is a key of ${keyRegion}, and the ${name === 'busKey' ? 'bus' : 'archive'} is in ${region}: EventBridge encrypts ${name === 'busKey' ? 'a bus' : 'an archive'} with a key of its own region only`,
    );
  }
  const aliasName = (key as Partial<IAlias>).aliasName;
  if (typeof aliasName === 'string' && !Token.isUnresolved(aliasName) && aliasName.startsWith('alias/aws/')) {
    throw new EventBusPropsError(
      `${name} ${aliasName} is an AWS managed key, whose key policy cannot let EventBridge use it: give a customer managed key`,
    );
  }
}
