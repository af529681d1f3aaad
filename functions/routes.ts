// The one list of HTTP routes and functions. The CDK stack builds API Gateway routes and Lambda
// functions from it; the local front door maps requests with it. Change a route here, and both follow.
export const FUNCTIONS = {
  authorizer: 'functions/authorizer/handler.ts',
  health: 'functions/health/handler.ts',
  departments: 'functions/departments/handler.ts',
  contracts: 'functions/contracts/handler.ts',
  publish: 'functions/publish/handler.ts',
  subscriptions: 'functions/subscriptions/handler.ts',
  deliver: 'functions/deliver/handler.ts',
  /** Behind no route: the stack's SubscriptionTargets custom resource, which CloudFormation calls at a deploy. */
  retarget: 'functions/retarget/handler.ts',
} as const;

export type FunctionName = keyof typeof FUNCTIONS;

/**
 * Requests per second, and in a burst, each route of the API takes across all callers: its stage's default route
 * throttle (CDK, front door), which API Gateway applies to every route on its own.
 */
export interface ApiThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** The API's throttle unless configured otherwise. */
export const DEFAULT_API_THROTTLE: ApiThrottle = { rateLimit: 100, burstLimit: 200 };

/** How long the bus's archive keeps events unless configured otherwise: the stack's default, and the local one's. */
export const DEFAULT_ARCHIVE_RETENTION_DAYS = 30;

/** Timeout of one webhook POST by the deliver function, unless configured otherwise. */
export const DEFAULT_WEBHOOK_TIMEOUT_SECONDS = 10;
/**
 * Lambda's retries of a failed asynchronous invocation of the deliver function (its event invoke config): a webhook
 * that fails is tried twice more, about one and two minutes later, then dead-lettered. CDK deploys it and the local
 * runtime's embedded EventBridge applies it, as Lambda would.
 */
export const DELIVER_RETRY_ATTEMPTS = 2;
/** What the deliver function may run beyond its webhook POST: reading the subscription, logging. */
export const DELIVER_TIMEOUT_MARGIN_SECONDS = 20;
/** Lambda's longest timeout (its quota, fixed). */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;
/** A webhook POST's timeout, in ms: a second at least, and at most what keeps the deliver function within Lambda's. */
export const WEBHOOK_TIMEOUT_BOUNDS_MS = {
  min: 1000,
  max: (LAMBDA_MAX_TIMEOUT_SECONDS - DELIVER_TIMEOUT_MARGIN_SECONDS) * 1000,
} as const;
/**
 * EventBridge's bounds for a target's retry policy (PutTargets refuses values past them); a subscription's target
 * has the most of each unless configured otherwise.
 */
export const DELIVERY_RETRY_BOUNDS = {
  maxRetries: { min: 0, max: 185 },
  maxEventAgeSeconds: { min: 60, max: 86_400 },
} as const;

/**
 * Each function's Lambda timeout, in seconds. CDK deploys these and the local invoker enforces them. The
 * deliver function's follows the webhook timeout (see functionTimeoutMs); this is it for the default one.
 */
export const FUNCTION_TIMEOUT_SECONDS: Readonly<Record<FunctionName, number>> = {
  authorizer: 5,
  health: 3,
  departments: 10,
  contracts: 10,
  publish: 10,
  // PutRule and PutTargets, and when one fails RemoveTargets and DeleteRule to take the rule away again: four calls of
  // the rules client, each up to 3 attempts cut after 2 s of silence (RULES_SILENCE_TIMEOUT_MS), 24.6 s at most. At
  // 10 s, a silent EventBridge had Lambda cut the cleanup short (a bare 500, the rule left). Under API Gateway's 30 s.
  subscriptions: 25,
  deliver: DEFAULT_WEBHOOK_TIMEOUT_SECONDS + DELIVER_TIMEOUT_MARGIN_SECONDS,
  // Two EventBridge calls a subscription, a few at a time, throttled by the control plane: thousands fit.
  retarget: 600,
};

/**
 * Each function's Lambda memory, in MB: CDK deploys it, and the local invoker reports it (context.memoryLimitInMB).
 * Publish has twice the others': compiling the contract versions a request names may hold 270 MB for 3 s (see
 * COMPILE_TIMEOUT_MS), beside a body of up to 6 MB and the versions kept compiled; and Lambda's CPU grows with it.
 */
export const FUNCTION_MEMORY_MB: Readonly<Record<FunctionName, number>> = {
  authorizer: 512,
  health: 256,
  departments: 512,
  contracts: 512,
  publish: 1_024,
  subscriptions: 512,
  deliver: 512,
  retarget: 256,
};

/** The registry table's indexes by name (functions/shared/registry/table.ts): GSI1 and CATALOGUE_INDEX. */
export type RegistryIndex = 'gsi1' | 'catalogue';

/**
 * What each function may do with the registry table, as CDK grants it: the DynamoDB actions its registry calls send
 * (a transaction's items count as their own actions, as IAM checks them), and the indexes it queries. Exactly
 * these: `test/integration/registry/registry-access.test.ts` runs those calls against DynamoDB Local and compares.
 */
