// Use cases: subscribing a system's endpoint to a contract, listing and removing subscriptions, and
// reconciling the bus's rules with the registry. Each active subscription is exactly one EventBridge rule
// whose target is the deliver function.
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { busSource, majorPrefix } from '../../contracts/envelope.js';
import { ContractTypeSchema, DepartmentIdSchema, SemverSchema } from '../../contracts/naming.js';
import { SUBSCRIPTION_RULE_PREFIX } from '../routes.js';
import { requireSystem } from '../shared/access.js';
import { eachAtMost } from '../shared/at-most.js';
import { auditEntry } from '../shared/audit.js';
import {
  type Bus,
  BusBusyError,
  EVENT_PATTERN_MODEL_MAX,
  InvalidRulePatternError,
  overlongPattern,
  RulesQuotaError,
} from '../shared/bus.js';
import type { EndpointPolicy } from '../shared/config.js';
import type { ContractResolver } from '../shared/contract-resolver.js';
import {
  BadRequestError,
  BusBusyProblem,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RulesQuotaProblem,
} from '../shared/errors.js';
import { parseRequest } from '../shared/http.js';
import { internalHostReason } from '../shared/internal-address.js';
import { jsonObject } from '../shared/json-object.js';
import { jsonPointer } from '../shared/json-pointer.js';
import { logger } from '../shared/logger.js';
import {
  decodePageToken,
  encodePageToken,
  fillPage,
  invalidNextToken,
  PAGE_BYTES,
} from '../shared/page-token.js';
import {
  type ContractVersion,
  isDeliverable,
  type Principal,
  type Registry,
  RegistryBusyError,
  RegistryDuplicateError,
  SUBSCRIPTION_ACTIVE,
  type Subscription,
  type SubscriptionKey,
} from '../shared/registry/registry.js';
import {
  conditionPlace,
  fieldNoSchemaAllows,
  fieldsNoOneSchemaAllows,
  ignoreCaseOutsideBmp,
  patternPlace,
  usesWildcard,
} from './filter-fields.js';

export type { EndpointPolicy };

export interface SubscriptionPorts {
  readonly registry: Registry;
  readonly bus: Bus;
  readonly contracts: ContractResolver;
  readonly now: () => Date;
  readonly endpointPolicy: EndpointPolicy;
}

const FilterSchema = jsonObject('must be an EventBridge content filter: a JSON object').refine(
  (filter) => Object.keys(filter).length > 0,
  'must not be empty; leave it out to receive every event',
);

export const CreateSubscriptionSchema = z.strictObject({
  type: ContractTypeSchema,
  version: SemverSchema.optional(),
  filter: FilterSchema.optional(),
  endpoint: z.strictObject({ url: z.string().max(2_048, 'must be at most 2,048 characters') }),
});

/**
 * Spaces, control characters and lone surrogates, which URL parsing strips or percent-encodes (a lone surrogate as
 * U+FFFD): the URL called would not be the one shown.
 */
const UNWRITTEN = /[\p{Cc}\p{Z}\p{Cs}]/u;

