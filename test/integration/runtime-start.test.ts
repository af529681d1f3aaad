// What `npm start` refuses before it starts anything: a port another process holds, and a state directory
// another sharebus uses. Both used to surface late (after DynamoDB Local's seconds of start-up) or not at all.
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError } from '../../local/data-lock.js';
import { DynamoDbLocalStartError } from '../../local/dynamodb/launcher.js';
import { freePort, freePorts, portIsFree } from '../../local/net.js';
import { PortInUseError, SettingError, startSharebus } from '../../local/runtime.js';
import { itWithProc } from '../linux.js';

/**
 * Runs `script` as an ES module in a process of its own (jest's module sandbox cannot load the handlers), with `args`
 * after it: what it printed, trimmed, once it has ended. Its stderr is shown unless `options.stdio` says otherwise.
 */
function runScript(script: string, args: string[] = [], options: SpawnOptions = {}): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      ...options,
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk));
    child.on('error', reject);
    child.on('exit', () => resolve(out.trim()));
  });
}

describe('startSharebus refuses before starting anything', () => {
  it('a port below 1024 without the privilege to listen there, saying so rather than that it is in use', async () => {
    // Prepare: a process that may not listen below 1024 (as root, one run as nobody)
    const script = `import { startSharebus } from './local/runtime.ts';
      await startSharebus({ inMemory: true, apiPort: 80, eventBridgePort: 0, dynamoDbPort: 0 }).then(
        () => console.log('started'), (e) => console.log(e.name + ': ' + e.message));
      process.exit(0);`;
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    // Act
    const said = await runScript(script, [], { ...asNobody, env: { ...process.env, HOME: tmpdir() } });
    // Assess
    expect(said).toBe(
      'PortInUseError: port 80 on 127.0.0.1 needs privileges this process lacks (ports below 1024 need root or CAP_NET_BIND_SERVICE): set SHAREBUS_PORT to another port (0 picks a free one).',
    );
  });

  it.each([
    ['apiPort', 'SHAREBUS_PORT'],
    ['eventBridgePort', 'SHAREBUS_EVENTBRIDGE_PORT'],
    ['dynamoDbPort', 'SHAREBUS_DYNAMODB_PORT'],
  ] as const)('a taken %s, naming %s', async (option, variable) => {
    // Prepare
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    // The other two ports: free ones, named, so that the test can tell nothing was left listening on them.
    const [apiPort, eventBridgePort, dynamoDbPort] = (await freePorts(3)) as [number, number, number];
    const ports = { apiPort, eventBridgePort, dynamoDbPort, [option]: port };
    // A state directory: DynamoDB Local, had it started, would have made its folder there (a refusal after it
    // started, stopping it on the way out, would free the ports all the same).
    const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-taken-port-'));
    try {
      // Act
      const started = startSharebus({ dataDir, ...ports });
      // Assess
      await expect(started).rejects.toThrow(PortInUseError);
      await expect(started).rejects.toThrow(
        `port ${port} on 127.0.0.1 is in use (another sharebus?): stop what holds it, or set ${variable} to another port (0 picks a free one).`,
      );
      expect(readdirSync(dataDir)).toEqual([]);
      for (const other of Object.values(ports).filter((p) => p !== port)) {
        expect(await portIsFree('127.0.0.1', other)).toBe(true);
      }
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('a taken port, leaving no state directory where there was none', async () => {
    // Prepare: the state directory and its parent do not exist yet
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    const parent = mkdtempSync(join(tmpdir(), 'sharebus-new-state-'));
    try {
      // Act
      const started = startSharebus({
        dataDir: join(parent, 'sites', 'state'),
        apiPort: port,
        eventBridgePort: 0,
        dynamoDbPort: 0,
      });
      // Assess
      await expect(started).rejects.toThrow(PortInUseError);
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('every taken port at once, naming each variable', async () => {
    // Prepare
    const holders = [createServer(), createServer()];
    for (const holder of holders)
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const [api = 0, eventBridge = 0] = holders.map((h) => (h.address() as AddressInfo).port);
    const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-taken-ports-'));
    try {
      // Act
      const started = startSharebus({
        dataDir,
        apiPort: api,
        eventBridgePort: eventBridge,
        dynamoDbPort: 0,
      });
      // Assess: and DynamoDB Local never started (it would have made its folder in dataDir)
      await expect(started).rejects.toThrow(
        `ports ${eventBridge} (SHAREBUS_EVENTBRIDGE_PORT), ${api} (SHAREBUS_PORT) on 127.0.0.1 are in use (another sharebus?): stop what holds them, or set those variables to other ports (0 picks a free one).`,
      );
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      for (const holder of holders) await new Promise<void>((resolve) => holder.close(() => resolve()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('one port given to two servers, naming both variables, writing nothing', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-same-port-'));
    const port = await freePort();
    try {
      // Act
      const started = startSharebus({ dataDir, apiPort: port, eventBridgePort: 0, dynamoDbPort: port });
      // Assess
      await expect(started).rejects.toThrow(SettingError);
      await expect(started).rejects.toThrow(
        `SHAREBUS_DYNAMODB_PORT and SHAREBUS_PORT are both ${port}: each server needs a port of its own (0 picks a free one).`,
      );
      expect(readdirSync(dataDir)).toEqual([]);
      expect(await portIsFree('127.0.0.1', port)).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it.each([
    ...[0, 1.5, -3].map(
      (quota) =>
        [
          { maxRulesPerBus: quota },
          `SHAREBUS_EVENTBRIDGE_MAX_RULES must be a whole number of rules, 1 or more; got ${quota}`,
        ] as const,
    ),
    ...[0, 1.5, 1_048_577].map(
      (limit) =>
        [
          { maxQueueMegabytes: limit },
          `SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB must be a whole number of MiB from 1 to 1048576; got ${limit}`,
        ] as const,
    ),
    ...[0, 2.5].map(
      (limit) =>
        [
          { maxLambdaQueueMegabytes: limit },
          `SHAREBUS_LAMBDA_QUEUE_MAX_MB must be a whole number of MiB from 1 to 1048576; got ${limit}`,
        ] as const,
    ),
  ])('the option %p, naming its variable', async (option, message) => {
    // Act
    const started = startSharebus({
      inMemory: true,
      apiPort: 0,
      eventBridgePort: 0,
      dynamoDbPort: 0,
      ...option,
    });
    // Assess: a SettingError, which npm start prints as its message alone.
    await expect(started).rejects.toThrow(SettingError);
    await expect(started).rejects.toThrow(message);
  });

  it.each([
    ['the lowest', '0', '60', '1000', 'abc', 'b'],
    ['the highest', '185', '86400', '880000', 't'.repeat(255), 'b'.repeat(256)],
  ])(
    'nothing at %s bounds each setting takes, refusing only what is checked after them',
    async (_, retries, age, timeoutMs, table, bus) => {
      // Prepare: every setting checked before the rules quota at a bound it takes; a quota it refuses
      const variables = {
        SHAREBUS_DELIVERY_MAX_RETRIES: retries,
        SHAREBUS_DELIVERY_MAX_EVENT_AGE_SECONDS: age,
        SHAREBUS_DELIVERY_TIMEOUT_MS: timeoutMs,
        SHAREBUS_TABLE_NAME: table,
        SHAREBUS_BUS_NAME: bus,
      };
      const saved = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
      Object.assign(process.env, variables);
      try {
        // Act
        const started = startSharebus({
          inMemory: true,
          apiPort: 0,
          eventBridgePort: 0,
          dynamoDbPort: 0,
          maxRulesPerBus: 0,
        });
        // Assess: refused for the quota, so for nothing before it
        await expect(started).rejects.toThrow(
          'SHAREBUS_EVENTBRIDGE_MAX_RULES must be a whole number of rules, 1 or more; got 0',
        );
      } finally {
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    },
  );

  it.each([
    [
      'a throttle with a burst of 0, which would refuse every request',
      'SHAREBUS_API_THROTTLE',
      '5/0',
      'SHAREBUS_API_THROTTLE must be <requests per second>/<burst>, as 100/200, or off; got 5/0',
    ],
    [
      'an allowed host with a port, which a Host header would never match',
      'SHAREBUS_ALLOWED_HOSTS',
      'bus.example.gov, bus.example.gov:443',
      'SHAREBUS_ALLOWED_HOSTS must be host names separated by commas, without a scheme, port or wildcard (as bus.example.gov); got "bus.example.gov:443"',
    ],
  ])('%s', async (_, variable, value, message) => {
    // Prepare
    const saved = process.env[variable];
    process.env[variable] = value;
    try {
      // Act
      const started = startSharebus({ inMemory: true, apiPort: 0, eventBridgePort: 0, dynamoDbPort: 0 });
      // Assess
      await expect(started).rejects.toThrow(SettingError);
      await expect(started).rejects.toThrow(message);
    } finally {
      if (saved === undefined) delete process.env[variable];
      else process.env[variable] = saved;
    }
  });

  it.each([
    ['SHAREBUS_EVENTBRIDGE_PORT and SHAREBUS_PORT', ['eventBridgePort', 'apiPort']],
    ['SHAREBUS_DYNAMODB_PORT and SHAREBUS_EVENTBRIDGE_PORT', ['dynamoDbPort', 'eventBridgePort']],
  ] as const)('one port given to %s, naming both', async (named, [first, second]) => {
    // Prepare
    const port = await freePort();
    // Act
    const started = startSharebus({
      inMemory: true,
      apiPort: 0,
      eventBridgePort: 0,
      dynamoDbPort: 0,
      [first]: port,
      [second]: port,
    });
    // Assess
    await expect(started).rejects.toThrow(
      `${named} are both ${port}: each server needs a port of its own (0 picks a free one).`,
    );
  });

  it('port 65535 set twice in the environment, taking it as a port', async () => {
    // Prepare
    const saved = [process.env.SHAREBUS_PORT, process.env.SHAREBUS_EVENTBRIDGE_PORT] as const;
    process.env.SHAREBUS_PORT = '65535';
    process.env.SHAREBUS_EVENTBRIDGE_PORT = '65535';
    try {
      // Act
      const started = startSharebus({ inMemory: true, dynamoDbPort: 0 });
      // Assess: refused as a port given twice, not as no port at all
      await expect(started).rejects.toThrow(
        'SHAREBUS_EVENTBRIDGE_PORT and SHAREBUS_PORT are both 65535: each server needs a port of its own (0 picks a free one).',
      );
    } finally {
      for (const [name, value] of [
        ['SHAREBUS_PORT', saved[0]],
        ['SHAREBUS_EVENTBRIDGE_PORT', saved[1]],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('a state directory another live sharebus holds, naming its process', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-runtime-'));
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    writeFileSync(join(dataDir, '.lock'), `${other.pid}\nsharebus\n`);
    try {
      // Act
      const started = startSharebus({ dataDir, apiPort: 0, eventBridgePort: 0, dynamoDbPort: 0 });
      // Assess
      await expect(started).rejects.toThrow(DataDirInUseError);
      await expect(started).rejects.toThrow(
        `${dataDir} is in use by sharebus (process ${other.pid}): stop it first, or give this sharebus another state directory; if no such process runs, delete ${join(dataDir, '.lock')}.`,
      );
      // Nothing written beside the lock, and the lock still the other process's.
      expect(readdirSync(dataDir)).toEqual(['.lock']);
      expect(readFileSync(join(dataDir, '.lock'), 'utf8')).toBe(`${other.pid}\nsharebus\n`);
    } finally {
      other.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('startSharebus, a port taken after it was seen free', () => {
  // Review, 2026-12-06: the ports are looked at once, before anything starts; one taken in the seconds before its
  // server listened (two starts at the same moment) surfaced as Node's EADDRINUSE stack, or as DynamoDB Local's
  // whole log with Java's, naming no variable to change.
  it.each([
    ['dynamoDbPort', 'SHAREBUS_DYNAMODB_PORT'],
    ['eventBridgePort', 'SHAREBUS_EVENTBRIDGE_PORT'],
    ['apiPort', 'SHAREBUS_PORT'],
  ] as const)(
    'refuses in one line, naming %s as %s, and leaves nothing listening',
    async (option, variable) => {
      // Prepare: a `java` that marks when DynamoDB Local is launched and runs it only once the test has taken the port
      // (a file says so; waited for at most a minute); the ports are free when the start looks at them. A fixed wait
      // here (it was a second) failed the test whenever a busy machine held the test back longer: the start then
      // listened first. The start runs in a process of its own (jest's module sandbox cannot load the handlers),
      // which reports what it threw and which ports still listen.
      const scratch = mkdtempSync(join(tmpdir(), 'sharebus-port-race-'));
      const marker = join(scratch, 'launched');
      const taken = join(scratch, 'taken');
      const java = spawnSync('sh', ['-c', 'readlink -f "$(command -v java)"'], {
        encoding: 'utf8',
      }).stdout.trim();
      mkdirSync(join(scratch, 'bin'));
      writeFileSync(
        join(scratch, 'bin', 'java'),
        `#!/bin/sh\ncase " $* " in *" -port "*) : > '${marker}'; i=0; while [ ! -e '${taken}' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done;; esac\nexec '${java}' "$@"\n`,
        { mode: 0o755 },
      );
      const [apiPort, eventBridgePort, dynamoDbPort] = (await freePorts(3)) as [number, number, number];
      const ports = { apiPort, eventBridgePort, dynamoDbPort };
      const port = ports[option];
      const script = `import { portIsFree } from './local/net.ts';
      import { startSharebus } from './local/runtime.ts';
      const ports = JSON.parse(process.argv[1]);
      await startSharebus({ inMemory: true, ...ports }).then(
        () => console.log('started'), (e) => console.log(e.name + ': ' + e.message));
      for (const port of Object.values(ports)) if (!(await portIsFree('127.0.0.1', port))) console.log('listening: ' + port);
      process.exit(0);`;
      const holder = createServer();
      try {
        // Act
        let exited = false;
        const said = new Promise<string>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', '--input-type=module', '-e', script, JSON.stringify(ports)],
            { env: { ...process.env, JAVA_HOME: scratch }, stdio: ['ignore', 'pipe', 'inherit'] },
          );
          let out = '';
          child.stdout.on('data', (chunk: Buffer) => (out += chunk));
          child.on('error', reject);
          child.on('exit', () => {
            exited = true;
            resolve(out.trim());
          });
        });
        // (a start that ended before it launched DynamoDB Local is reported below, not waited for)
        while (!existsSync(marker) && !exited) await new Promise((resolve) => setTimeout(resolve, 10));
        await new Promise<void>((resolve, reject) =>
          holder.once('error', reject).listen(port, '127.0.0.1', resolve),
        );
        writeFileSync(taken, '');
        // Assess: the one line, and of the three ports only the one the test holds still listening
        expect((await said).split('\n')).toEqual([
          `PortInUseError: port ${port} on 127.0.0.1 was taken while sharebus was starting (another sharebus starting at the same time?): stop what holds it, or set ${variable} to another port (0 picks a free one).`,
          `listening: ${port}`,
        ]);
      } finally {
        if (holder.listening) await new Promise<void>((resolve) => holder.close(() => resolve()));
        rmSync(scratch, { recursive: true, force: true });
      }
    },
  );
});

describe('startSharebus where DynamoDB Local cannot load SQLite', () => {
  // Portability review, 2026-12-06: DynamoDB Local unpacks SQLite's native library into Java's temporary directory
  // and loads it at its first request; on Alpine (musl), or with TMPDIR mounted noexec, it cannot, and answers every
  // request with an HTML 500, which the start reported as the SDK's "Unexpected token '<'" and its stack.
  itWithProc('says why and what to do, in one error, leaving nothing listening', async () => {
    // Prepare: a temporary directory no file can be made in (/proc/sys), as Java's, for DynamoDB Local to unpack into
    const saved = process.env.SHAREBUS_DYNAMODB_JAVA_OPTS;
    process.env.SHAREBUS_DYNAMODB_JAVA_OPTS =
      '-Djava.io.tmpdir=/proc/sys -XX:TieredStopAtLevel=1 -XX:+UseSerialGC';
    const [apiPort, eventBridgePort, dynamoDbPort] = (await freePorts(3)) as [number, number, number];
    const ports = { apiPort, eventBridgePort, dynamoDbPort };
    try {
      // Act
      const started = startSharebus({ inMemory: true, ...ports });
      // Assess
      await expect(started).rejects.toThrow(DynamoDbLocalStartError);
      await expect(started).rejects.toThrow(
        /^DynamoDB Local cannot load SQLite's native library \(java\.nio\.file\.NoSuchFileException: \/proc\/sys\/sqlite-\S+\.so\)\. It unpacks it into Java's temporary directory \(under TMPDIR, unless SHAREBUS_DYNAMODB_JAVA_OPTS sets java\.io\.tmpdir\): make that a directory that is writable and not mounted noexec\./,
      );
      for (const port of Object.values(ports)) expect(await portIsFree('127.0.0.1', port)).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.SHAREBUS_DYNAMODB_JAVA_OPTS;
      else process.env.SHAREBUS_DYNAMODB_JAVA_OPTS = saved;
    }
  });
});

describe("startSharebus and the functions' log level", () => {
  // Terminal review, session 50: the runtime set POWERTOOLS_LOG_LEVEL=WARN after its imports had made the functions'
  // logger, which stayed at INFO; telling the logger then held for the first invocation only, as Powertools puts its
  // first level back at every invocation (diff review).
  it.each([
    ['WARN unless given', {}, 'WARN'],
    ['the level given', { POWERTOOLS_LOG_LEVEL: 'INFO' }, 'INFO'],
    ["the level given in Powertools' other variable", { LOG_LEVEL: 'ERROR' }, 'ERROR'],
  ])('sets it to %s, at every invocation', async (_, given: Record<string, string>, level) => {
    // Prepare: a process of its own (jest's module sandbox cannot load the handlers), which reads the level inside
    // three invocations
    const script = `import { startSharebus } from './local/runtime.ts';
      import { logger } from './functions/shared/logger.ts';
      const seen = [];
      const refresh = logger.refreshSampleRateCalculation.bind(logger);
      logger.refreshSampleRateCalculation = () => { refresh(); seen.push(logger.getLevelName()); };
      const runtime = await startSharebus({ inMemory: true, seedDemo: false, apiPort: 0, eventBridgePort: 0, dynamoDbPort: 0 });
      for (let i = 0; i < 3; i++) await fetch(runtime.apiUrl + '/health').then((r) => r.text());
      console.log(seen.join(','));
      await runtime.stop();
      process.exit(0);`;
    const env: Record<string, string | undefined> = { ...process.env, ...given };
    for (const name of ['POWERTOOLS_LOG_LEVEL', 'LOG_LEVEL', 'AWS_LAMBDA_LOG_LEVEL']) {
      if (!(name in given)) delete env[name];
    }
    // Act
    const said = await runScript(script, [], { env });
    // Assess
    expect(said).toBe([level, level, level].join(','));
  });
});

describe('startSharebus and allowedHosts', () => {
  it('gives the HTTP API, the embedded EventBridge and DynamoDB Local the names, and SHAREBUS_ALLOWED_HOSTS yields to the option', async () => {
    // Prepare: a process of its own (jest's module sandbox cannot load the handlers); fetch cannot send a Host
    const script = `import { request } from 'node:http';
      import { startSharebus } from './local/runtime.ts';
      const status = (url, host, method = 'GET', headers = {}) => new Promise((resolve, reject) => {
        const req = request(url, { method, headers: { ...headers, host } }, (res) => { res.resume(); resolve(res.statusCode); });
        req.on('error', reject);
        req.end(method === 'POST' ? '{}' : undefined);
      });
      // DynamoDB Local takes any signature, but wants one
      const listTables = { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.ListTables',
        authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' };
      const runtime = await startSharebus({ inMemory: true, seedDemo: false, apiPort: 0, eventBridgePort: 0,
        dynamoDbPort: 0, allowedHosts: ['bus.example.gov'] });
      const said = [];
      for (const host of ['bus.example.gov', 'env.example.gov']) {
        said.push(await status(runtime.apiUrl + '/health', host));
        said.push(await status(runtime.eventBridgeEndpoint + '/_local/dead-letters', host));
        said.push(await status(runtime.dynamoDbEndpoint, host, 'POST', listTables));
      }
      console.log(said.join(','));
      await runtime.stop();
      process.exit(0);`;
    // Act
    const said = await runScript(script, [], {
      env: { ...process.env, SHAREBUS_ALLOWED_HOSTS: 'env.example.gov' },
    });
    // Assess
    expect(said).toBe('200,200,200,403,403,403');
  });
});

describe('startSharebus, a second time in one process', () => {
  // Review, 2026-12-05: the second runtime got the first one's handler modules, whose clients called the first
  // runtime's ports, closed by then: every call through a handler answered 500 (ECONNREFUSED in the log).
  it('serves through handlers of its own, whose clients call its own ports', async () => {
    // Prepare: a process of its own (jest's module sandbox cannot load the handlers), which starts a runtime, makes a
    // department through it, stops it, then makes the same department through a second runtime.
    const script = `import { startSharebus } from './local/runtime.ts';
      for (const n of [1, 2]) {
        const runtime = await startSharebus({ inMemory: true, seedDemo: false, apiPort: 0, eventBridgePort: 0, dynamoDbPort: 0 });
        const res = await fetch(runtime.apiUrl + '/departments', {
          method: 'POST',
          headers: { authorization: 'Bearer ' + runtime.adminKey, 'content-type': 'application/json' },
          body: JSON.stringify({ id: 'tax', name: 'Tax' }),
        });
        console.log(n + ': ' + res.status);
        await runtime.stop();
      }
      process.exit(0);`;
    // Act
    const said = await runScript(script, [], { stdio: ['ignore', 'pipe', 'ignore'] });
    // Assess: made by each (each in memory, with a registry of its own: not a 409 the second time).
    expect(said.split('\n')).toEqual(['1: 201', '2: 201']);
  });
});

describe('startSharebus with a state directory, started twice in a process of its own', () => {
  // One run of two starts (each starts DynamoDB Local), from a shell set up for real AWS, its state between them
  // missing the bus's files; each test reads one thing it reported.
  const busName = 'permits-and-licences-of-the-national-registry';
  let report: {
    keptKey: string;
    department: number;
    archives: string[];
    lockedWhileStopping: boolean;
    subscription: string;
    rules: string[];
    keyFile: string;
    modes: Record<string, string>;
  };
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sharebus-twice-'));
    mkdirSync(join(dataDir, 'state'), { mode: 0o700 });
    // Kept as an editor saves it, with a newline at its end
    writeFileSync(join(dataDir, 'state', 'admin-key'), 'kept-admin-key\n', { mode: 0o600 });
    // The registry's and the bus's folders as a version before 2026-12-06 left them, the bus's with a file in it
    mkdirSync(join(dataDir, 'state', 'dynamodb'), { mode: 0o755 });
    mkdirSync(join(dataDir, 'state', 'eventbridge'), { mode: 0o755 });
    writeFileSync(join(dataDir, 'state', 'eventbridge', 'queues.jsonl'), '', { mode: 0o644 });
    // A shared config that tells the SDK to ignore endpoint URLs set in the environment, as the local runtime sets them,
    // and to use FIPS endpoints, as a government account's profile may
    writeFileSync(
      join(dataDir, 'aws-config'),
      '[default]\nignore_configured_endpoint_urls = true\nuse_fips_endpoint = true\n',
    );
    const script = `import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
      import { join } from 'node:path';
      import { startSharebus } from './local/runtime.ts';
      const dataDir = process.argv[1];
      const options = { dataDir, apiPort: 0, eventBridgePort: 0, dynamoDbPort: 0 };
      const call = async (runtime, path, key, body) => {
        const res = await fetch(runtime.apiUrl + path, {
          method: 'POST',
          headers: { authorization: 'Bearer ' + key, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: await res.json() };
      };
      const bus = async (runtime, operation, body) => (await fetch(runtime.eventBridgeEndpoint, {
        method: 'POST',
        headers: { 'x-amz-target': 'AWSEvents.' + operation, 'content-type': 'application/x-amz-json-1.1' },
        body: JSON.stringify(body),
      })).json();
      const report = {};
      const first = await startSharebus(options);
      report.keptKey = first.adminKey;
      report.department = (await call(first, '/departments', first.adminKey, { id: 'audit', name: 'Audit' })).status;
      report.modes = Object.fromEntries(['dynamodb', 'eventbridge'].map((dir) => [dir, (statSync(join(dataDir, dir)).mode & 0o777).toString(8)]));
      report.archives = (await bus(first, 'ListArchives', {})).Archives.map((a) => a.ArchiveName);
      const subscribed = await call(first, '/subscriptions', first.demoKeys['market-regulation/business-registration'], {
        type: 'market-regulation.business-license.issued',
        endpoint: { url: 'http://127.0.0.1:9/hook' },
      });
      report.subscription = subscribed.body.id;
      const stopping = first.stop();
      report.lockedWhileStopping = existsSync(join(dataDir, '.lock'));
      await stopping;
      // The bus's files lost (a crash between the subscription's two writes leaves the bus behind the registry)
      rmSync(join(dataDir, 'eventbridge'), { recursive: true, force: true });
      const second = await startSharebus({ ...options, adminKey: 'given-admin-key0' });
      report.rules = (await bus(second, 'ListRules', { EventBusName: second.busName })).Rules.map((r) => r.Name);
      await second.stop();
      report.keyFile = readFileSync(join(dataDir, 'admin-key'), 'utf8');
      console.log(JSON.stringify(report));
      process.exit(0);`;
    const said = await runScript(script, [join(dataDir, 'state')], {
      env: {
        ...process.env,
        SHAREBUS_ADMIN_KEY: '',
        SHAREBUS_BUS_NAME: busName,
        // A shell signed in to AWS: neither is the local runtime's to use
        AWS_PROFILE: 'sharebus-test-no-such-profile',
        AWS_SESSION_TOKEN: 'a-session-token-of-real-aws',
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
        AWS_USE_DUALSTACK_ENDPOINT: 'true',
        AWS_CONFIG_FILE: join(dataDir, 'aws-config'),
      },
    });
    report = JSON.parse(said.split('\n').at(-1) ?? '{}') as typeof report;
  }, 120_000);

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reads a kept admin key saved with a newline at its end, and serves with it', () => {
    expect(report.keptKey).toBe('kept-admin-key');
    expect(report.department).toBe(201);
  });

  it('ignores the AWS profile, session token and endpoint settings of the shell it was started from', () => {
    // Assess: the start, and the calls through the handlers, used the local runtime's own credentials and endpoints:
    // before (2026-12-05), AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or ignore_configured_endpoint_urls in the shared
    // config sent them to AWS itself (ENOTFOUND dynamodb.us-east-1.amazonaws.com here; with a network, to AWS); and
    // before (2026-12-07), FIPS or dual-stack endpoints asked for stopped the start ("Invalid Configuration: FIPS and
    // custom endpoint are not supported")
    expect(report.department).toBe(201);
    expect(report.subscription).toEqual(expect.any(String));
  });

  it('archives a bus whose name is too long to name its archive after in full', () => {
    expect(report.archives).toEqual([`${busName.slice(0, 40)}-archive`]);
  });

  it('holds its state directory until its servers have stopped', () => {
    expect(report.lockedWhileStopping).toBe(true);
  });

  it('puts back at start the rules of the subscriptions the registry holds', () => {
    expect(report.rules).toContain(`sharebus-sub-${report.subscription}`);
  });

  // Diff review, 2026-12-06: DynamoDB Local writes its database 0644 whatever sharebus asks, and mkdir leaves a folder
  // that is there as it is, so an earlier version's 0755 folders kept the registry and older bus files open to all.
  it("closes the registry's and the bus's folders to others, as an earlier version left them open", () => {
    expect(report.modes).toEqual({ dynamodb: '700', eventbridge: '700' });
  });

  it('keeps the admin key it read, not one it was given', () => {
    expect(report.keyFile).toBe('kept-admin-key');
  });
});
