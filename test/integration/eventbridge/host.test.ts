// The embedded EventBridge answers requests to loopback names only: a web page rebound to 127.0.0.1 (DNS rebinding)
// sends its own name in Host, and must change nothing and read nothing.
import { request } from 'node:http';
import { ListRulesCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { useSharedHarness } from './harness.js';

/** One request to the harness's port, under `host`; its status, content type and parsed body. */
function send(
  port: number,
  host: string,
  options: { method: string; path: string; target?: string; body?: string; origin?: string },
): Promise<{ status: number; type: string | undefined; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method,
        path: options.path,
        headers: {
          host,
          'content-type': 'application/x-amz-json-1.1',
          ...(options.target ? { 'x-amz-target': options.target } : {}),
          ...(options.origin ? { origin: options.origin } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: res.headers['content-type'],
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body ?? '');
  });
}

describe('embedded EventBridge: the Host header', () => {
  const harness = useSharedHarness();

  it('refuses an operation under another Host with 403 AccessDeniedException, making nothing', async () => {
    // Act
    const answer = await send(harness.eventBridge.port, 'evil.example:4511', {
      method: 'POST',
      path: '/',
      target: 'AWSEvents.PutRule',
      body: JSON.stringify({ Name: 'exfiltrate', EventPattern: '{"source":[{"prefix":""}]}' }),
    });
    const rules = await harness.client.send(new ListRulesCommand({}));
    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body).toEqual({
      __type: 'AccessDeniedException',
      message:
        'The embedded EventBridge answers requests to a loopback name or address only (127.0.0.1 or localhost) or to a name given in SHAREBUS_ALLOWED_HOSTS, not to Host "evil.example:4511": a web page could send such requests through DNS rebinding.',
    });
    expect(rules.Rules ?? []).toEqual([]);
  });

  it('refuses a redrive a web page sends 127.0.0.1 itself (a no-cors POST, its Origin named)', async () => {
    // Act
    const answer = await send(harness.eventBridge.port, `127.0.0.1:${harness.eventBridge.port}`, {
      method: 'POST',
      path: '/_local/dead-letters/redrive',
      origin: 'https://evil.example',
    });
    // Assess
    expect([answer.status, answer.type]).toEqual([403, 'application/problem+json']);
    expect(answer.body).toMatchObject({
      code: 'host_not_allowed',
      detail:
        'The embedded EventBridge answers no request from a web page served elsewhere than this machine, and this one came from Origin "https://evil.example".',
      errors: [{ field: 'Origin', message: 'is not a loopback origin' }],
    });
    expect(answer.body).not.toHaveProperty('redriven');
  });

  it('refuses a local endpoint under another Host with problem+json host_not_allowed, listing nothing', async () => {
    // Act
    const answer = await send(harness.eventBridge.port, 'evil.example', {
      method: 'GET',
      path: '/_local/dead-letters',
    });
    // Assess
    expect([answer.status, answer.type]).toEqual([403, 'application/problem+json']);
    expect(answer.body).toMatchObject({
      status: 403,
      code: 'host_not_allowed',
      errors: [{ field: 'Host', message: 'is not a loopback name or address' }],
    });
    expect(answer.body).not.toHaveProperty('deadLetters');
  });

  it.each(['localhost', '[::1]'])('answers under Host %s, as under 127.0.0.1', async (name) => {
    // Act
    const answer = await send(harness.eventBridge.port, `${name}:${harness.eventBridge.port}`, {
      method: 'POST',
      path: '/',
      target: 'AWSEvents.PutRule',
      body: JSON.stringify({ Name: `by-${name.replace(/\W/g, '')}`, EventPattern: '{"source":["a"]}' }),
    });
    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body).toHaveProperty('RuleArn');
  });

  it('still answers the SDK, which sends 127.0.0.1 and the port', async () => {
    // Act
    const made = await harness.client.send(
      new PutRuleCommand({ Name: 'by-sdk', EventPattern: '{"source":["a"]}' }),
    );
    // Assess
    expect(made.RuleArn).toMatch(/:rule\/by-sdk$/);
  });
});

describe('embedded EventBridge: SHAREBUS_ALLOWED_HOSTS', () => {
  const harness = useSharedHarness({ allowedHosts: new Set(['bus.example.gov']) });

  it('answers the allowed name in Host and a page served from it; another name still refused', async () => {
    // Act
    const proxied = await send(harness.eventBridge.port, 'bus.example.gov', {
      method: 'POST',
      path: '/',
      target: 'AWSEvents.ListRules',
      body: '{}',
    });
    const fromPage = await send(harness.eventBridge.port, 'bus.example.gov', {
      method: 'GET',
      path: '/_local/dead-letters',
      origin: 'https://bus.example.gov',
    });
    const other = await send(harness.eventBridge.port, 'evil.example', {
      method: 'GET',
      path: '/_local/dead-letters',
    });
    // Assess
    expect([proxied.status, fromPage.status, other.status]).toEqual([200, 200, 403]);
  });
});