function checkEndpoint(url: string, policy: EndpointPolicy): void {
  if (UNWRITTEN.test(url)) {
    throw new BadRequestError(
      'invalid_endpoint',
      `The endpoint ${JSON.stringify(url)} holds a space, a control character or a lone surrogate; percent-encode it, or remove it.`,
      {
        fields: [
          { field: '/endpoint/url', message: 'must not hold spaces, control characters or lone surrogates' },
        ],
      },
    );
  }
  // Two more a URL parser rewrites, so that the URL called is not the one shown: a backslash, read as a slash in an
  // http(s) URL (`/hook\\secret` called as `/hook/secret`), and a scheme without its slashes (`http:host/path`).
  // Only before the query: there a backslash is a slash; in the query or fragment it is sent as written.
  if (/^[^?#]*\\/.test(url)) {
    throw new BadRequestError(
      'invalid_endpoint',
      `The endpoint ${JSON.stringify(url)} holds a backslash before its query, which is called as a slash; write / or percent-encode it (%5C).`,
      { fields: [{ field: '/endpoint/url', message: 'must not hold a backslash before its query' }] },
    );
  }
  if (/^https?:(?!\/\/)/i.test(url)) {
    throw new BadRequestError(
      'invalid_endpoint',
      `The endpoint ${JSON.stringify(url)} has no // after its scheme; write it as https://host/path.`,
      { fields: [{ field: '/endpoint/url', message: 'must start with https:// (or http://)' }] },
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadRequestError(
      'invalid_endpoint',
      `The endpoint ${JSON.stringify(url)} is not an absolute URL.`,
      {
        fields: [{ field: '/endpoint/url', message: 'must be an absolute http(s) URL' }],
      },
    );
  }
  const allowed = policy === 'allow-http' ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(parsed.protocol)) {
    throw new BadRequestError(
      'invalid_endpoint',
      `The endpoint must use ${allowed.join(' or ')}, not ${parsed.protocol}`,
      {
        fields: [{ field: '/endpoint/url', message: `must use ${allowed.join(' or ')}` }],
      },
    );
  }
  // No connection can be made to port 0: every event would go to the dead letters.
  if (parsed.port === '0') {
    throw new BadRequestError(
      'invalid_endpoint',
      'The endpoint names port 0, to which nothing can connect.',
      {
        fields: [{ field: '/endpoint/url', message: 'must not name port 0' }],
      },
    );
  }
  if (parsed.username || parsed.password) {
    throw new BadRequestError('invalid_endpoint', 'The endpoint URL must not carry credentials.', {
      fields: [{ field: '/endpoint/url', message: 'must not contain user:password@' }],
    });
  }
  // Deployed (https only), an endpoint must be on the internet; locally receivers run on 127.0.0.1.
  const internal = policy === 'allow-http' ? undefined : internalHostReason(parsed.hostname);
  if (internal !== undefined) {
    throw new BadRequestError(
      'invalid_endpoint',
      `The endpoint's host ${parsed.hostname} ${internal}; a webhook must be reachable on the internet.`,
      { fields: [{ field: '/endpoint/url', message: `host ${internal}` }] },
    );
  }
}

export function ruleNameFor(subscriptionId: string): string {
  return `${SUBSCRIPTION_RULE_PREFIX}${subscriptionId}`;
}

/**
 * The rule's event pattern: the owner's source, the contract type, its major version, and the content filter over
 * `data`. Change it only with a migration of the rules made before: a local start puts every active subscription's
 * rule again with it (reconcileRules), but a deploy puts targets alone (retarget), so in AWS existing rules keep
 * the pattern they were made with (parity review, 2026-12-06).
 */
export function eventPatternFor(
  contract: Pick<ContractVersion, 'type' | 'ownerDepartment' | 'major'>,
  filter?: Record<string, unknown>,
): string {
  return JSON.stringify(patternFor(contract, filter));
}

function patternFor(
  contract: Pick<ContractVersion, 'type' | 'ownerDepartment' | 'major'>,
  filter?: Record<string, unknown>,
) {
  return {
    source: [busSource(contract.ownerDepartment)],
    'detail-type': [contract.type],
    detail: {
      dataschema: [{ prefix: majorPrefix(contract.type, contract.major) }],
      ...(filter ? { data: filter } : {}),
    },
  };
}

export async function createSubscription(
  ports: SubscriptionPorts,
  principal: Principal,
  body: unknown,
): Promise<Subscription> {
  const caller = requireSystem(principal, 'subscribe');
  const input = parseRequest(CreateSubscriptionSchema, body);
  checkEndpoint(input.endpoint.url, ports.endpointPolicy);
  // EventBridge folds case one UTF-16 unit at a time and reads each half of a surrogate pair as '?': such a
  // condition would never match the text it names (and, under anything-but, never keep it out).
  const caseFolded = input.filter && ignoreCaseOutsideBmp(input.filter);
  if (caseFolded) {
    throw new BadRequestError(
      'invalid_filter',
      'EventBridge cannot compare characters outside the Basic Multilingual Plane (CJK Extension B characters such as 𠮷, emoji) ignoring case: it reads each as "??", so this condition would never match the text it names. Use an exact value, prefix or suffix for such text.',
      {
        fields: [
          { field: caseFolded, message: 'holds a character EventBridge cannot compare ignoring case' },
        ],
      },
    );
  }
  const named = await ports.contracts.resolve(input.type, input.version);
  refuseOverlongPattern(named, input.filter);
  // The subscription receives every version of the major: the strictest sharing among them decides, which the
  // major's claim (one item) says. Its versions (a type may have hundreds, each read whole) are read only for a filter
  // to be judged against their schemas, or for a major without a claim: read for every subscription, 300 versions of
  // 200 KB took it past the function's 10 s (scale review, 2026-12-07). Under a claim, a filter is judged newest
  // version first, and reading stops once the versions read allow every field it names (a filter is mostly written
  // against the newest): with 100 versions of 200 KB it read them all, 1.3 s (bench:registry, 2026-12-07). A filter
  // naming a field that no version allows still reads them all, to say so.
  const claimed = await ports.registry.majorSharing(named.type, named.major);
  const filter = input.filter;
  const major =
    filter !== undefined || claimed === undefined
      ? await ports.registry.listMajorVersions(
          named.type,
          named.major,
          claimed === undefined || filter === undefined
            ? undefined
            : (read) =>
                fieldsNoOneSchemaAllows(
                  filter,
                  read.map((v) => v.schema),
                ) === undefined,
        )
      : [];
  // The strictest of the claim, the versions read and the one named: a version the claim understates (written by code
  // from before claims, after a rollback that far) is still caught where it is read (registry diff review), which
  // under a claim is among the newest versions alone.
  const contract =
    (claimed !== undefined && claimed !== 'open' ? { ...named, sharing: claimed } : undefined) ??
    major.find((v) => v.sharing !== 'open') ??
    named;
  if (contract.sharing !== 'open') {
    throw new ForbiddenError(
      'approval_required',
      `${contract.type} is shared as "${contract.sharing}": subscribing needs the approval of department ${contract.ownerDepartment}, which sharebus does not support yet.`,
      { fields: [{ field: '/type', message: `sharing is ${contract.sharing}` }] },
    );
  }
  const schemas = major.map((v) => v.schema);
  const unknownField = filter && fieldNoSchemaAllows(filter, schemas);
  if (unknownField) {
    throw new BadRequestError(
      'invalid_filter',
      `The filter names data.${unknownField.path}, which no version ${named.major}.x of ${named.type} allows: it would never match.`,
      { fields: [{ field: unknownField.pointer, message: `no version ${named.major}.x allows this field` }] },
    );
  }
  // Each field allowed by some version, but no one version allowing them all together (review "versions",
  // 2026-12-07): every event is of one version, validated against it alone, so the rule would never match.
  const apart = filter && fieldsNoOneSchemaAllows(filter, schemas);
  if (apart) {
    const newest = major[major.length - 1]!;
    throw new BadRequestError(
      'invalid_filter',
      `The filter needs fields that no one version ${named.major}.x of ${named.type} allows together (${newest.version}, the newest, has no data.${apart.path}): each event is of one version, so it would never match.`,
      {
        fields: [
          {
            field: apart.pointer,
            message: `no version ${named.major}.x allows this field with the filter's others`,
          },
        ],
      },
    );
  }
  const id = randomUUID();
  const now = ports.now();
  const subscription: Subscription = {
    id,
    type: contract.type,
    major: contract.major,
    version: contract.version,
    ...(input.filter ? { filter: input.filter } : {}),
    endpoint: { url: input.endpoint.url },
    departmentId: caller.departmentId,
    systemId: caller.systemId,
    ruleName: ruleNameFor(id),
    status: SUBSCRIPTION_ACTIVE,
    createdAt: now.toISOString(),
  };
  // Before the rule: the same subscription again would deliver each event twice (and use up the rules quota).
  const same = await ports.registry.findSameSubscription(subscription);
  if (same !== undefined) throw sameSubscription(same);
  // The rule first: EventBridge is the judge of the filter, and a refused filter must leave nothing behind.
  await putRuleOf(ports, subscription, contract);
  try {
    await ports.registry.createSubscription(
      subscription,
      auditEntry(principal, 'subscription.created', `subscription:${id}`, now),
    );
  } catch (error) {
    // The same subscription made at the same moment by another request: nothing of ours was stored.
    const refused = error instanceof RegistryDuplicateError;
    // Any other failure may have come after the write took effect (its answer lost): read it back. A stored
    // subscription keeps its rule, and the request succeeded. Unsure, the rule stays: a rule without its subscription
    // delivers nothing, a subscription without its rule would silently receive nothing. Unsure is: the read failed
    // too, or the SDK gave up on a write that may still commit after the read (TransactionInProgressException, or
    // every attempt cut for silence, which the registry answers as a RegistryBusyError that may have changed it: a
    // check of the SDK's TimeoutError alone never matched that, and the rule was removed; review, 2026-12-07), when
    // not found proves nothing. A read, or the audit-day write before the transaction, cut for silence has not
    // changed it (errpaths review, 2026-12-07: the rule was kept although no transaction had been sent).
    const outcomeUnknown = error instanceof RegistryBusyError && error.mayHaveChanged;
    const stored = refused
      ? false
      : await ports.registry.getSubscription(id).then(
          (found) => (found === undefined && outcomeUnknown ? undefined : found !== undefined),
          () => undefined,
        );
    if (stored === true) {
      logger.warn('the subscription was stored although the registry answered an error', { error, id });
      return subscription;
    }
    if (stored === false) {
      // Undo the rule; if even that fails, the caller hears the first error. The rule delivers nothing (the
      // deliver function drops events of unknown subscriptions); the local runtime's reconcile removes it at the
      // next start, in AWS it stays until removed by hand, so it is logged with its name.
      await ports.bus.deleteSubscriptionRule(subscription.ruleName).catch((cleanup: unknown) => {
        logger.error('could not remove the rule of a subscription that was not stored', {
          cleanup,
          ruleName: subscription.ruleName,
        });
      });
    } else {
      logger.error('kept the rule of a subscription that may or may not be stored', {
        ruleName: subscription.ruleName,
      });
    }
    if (error instanceof RegistryDuplicateError) throw sameSubscription(error.existingId, error);
    throw error;
  }
  return subscription;
}

/**
 * A filter whose rule pattern no quota lets EventBridge take, refused as EventBridge would refuse it, before the
 * work that grows with it: a body of up to 6 MB of filter was read against every version of the major
 * (fieldNoSchemaAllows), then canonicalized and sent, before EventBridge refused it; 400,000 fields against 200
 * versions held the local runtime 15 s (adversarial-input review, 2026-12-06).
 */
function refuseOverlongPattern(
  contract: Pick<ContractVersion, 'type' | 'ownerDepartment' | 'major'>,
  filter: Record<string, unknown> | undefined,
): void {
  if (filter === undefined) return;
  const length = eventPatternFor(contract, filter).length;
  if (length <= EVENT_PATTERN_MODEL_MAX) return;
  const refusal = overlongPattern(length);
  // The room the filter has, as the local runtime's refusal of a pattern past 2,048 says it (README: "saying how
  // much room there is").
  const own = ownConditionsLength(contract);
  const message = `${refusal.message} sharebus's own conditions for ${contract.type} take ${own}, so the filter (written as compact JSON) may take ${2_048 - own} by default, ${EVENT_PATTERN_MODEL_MAX - own} with a raised quota, and it takes ${length - own}.`;
  throw new BadRequestError('invalid_filter', `EventBridge refuses the filter: ${message}`, {
    fields: [{ field: filterFault(refusal.message, contract, filter), message }],
  });
}

/**
 * EventBridge counts a pattern's length over the whole rule pattern, sharebus's own conditions included: say how
 * much of it the filter may take.
 */
function filterShare(
  message: string,
  contract: Pick<ContractVersion, 'type' | 'ownerDepartment' | 'major'>,
  filter: Record<string, unknown> | undefined,
): string {
  const tooLong = /Event pattern is (\d+) characters long; the maximum is (\d+)/.exec(message);
  // EventBridge ends its reason with where its parser stood in the rule's whole pattern (`\n at [Source: ...]`),
  // which sharebus wrote around the filter: the place means nothing to the caller, the reason does.
  if (tooLong === null) return message.split('\n at [Source: (String)')[0] as string;
  const own = ownConditionsLength(contract);
  const limit = Number(tooLong[2]);
  return `the rule's pattern would be ${tooLong[1]} characters and EventBridge takes at most ${limit}; sharebus's own conditions for ${contract.type} take ${own}, so the filter (written as compact JSON) may take ${limit - own}, and it takes ${JSON.stringify(filter).length}.`;
}

/** What a rule's pattern takes besides its filter: with an empty one (`,"data":{}`), less its two braces. */
function ownConditionsLength(contract: Pick<ContractVersion, 'type' | 'ownerDepartment' | 'major'>): number {
  return eventPatternFor(contract, {}).length - 2;
}

/**
 * The JSON Pointer of the filter's part at fault, from where EventBridge's parser stood in the rule's pattern when
 * it refused it: its reason ends `\n at [Source: (String)"PATTERN"; line: 1, column: N]`. `/filter` when the
 * refusal names no place (a CIDR fault, a pattern too long) or one outside the filter.
 */
function filterFault(
  message: string,
  contract: Pick<ContractVersion, 'type' | 'ownerDepartment' | 'major'>,
  filter: Record<string, unknown> | undefined,
): string {
  const column = message.includes('\n at [Source: (String)"')
    ? /; line: 1, column: (\d+)\]$/.exec(message)?.[1]
    : undefined;
  const pattern = patternFor(contract, filter);
  const path =
    column === undefined ? undefined : patternPlace(pattern, JSON.stringify(pattern), Number(column));
  if (path === undefined || path[0] !== 'detail' || path[1] !== 'data') return '/filter';
  return `/filter${jsonPointer(conditionPlace(filter, path.slice(2)))}`;
}

