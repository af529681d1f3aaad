// DynamoDB Local's start under a proxy of the developer's: with NODE_USE_ENV_PROXY=1 (Node 22.21+, 24.5+) Node's fetch
// sends every request to HTTP_PROXY unless NO_PROXY names the host, 127.0.0.1 included, and `npm start` waited out
// its 30 s and said "DynamoDB Local did not answer on http://127.0.0.1:… in time" (network edges review, session 64:
// Node 24.22.3, HTTP_PROXY on a dead port). The SDK's clients and the webhook deliveries use agents of their own,
// which that setting leaves alone; the launcher's check must too. Node 20, which runs these tests, has no such
// setting, so fetch is made here what it is there: sent to a proxy that is not listening.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { untilUp } from '../../local/dynamodb/launcher.js';

let server: Server;
let endpoint: string;
const realFetch = globalThis.fetch;

beforeAll(async () => {
  // Any HTTP server stands for DynamoDB Local here: untilUp asks for an answer, whatever it is.
  server = createServer((_req, res) => res.writeHead(400).end());
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  globalThis.fetch = (async () => {
    const refused: NodeJS.ErrnoException = new Error('connect ECONNREFUSED 127.0.0.1:9 (HTTP_PROXY)');
    refused.code = 'ECONNREFUSED';
    throw new TypeError('fetch failed', { cause: refused });
  }) as typeof fetch;
});

afterAll(async () => {
  globalThis.fetch = realFetch;
  await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
});

it('sees a server answering on 127.0.0.1 though fetch would go through a proxy', async () => {
  // Act
  const up = untilUp(
    endpoint,
    () => true,
    () => undefined,
    performance.now() + 5_000,
  );
  // Assess
  await expect(up).resolves.toBeUndefined();
});
