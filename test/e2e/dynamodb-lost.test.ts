// DynamoDB Local ending under a running `npm start` (killed, out of memory): the registry is gone, so sharebus
// stops and says why, rather than answer 500 to every call while /health says all is well.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePorts, portIsFree } from '../../local/net.js';
import { processTree } from '../../local/processes.js';
import { itWithProc } from '../linux.js';
import { type LocalSharebus, root, startLocalSharebus } from './harness.js';

/** The Java process of DynamoDB Local among `pid`'s descendants. */
function dynamoDbJava(pid: number): number | undefined {
  return processTree(pid).find((member) => {
    try {
      // Java itself, not the watchdog shell whose command line names the jar too
      return readFileSync(`/proc/${member}/comm`, 'utf8').trim() === 'java';
    } catch {
      return false;
    }
  });
}

/**
 * Resolves once an HTTP server answers on `port` of 127.0.0.1, asking while `asking()` holds. Not a mere connection:
 * the start's own check that the port is free listens on it for a moment, long before the server does.
 */
async function untilAnswering(port: number, asking: () => boolean): Promise<void> {
  while (asking()) {
    const answered = await fetch(`http://127.0.0.1:${port}/`).then(
      () => true,
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('npm start when DynamoDB Local ends', () => {
  let local: LocalSharebus | undefined;

  afterEach(async () => {
    await local?.stop();
  });

  itWithProc('stops with exit code 1, saying DynamoDB Local exited', async () => {
    // Prepare
    local = await startLocalSharebus({}, ['--in-memory', '--no-demo']);
    const java = dynamoDbJava(local.pid);
    expect(java).toBeDefined();
    // Act
    process.kill(java as number, 'SIGKILL');
    const code = await local.exited;
    // Assess
    expect(code).toBe(1);
    expect(local.output()).toMatch(
      /sharebus: DynamoDB Local exited with code 137.*\. Stopping: the registry is gone \(start again to carry on\)\./,
    );
    expect(dynamoDbJava(local.pid)).toBeUndefined();
  });

  // After it listened and before the start was done: the next call's ECONNREFUSED and its stack used to be all
  // that was printed.
  itWithProc(
    'during the start, fails with exit code 1 saying DynamoDB Local exited, leaving nothing running',
    async () => {
      // Prepare: the embedded EventBridge starts once DynamoDB Local answers; the start then creates the table, the
      // bus, the admin key and the demo catalogue, each a call to DynamoDB Local.
      const ports = (await freePorts(3)) as [number, number, number];
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join(root, 'local/start.ts'), '--in-memory'],
        {
          cwd: root,
          env: {
            ...process.env,
            SHAREBUS_PORT: String(ports[0]),
            SHAREBUS_EVENTBRIDGE_PORT: String(ports[1]),
            SHAREBUS_DYNAMODB_PORT: String(ports[2]),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      for (const stream of [child.stdout, child.stderr])
        stream.on('data', (chunk: Buffer) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      // A start that ends before its EventBridge answers (one of the free ports taken meanwhile, say), or that is still
      // running long after, fails the test with what it said, not with jest's timeout and nothing (seen once in a CI
      // dry run, 2026-12-06), and is not left running.
      let running = true;
      void exited.then(() => {
        running = false;
      });
      const ended = exited.then((code) => {
        throw new Error(
          `the start ended (code ${code}) before its EventBridge answered; it said:\n${output}`,
        );
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        // Act
        await Promise.race([untilAnswering(ports[1], () => running), ended]);
        ended.catch(() => {});
        const java = dynamoDbJava(child.pid as number);
        expect(java).toBeDefined();
        process.kill(java as number, 'SIGKILL');
        const code = await Promise.race([
          exited,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () =>
                reject(
                  new Error(`the start still ran 20 s after DynamoDB Local was killed; it said:\n${output}`),
                ),
              20_000,
            );
          }),
        ]);
        // Assess
        expect(code).toBe(1);
        expect(output).not.toMatch(/sharebus ready/);
        expect(output).toMatch(
          /^sharebus: DynamoDB Local exited with code 137.*, while sharebus was starting$/m,
        );
        expect(output).not.toMatch(/ECONNREFUSED|\n\s+at /);
        for (const port of ports) expect(await portIsFree('127.0.0.1', port)).toBe(true);
      } finally {
        clearTimeout(timer);
        if (running) child.kill('SIGKILL');
      }
    },
    60_000,
  );
});