/** Puts the subscription's rule and target, or throws what the caller is to be told (having left no rule). */
async function putRuleOf(
  ports: SubscriptionPorts,
  subscription: Subscription,
  contract: ContractVersion,
): Promise<void> {
  const rule = ruleFor(subscription, contract);
  for (let attempt = 1; ; attempt++) {
    try {
      await ports.bus.putSubscriptionRule(rule);
      return;
    } catch (error) {
      if (error instanceof InvalidRulePatternError) {
        const message = filterShare(error.message, contract, subscription.filter);
        throw new BadRequestError('invalid_filter', `EventBridge refuses the filter: ${message}`, {
          fields: [{ field: filterFault(error.message, contract, subscription.filter), message }],
          cause: error,
        });
      }
      if (error instanceof RulesQuotaError) {
        // The same subscription, asked for at the same moment, may have taken the last rule since the check before:
        // then this request is a repeat of it, not one the quota refuses. Looked for at the second refusal too: the
        // twin may have been refused at first as well and taken the place freed while this one waited (race review,
        // session 61: two copies each of two subscriptions at two free places answered one copy 503).
        const madeSince = await sameSubscriptionStoredSoon(ports.registry, subscription);
        if (madeSince !== undefined) throw sameSubscription(madeSince);
        if (attempt > 1) throw new RulesQuotaProblem(error, usesWildcard(subscription.filter));
        // Or another subscription's repeats held places for a moment: each makes its rule before it learns it is a
        // repeat, then removes it. After that wait, once more (race review, 2026-12-05: a subscription was refused
        // for a quota the bus had room under, while a twice-sent other one was being made).
        continue;
      }
      // PutRule may have made the rule before PutTargets failed: take it away again, as createSubscription does.
      await ports.bus.deleteSubscriptionRule(subscription.ruleName).catch((cleanup: unknown) => {
        logger.error('could not remove the rule of a subscription whose target could not be put', {
          cleanup,
          ruleName: subscription.ruleName,
        });
      });
      throw busBusyProblem(error, 'made');
    }
  }
}

