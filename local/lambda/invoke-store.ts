// Keeps each local invocation's Lambda context apart, as Lambda's own runtime does when one execution environment
// runs several invocations at once (Lambda Managed Instances): the handlers' Powertools logger keeps the function
// name, request id and appended keys of an invocation in the store the runtime installs at
// `globalThis.awslambda.InvokeStore`, once `AWS_LAMBDA_MAX_CONCURRENCY` says invocations run concurrently.
import { AsyncLocalStorage } from 'node:async_hooks';
import { InvokeStoreBase } from '@aws/lambda-invoke-store';

type StoreContext = Record<string | symbol, unknown>;

/**
 * One context per invocation, carried across its awaits by AsyncLocalStorage. Outside every invocation (a module's
 * top level, the runtime's own work) it keeps one shared context, as the single-invocation store of Lambda's runtime
 * does, rather than refusing as Lambda's multi-invocation store does: a logger built or used there must not throw.
 */
export class LocalInvokeStore extends InvokeStoreBase {
  readonly #invocations = new AsyncLocalStorage<StoreContext>();
  readonly #outside: StoreContext = {};

  getContext(): StoreContext | undefined {
    return this.#invocations.getStore();
  }

  hasContext(): boolean {
    return this.#invocations.getStore() !== undefined;
  }

  get<T = unknown>(key: string | symbol): T | undefined {
    return (this.#invocations.getStore() ?? this.#outside)[key] as T | undefined;
  }

  set<T = unknown>(key: string | symbol, value: T): void {
    if (this.isProtectedKey(key))
      throw new Error(`Cannot modify protected Lambda context field: ${String(key)}`);
    (this.#invocations.getStore() ?? this.#outside)[key] = value;
  }

  run<T>(context: StoreContext, fn: () => T): T {
    return this.#invocations.run(context, fn);
  }
}

/**
 * The process's store, installed at the first call (when the handlers are loaded, or at a first invocation);
 * `concurrency` is what `AWS_LAMBDA_MAX_CONCURRENCY` then says (the invocations of a function the runtime runs at
 * once).
 *
 * Its cost: on Node 20, AsyncLocalStorage's hooks then run on every promise of the process; `npm run bench:api`
 * measured 5 to 10% fewer events a second under load with it (2 runs each: batches 632 and 732 against 761 and 791,
 * fan-out deliveries 892 and 931 against 995 and 1,018), and no change one publish at a time. Before (2026-12-05),
 * every handler shared one logger whose context was the last invocation's to start: a publish's "request failed" line
 * could carry a delivery's function name and request id, and a delivery ending cleared the keys a publish had
 * appended.
 */
export function localInvokeStore(concurrency: number): InvokeStoreBase {
  const lambda = (globalThis as { awslambda?: { InvokeStore?: InvokeStoreBase } }).awslambda ?? {};
  (globalThis as { awslambda?: unknown }).awslambda = lambda;
  if (!(lambda.InvokeStore instanceof LocalInvokeStore)) lambda.InvokeStore = new LocalInvokeStore();
  process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= String(concurrency);
  return lambda.InvokeStore;
}

/** A new invocation's context: its request id, which `getRequestId()` answers within it. */
export function invocationContext(requestId: string): StoreContext {
  return { [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId };
}
