// One Powertools logger per function instance; its level comes from POWERTOOLS_LOG_LEVEL / LOG_LEVEL.
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'sharebus' });

/**
 * Middleware that puts the invocation's request id (`function_request_id`), function name and cold start on every
 * line the handler logs, and drops keys a handler appended once the invocation ends. Powertools writes through its
 * own console, so Lambda's JSON log format adds no request id to its lines: without this a "request failed" line
 * could not be tied to its invocation (AWS review, 2026-12-05). Used first, so that httpErrors logs with it.
 * Never logs the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it holds the caller's API key (the Authorization
 * header) and a department's record (the body, or the delivered CloudEvent) (leak review, 2026-12-06).
 */
export const lambdaContextLogs = () => injectLambdaContext(logger, { resetKeys: true, logEvent: false });