/**
 * The id of a subscription like this one stored now or within about 0.6 s. A request that took the last rule stores
 * its subscription after its PutRule, in a transaction that takes longer than the one read its twin's refusal leads
 * to: looking once, at once, finds it too early.
 */
async function sameSubscriptionStoredSoon(
  registry: SubscriptionPorts['registry'],
  subscription: Subscription,
): Promise<string | undefined> {
  for (const waitMs of SAME_SUBSCRIPTION_WAITS_MS) {
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const found = await registry.findSameSubscription(subscription).catch(() => undefined);
    if (found !== undefined) return found;
  }
  return undefined;
}

const SAME_SUBSCRIPTION_WAITS_MS = [0, 50, 150, 400];

function sameSubscription(existingId: string, cause?: unknown): ConflictError {
  return new ConflictError(
    'subscription_exists',
    `The department already subscribes to this type and major version at this endpoint with this filter, as subscription ${existingId}: a second would deliver every event twice.`,
    {
      fields: [{ field: '/endpoint/url', message: `already subscribed as ${existingId}` }],
      extensions: { existingId },
      cause,
    },
  );
}

function ruleFor(
  subscription: Subscription,
  contract: Pick<ContractVersion, 'type' | 'ownerDepartment' | 'major'>,
) {
  return {
    ruleName: subscription.ruleName,
    subscriptionId: subscription.id,
    description: `sharebus: ${subscription.departmentId}/${subscription.systemId} receives ${subscription.type} v${subscription.major}.x`,
    eventPattern: eventPatternFor(contract, subscription.filter),
  };
}

