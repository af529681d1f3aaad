// README's walkthrough (and docs/eventbridge.md's AWS CLI walk), run as a reader would paste it: the shell blocks,
// taken from the documents themselves, against `npm start`'s program, with only the placeholders (keys, ports)
// filled in. So the docs cannot drift from what sharebus does: a renamed field, route or label fails here, not in a
// reader's terminal.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalSharebus, root, startLocalSharebus } from './harness.js';

/** The one fenced block of `doc` (README.md by default) holding `marker`; fails the test if there is none or several. */
function blockWith(marker: string, doc = 'README.md'): string {
  const text = readFileSync(join(root, doc), 'utf8');
  const found = [...text.matchAll(/^```\w*\n([\s\S]*?)^```$/gm)].filter((m) => m[1]?.includes(marker));
  if (found.length !== 1)
    throw new Error(`${doc} has ${found.length} blocks holding ${JSON.stringify(marker)}`);
  return found[0]![1]!;
}

/** `text` with each `from` replaced by its `to`, failing when a `from` is not in it (the README changed under us). */
function fill(text: string, swaps: ReadonlyArray<readonly [string | RegExp, string]>): string {
  let out = text;
  for (const [from, to] of swaps) {
    const before = out;
    out = typeof from === 'string' ? out.split(from).join(to) : out.replace(from, to);
    if (out === before) throw new Error(`README's block no longer holds ${String(from)}:\n${text}`);
  }
  return out;
}