export type RegistryAccess = {
  readonly actions: readonly RegistryAction[];
  /** The indexes its calls query: granted on each by its ARN, and on no other. */
  readonly indexes: readonly RegistryIndex[];
} & (
  | {
      /**
       * The partition keys its calls may name on the table itself, as IAM StringLike patterns
       * (dynamodb:LeadingKeys). The deliver function, which calls outside webhooks, must not be able to read the admin
       * key's hash, other key hashes or the audit (AWS review, 2026-12-05); nor may a function that writes put the
       * admin key's item or, but for departments, an API key's: either would mint a key (AWS review, 2026-12-07). The
       * writers name the audit's day index (AUDITDAYS) outright: it is written once per process and day, so the test
       * that records the keys (sharing one registry across calls) cannot see it for every function. Queries of an
       * index are granted apart, without it: there the leading key is the index's own partition key.
       */
      readonly leadingKeys: readonly string[];
      readonly indexOnly?: undefined;
    }
  | {
      /**
       * Its calls read its indexes alone: granted on them and not on the table, so that it cannot query the table's
       * own items (the admin key's hash, key hashes, the audit) with the same action.
       */
      readonly indexOnly: true;
      readonly leadingKeys?: undefined;
    }
);

export type RegistryAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem'
  | 'dynamodb:ConditionCheckItem';

/** The audit's partitions: a day's entries, and the index of the days. Every function that writes one writes both. */
const AUDIT_KEYS = ['AUDIT#*', 'AUDITDAYS'] as const;

export const REGISTRY_ACCESS: Readonly<Record<FunctionName, RegistryAccess | undefined>> = {
  authorizer: { actions: ['dynamodb:GetItem'], indexes: [], leadingKeys: ['APIKEY#*'] },
  health: undefined,
  departments: {
    actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
    indexes: [],
    leadingKeys: ['DEPT#*', 'APIKEY#*', ...AUDIT_KEYS],
  },
  contracts: {
    actions: [
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ],
    // GSI1 for the catalogue's reads while DynamoDB fills its index after the deploy that adds it (listContracts)
    indexes: ['gsi1', 'catalogue'],
    leadingKeys: ['CONTRACT#*', 'DEPT#*', ...AUDIT_KEYS],
  },
  publish: { actions: ['dynamodb:GetItem', 'dynamodb:Query'], indexes: [], leadingKeys: ['CONTRACT#*'] },
  subscriptions: {
    actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
    indexes: ['gsi1'],
    leadingKeys: ['SUB#*', 'SUBSAME#*', 'CONTRACT#*', ...AUDIT_KEYS],
  },
  deliver: { actions: ['dynamodb:GetItem'], indexes: [], leadingKeys: ['SUB#*'] },
  retarget: { actions: ['dynamodb:Query'], indexes: ['gsi1'], indexOnly: true },
};

/**
 * A function's timeout in milliseconds, the deliver function's for the webhook timeout it runs with: whole seconds,
 * as Lambda takes them (a webhook timeout of 1.5 s gives 22 s, which the local invoker enforced as 21.5; parity
 * review, 2026-12-06).
 */
export function functionTimeoutMs(
  name: FunctionName,
  webhookTimeoutMs = DEFAULT_WEBHOOK_TIMEOUT_SECONDS * 1000,
): number {
  if (name === 'deliver')
    return Math.ceil((webhookTimeoutMs + DELIVER_TIMEOUT_MARGIN_SECONDS * 1000) / 1000) * 1000;
  return FUNCTION_TIMEOUT_SECONDS[name] * 1000;
}

export interface Route {
  /** API Gateway route key, e.g. `POST /departments/{id}/systems`. */
  readonly routeKey: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly function: FunctionName;
  /** Whether the API-key authorizer runs first. */
  readonly authorized: boolean;
  /** The query parameters it takes; any other is refused, not ignored (a misspelt `nextToken` would page forever). */
  readonly query: readonly string[];
}

const route = (
  method: Route['method'],
  path: string,
  fn: FunctionName,
  { authorized = true, query = [] }: { authorized?: boolean; query?: readonly string[] } = {},
): Route => ({
  routeKey: `${method} ${path}`,
  method,
  path,
  function: fn,
  authorized,
  query,
});

export const ROUTES: readonly Route[] = [
  route('GET', '/health', 'health', { authorized: false }),
  route('POST', '/departments', 'departments'),
  route('POST', '/departments/{id}/systems', 'departments'),
  route('POST', '/contracts', 'contracts'),
  route('GET', '/contracts', 'contracts', { query: ['nextToken'] }),
  route('GET', '/contracts/{type}', 'contracts', { query: ['nextToken'] }),
  route('POST', '/events', 'publish'),
  route('POST', '/subscriptions', 'subscriptions'),
  route('GET', '/subscriptions', 'subscriptions', { query: ['nextToken'] }),
  route('DELETE', '/subscriptions/{id}', 'subscriptions'),
];

/** Rules that sharebus manages on the bus are named with this prefix; nothing else is touched. */
export const SUBSCRIPTION_RULE_PREFIX = 'sharebus-sub-';
