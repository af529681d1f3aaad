// GET /health: answers without touching any dependency, so it tells that the API and function are up.
import middy from '@middy/core';
import { httpErrors, json } from '../shared/http.js';
import { lambdaContextLogs } from '../shared/logger.js';

export const handler = middy()
  .use(lambdaContextLogs())
  .use(httpErrors())
  .handler(async () => json(200, { status: 'ok', service: 'sharebus' }));