/** The top-level JSON documents printed one after another (curl -s ends none with a newline). */
function documents(text: string): unknown[] {
  const docs: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth++ === 0) start = i;
    } else if ((c === '}' || c === ']') && --depth === 0) docs.push(JSON.parse(text.slice(start, i + 1)));
  }
  return docs;
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function bash(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile('bash', ['-e', '-c', script], { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolveRun({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("README's walkthrough, pasted as written", () => {
  let bus: LocalSharebus;
  let receiver: ChildProcess | undefined;
  let home: string;

  beforeAll(async () => {
    bus = await startLocalSharebus();
    home = mkdtempSync(join(tmpdir(), 'sharebus-readme-'));
  }, 120_000);

  /** The scripts' environment: the PATH, and an empty AWS config, so a developer's own profile changes nothing. */
  const awsEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_PAGER: '',
    AWS_EC2_METADATA_DISABLED: 'true',
  });

  afterAll(async () => {
    if (receiver?.pid) process.kill(-receiver.pid, 'SIGTERM');
    await bus?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("prints the start's lines the README shows", () => {
    // Prepare: the labels of README's start output (two spaces, a label, two or more spaces)
    const shown = blockWith('sharebus ready in');
    const labels = [...shown.matchAll(/^ {2}(\S(?:.*?\S)?)(?: {2,}|:$)/gm)].map((m) => m[1]!);
    // Assess
    expect(labels).toEqual(
      expect.arrayContaining([
        'HTTP API',
        'EventBridge',
        'DynamoDB Local',
        'Admin API key',
        'Demo system API keys',
      ]),
    );
    for (const label of labels) expect(bus.output()).toContain(`  ${label}`);
    for (const demo of shown.matchAll(/^ {4}([a-z-]+\/[a-z-]+) /gm))
      expect(bus.demoKeys[demo[1]!]).toMatch(/^sbk_/);
    expect(bus.output()).toMatch(/sharebus ready in \d+ ms — Ctrl-C to stop/);
  });

  it('subscribes, publishes and lists rules as the README says, and the receiver prints the envelope it shows', async () => {
    // Prepare: the receiver block on a free port, and the calls block with the printed keys and endpoints
    const port = await freePort();
    const receiverBlock = fill(blockWith('createServer'), [['listen(9000', `listen(${port}`]]);
    const calls = blockWith('PORTAL=sbk_');
    const portalKey = bus.demoKeys['government-services/one-window-portal'];
    const registryKey = bus.demoKeys['market-regulation/business-registration'];
    expect([portalKey, registryKey]).toEqual([
      expect.stringMatching(/^sbk_/),
      expect.stringMatching(/^sbk_/),
    ]);
    const script = fill(calls, [
      ['API=http://127.0.0.1:4510', `API=${bus.apiUrl}`],
      [/PORTAL=sbk_…/, `PORTAL=${portalKey}`],
      [/REGISTRY=sbk_…/, `REGISTRY=${registryKey}`],
      ['http://127.0.0.1:9000/', `http://127.0.0.1:${port}/`],
      ['http://127.0.0.1:4511', bus.eventBridgeUrl],
    ]);
    let printed = '';
    receiver = spawn('bash', ['-c', receiverBlock], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    receiver.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
    });
    const listening = Date.now() + 15_000;
    while (
      !(await fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      ))
    ) {
      if (Date.now() > listening) throw new Error("README's receiver did not listen");
      await new Promise((r) => setTimeout(r, 50));
    }
    printed = ''; // the probe's empty body

    // Act
    const run = await bash(script, awsEnv());
    const delivered = Date.now() + 15_000;
    while (!printed.includes('specversion') && Date.now() < delivered)
      await new Promise((r) => setTimeout(r, 50));

    // Assess: what each call printed
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const printedByCalls = documents(run.stdout) as Array<Record<string, unknown>>;
    expect(printedByCalls).toHaveLength(3);
    const [subscription = {}, published = {}, rules = {}] = printedByCalls;
    expect(subscription).toMatchObject({
      id: expect.any(String),
      type: 'establishment.application.submitted',
      endpoint: { url: `http://127.0.0.1:${port}/hook` },
      department: 'market-regulation',
    });
    expect(published).toEqual({
      id: expect.any(String),
      type: 'establishment.application.submitted',
      version: '1.0.0',
    });
    const ruleNames = (rules.Rules as Array<{ Name: string }>).map((rule) => rule.Name);
    expect(ruleNames.some((name) => name.includes(String(subscription.id)))).toBe(true);
    // Assess: the receiver printed a CloudEvent with the README envelope's fields and values, but for what differs
    // every time (id, time) and the record itself
    const shown = JSON.parse(blockWith('"specversion": "1.0"')) as Record<string, unknown>;
    const event = documents(printed)[0] as Record<string, unknown>;
    expect(Object.keys(event).sort()).toEqual(Object.keys(shown).sort());
    const { id: _shownId, time: _shownTime, data: _shownData, ...fixed } = shown;
    expect(event).toMatchObject({ ...fixed, id: published.id, time: expect.any(String) });
    expect(event.data).toMatchObject({
      applicationId: 'EST-20250303-0001',
      registeredCapital: { currency: 'CNY' },
    });
  }, 90_000);

  it("runs docs/eventbridge.md's AWS CLI walk, and its event is among the dropped deliveries as it says", async () => {
    // Prepare: the block, on the started bus's endpoint
    const script = fill(blockWith('EB="aws --endpoint-url', 'docs/eventbridge.md'), [
      ['http://127.0.0.1:4511', bus.eventBridgeUrl],
    ]);
    // Act
    const run = await bash(script, awsEnv());
    // Assess: every command answered, the last listing the rule made; the event reached no function and was kept, as
    // the doc says
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    const listed = documents(run.stdout).at(-1) as { Rules: Array<{ Name: string; EventBusName: string }> };
    expect(listed.Rules).toEqual([expect.objectContaining({ Name: 'order-placed', EventBusName: 'orders' })]);
    const dropped = (await (await fetch(`${bus.eventBridgeUrl}/_local/dead-letters`)).json()) as {
      deadLetters: Array<Record<string, unknown>>;
    };
    expect(dropped.deadLetters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          errorCode: 'NO_RESOURCE',
          targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:on-order',
        }),
      ]),
    );
    // The body is the event, not the target's input, as docs/eventbridge.md says of every dead letter
    const body = JSON.parse(String(dropped.deadLetters.find((letter) => letter.targetId === 'fn')?.body));
    expect(body).toMatchObject({
      source: 'sharebus.orders',
      'detail-type': 'OrderPlaced',
      detail: { id: 1 },
    });
  }, 90_000);
});
