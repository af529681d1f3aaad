// The real AWS CLI (`aws --endpoint-url ... events ...`) against the embedded EventBridge, unchanged: the issue's
// promise beside the SDK tests. Each call starts the CLI (about a second), so this file tries one walk through
// the operations a user reaches for first, not every case the SDK tests cover.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEventBusCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { LAMBDA_ARN, queueArn, useSharedHarness } from './harness.js';

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const MISSING_CLI =
  "the AWS CLI (`aws`) is not on PATH: install Debian's awscli package (apt-get install awscli); " +
  '.ci/run does this when it is missing';

/**
 * The CLI's words for an error AWS answered: version 2 says how many retries it made before the colon, version 1
 * does not.
 */
function cliError(code: string, operation: string, message: string): RegExp {
  return new RegExp(
    `\\(${code}\\) when calling the ${operation} operation( \\(reached max retries: \\d+\\))?: ${message}`,
  );
}

describe('embedded EventBridge: the AWS CLI', () => {
  const harness = useSharedHarness();
  let home: string;

  beforeAll(async () => {
    // An empty config and credentials file, so that a developer's own profile cannot change what is tested.
    home = await mkdtemp(join(tmpdir(), 'sharebus-aws-cli-'));
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  function aws(...args: string[]): Promise<CliResult> {
    const env: Record<string, string | undefined> = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_MAX_ATTEMPTS: '1',
      AWS_PAGER: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN']) delete env[name];
    // Nor a proxy of the developer's (HTTP_PROXY, http_proxy): the CLI sends even 127.0.0.1 through it unless NO_PROXY
    // names it, and failed every call here with "Failed to connect to proxy URL" (network edges review, session 64).
    const noProxy = [env.no_proxy ?? env.NO_PROXY, '127.0.0.1', 'localhost'].filter(Boolean).join(',');
    env.no_proxy = noProxy;
    env.NO_PROXY = noProxy;
    const base = ['--endpoint-url', harness.eventBridge.endpoint, '--region', harness.eventBridge.region];
    return new Promise((resolve, reject) => {
      execFile('aws', [...base, '--output', 'json', 'events', ...args], { env }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') reject(new Error(MISSING_CLI));
        else resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      });
    });
  }

  async function ok(...args: string[]): Promise<Record<string, unknown>> {
    const result = await aws(...args);
    if (result.code !== 0)
      throw new Error(`aws events ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result.stdout.trim() === '' ? {} : (JSON.parse(result.stdout) as Record<string, unknown>);
  }

  it("reaches the bus whatever proxy the developer's environment names", async () => {
    // Prepare: a proxy that takes connections and closes them unanswered, named as a developer's shell names one
    // (curl reads only the lower-case name, the CLI both). Without NO_PROXY covering 127.0.0.1 the CLI sends there.
    const proxy = createServer((_req, res) => res.socket?.destroy());
    await new Promise<void>((resolveListen) => proxy.listen(0, '127.0.0.1', resolveListen));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const saved = { ...process.env };
    for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY'])
      process.env[name] = proxyUrl;
    for (const name of ['no_proxy', 'NO_PROXY']) delete process.env[name];
    try {
      // Act
      const buses = await ok('list-event-buses');
      // Assess
      expect(buses).toEqual(expect.objectContaining({ EventBuses: expect.any(Array) }));
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
      await new Promise<void>((resolveClose) => proxy.close(() => resolveClose()));
    }
  });

  it('creates a bus and a rule, tests a pattern, and delivers put-events to the rule target', async () => {
    // Prepare
    const pattern = JSON.stringify({
      source: ['sharebus.cli'],
      detail: { amount: [{ numeric: ['>', 100] }] },
    });
    // Act
    const bus = await ok('create-event-bus', '--name', 'cli-orders');
    const rule = await ok(
      'put-rule',
      '--name',
      'big',
      '--event-bus-name',
      'cli-orders',
      '--event-pattern',
      pattern,
    );
    const targets = await ok(
      'put-targets',
      '--rule',
      'big',
      '--event-bus-name',
      'cli-orders',
      '--targets',
      JSON.stringify([{ Id: 'fn', Arn: LAMBDA_ARN }]),
    );
    const tested = await ok(
      'test-event-pattern',
      '--event-pattern',
      pattern,
      '--event',
      JSON.stringify({
        id: '1',
        account: '111111111111',
        source: 'sharebus.cli',
        time: '2026-12-02T10:00:00Z',
        region: 'us-east-1',
        resources: [],
        'detail-type': 'Order',
        detail: { amount: 250 },
      }),
    );
    const before = harness.invocations.length;
    const put = await ok(
      'put-events',
      '--entries',
      JSON.stringify([
        { Source: 'sharebus.cli', DetailType: 'Order', Detail: '{"amount":250}', EventBusName: 'cli-orders' },
        { Source: 'sharebus.cli', DetailType: 'Order', Detail: '{"amount":5}', EventBusName: 'cli-orders' },
      ]),
    );
    // Assess
    expect(bus).toEqual({ EventBusArn: 'arn:aws:events:us-east-1:111111111111:event-bus/cli-orders' });
    expect(rule).toEqual({ RuleArn: 'arn:aws:events:us-east-1:111111111111:rule/cli-orders/big' });
    expect(targets).toEqual({ FailedEntryCount: 0, FailedEntries: [] });
    expect(tested).toEqual({ Result: true });
    expect(put.FailedEntryCount).toBe(0);
    expect(put.Entries).toEqual([
      { EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      { EventId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
    ]);
    const delivered = harness.invocations
      .slice(before)
      .map((i) => JSON.parse(i.payload) as { detail: unknown });
    expect(delivered.map((event) => event.detail)).toEqual([{ amount: 250 }]);
  });

  it('answers a bad pattern, a missing rule and too many entries with AWS error codes and a non-zero exit', async () => {
    // Act
    const badPattern = await aws(
      'put-rule',
      '--name',
      'bad',
      '--event-pattern',
      '{"detail":{"amount":[{"numeric":[">"]}]}}',
    );
    const missing = await aws('describe-rule', '--name', 'no-such-rule');
    const tooMany = await aws(
      'put-events',
      '--entries',
      JSON.stringify(Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' }))),
    );
    const rules = await ok('list-rules', '--name-prefix', 'bad');
    // Assess
    expect(badPattern.code).not.toBe(0);
    expect(badPattern.stderr).toMatch(cliError('InvalidEventPatternException', 'PutRule', '.+'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(
      cliError('ResourceNotFoundException', 'DescribeRule', 'Rule no-such-rule does not exist'),
    );
    expect(tooMany.code).not.toBe(0);
    expect(tooMany.stderr).toMatch(cliError('ValidationException', 'PutEvents', '.+'));
    expect(rules).toEqual({ Rules: [] });
  });

  it('pages through list-rules with NextToken, as the CLI does by itself', async () => {
    // Prepare (through the SDK: the CLI's part here is the paging)
    const names = ['page-a', 'page-b', 'page-c', 'page-d', 'page-e'];
    for (const name of names) {
      await harness.client.send(new PutRuleCommand({ Name: name, EventPattern: '{"source":["paged"]}' }));
    }
    // Act: pages of two, which the CLI follows to the end; then one page of two, whose token the CLI builds
    // around the server's NextToken (a server that ignored Limit would leave the CLI to truncate by itself).
    const all = await ok('list-rules', '--name-prefix', 'page-', '--page-size', '2');
    const first = await ok('list-rules', '--name-prefix', 'page-', '--page-size', '2', '--max-items', '2');
    const cliToken = JSON.parse(Buffer.from(String(first.NextToken), 'base64').toString('utf8')) as Record<
      string,
      unknown
    >;
    const rest = await ok(
      'list-rules',
      '--name-prefix',
      'page-',
      '--starting-token',
      String(first.NextToken),
    );
    // Assess
    expect((all.Rules as { Name: string }[]).map((r) => r.Name)).toEqual(names);
    expect((first.Rules as { Name: string }[]).map((r) => r.Name)).toEqual(['page-a', 'page-b']);
    expect(cliToken).toEqual({ NextToken: expect.any(String) });
    expect((rest.Rules as { Name: string }[]).map((r) => r.Name)).toEqual(['page-c', 'page-d', 'page-e']);
  });

  it('archives events and replays them, the replayed copy carrying replay-name', async () => {
    // Prepare: the bus, its rule and the event through the SDK; the archive through the CLI.
    const client = harness.client;
    await client.send(new CreateEventBusCommand({ Name: 'cli-archived' }));
    const archive = await ok(
      'create-archive',
      '--archive-name',
      'cli-archive',
      '--event-source-arn',
      'arn:aws:events:us-east-1:111111111111:event-bus/cli-archived',
    );
    const onBus = { EventBusName: 'cli-archived' };
    await client.send(
      new PutRuleCommand({ ...onBus, Name: 'to-queue', EventPattern: '{"source":["arch"]}' }),
    );
    await client.send(
      new PutTargetsCommand({
        ...onBus,
        Rule: 'to-queue',
        Targets: [{ Id: 'q', Arn: queueArn('cli-replayed') }],
      }),
    );
    const start = new Date(Date.now() - 60_000).toISOString();
    await client.send(
      new PutEventsCommand({ Entries: [{ ...onBus, Source: 'arch', DetailType: 'd', Detail: '{"n":1}' }] }),
    );
    harness.eventBridge.queues.receive(queueArn('cli-replayed'));
    // Act
    const replay = await ok(
      'start-replay',
      '--replay-name',
      'cli-replay',
      '--event-source-arn',
      archive.ArchiveArn as string,
      '--event-start-time',
      start,
      '--event-end-time',
      new Date(Date.now() + 60_000).toISOString(),
      '--destination',
      JSON.stringify({ Arn: 'arn:aws:events:us-east-1:111111111111:event-bus/cli-archived' }),
    );
    let described = await ok('describe-replay', '--replay-name', 'cli-replay');
    for (let i = 0; i < 50 && described.State !== 'COMPLETED'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      described = await ok('describe-replay', '--replay-name', 'cli-replay');
    }
    // Assess
    expect(archive).toMatchObject({ State: 'ENABLED' });
    expect(replay).toMatchObject({ State: 'STARTING' });
    expect(described.State).toBe('COMPLETED');
    const replayed = harness.eventBridge.queues
      .receive(queueArn('cli-replayed'))
      .map((m) => JSON.parse(m.body) as Record<string, unknown>);
    expect(replayed).toEqual([expect.objectContaining({ 'replay-name': 'cli-replay', detail: { n: 1 } })]);
  });

  it("updates a bus, tags it and grants another account PutEvents, as the CLI's own shorthand sends them", async () => {
    // Prepare
    await ok('create-event-bus', '--name', 'cli-settings', '--tags', 'Key=team,Value=tax');
    const arn = `arn:aws:events:${harness.eventBridge.region}:111111111111:event-bus/cli-settings`;
    // Act
    const update = await aws(
      'update-event-bus',
      '--name',
      'cli-settings',
      '--description',
      'by the CLI',
      '--log-config',
      'IncludeDetail=FULL,Level=INFO',
    );
    // Debian 12's CLI (2.9.19, of January 2023) predates UpdateEventBus (2024), and refuses the command itself.
    const cliKnowsUpdate = !/Invalid choice/.test(update.stderr);
    await ok('tag-resource', '--resource-arn', arn, '--tags', 'Key=stage,Value=dev');
    await ok('untag-resource', '--resource-arn', arn, '--tag-keys', 'team');
    await ok(
      'put-permission',
      '--event-bus-name',
      'cli-settings',
      '--action',
      'events:PutEvents',
      '--principal',
      '222222222222',
      '--statement-id',
      'tax-office',
    );
    const tags = await ok('list-tags-for-resource', '--resource-arn', arn);
    const described = await ok('describe-event-bus', '--name', 'cli-settings');
    const reserved = await aws('tag-resource', '--resource-arn', arn, '--tags', 'Key=aws:x,Value=y');
    // Assess
    if (cliKnowsUpdate) {
      expect(update).toMatchObject({ code: 0 });
      expect(JSON.parse(update.stdout)).toMatchObject({
        Description: 'by the CLI',
        LogConfig: { IncludeDetail: 'FULL', Level: 'INFO' },
      });
      expect(described).toMatchObject({ Description: 'by the CLI', LogConfig: { Level: 'INFO' } });
    } else {
      expect(update.code).toBe(252);
      expect(described).not.toHaveProperty('Description');
    }
    expect(tags).toEqual({ Tags: [{ Key: 'stage', Value: 'dev' }] });
    expect(JSON.parse(String(described.Policy))).toMatchObject({
      Statement: [{ Sid: 'tax-office', Principal: { AWS: 'arn:aws:iam::222222222222:root' } }],
    });
    expect(reserved.code).not.toBe(0);
    expect(reserved.stderr).toMatch(cliError('ValidationException', 'TagResource', '.+'));
  });

  it('creates a connection and an API destination, and a put-events reaches the endpoint with the API key', async () => {
    // Prepare: a receiver on this machine.
    const received: Array<{ url: string; key: string | string[] | undefined; body: string }> = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        received.push({ url: req.url ?? '', key: req.headers['x-api-key'], body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/orders/*`;
    try {
      // Act
      const connection = await ok(
        'create-connection',
        '--name',
        'cli-orders',
        '--authorization-type',
        'API_KEY',
        '--auth-parameters',
        '{"ApiKeyAuthParameters":{"ApiKeyName":"x-api-key","ApiKeyValue":"cli-s3cret"}}',
      );
      // CLI v1 fetches a parameter value that starts with http:// (cli_follow_urlparam), so the endpoint goes in
      // JSON, as docs/eventbridge.md says.
      const destination = await ok(
        'create-api-destination',
        '--cli-input-json',
        JSON.stringify({
          Name: 'cli-orders',
          ConnectionArn: connection.ConnectionArn,
          InvocationEndpoint: endpoint,
          HttpMethod: 'POST',
        }),
      );
      await ok('put-rule', '--name', 'cli-to-api', '--event-pattern', '{"source":["cli.orders"]}');
      await ok(
        'put-targets',
        '--rule',
        'cli-to-api',
        '--targets',
        JSON.stringify([
          {
            Id: 'api',
            Arn: destination.ApiDestinationArn,
            RoleArn: 'arn:aws:iam::111111111111:role/invoke',
            HttpParameters: { PathParameterValues: ['$.detail.id'] },
          },
        ]),
      );
      await ok(
        'put-events',
        '--entries',
        JSON.stringify([{ Source: 'cli.orders', DetailType: 'Placed', Detail: '{"id":"o-9"}' }]),
      );
      await harness.eventBridge.idle();
      const described = await ok('describe-connection', '--name', 'cli-orders');
      // Assess
      expect(connection.ConnectionState).toBe('AUTHORIZED');
      expect(destination.ApiDestinationState).toBe('ACTIVE');
      expect(described).toMatchObject({
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key' } },
      });
      expect(JSON.stringify(described)).not.toContain('cli-s3cret');
      expect(received.map((r) => [r.url, r.key, JSON.parse(r.body).detail])).toEqual([
        ['/orders/o-9', 'cli-s3cret', { id: 'o-9' }],
      ]);
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});
