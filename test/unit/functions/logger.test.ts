// The functions never log an invocation's event, even with POWERTOOLS_LOGGER_LOG_EVENT=true: the event holds the
// caller's API key (the Authorization header) and a department's record (the body, or the delivered CloudEvent).
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { linesWritten } from '../../lines-written.js';

const SAVED = process.env.POWERTOOLS_LOGGER_LOG_EVENT;
// Read when the logger is made, at import: set first.
process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
const { lambdaContextLogs, logger } = await import('../../../functions/shared/logger.js');

afterAll(() => {
  if (SAVED === undefined) delete process.env.POWERTOOLS_LOGGER_LOG_EVENT;
  else process.env.POWERTOOLS_LOGGER_LOG_EVENT = SAVED;
});

/** A handler that logs one line, behind the middleware every function uses. */
const handler = middy(async () => {
  logger.info('handled');
  return 'ok';
}).use(lambdaContextLogs());
const context = { functionName: 'sharebus-publish', awsRequestId: 'r-1' } as unknown as Context;

it('logs no event, its key and record included, though POWERTOOLS_LOGGER_LOG_EVENT asks for it', async () => {
  // Prepare
  const event = {
    headers: { authorization: 'Bearer sbk_KEY-MARKER' },
    body: '{"data":{"name":"RECORD-MARKER"}}',
  };
  // Act
  const lines = await linesWritten(async () => {
    await handler(event, context);
  });
  // Assess: the variable took effect, and the handler's own line was written, but nothing of the event
  expect(logger.shouldLogEvent()).toBe(true);
  expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['handled']);
  expect(lines.join('\n')).not.toMatch(/KEY-MARKER|RECORD-MARKER/);
});

// Handlers review, 2026-12-06: the HTTP API's access log names a request by API Gateway's id alone, and no function
// line carried it, so an access-log 500 could not be tied to its "request failed" line.
it("puts API Gateway's request id on each line as api_request_id, and none on the next invocation's without one", async () => {
  // Act: an API request, then an event from EventBridge (the deliver function's)
  const lines = await linesWritten(async () => {
    await handler({ requestContext: { requestId: 'KfZ3Ej0BoAMEVbA=' } }, context);
    await handler({ subscriptionId: 'sub-1', event: {} }, context);
  });
  // Assess
  const parsed = lines.map((line) => JSON.parse(line) as { message: string; api_request_id?: string });
  expect(parsed.map(({ message, api_request_id }) => ({ message, api_request_id }))).toEqual([
    { message: 'handled', api_request_id: 'KfZ3Ej0BoAMEVbA=' },
    { message: 'handled', api_request_id: undefined },
  ]);
});
