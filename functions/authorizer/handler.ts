// API Gateway HTTP API Lambda authorizer (simple responses). It never denies; it labels the request with the
// caller's identity or what is wrong with the key, and the functions answer 401 as problem+json.
import middy from '@middy/core';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { createSilenceCutRegistry } from '../shared/clients.js';
import type { AuthorizerContext } from '../shared/http.js';
import { lambdaContextLogs } from '../shared/logger.js';
import { authorize, KeyCache } from './authorize.js';

const registry = createSilenceCutRegistry();
const cache = new KeyCache();

export interface SimpleAuthorizerResult {
  readonly isAuthorized: boolean;
  readonly context: AuthorizerContext;
}

export const handler = middy<APIGatewayRequestAuthorizerEventV2, SimpleAuthorizerResult>()
  .use(lambdaContextLogs())
  .handler(async (event) => ({
    isAuthorized: true,
    context: await authorize({ registry, now: laterClock }, cache, event.headers?.authorization),
  }));

/**
 * The key cache's clock (for its TTL alone): the later of the wall clock and the monotonic one, so neither a wall
 * clock set back an hour (which kept a key removed meanwhile working for that hour: clock review, 2026-12-06) nor a
 * monotonic clock that stood still while the Lambda environment was frozen keeps an entry past its 30 s.
 */
function laterClock(): number {
  return Math.max(Date.now(), performance.timeOrigin + performance.now());
}
