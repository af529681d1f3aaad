// The deliveries a run leaves resume at the next start only once that start has reconciled the subscription rules
// (crash review, 2026-12-07: resumed as soon as the handlers loaded, 1,000 of them starved the start's PutRule and
// PutTargets, and the start failed with BusBusyError). Pinned by order, not by starving: the last run leaves its
// deliveries pending and its subscription's rule gone (as a stop between the registry's write and the bus's would),
// so that only the next start's reconciling puts it back. The embedded EventBridge answers a change once it is in
// its journal on disk; the webhook reads that journal as each resumed delivery arrives, so what it finds there is
// what the start had done by then.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, eventBridgeCall, type LocalSharebus, startLocalSharebus, startReceiver } from './harness.js';

/** Whether the control-plane journal in `file` now gives the rule `rule` a target (a line cut short is left out). */
function targeted(file: string, rule: string): boolean {
  let has = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    let entry: { op?: string; body?: { Name?: string; Rule?: string } };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (entry.op === 'PutTargets' && entry.body?.Rule === rule) has = true;
    if (entry.op === 'RemoveTargets' && entry.body?.Rule === rule) has = false;
    if (entry.op === 'DeleteRule' && entry.body?.Name === rule) has = false;
  }
  return has;
}

const PENDING = 3;

describe('a restart with deliveries the last run left', () => {
  it('resumes them only once it has put the subscription rules back', async () => {
    // Prepare: a webhook that takes the deliveries and does not answer; the run is stopped with them under way.
    const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-resume-order-'));
    const journal = join(dataDir, 'eventbridge', 'control-plane.jsonl');
    const env = { SHAREBUS_DATA_DIR: dataDir, SHAREBUS_ADMIN_KEY: 'resume-order-admin-key-0123456789' };
    let rule = '';
    let restarted = false;
    /** For each delivery the webhook took after the restart: whether the rule had its target on disk then. */
    const ruleThere: boolean[] = [];
    const hook = await startReceiver('/hook', () => {
      if (restarted) ruleThere.push(targeted(journal, rule));
    });
    hook.hold = true;
    let first: LocalSharebus | undefined;
    let second: LocalSharebus | undefined;
    try {
      first = await startLocalSharebus(env, ['--no-demo']);
      await call(first.apiUrl, 'POST', '/departments', first.adminKey, { id: 'land', name: 'Land' });
      const system = await call(first.apiUrl, 'POST', '/departments/land/systems', first.adminKey, {
        id: 'cad',
        name: 'Cadastre',
      });
      const key = String(system.body.apiKey);
      await call(first.apiUrl, 'POST', '/contracts', key, {
        type: 'land.parcel.split',
        version: '1.0.0',
        description: 'A parcel was split',
        sharing: 'open',
        schema: { type: 'object' },
      });
      const subscribed = await call(first.apiUrl, 'POST', '/subscriptions', key, {
        type: 'land.parcel.split',
        endpoint: { url: hook.url },
      });
      expect(subscribed.status).toBe(201);
      rule = `sharebus-sub-${subscribed.body.id}`;
      const published: string[] = [];
      for (let n = 1; n <= PENDING; n++) {
        const answer = await call(first.apiUrl, 'POST', '/events', key, {
          type: 'land.parcel.split',
          data: { n },
        });
        expect(answer.status).toBe(202);
        published.push(String(answer.body.id));
      }
      await hook.waitFor(PENDING);
      // The rule is taken off the bus, its registry record kept: the next start's reconciling puts it back.
      const { Targets } = await eventBridgeCall<{ Targets: Array<{ Id: string }> }>(
        first.eventBridgeUrl,
        'ListTargetsByRule',
        { Rule: rule, EventBusName: 'sharebus' },
      );
      await eventBridgeCall(first.eventBridgeUrl, 'RemoveTargets', {
        Rule: rule,
        EventBusName: 'sharebus',
        Ids: Targets.map((target) => target.Id),
      });
      await eventBridgeCall(first.eventBridgeUrl, 'DeleteRule', { Name: rule, EventBusName: 'sharebus' });
      expect(await first.stop()).toBe(0);
      expect(first.output()).toContain(
        `stopped with ${PENDING} Lambda invocations not finished; they resume at the next start`,
      );
      expect(targeted(journal, rule)).toBe(false);
      restarted = true;
      hook.hold = false;

      // Act
      second = await startLocalSharebus(env, ['--no-demo']);
      const resumed = (await hook.waitFor(2 * PENDING)).slice(PENDING);

      // Assess: every delivery resumed, and none reached the webhook before the rule was back with its target.
      expect(resumed.map((delivery) => delivery.json.id).sort()).toEqual([...published].sort());
      expect(ruleThere).toEqual(Array(PENDING).fill(true));
    } finally {
      await second?.stop();
      await first?.stop();
      await hook.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
