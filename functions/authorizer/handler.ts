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
    // The key cache's clock (for its TTL alone): monotonic, so a wall clock set back an hour does not keep a key
    // rotated or removed meanwhile working for that hour (clock review, 2026-12-06).
    context: await authorize({ registry, now: () => performance.now() }, cache, event.headers?.authorization),
  }));
