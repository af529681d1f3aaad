// State under the data directory survives a restart: the registry, the admin key, the demo keys, and the
// subscriptions, whose rules the embedded EventBridge gets back from the registry at start.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, ruleNames, startLocalSharebus, startReceiver } from './harness.js';

describe('a restarted sharebus', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-state-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps departments, keys and subscriptions, and delivers to the old subscription', async () => {
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
    expect(await first.stop()).toBe(0);
    expect(statSync(join(dataDir, 'admin-key')).mode & 0o777).toBe(0o600);

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
      expect(await ruleNames(second.eventBridgeUrl)).toEqual([`sharebus-sub-${subscribed.body.id}`]);
      expect(published.status).toBe(202);
      const [delivery] = await hook.waitFor(1);
      expect(delivery!.json.id).toBe(published.body.id);
    } finally {
      await second.stop();
      await hook.close();
    }
  }, 180_000);
});
