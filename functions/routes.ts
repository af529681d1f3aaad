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
} as const;

export type FunctionName = keyof typeof FUNCTIONS;

export interface Route {
  /** API Gateway route key, e.g. `POST /departments/{id}/systems`. */
  readonly routeKey: string;
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly function: FunctionName;
  /** Whether the API-key authorizer runs first. */
  readonly authorized: boolean;
}

const route = (method: Route['method'], path: string, fn: FunctionName, authorized = true): Route => ({
  routeKey: `${method} ${path}`,
  method,
  path,
  function: fn,
  authorized,
});

export const ROUTES: readonly Route[] = [
  route('GET', '/health', 'health', false),
  route('POST', '/departments', 'departments'),
  route('POST', '/departments/{id}/systems', 'departments'),
  route('POST', '/contracts', 'contracts'),
  route('GET', '/contracts', 'contracts'),
  route('GET', '/contracts/{type}', 'contracts'),
  route('POST', '/events', 'publish'),
  route('POST', '/subscriptions', 'subscriptions'),
  route('GET', '/subscriptions', 'subscriptions'),
  route('DELETE', '/subscriptions/{id}', 'subscriptions'),
];

/** Rules that sharebus manages on the bus are named with this prefix; nothing else is touched. */
export const SUBSCRIPTION_RULE_PREFIX = 'sharebus-sub-';
