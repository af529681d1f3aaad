// Every error a client can cause has a stable machine code, an HTTP status and a message naming the field
// or value at fault. Anything else is a server error: logged in full, answered with a generic 500.

/**
 * One field at fault; `field` is a JSON Pointer into the request body (`/events/2/data/companyName`), the name
 * of a query parameter (`nextToken`), or `path:` and the name of a path parameter (`path:id`).
 */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
  /** On a line standing for faults left out ("and 50 more not listed"): how many (not shown in an answer). */
  readonly unlisted?: number;
}

/**
 * The first of `problems` within `count` of them and `chars` characters of fields and messages, read no further than
 * that (a validator may list a hundred thousand): how every answer stays far below Lambda's 6 MB.
 */
export function fitting(problems: Iterable<FieldProblem>, count: number, chars: number): FieldProblem[] {
  const kept: FieldProblem[] = [];
  let used = 0;
  for (const problem of problems) {
    used += problem.field.length + problem.message.length;
    if (kept.length === count || used > chars) break;
    kept.push(problem);
  }
  return kept;
}

export interface SharebusErrorOptions {
  readonly cause?: unknown;
  readonly fields?: readonly FieldProblem[];
  /** Extra members of the problem document. */
  readonly extensions?: Readonly<Record<string, unknown>>;
}

export class SharebusError extends Error {
  override name = 'SharebusError';
  /** Client errors are shown to the caller; server errors are not (middy's `expose`). */
  readonly expose: boolean;
  readonly fields: readonly FieldProblem[];
  readonly extensions: Readonly<Record<string, unknown>>;

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    options: SharebusErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.expose = status < 500;
    this.fields = options.fields ?? [];
    this.extensions = options.extensions ?? {};
  }
}

export class BadRequestError extends SharebusError {
  override name = 'BadRequestError';
  constructor(code: string, message: string, options?: SharebusErrorOptions) {
    super(400, code, message, options);
  }
}

export class UnauthorizedError extends SharebusError {
  override name = 'UnauthorizedError';
  constructor(code: 'missing_api_key' | 'unknown_api_key', message: string) {
    super(401, code, message);
  }
}

export class ForbiddenError extends SharebusError {
  override name = 'ForbiddenError';
  constructor(code: string, message: string, options?: SharebusErrorOptions) {
    super(403, code, message, options);
  }
}

export class NotFoundError extends SharebusError {
  override name = 'NotFoundError';
  constructor(code: string, message: string, options?: SharebusErrorOptions) {
    super(404, code, message, options);
  }
}

export class ConflictError extends SharebusError {
  override name = 'ConflictError';
  constructor(code: string, message: string, options?: SharebusErrorOptions) {
    super(409, code, message, options);
  }
}

export class PayloadTooLargeError extends SharebusError {
  override name = 'PayloadTooLargeError';
  constructor(code: string, message: string, options?: SharebusErrorOptions) {
    super(413, code, message, options);
  }
}

export class UnsupportedMediaTypeError extends SharebusError {
  override name = 'UnsupportedMediaTypeError';
  constructor(code: string, message: string, options?: SharebusErrorOptions) {
    super(415, code, message, options);
  }
}

/** The request is well-formed but names something that cannot be used (a contract that does not exist, data that fails its schema). */
export class UnprocessableError extends SharebusError {
  override name = 'UnprocessableError';
  constructor(code: string, message: string, options?: SharebusErrorOptions) {
    super(422, code, message, options);
  }
}

/** The bus did not accept every event after retries. Exposed, so the caller knows which events to resend. */
export class BusUnavailableError extends SharebusError {
  override name = 'BusUnavailableError';
  override readonly expose = true;
  /**
   * Whether the bus only throttled the events (every failure a ThrottlingException): contention expected under load,
   * logged as a warning, not as an error that pages. @default false
   */
  readonly throttled: boolean;
  constructor(message: string, options?: SharebusErrorOptions & { readonly throttled?: boolean }) {
    super(503, 'bus_unavailable', message, options);
    this.throttled = options?.throttled ?? false;
  }
}

/**
 * EventBridge refused events for good (a code no resend changes: the sharebus stack's permissions, or an event it
 * judged malformed). A server-side fault, but exposed like bus_unavailable, so the caller knows which were published.
 */
export class BusRejectedError extends SharebusError {
  override name = 'BusRejectedError';
  override readonly expose = true;
  constructor(message: string, options?: SharebusErrorOptions) {
    super(502, 'bus_rejected', message, options);
  }
}

/**
 * The bus holds as many subscription rules as its EventBridge quota allows; nothing was written. Only an operator
 * can help (by raising the quota), so no Retry-After.
 */
export class RulesQuotaProblem extends SharebusError {
  override name = 'RulesQuotaProblem';
  override readonly expose = true;
  /** `wildcard`: the filter refused uses `wildcard`, so the quota reached may be EventBridge's fixed 30 such rules. */
  constructor(cause: unknown, wildcard = false) {
    const message = wildcard
      ? 'The bus holds as many subscriptions as EventBridge allows: either its quota "Rules per event bus", which a platform operator can raise, or, as this filter uses "wildcard", its 30 rules with wildcards per bus, which cannot be raised: prefix, suffix or equals-ignore-case may do instead.'
      : 'The bus holds as many subscriptions as its EventBridge quota "Rules per event bus" allows; a platform operator must raise it (or subscriptions be deleted) before another can be made.';
    super(503, 'rules_quota_reached', message, {
      cause,
      ...(wildcard
        ? { fields: [{ field: '/filter', message: 'uses wildcard, 30 such rules per bus at most' }] }
        : {}),
    });
  }
}

/**
 * EventBridge kept throttling a subscription's rule change after retries, or never answered it (BusBusyError's
 * `silent`); the subscription's record was not changed.
 */
export class BusBusyProblem extends SharebusError {
  override name = 'BusBusyProblem';
  override readonly expose = true;
  constructor(message: string, options?: SharebusErrorOptions) {
    super(503, 'bus_busy', message, options);
  }
}

/**
 * The registry stayed busy (concurrent changes to the same records, throttling, no answer) through retries; nothing
 * was written unless the message says a change may have been made (RegistryBusyError's `mayHaveChanged`).
 */
export class RegistryBusyProblem extends SharebusError {
  override name = 'RegistryBusyProblem';
  override readonly expose = true;
  constructor(message: string, options?: SharebusErrorOptions) {
    super(503, 'registry_busy', message, options);
  }
}
