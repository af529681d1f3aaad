// AWS's quotas page ("Rules": af-south-1 100, eu-south-1 100, every other supported Region 300 rules per event bus):
// the default quota follows the server's region (rules review, session 64: it was 300 in every region).
import { ListRulesCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { describe, expect, it } from '@jest/globals';
import { caught, startHarness } from './harness.js';

describe("embedded EventBridge: the rules quota's default follows the region, as AWS's quotas page gives it", () => {
  it.each([
    ['eu-south-1', 100],
    ['af-south-1', 100],
    ['eu-west-1', 300],
  ])('in %s a bus holds %i rules and refuses one more', async (region, quota) => {
    const harness = await startHarness({ region });
    try {
      // Prepare
      for (let n = 0; n < quota; n++) {
        await harness.client.send(new PutRuleCommand({ Name: `r${n}`, EventPattern: '{"source":["x"]}' }));
      }
      // Act
      const refused = await caught(() =>
        harness.client.send(new PutRuleCommand({ Name: `r${quota}`, EventPattern: '{"source":["x"]}' })),
      );
      // Assess
      expect(refused.name).toBe('LimitExceededException');
      const listed = await harness.client.send(new ListRulesCommand({ NamePrefix: `r${quota}` }));
      expect(listed.Rules).toEqual([]);
    } finally {
      await harness.close();
    }
  });

  it('still takes maxRulesPerBus over the region default', async () => {
    const harness = await startHarness({ region: 'eu-south-1', maxRulesPerBus: 150 });
    try {
      for (let n = 0; n < 150; n++) {
        await harness.client.send(new PutRuleCommand({ Name: `r${n}`, EventPattern: '{"source":["x"]}' }));
      }
      const refused = await caught(() =>
        harness.client.send(new PutRuleCommand({ Name: 'r150', EventPattern: '{"source":["x"]}' })),
      );
      expect(refused.name).toBe('LimitExceededException');
    } finally {
      await harness.close();
    }
  });
});
