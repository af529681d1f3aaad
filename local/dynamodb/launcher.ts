// Starts AWS's DynamoDB Local (the jar fetched at install by fetch-jar.mjs) as a child process on a
// known port, waits until it answers, and stops it again.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../net.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export class JavaNotFoundError extends Error {
  override name = 'JavaNotFoundError';
}

export class DynamoDbLocalStartError extends Error {
  override name = 'DynamoDbLocalStartError';
}

export interface DynamoDbLocalOptions {
  /** 0 or omitted: a free port (DynamoDB Local itself refuses `-port 0`). */
  readonly port?: number;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** Directory for the database file; omitted means in memory (nothing kept). */
  readonly dbPath?: string;
  /** @default `.dynamodb-local/` in the repository, or SHAREBUS_DYNAMODB_LOCAL_DIR */
  readonly jarDir?: string;
  /** @default 30_000 */
  readonly startTimeoutMs?: number;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

const INSTALL_HINT =
  'DynamoDB Local needs Java 17 or newer. Install it (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`; ' +
  'macOS: `brew install openjdk@17`; others: https://adoptium.net), or point JAVA_HOME at one.';

function javaBinary(): string {
  const home = process.env.JAVA_HOME;
  const candidate = home ? join(home, 'bin', 'java') : 'java';
  const probe = spawnSync(candidate, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new JavaNotFoundError(`\`${candidate}\` could not be run. ${INSTALL_HINT}`);
  }
  const major = /version "(\d+)/.exec(probe.stderr)?.[1];
  if (major && Number(major) < 17) {
    throw new JavaNotFoundError(`\`${candidate}\` is Java ${major}. ${INSTALL_HINT}`);
  }
  return candidate;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    // Any HTTP answer (DynamoDB Local says 400 to a bare GET) means the server is up.
    const res = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const jarDir = options.jarDir ?? process.env.SHAREBUS_DYNAMODB_LOCAL_DIR ?? join(root, '.dynamodb-local');
  if (!existsSync(join(jarDir, 'DynamoDBLocal.jar'))) {
    throw new DynamoDbLocalStartError(
      `DynamoDB Local is not in ${jarDir}: run \`npm install\` (or \`node local/dynamodb/fetch-jar.mjs\`) first.`,
    );
  }
  const java = javaBinary();
  const host = options.host ?? '127.0.0.1';
  const port = options.port || (await freePort(host));
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });

  const javaArgs = [
    // C1 only and the serial collector: DynamoDB Local starts in about half the time (measured 5.3 s
    // against 12.4 s on a loaded 2-core machine), which is what a dev server and a test suite wait on.
    ...(process.env.SHAREBUS_DYNAMODB_JAVA_OPTS ?? '-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto')
      .split(/\s+/)
      .filter(Boolean),
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
    // One database whatever the caller's credentials, so the AWS CLI sees what the handlers wrote.
    '-sharedDb',
    ...storage,
  ];
  // Java is started under a small shell watchdog that stops it when our end of its stdin closes: on
  // stop(), and also when this process dies without cleaning up (SIGKILL, a crashed test worker), so no
  // orphaned DynamoDB Local keeps the port.
  const watchdog =
    'exec 3<&0; "$@" </dev/null & pid=$!; (cat <&3 >/dev/null; kill "$pid" 2>/dev/null) & wait "$pid"';
  const child: ChildProcess = spawn('sh', ['-c', watchdog, 'sharebus-dynamodb-local', java, ...javaArgs], {
    cwd: jarDir,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolveExit) => {
    child.once('exit', (code) => {
      exited = code;
      resolveExit();
    });
  });

  const endpoint = `http://${host}:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await answers(endpoint))) {
    if (exited !== undefined) {
      throw new DynamoDbLocalStartError(`DynamoDB Local exited (code ${exited}) on port ${port}: ${output}`);
    }
    if (Date.now() > deadline) {
      child.stdin?.end();
      throw new DynamoDbLocalStartError(`DynamoDB Local did not answer on ${endpoint} in time: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    endpoint,
    port,
    pid: child.pid ?? -1,
    async stop() {
      if (exited !== undefined) return;
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
