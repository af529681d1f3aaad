// The embedded EventBridge in a process of its own (children/eventbridge-server.ts), for tests that kill it, stop it or
// block it: its event loop is not the test's.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// fileURLToPath, not .pathname: the latter keeps %20 and percent-encoded UTF-8, and a checkout in
// "~/My Projects" or under a non-ASCII folder could not be found.
const SERVER = fileURLToPath(new URL('./children/eventbridge-server.ts', import.meta.url));

/** The function a child started with `invocations` invokes asynchronously, recording each event it runs for. */
export const RECORDING_FUNCTION = 'arn:aws:lambda:us-east-1:111111111111:function:recording';

/**
 * Starts a server on `dataDir` (account 111111111111) and resolves once it listens, with its endpoint. With
 * `invocations`, RECORDING_FUNCTION appends the `detail.orderId` of each event it runs for to that file.
 */
export function startChild(
  dataDir: string,
  invocations?: string,
): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...(invocations ? { SHAREBUS_TEST_INVOCATIONS: invocations } : {}) },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`the EventBridge child exited (${code}) before listening`)),
    );
    child.stdout?.once('data', (data) => resolve({ child, endpoint: String(data).trim() }));
  });
}

/** Kills the child with SIGKILL (a crash) and resolves once it is gone. */
export function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Stops the child as Ctrl-C stops `npm start` (SIGTERM: the server's stop(), then exit) and resolves once it is gone. */
export function stopped(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}
