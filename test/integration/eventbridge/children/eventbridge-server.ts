// The embedded EventBridge alone in a process of its own, for tests that kill it: `node --import tsx
// eventbridge-server.ts DATA_DIR` prints its endpoint on one line once it listens, and runs until killed.
import { startEventBridge } from '../../../../local/eventbridge/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: eventbridge-server.ts DATA_DIR');
const eventBridge = await startEventBridge({
  dataDir,
  accountId: '111111111111',
  invokeLambda: async () => {},
  logger: { warn: () => {}, error: () => {} },
});
process.stdout.write(`${eventBridge.endpoint}\n`);