/** Subscriptions read from the registry at a time while a page fills (each takes up to some 7 KB as a view). */
const SUBSCRIPTIONS_PER_READ = 100;

type SubscriptionView = ReturnType<typeof subscriptionView>;

/**
 * The caller's subscriptions (its department's; everyone's for the admin), by department then id: as many as
 * PAGE_BYTES allow, and `nextToken` when more follow.
 */
export async function listSubscriptions(
  ports: Pick<SubscriptionPorts, 'registry'>,
  principal: Principal,
  nextToken?: string,
  pageBytes = PAGE_BYTES,
): Promise<{ subscriptions: SubscriptionView[]; nextToken?: string }> {
  const scope = principal.kind === 'admin' ? undefined : principal.departmentId;
  const {
    views: subscriptions,
    after,
    full,
  } = await fillPage({
    read: (after: SubscriptionKey | undefined, limit) =>
      ports.registry.listSubscriptions(scope, { after, limit }),
    view: subscriptionView,
    keyOf: (subscription) => ({ departmentId: subscription.departmentId, id: subscription.id }),
    after: nextToken === undefined ? undefined : subscriptionAfter(nextToken, scope),
    pageBytes,
    perRead: SUBSCRIPTIONS_PER_READ,
  });
  return {
    subscriptions,
    ...(full ? { nextToken: encodePageToken({ scope: scope ?? null, after }) } : {}),
  };
}

