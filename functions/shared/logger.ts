// One Powertools logger per function instance; its level comes from POWERTOOLS_LOG_LEVEL / LOG_LEVEL.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { MiddlewareObj } from '@middy/core';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sharebus' });

/**
 * Middleware that puts the invocation's request id (`function_request_id`), function name, cold start and, for a
 * request through the HTTP API (the authorizer's too), API Gateway's request id (`api_request_id`) on every line the
 * handler logs, and drops keys a handler appended once the invocation ends. Powertools writes through its
 * own console, so Lambda's JSON log format adds no request id to its lines: without this a "request failed" line
 * could not be tied to its invocation (AWS review, 2026-12-05), nor an access-log line (which names a request by
 * API Gateway's id alone) to the function's (handlers review, 2026-12-06). Not Powertools' `correlation_id`: an event's
 * own `correlationId`, the publisher's, is another thing. Used first, so that httpErrors logs with it.
 * Never logs the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it holds the caller's API key (the Authorization
 * header) and a department's record (the body, or the delivered CloudEvent) (leak review, 2026-12-06).
 */
export const lambdaContextLogs = (): MiddlewareObj => {
  const injected = injectLambdaContext(logger, { resetKeys: true, logEvent: false });
  return {
    ...injected,
    before: async (request) => {
      await injected.before?.(request);
      const id = (request.event as { requestContext?: { requestId?: unknown } } | null)?.requestContext
        ?.requestId;
      if (typeof id === 'string') logger.appendKeys({ api_request_id: id });
    },
  };
};
