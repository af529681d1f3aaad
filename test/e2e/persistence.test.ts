// State under the data directory survives a restart: the registry, the admin key, the demo keys, the
// subscriptions, and whatever was made on the embedded EventBridge with its own API.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  call,
  deadLettersOf,
  eventBridgeCall,
  root,
  ruleNames,
  sleep,
  startLocalSharebus,
  startReceiver,
} from './harness.js';

const COPY_QUEUE = 'arn:aws:sqs:us-east-1:000000000000:license-copies';

describe('a restarted sharebus', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-state-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps departments, keys, subscriptions and rules made with the AWS SDK, and delivers to both', async () => {
    // Prepare: a first run registers everything, then stops.
    const env = { SHAREBUS_DATA_DIR: dataDir, SHAREBUS_ADMIN_KEY: '' };
    const hook = await startReceiver();
    const first = await startLocalSharebus(env, []);
    const portalKey = first.demoKeys['government-services/one-window-portal']!;
    const licenseKey = first.demoKeys['market-regulation/business-registration']!;
    await call(first.apiUrl, 'POST', '/departments', first.adminKey, {
      id: 'archives',
      name: 'State Archives',
    });
    const subscribed = await call(first.apiUrl, 'POST', '/subscriptions', licenseKey, {
      type: 'market-regulation.business-license.issued',
      endpoint: { url: hook.url },
    });
    expect(subscribed.status).toBe(201);
    // A rule of the user's own on the bus, as `aws events put-rule` would make it.
    const client = new EventBridgeClient({
      endpoint: first.eventBridgeUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await client.send(
      new PutRuleCommand({
        Name: 'copy-licenses',
        EventBusName: 'sharebus',
        EventPattern: JSON.stringify({ 'detail-type': ['market-regulation.business-license.issued'] }),
      }),
    );
    await client.send(
      new PutTargetsCommand({
        Rule: 'copy-licenses',
        EventBusName: 'sharebus',
        Targets: [{ Id: 'q', Arn: COPY_QUEUE }],
      }),
    );
    // And one under the subscription rules' names, which no subscription has.
    await client.send(
      new PutRuleCommand({
        Name: 'sharebus-sub-mine',
        EventBusName: 'sharebus',
        EventPattern: JSON.stringify({ source: ['mine'] }),
      }),
    );
    client.destroy();
    expect(await first.stop()).toBe(0);
    expect(statSync(join(dataDir, 'admin-key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'demo-keys.json')).mode & 0o777).toBe(0o600);

    // Act
    const second = await startLocalSharebus(env, []);
    try {
      const published = await call(second.apiUrl, 'POST', '/events', licenseKey, {
        type: 'market-regulation.business-license.issued',
        data: (await import('../../contracts/index.js')).DEMO_SAMPLE_DATA[
          'market-regulation.business-license.issued'
        ](),
      });

      // Assess
      expect(second.adminKey).toBe(first.adminKey);
      expect(second.demoKeys['government-services/one-window-portal']).toBe(portalKey);
      expect(
        (await call(second.apiUrl, 'POST', '/departments', second.adminKey, { id: 'archives', name: 'x' }))
          .body.code,
      ).toBe('department_exists');
      // The archive's managed rule is listed among the bus's rules, as in AWS.
      expect(await ruleNames(second.eventBridgeUrl)).toEqual([
        'Events-Archive-sharebus-archive',
        'copy-licenses',
        `sharebus-sub-${subscribed.body.id}`,
      ]);
      expect(second.output()).toContain(
        '  Rules deleted: sharebus-sub-mine (named as subscription rules, but no subscription has\n',
      );
      expect(published.status).toBe(202);
      const [delivery] = await hook.waitFor(1);
      expect(delivery!.json.id).toBe(published.body.id);
      const copies = await fetch(
        `${second.eventBridgeUrl}/_local/queues?arn=${encodeURIComponent(COPY_QUEUE)}`,
      );
      const { messages } = (await copies.json()) as { messages: Array<{ body: string }> };
      expect(messages.map((m) => JSON.parse(m.body).detail.id)).toEqual([published.body.id]);
    } finally {
      await second.stop();
      await hook.close();
    }
  }, 180_000);

  // Terminal review, session 50: dead letters an earlier run left waited unseen; the banner gave only the listing's URL.
  it('says at start how many dead letters an earlier run left', async () => {
    // Prepare: a first run dead-letters an event at once (a rule of the user's own to a function it does not have)
    const lettersDir = mkdtempSync(join(tmpdir(), 'sharebus-letters-'));
    const env = { SHAREBUS_DATA_DIR: lettersDir };
    const first = await startLocalSharebus(env, ['--no-demo']);
    let second: Awaited<ReturnType<typeof startLocalSharebus>> | undefined;
    try {
      const functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:not-deployed';
      await eventBridgeCall(first.eventBridgeUrl, 'PutRule', {
        Name: 'to-nowhere',
        EventBusName: 'sharebus',
        EventPattern: '{"source":["e2e.nowhere"]}',
      });
      await eventBridgeCall(first.eventBridgeUrl, 'PutTargets', {
        Rule: 'to-nowhere',
        EventBusName: 'sharebus',
        Targets: [{ Id: 'fn', Arn: functionArn }],
      });
      await eventBridgeCall(first.eventBridgeUrl, 'PutEvents', {
        Entries: [{ EventBusName: 'sharebus', Source: 'e2e.nowhere', DetailType: 'Nothing', Detail: '{}' }],
      });
      expect(await deadLettersOf(first.eventBridgeUrl, 'to-nowhere')).toHaveLength(1);
      const firstBanner = first.output();
      await first.stop();
      // Act
      second = await startLocalSharebus(env, ['--no-demo']);
      // Assess
      expect(firstBanner).toMatch(/ {2}Dead letters {8}http:\/\/127\.0\.0\.1:\d+\/_local\/dead-letters\n/);
      expect(second.output()).toMatch(
        / {2}Dead letters {8}http:\/\/127\.0\.0\.1:\d+\/_local\/dead-letters {3}\(1 waiting: POST …\/redrive sends them again\)\n/,
      );
    } finally {
      await second?.stop();
      await first.stop();
      rmSync(lettersDir, { recursive: true, force: true });
    }
  }, 180_000);

  // Upgrade review, session 62: dead letters the queue limit had moved to disk waited unseen after a restart (the
  // banner counted those in memory alone, and said nothing when all were on disk).
  it('says at start that messages an earlier run moved to disk wait there', async () => {
    // Prepare: a dead letter moved to queues-overflow (today's file: older than 14 days it would be removed)
    const overflowDir = mkdtempSync(join(tmpdir(), 'sharebus-overflow-'));
    const now = new Date();
    const line = JSON.parse(
      readFileSync(join(root, 'test/fixtures/upgrade/overflow-dead-letter.jsonl'), 'utf8'),
    ) as { send: { sentAt: string } };
    line.send.sentAt = now.toISOString();
    const dir = join(overflowDir, 'eventbridge', 'queues-overflow');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${now.toISOString().slice(0, 10)}.jsonl`), `\n${JSON.stringify(line)}\n`);
    // Act
    const bus = await startLocalSharebus({ SHAREBUS_DATA_DIR: overflowDir }, ['--no-demo']);
    try {
      // Assess
      expect(bus.output()).toMatch(
        / {2}Dead letters {8}http:\/\/127\.0\.0\.1:\d+\/_local\/dead-letters\n {2}Queues on disk {6}1 file, \d+ KiB moved out past the queue limit, not listed: POST …\/_local\/queues\/restore puts them back\n/,
      );
    } finally {
      await bus.stop();
      rmSync(overflowDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('hands a delivery left waiting for its retry at Ctrl-C to the webhook once the next start is ready', async () => {
    // Prepare: Lambda's first retry of the deliver function comes 3 s after the first attempt (its minute, at a
    // delay scale of 0.05); the webhook fails that attempt, and the first run is stopped before the retry. It
    // falls due before the next run has loaded its handlers.
    const retryDir = mkdtempSync(join(tmpdir(), 'sharebus-retry-'));
    const env = { SHAREBUS_DATA_DIR: retryDir, SHAREBUS_EVENTBRIDGE_DELAY_SCALE: '0.05' };
    const hook = await startReceiver();
    hook.status = 500;
    const first = await startLocalSharebus(env, ['--no-demo']);
    let second: Awaited<ReturnType<typeof startLocalSharebus>> | undefined;
    try {
      await call(first.apiUrl, 'POST', '/departments', first.adminKey, { id: 'land', name: 'Land' });
      const key = String(
        (
          await call(first.apiUrl, 'POST', '/departments/land/systems', first.adminKey, {
            id: 'cad',
            name: 'C',
          })
        ).body.apiKey,
      );
      await call(first.apiUrl, 'POST', '/contracts', key, {
        type: 'land.parcel.split',
        version: '1.0.0',
        description: 'A parcel was split',
        sharing: 'open',
        schema: { type: 'object' },
      });
      await call(first.apiUrl, 'POST', '/subscriptions', key, {
        type: 'land.parcel.split',
        endpoint: { url: hook.url },
      });
      const published = await call(first.apiUrl, 'POST', '/events', key, {
        type: 'land.parcel.split',
        data: {},
      });
      await hook.waitFor(1);
      // The terminal closes: its output goes nowhere (writing to it fails), then SIGHUP. A stop like Ctrl-C's, which
      // used to die of the failed write of its first line and exit 1 without stopping anything.
      first.closeOutput();
      expect(await first.stop('SIGHUP')).toBe(0);
      hook.status = 204;
      await sleep(3_000);
      // Act
      second = await startLocalSharebus(env, ['--no-demo']);
      const deliveries = await hook.waitFor(2);
      // Assess
      expect(deliveries[1]!.json.id).toBe(published.body.id);
      const answer = await fetch(`${second.eventBridgeUrl}/_local/dead-letters`);
      expect(((await answer.json()) as { deadLetters: unknown[] }).deadLetters).toEqual([]);
    } finally {
      await second?.stop();
      await hook.close();
      rmSync(retryDir, { recursive: true, force: true });
    }
  }, 180_000);
});