/** The subscription a nextToken of the caller's listing resumes after. */
function subscriptionAfter(token: string, scope: string | undefined): SubscriptionKey {
  const fields = decodePageToken(token) as {
    scope?: unknown;
    after?: { departmentId?: unknown; id?: unknown };
  } | null;
  const after = typeof fields === 'object' && fields !== null ? fields.after : undefined;
  // Only what a listing could have given: a subscription id (a UUID) of a department, within the caller's listing.
  if (
    typeof after !== 'object' ||
    after === null ||
    typeof after.departmentId !== 'string' ||
    !DepartmentIdSchema.safeParse(after.departmentId).success ||
    typeof after.id !== 'string' ||
    !UUID.test(after.id)
  ) {
    throw invalidNextToken('it is not a token this API gave');
  }
  if ((fields?.scope ?? undefined) !== scope)
    throw invalidNextToken("it belongs to another caller's listing");
  if (scope !== undefined && after.departmentId !== scope)
    throw invalidNextToken('it is not a token this API gave');
  return { departmentId: after.departmentId, id: after.id };
}

/** A subscription id, as createSubscription makes them (randomUUID). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Removes the rule first, then the subscription, so that a failure part way leaves something a repeated DELETE
 * finishes: the record (and its 404-free retry) outlives the rule, never the reverse. Removing the record first
 * left, when DeleteRule failed, a rule that nothing would ever remove in AWS and a DELETE that answered 404.
 */
export async function deleteSubscription(
  ports: Pick<SubscriptionPorts, 'registry' | 'bus' | 'now'>,
  principal: Principal,
  id: string,
): Promise<void> {
  const subscription = await ports.registry.getSubscription(id);
  const visible =
    subscription &&
    (principal.kind === 'admin' ||
      (principal.kind === 'system' && principal.departmentId === subscription.departmentId));
  if (!subscription || !visible) {
    throw new NotFoundError(
      'subscription_not_found',
      `There is no subscription ${JSON.stringify(id)} of the caller's department.`,
    );
  }
  await ports.bus.deleteSubscriptionRule(subscription.ruleName).catch((error: unknown) => {
    throw busBusyProblem(error, 'deleted');
  });
  await ports.registry.deleteSubscription(
    subscription,
    auditEntry(principal, 'subscription.deleted', `subscription:${id}`, ports.now()),
  );
}

