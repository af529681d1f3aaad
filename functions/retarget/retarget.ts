// Puts the deliver target of every subscription's rule again with the deployed delivery settings (deliver function,
// retry policy, dead-letter queue). A subscription's target is written when the subscription is made, so a deploy
// that changes those settings runs this (the stack's SubscriptionTargets resource) for the earlier ones to follow.
// Only targets are put, and only where the rule still has one: no rule is made or removed here, so a subscription
// being made or deleted meanwhile cannot be left with a rule and no record, or the other way round.
import { eachAtMost } from '../shared/at-most.js';
import type { Bus, RetargetOutcome } from '../shared/bus.js';
import type { Registry } from '../shared/registry/registry.js';

export interface RetargetPorts {
  readonly registry: Pick<Registry, 'listSubscriptions'>;
  readonly bus: Pick<Bus, 'retargetSubscriptionRule'>;
  /**
   * Time, on `now`'s clock, after which no further rule is started: the caller must still answer in time. The
   * monotonic clock by default, which a wall clock set by NTP meanwhile does not move.
   */
  readonly deadline: number;
  /** @default performance.now */
  readonly now?: () => number;
  /** Rules worked on at once: EventBridge's control plane takes a few tens of calls a second. @default 4 */
  readonly concurrency?: number;
}

export interface RetargetFailure {
  readonly subscriptionId: string;
  readonly message: string;
}

export interface RetargetSummary {
  readonly subscriptions: number;
  readonly updated: number;
  readonly unchanged: number;
  /** Subscriptions whose rule, or the rule's deliver target, was not there: left as they were. */
  readonly missing: readonly string[];
  readonly failed: readonly RetargetFailure[];
  /** Subscriptions not started before the deadline. */
  readonly notReached: number;
}

/** Whether every subscription that has its target now has it with the bus's settings. */
export function retargetComplete(summary: RetargetSummary): boolean {
  return summary.failed.length === 0 && summary.notReached === 0;
}

export async function retargetSubscriptions(ports: RetargetPorts): Promise<RetargetSummary> {
  const now = ports.now ?? (() => performance.now());
  const subscriptions = await beforeDeadline(ports.registry.listSubscriptions(), ports.deadline, now);
  const outcomes: Record<RetargetOutcome, string[]> = { updated: [], unchanged: [], missing: [] };
  const failed: RetargetFailure[] = [];
  let notReached = 0;
  // Each subscription's outcome is kept, a failure too: none stops the others.
  await eachAtMost(subscriptions, ports.concurrency ?? 4, async (subscription) => {
    if (now() >= ports.deadline) {
      notReached++;
      return;
    }
    try {
      const outcome = await ports.bus.retargetSubscriptionRule({
        ruleName: subscription.ruleName,
        subscriptionId: subscription.id,
      });
      outcomes[outcome].push(subscription.id);
    } catch (error) {
      failed.push({ subscriptionId: subscription.id, message: messageOf(error) });
    }
  });
  return {
    subscriptions: subscriptions.length,
    updated: outcomes.updated.length,
    unchanged: outcomes.unchanged.length,
    missing: outcomes.missing.sort(),
    failed: failed.sort((a, b) => a.subscriptionId.localeCompare(b.subscriptionId)),
    notReached,
  };
}

/** The registry did not list the subscriptions before the deadline: nothing was put, and the caller must answer. */
export class ListingTimeoutError extends Error {
  override readonly name = 'ListingTimeoutError';
}

/**
 * The listing, or ListingTimeoutError at the deadline: a DynamoDB call that hangs must not hold the answer past the
 * function's timeout, when CloudFormation would wait its whole ServiceTimeout and be told nothing.
 */
async function beforeDeadline<T>(work: Promise<T>, deadline: number, now: () => number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ListingTimeoutError('no answer from the registry before the time limit')),
      Math.max(0, deadline - now()),
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The summary in a sentence, as CloudFormation shows a failed resource's reason. */
export function describeRetarget(summary: RetargetSummary): string {
  const parts = [
    `${summary.updated} of ${summary.subscriptions} subscription targets put again with the deployed settings, ${summary.unchanged} already had them`,
  ];
  if (summary.missing.length > 0) {
    parts.push(
      `${summary.missing.length} had no rule or target (left as they were): ${listed(summary.missing)}`,
    );
  }
  if (summary.notReached > 0) parts.push(`${summary.notReached} not reached before the time limit`);
  if (summary.failed.length > 0) {
    const first = summary.failed[0];
    parts.push(
      `${summary.failed.length} failed (${listed(summary.failed.map((f) => f.subscriptionId))}); the first: ${first?.message}`,
    );
  }
  return `${parts.join('; ')}.`;
}

function listed(ids: readonly string[]): string {
  const shown = ids.slice(0, 5).join(', ');
  return ids.length > 5 ? `${shown} and ${ids.length - 5} more` : shown;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
