// The embedded EventBridge alone in a process of its own, for tests that kill or stop it: `node --import tsx
// eventbridge-server.ts DATA_DIR` prints its endpoint on one line once it listens, and runs until killed, or until
// SIGTERM, which stops it (as `npm start` does on Ctrl-C) and then exits.
import { startEventBridge } from '../../../../local/eventbridge/index.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: eventbridge-server.ts DATA_DIR');
const eventBridge = await startEventBridge({
  dataDir,
  accountId: '111111111111',
  invokeLambda: async () => {},
  logger: { warn: () => {}, error: () => {} },
});
process.once('SIGTERM', () => {
  void eventBridge.stop().then(() => process.exit(0));
});
process.stdout.write(`${eventBridge.endpoint}\n`);