/**
 * `error`, or, for EventBridge's rate refusal or its silence (BusBusyError), the 503 that tells the caller to send the
 * request again in a moment: before, it was a 500 internal_error, which says nothing of the kind (handlers review,
 * 2026-12-06; silence: errpaths review, 2026-12-07).
 * The subscription's rule is changed before its record, so the record is as it was; a deletion throttled at
 * DeleteRule, after RemoveTargets went through, has left its rule without a target, so nothing is delivered to it
 * until the deletion is sent again, or a local start puts the target back (a deploy's retarget leaves it without one).
 */
function busBusyProblem(error: unknown, change: 'made' | 'deleted'): unknown {
  if (!(error instanceof BusBusyError)) return error;
  const why =
    error.failedWith !== undefined
      ? `EventBridge kept failing changes to the subscription's rule (${error.failedWith}) through retries`
      : error.silent
        ? "EventBridge did not answer changes to the subscription's rule in time through retries"
        : "EventBridge kept throttling changes to the subscription's rule after retries";
  return new BusBusyProblem(
    `${why}, so the subscription was not ${change}${change === 'deleted' ? ' (its deliveries may have stopped)' : ''}: send the request again in a moment.`,
    { cause: error },
  );
}

/** Rules put at once when the registry and the bus are reconciled. */
const RECONCILE_CONCURRENCY = 16;

/**
 * Makes the bus's sharebus rules match the registry: every subscription this version may deliver to (isDeliverable)
 * has its rule (re-created as stored), and rules with our prefix but no such subscription are removed. The local
 * runtime runs it at every start: its EventBridge keeps its rules on disk, but a stop between a rule's change and the
 * registry's leaves them apart.
 */
export async function reconcileRules(ports: Pick<SubscriptionPorts, 'registry' | 'bus' | 'contracts'>) {
  // Only subscriptions this version may deliver to have a rule: one with a status a later version wrote (awaiting
  // approval, say), or requiring what this version lacks, must not be given one after a rollback, and the rule it may
  // have is removed first, so that nothing is routed to it that this version cannot tell it may have.
  const subscriptions = (await ports.registry.listSubscriptions()).filter(isDeliverable);
  const wanted = new Set(subscriptions.map((subscription) => subscription.ruleName));
  // Rules no subscription has are removed before any is put: each holds a place under the bus's rules quota, and a
  // stop between a rule's change and the registry's (a creation's PutRule, a deletion's DeleteRule), or a rule made
  // by hand, can leave the bus full with such rules while a subscription lacks its own. Put first, that one's rule
  // was refused with RulesQuotaError, at every start (race review, 2026-12-07).
  const removed: string[] = [];
  for (const name of await ports.bus.listRuleNames(SUBSCRIPTION_RULE_PREFIX)) {
    if (!wanted.has(name)) {
      await ports.bus.deleteSubscriptionRule(name);
      removed.push(name);
    }
  }
  // RECONCILE_CONCURRENCY rules at once, so that the writes the embedded EventBridge answers each call after are
  // shared: one after another, 300 subscriptions held the start 34 to 35 s while the 48,000 deliveries the last run
  // left resumed (10 s at 16 at once; scale review, 2026-12-05). With nothing resumed it makes no difference: 2,000
  // subscriptions started in 4.6 to 5.0 s either way. A failure is thrown once the puts under way have ended, so that
  // none puts a rule after the caller has given up (diff review).
  await eachAtMost(subscriptions, RECONCILE_CONCURRENCY, async (subscription) => {
    const contract = await ports.contracts.resolve(subscription.type, subscription.version);
    await ports.bus.putSubscriptionRule(ruleFor(subscription, contract));
  });
  return { rules: wanted.size, removed };
}

export function subscriptionView(subscription: Subscription) {
  return {
    id: subscription.id,
    type: subscription.type,
    version: subscription.version,
    major: subscription.major,
    ...(subscription.filter ? { filter: subscription.filter } : {}),
    endpoint: subscription.endpoint,
    department: subscription.departmentId,
    system: subscription.systemId,
    status: subscription.status,
    createdAt: subscription.createdAt,
  };
}
