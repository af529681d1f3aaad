// Runs `npm start`'s program as a child process, exactly as a user would, on free ports and in memory,
// and reads what it prints. A webhook receiver records what the deliver function POSTs.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';

/** The project's root (where package.json is). */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LocalSharebus {
  readonly apiUrl: string;
  readonly eventBridgeUrl: string;
  readonly dynamoDbUrl: string;
  readonly adminKey: string;
  readonly demoKeys: Readonly<Record<string, string>>;
  readonly output: () => string;
  /** The process's id, and its exit code once it has exited by itself or been stopped. */
  readonly pid: number;
  readonly exited: Promise<number | null>;
  /** Closes our end of its output, as a terminal that was closed: what it prints after goes nowhere. */
  closeOutput(): void;
  /** Sends `signal` (default SIGINT, Ctrl-C's) and waits for the process to exit; returns its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The sharebus processes this file's tests started and have not stopped: stopped after them, should a test fail first. */
const running = new Set<LocalSharebus>();
afterAll(async () => {
  await Promise.all([...running].map((bus) => bus.stop()));
});

export async function startLocalSharebus(
  env: Record<string, string> = {},
  args: string[] = ['--in-memory'],
  /** An open-file limit (`ulimit -n`, soft and hard) to run it under: set by bash, which then becomes node (exec). */
  openFiles?: number,
): Promise<LocalSharebus> {
  const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;
  // tsx as a loader rather than its CLI, so the signal reaches our process itself, as Ctrl-C would.
  const command = [process.execPath, '--import', 'tsx', join(root, 'local/start.ts'), ...args];
  const child: ChildProcess = spawn(
    openFiles === undefined ? process.execPath : 'bash',
    openFiles === undefined
      ? command.slice(1)
      : ['-c', `ulimit -n ${openFiles} && exec "$@"`, 'bash', ...command],
    {
      cwd: root,
      env: {
        ...process.env,
        SHAREBUS_PORT: '0',
        SHAREBUS_EVENTBRIDGE_PORT: '0',
        SHAREBUS_DYNAMODB_PORT: '0',
        SHAREBUS_ADMIN_KEY: adminKey,
        SHAREBUS_EVENTBRIDGE_DELAY_SCALE: '0.001',
        // The tests send faster than the deployed API's 100 requests a second; throttle.test.ts tests the throttle.
        SHAREBUS_API_THROTTLE: 'off',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));

  const deadline = Date.now() + 90_000;
  while (!/sharebus ready/.test(output)) {
    if (child.exitCode !== null) throw new Error(`sharebus exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sharebus did not print "sharebus ready" in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const field = (label: string) => {
    const match = new RegExp(`${label}\\s+(http://\\S+)`).exec(output);
    if (!match?.[1]) {
      // Ready but not as expected: stopped here, since it is not yet among those afterAll stops.
      child.kill('SIGINT');
      throw new Error(`no ${label} line in:\n${output}`);
    }
    return match[1];
  };
  const demoKeys: Record<string, string> = {};
  for (const match of output.matchAll(/^\s+([a-z][a-z0-9-]+\/[a-z][a-z0-9-]+)\s+(sbk_\S+)$/gm)) {
    demoKeys[match[1]!] = match[2]!;
  }
  // A given key is not printed (the line names where it came from instead): the key is then the one given.
  const givenAdminKey = env.SHAREBUS_ADMIN_KEY ?? adminKey;
  const printedAdminKey = /Admin API key\s+(\S+)/.exec(output)?.[1];
  const bus: LocalSharebus = {
    apiUrl: field('HTTP API'),
    eventBridgeUrl: field('EventBridge'),
    dynamoDbUrl: field('DynamoDB Local'),
    adminKey: givenAdminKey || printedAdminKey || '',
    demoKeys,
    output: () => output,
    pid: child.pid ?? -1,
    exited,
    closeOutput() {
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      running.delete(bus);
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  running.add(bus);
  return bus;
}

export interface ApiAnswer {
  readonly status: number;
  readonly contentType: string;
  /** The WWW-Authenticate header, or null. */
  readonly challenge: string | null;
  /** The Cache-Control header, or null. */
  readonly cacheControl: string | null;
  /** The Retry-After header, or null. */
  readonly retryAfter: string | null;
  readonly body: Record<string, unknown>;
}

/** Calls the HTTP API. `body` may be a string to send it verbatim (malformed JSON). */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  key?: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<ApiAnswer> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = contentType;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(body === undefined
      ? {}
      : { body: typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    challenge: response.headers.get('www-authenticate'),
    cacheControl: response.headers.get('cache-control'),
    retryAfter: response.headers.get('retry-after'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly json: Record<string, unknown>;
}

export interface Receiver {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Status the receiver answers with. */
  status: number;
  /** While true, requests are taken and not answered (a webhook that hangs); answered once it is set back to false. */
  hold: boolean;
  /** Resolves once `count` requests have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startReceiver(
  path = '/hook',
  /** Called as each request to `path` has arrived, before it is answered (or held): what it sees is what was then. */
  onArrival?: (request: ReceivedRequest) => void,
): Promise<Receiver> {
  const received: ReceivedRequest[] = [];
  const waiters: Array<() => void> = [];
  /** The answers held back while `hold` is set. */
  let held: Array<() => void> | undefined;
  const receiver: Receiver = {
    url: '',
    received,
    status: 204,
    get hold() {
      return held !== undefined;
    },
    set hold(value: boolean) {
      if (value) held ??= [];
      else {
        const answers = held ?? [];
        held = undefined;
        for (const answer of answers) answer();
      }
    },
    waitFor(count, timeoutMs = 15_000) {
      return new Promise((resolveWait, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} deliveries, got ${received.length} in ${timeoutMs} ms`)),
          timeoutMs,
        );
        const check = () => {
          if (received.length >= count) {
            clearTimeout(timer);
            resolveWait(received.slice(0, count));
            return true;
          }
          return false;
        };
        if (!check()) waiters.push(() => void check());
      });
    },
    close: () =>
      new Promise((resolveClose) => {
        server.close(() => resolveClose());
        server.closeAllConnections();
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.url === path) {
        const body = Buffer.concat(chunks).toString('utf8');
        const request = { headers: req.headers, body, json: JSON.parse(body) as Record<string, unknown> };
        onArrival?.(request);
        received.push(request);
        for (const waiter of waiters) waiter();
      }
      const answer = () => res.writeHead(receiver.status).end();
      if (held) held.push(answer);
      else answer();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

/**
 * Subscribes the demo business-registration system to the demo applications at `url`; resolves with the key of the
 * portal, which publishes them.
 */
export async function subscribeDemo(bus: LocalSharebus, url: string): Promise<{ portal: string }> {
  const registry = bus.demoKeys['market-regulation/business-registration'] as string;
  const subscribed = await call(bus.apiUrl, 'POST', '/subscriptions', registry, {
    type: APPLICATION_TYPE,
    endpoint: { url },
  });
  expect(subscribed.status).toBe(201);
  return { portal: bus.demoKeys['government-services/one-window-portal'] as string };
}

/** The demo contract of applications, published by the portal (`government-services/one-window-portal`). */
export const APPLICATION_TYPE = 'establishment.application.submitted';

/** An application to publish, numbered `n` (its id's last four digits), with the business scope given. */
export const application = (n: number, businessScope = 'Software development') => ({
  type: APPLICATION_TYPE,
  data: {
    applicationId: `EST-20261207-${String(n % 10_000).padStart(4, '0')}`,
    companyName: 'Hangzhou Lakeside Bamboo Technology Co., Ltd.',
    unifiedSocialCreditCode: '91330106MA2H7KQ3L4',
    registeredAddress: 'No. 18 Qingshan Lane, Hangzhou',
    legalRepresentative: { name: 'Lin Xiaoyu' },
    businessScope,
    registeredCapital: { amount: 1_000_000, currency: 'CNY' },
    submittedAt: '2026-12-07T09:12:00+08:00',
  },
});

/** Every item of the registry table, sorted: two snapshots are equal when nothing was written. */
export async function tableSnapshot(dynamoDbUrl: string, tableName = 'sharebus'): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint: dynamoDbUrl,
    region: 'us-east-1',
    credentials: { accessKeyId: 'snapshot', secretAccessKey: 'snapshot' },
  });
  const items: string[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) items.push(JSON.stringify(item));
    start = page.LastEvaluatedKey;
  } while (start);
  client.destroy();
  return items.sort();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Names of the rules on the sharebus bus of the embedded EventBridge, asked over its own API. */
/** Calls one operation of the embedded EventBridge in its own JSON protocol, as the SDK would; answers its body. */
export async function eventBridgeCall<T = Record<string, unknown>>(
  eventBridgeUrl: string,
  operation: string,
  body: Record<string, unknown>,
): Promise<T> {
  const answer = await fetch(eventBridgeUrl, {
    method: 'POST',
    headers: { 'x-amz-target': `AWSEvents.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
    body: JSON.stringify(body),
  });
  if (!answer.ok) throw new Error(`${operation} answered ${answer.status}: ${await answer.text()}`);
  return (await answer.json()) as T;
}

type Listed = Record<string, unknown> & { kind: string; body: string };

/** The dead letters `mine` picks, once there are some (up to 5 s; then none). */
async function deadLettersWhere(
  eventBridgeUrl: string,
  mine: (letter: Listed) => boolean,
): Promise<Listed[]> {
  for (let i = 0; i < 100; i++) {
    const answer = await fetch(`${eventBridgeUrl}/_local/dead-letters`);
    const { deadLetters } = (await answer.json()) as { deadLetters: Listed[] };
    const found = deadLetters.filter(mine);
    if (found.length > 0) return found;
    await sleep(50);
  }
  return [];
}

/** EventBridge's dead letters of the rule whose name ends `/ruleName`, once there are some (up to 5 s; then none). */
export function deadLettersOf(eventBridgeUrl: string, ruleName: string): Promise<Listed[]> {
  return deadLettersWhere(
    eventBridgeUrl,
    (d) => d.kind === 'target' && String(d.ruleArn).endsWith(`/${ruleName}`),
  );
}

/**
 * The deliver function's dead letters (Lambda's, of its asynchronous invocations) for one subscription, once there
 * are some (up to 5 s; then none).
 */
export function deliveryDeadLettersOf(eventBridgeUrl: string, subscriptionId: string): Promise<Listed[]> {
  return deadLettersWhere(
    eventBridgeUrl,
    (d) => d.kind === 'function' && JSON.parse(d.body).subscriptionId === subscriptionId,
  );
}

export async function ruleNames(eventBridgeUrl: string): Promise<string[]> {
  const body = await eventBridgeCall<{ Rules: Array<{ Name: string }> }>(eventBridgeUrl, 'ListRules', {
    EventBusName: 'sharebus',
  });
  return body.Rules.map((rule) => rule.Name).sort();
}
