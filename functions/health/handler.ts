// GET /health: answers without touching any dependency, so it tells that the API and function are up.
import middy from '@middy/core';
import { httpErrors, json } from '../shared/http.js';

export const handler = middy()
  .use(httpErrors())
  .handler(async () => json(200, { status: 'ok', service: 'sharebus' }));
