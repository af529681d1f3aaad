// The custom EventBridge bus every department publishes to, with an archive of everything on it so events
// can be replayed to a subscriber that missed them.
import { Duration, Stack } from 'aws-cdk-lib';
import { type Archive, type CfnArchive, EventBus } from 'aws-cdk-lib/aws-events';
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

    this.bus = new EventBus(this, 'Bus', { eventBusName: this.busName });
    this.archive = this.bus.archive('Archive', {
      description: `Every event on the ${this.busName} bus, for replay`,
      // An archive needs a pattern; every event put on the bus carries the account that put it, and only
      // this account's functions can put events here, so this pattern matches them all.
      eventPattern: { account: [Stack.of(this).account] },
      retention,
    });
    // aws-cdk-lib writes `KmsKeyIdentifier: ""` for an archive without a key, which some regions refuse at deploy
    // with GeneralServiceException (aws/aws-cdk#37847, fix open as #37865): without the property the archive uses
    // an AWS owned key, as meant (AWS review, 2026-12-05).
    (this.archive.node.defaultChild as CfnArchive).addPropertyDeletionOverride('KmsKeyIdentifier');
  }
}
