// The embedded EventBridge alone in a process of its own, for tests that kill or stop it: `node --import tsx
// eventbridge-server.ts DATA_DIR` prints its endpoint on one line once it listens, and runs until killed, or until
// SIGTERM, which stops it (as `npm start` does on Ctrl-C) and then exits. With SHAREBUS_TEST_INVOCATIONS set to a
// file, the function RECORDING_FUNCTION is invoked asynchronously, as the local runtime invokes the deliver
// function: each run takes 20 ms and then appends its event's `detail.orderId` to that file, one per line.
import { appendFileSync } from 'node:fs';
import { startEventBridge } from '../../../../local/eventbridge/index.js';
import { RECORDING_FUNCTION } from '../child-server.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: eventbridge-server.ts DATA_DIR');
const invocations = process.env.SHAREBUS_TEST_INVOCATIONS;
const eventBridge = await startEventBridge({
  dataDir,
  accountId: '111111111111',
  ...(invocations ? { asyncFunctions: { [RECORDING_FUNCTION]: {} } } : {}),
  invokeLambda: async (_, payload) => {
    if (!invocations) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
    appendFileSync(invocations, `${JSON.parse(payload).detail.orderId}\n`);
  },
  logger: { warn: () => {}, error: () => {} },
});
process.once('SIGTERM', () => {
  void eventBridge.stop().then(() => process.exit(0));
});
process.stdout.write(`${eventBridge.endpoint}\n`);
