import { spawn, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, untilUp } from '../../local/dynamodb/launcher.js';

const jarDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '.dynamodb-local');

/** The addresses of the sockets listening on `port`, as the kernel lists them (Linux). */
function listeningOn(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const named: Record<string, string> = {
    '00000000': '0.0.0.0',
    '0100007F': '127.0.0.1',
    '00000000000000000000000000000000': '::',
    '0000000000000000FFFF00000100007F': '127.0.0.1',
    '00000000000000000000000001000000': '::1',
  };
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, localPort] = (local ?? '').split(':');
      if (state === '0A' && localPort === hexPort) found.push(named[address ?? ''] ?? (address as string));
    }
  }
  return found;
}

describe('DynamoDB Local launcher', () => {
  it('serves the DynamoDB API on the port it picked and stops cleanly', async () => {
    // Prepare
    const dynamodb = await startDynamoDbLocal();
    const client = new DynamoDBClient({
      endpoint: dynamodb.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      // Act
      const tables = await client.send(new ListTablesCommand({}));
      // Assess
      expect(tables.TableNames).toEqual([]);
    } finally {
      client.destroy();
      await dynamodb.stop();
    }
    await expect(fetch(dynamodb.endpoint)).rejects.toThrow();
  });

  it('listens on 127.0.0.1 alone, not on every interface as its own jar does', async () => {
    const dynamodb = await startDynamoDbLocal();
    try {
      expect(dynamodb.boundTo).toBe('127.0.0.1');
      expect(listeningOn(dynamodb.port)).toEqual(['127.0.0.1']);
    } finally {
      await dynamodb.stop();
    }
  });

  it('falls back to every interface, and says why, when the Java found has no javac', async () => {
    // Prepare: a Java home whose java (a script running the real one) has no javac beside it, and a copy of the
    // jar directory with no binder compiled yet.
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-jre-'));
    const java = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], {
      encoding: 'utf8',
    }).stdout.trim();
    mkdirSync(join(scratch, 'home', 'bin'), { recursive: true });
    writeFileSync(join(scratch, 'home', 'bin', 'java'), `#!/bin/sh\nexec '${java}' "$@"\n`, { mode: 0o755 });
    mkdirSync(join(scratch, 'jars'));
    for (const entry of ['DynamoDBLocal.jar', 'DynamoDBLocal_lib']) {
      symlinkSync(join(jarDir, entry), join(scratch, 'jars', entry));
    }
    const saved = process.env.JAVA_HOME;
    process.env.JAVA_HOME = join(scratch, 'home');
    try {
      // Act
      const dynamodb = await startDynamoDbLocal({ jarDir: join(scratch, 'jars') });
      try {
        // Assess
        expect(dynamodb.boundTo).toBeUndefined();
        expect(dynamodb.whyUnbound).toMatch(/javac. could not be run/);
        expect(listeningOn(dynamodb.port).some((a) => a === '::' || a === '0.0.0.0')).toBe(true);
      } finally {
        await dynamodb.stop();
      }
    } finally {
      if (saved === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = saved;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('stops DynamoDB Local when the process that started it is killed', async () => {
    // Prepare: a separate node process starts DynamoDB Local and prints its endpoint.
    const script = `import { startDynamoDbLocal } from './local/dynamodb/launcher.ts';
      const d = await startDynamoDbLocal(); console.log(d.endpoint); setInterval(() => {}, 1000);`;
    // tsx as a loader, not its CLI: the CLI would run the script in a grandchild that survives the kill.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const endpoint = await new Promise<string>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
    });
    await expect(fetch(endpoint)).resolves.toBeDefined();
    // Act: no chance to clean up.
    child.kill('SIGKILL');
    // Assess
    let up = true;
    for (let i = 0; i < 100 && up; i++) {
      up = await fetch(endpoint).then(
        () => true,
        () => false,
      );
      if (up) await new Promise((r) => setTimeout(r, 100));
    }
    expect(up).toBe(false);
  });

  it('refuses a port another server holds rather than taking its answers for DynamoDB Local', async () => {
    // Prepare
    const holder = createServer((_req, res) => res.writeHead(400).end('{}'));
    await new Promise<void>((resolveListen) => holder.listen(0, '127.0.0.1', resolveListen));
    const port = (holder.address() as AddressInfo).port;
    try {
      // Act
      const started = startDynamoDbLocal({ jarDir, port });
      // Assess
      await expect(started).rejects.toThrow(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      await new Promise<void>((resolveClose) => holder.close(() => resolveClose()));
    }
  });

  it("does not take another server's answers on its port for DynamoDB Local's before DynamoDB Local says it listens", async () => {
    // Prepare: a server that took the port after it was chosen free, before Java bound it
    const taker = createServer((_req, res) => res.writeHead(400).end('{}'));
    await new Promise<void>((resolveListen) => taker.listen(0, '127.0.0.1', resolveListen));
    const endpoint = `http://127.0.0.1:${(taker.address() as AddressInfo).port}`;
    let said = false;
    try {
      // Act: it answers at once; DynamoDB Local's word comes 300 ms later, and then its process ends
      const waiting = untilUp(
        endpoint,
        () => said,
        () => undefined,
        Date.now() + 5_000,
      );
      const outcome = await Promise.race([
        waiting.then(() => 'up'),
        new Promise((resolveLater) => setTimeout(() => resolveLater('still waiting'), 300)),
      ]);
      said = true;
      await waiting;
      const ended = untilUp(
        endpoint,
        () => false,
        () => 'DynamoDB Local exited (code 1)',
        Date.now() + 5_000,
      );
      // Assess
      expect(outcome).toBe('still waiting');
      await expect(ended).rejects.toThrow('DynamoDB Local exited (code 1)');
    } finally {
      await new Promise<void>((resolveClose) => taker.close(() => resolveClose()));
    }
  });

  it('ends its Java at once, saying why, when the port it was started on is taken, so another port can be tried', async () => {
    // Prepare: the binder the launcher compiled (the tests above started it), and a port another server holds
    const db = await startDynamoDbLocal({ jarDir });
    await db.stop();
    const builds = readdirSync(join(jarDir, 'binder')).map((name) => join(jarDir, 'binder', name));
    const binder = builds.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0] as string;
    const holder = createServer();
    await new Promise<void>((resolveListen) => holder.listen(0, '127.0.0.1', resolveListen));
    const port = (holder.address() as AddressInfo).port;
    try {
      // Act
      const run = spawnSync(
        'java',
        [
          `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
          '-cp',
          `${join(jarDir, 'DynamoDBLocal.jar')}:${join(jarDir, 'DynamoDBLocal_lib', '*')}:${binder}`,
          'LoopbackDynamoDbLocal',
          '-port',
          String(port),
          '-inMemory',
          '-disableTelemetry',
        ],
        // In the jar's directory, as the launcher runs it: DynamoDB Local writes a metadata file where it runs.
        { cwd: jarDir, encoding: 'utf8', timeout: 20_000 },
      );
      // Assess: before, Jetty's threads kept it running, and the launcher waited out its deadline
      expect(run.signal).toBeNull();
      expect(run.status).toBe(1);
      expect(run.stderr).toContain('Address already in use');
      expect(run.stdout).not.toContain('sharebus: DynamoDB Local listening on');
    } finally {
      await new Promise<void>((resolveClose) => holder.close(() => resolveClose()));
    }
  });

  it('says which Java to install when java cannot be run', async () => {
    const saved = process.env.JAVA_HOME;
    process.env.JAVA_HOME = '/nonexistent-java-home';
    try {
      await expect(startDynamoDbLocal()).rejects.toThrow(
        /needs Java 17 or newer.*apt-get install openjdk-17/,
      );
    } finally {
      if (saved === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = saved;
    }
  });
});
