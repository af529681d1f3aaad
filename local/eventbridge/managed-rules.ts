// Rules an AWS service keeps on a bus on the account's behalf (the `ManagedBy` of DescribeRule), here the
// `Events-Archive-<archive>` rule EventBridge keeps for each archive. They are listed and described like
// any rule, but only their owner changes them: anyone else gets ManagedRuleException.
import { partitionOf } from './arns.js';
import { EventBridgeApiError } from './errors.js';
import type { JsonObject } from './request.js';

/**
 * The ManagedBy of an archive's rule. AWS's documentation does not name it; this is what AWS answers, as
 * recorded by moto and other emulators and relied on by tools that read real accounts.
 */
export const ARCHIVE_RULE_MANAGED_BY = 'prod.vhs.events.aws.internal';

/** The target ARN of an archive's managed rule, as ListTargetsByRule shows it: no account, no resource. */
export const archiveTargetArn = (region: string): string => `arn:${partitionOf(region)}:events:${region}:::`;

export interface ManagedRule {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly eventPattern: string;
  readonly managedBy: string;
  /** As ListTargetsByRule shows them. */
  readonly targets: readonly JsonObject[];
}

/** The owner of a bus's managed rules: lists them and carries out what `Force: true` allows. */
export interface ManagedRuleOwner {
  managedRulesOf(busName: string): ManagedRule[];
  /** RemoveTargets with Force; ids the rule has no target for are passed over, as AWS does. */
  forceRemoveTargets(rule: ManagedRule, ids: readonly string[]): void;
  /** DeleteRule with Force, once the rule has no targets left. */
  forceDeleteRule(rule: ManagedRule): void;
}

export function managedRuleSummary(rule: ManagedRule): JsonObject {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: rule.eventPattern,
    State: 'ENABLED',
    ManagedBy: rule.managedBy,
    EventBusName: rule.busName,
  };
}

/**
 * AWS's refusal to change a managed rule. DeleteRule and RemoveTargets, which `Force: true` lets through,
 * add how to override (AWS's text, as its DeleteRule answers it).
 */
export function managedRuleError(name: string, forceHint: boolean): EventBridgeApiError {
  const hint = forceHint ? " Set 'force' parameter to true to override." : '';
  return new EventBridgeApiError('ManagedRuleException', `${name} is a managed rule.${hint}`);
}

/**
 * AWS's answer to PutTargets of the managed rule's own target by anyone but its owner (recorded): the ARN
 * is refused before the rule is found to be managed.
 */
export function ownTargetError(arn: string): EventBridgeApiError {
  return new EventBridgeApiError(
    'ValidationException',
    `Parameter ${arn} is not valid. Reason: Service as target config for ARN: ${arn} not found. ` +
      "The API call hasn't been recognized as managed rules call",
  );
}
