// What `npm start` prints when it cannot start because of what it was given: one line saying what to change, no
// stack (a stack reads as a crash of ours). These refusals come before DynamoDB Local or any port is touched.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { lockDataDir } from '../../local/data-lock.js';
import { root } from './harness.js';

/** `npm start`'s node arguments, as package.json's script gives them after its `exec node`. */
const START_ARGS = (() => {
  const script = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }
  ).scripts.start;
  if (!script.startsWith('exec node ')) throw new Error(`npm start is not 'exec node ...': ${script}`);
  return script.slice('exec node '.length).split(' ');
})();

function start(args: string[], env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const run = spawnSync(process.execPath, [...START_ARGS, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe('npm start refuses what it is given, in one line', () => {
  it.each([
    [
      'a mistyped flag',
      ['--inmemory'],
      {},
      2,
      "sharebus: Unknown option '--inmemory' (npm start -- --help lists the options)\n",
    ],
    [
      'a port that is not one',
      [],
      { SHAREBUS_PORT: 'abc' },
      1,
      'sharebus: SHAREBUS_PORT="abc" is not a TCP port (0-65535)\n',
    ],
    [
      'an admin key short enough to be guessed',
      [],
      { SHAREBUS_ADMIN_KEY: 'admin-key-15-ch' },
      1,
      'sharebus: SHAREBUS_ADMIN_KEY holds an admin key of 15 characters, which could be guessed: give one of at least 16, or none for a generated one.\n',
    ],
    [
      'a rules quota that is not one',
      [],
      { SHAREBUS_EVENTBRIDGE_MAX_RULES: 'many' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_MAX_RULES must be a whole number of rules, 1 or more; got many\n',
    ],
    [
      'a rules quota in other than digits, which Number() took',
      [],
      { SHAREBUS_EVENTBRIDGE_MAX_RULES: '1e3' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_MAX_RULES must be a whole number of rules, 1 or more; got 1e3\n',
    ],
    [
      'a queues limit of no MiB',
      [],
      { SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB: '0' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB must be a whole number of MiB from 1 to 1048576; got 0\n',
    ],
    [
      'a queues limit in other than digits, which Number() took',
      [],
      { SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB: '1e3' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB must be a whole number of MiB from 1 to 1048576; got 1e3\n',
    ],
    [
      "a deliver function's queue limit past a TiB",
      [],
      { SHAREBUS_LAMBDA_QUEUE_MAX_MB: '1048577' },
      1,
      'sharebus: SHAREBUS_LAMBDA_QUEUE_MAX_MB must be a whole number of MiB from 1 to 1048576; got 1048577\n',
    ],
    [
      'a misspelt setting, warned about, here beside a refused one',
      [],
      { SHAREBUS_API_THROTLE: 'off', SHAREBUS_PORT: 'abc' },
      1,
      'sharebus: warning: SHAREBUS_API_THROTLE is not a setting of sharebus, so ignored (npm start -- --help lists them)\nsharebus: SHAREBUS_PORT="abc" is not a TCP port (0-65535)\n',
    ],
    [
      "a function's setting that npm start sets itself, warned about, here beside a refused one",
      [],
      {
        SHAREBUS_DELIVERY_DLQ_ARN: 'arn:aws:sqs:eu-west-1:123456789012:mine',
        SHAREBUS_DELIVER_FUNCTION_ARN: '',
        SHAREBUS_PORT: 'abc',
      },
      1,
      'sharebus: warning: SHAREBUS_DELIVERY_DLQ_ARN is set by npm start itself (the local deliver function and its dead-letter queue), so ignored\nsharebus: SHAREBUS_PORT="abc" is not a TCP port (0-65535)\n',
    ],
    [
      'a throttle that is not one',
      [],
      { SHAREBUS_API_THROTTLE: 'fast' },
      1,
      'sharebus: SHAREBUS_API_THROTTLE must be <requests per second>/<burst>, as 100/200, or off; got fast\n',
    ],
    [
      'a delay scale that is not one',
      [],
      { SHAREBUS_EVENTBRIDGE_DELAY_SCALE: 'fast' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_DELAY_SCALE must be a number above 0 and at most 20 (0.001 makes retries a thousand times faster); got fast\n',
    ],
    [
      "a delay scale so large that every wait is past setTimeout's, which Node then fires at once",
      [],
      { SHAREBUS_EVENTBRIDGE_DELAY_SCALE: '1e5' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_DELAY_SCALE must be a number above 0 and at most 20 (0.001 makes retries a thousand times faster); got 1e5\n',
    ],
    [
      'a delay scale just past the largest, 20',
      [],
      { SHAREBUS_EVENTBRIDGE_DELAY_SCALE: '20.5' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_DELAY_SCALE must be a number above 0 and at most 20 (0.001 makes retries a thousand times faster); got 20.5\n',
    ],
    [
      'a delay scale in hexadecimal, which Number() took',
      [],
      { SHAREBUS_EVENTBRIDGE_DELAY_SCALE: '0x10' },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_DELAY_SCALE must be a number above 0 and at most 20 (0.001 makes retries a thousand times faster); got 0x10\n',
    ],
    [
      'a port with a space, which Number() took',
      [],
      { SHAREBUS_PORT: ' 4510' },
      1,
      'sharebus: SHAREBUS_PORT=" 4510" is not a TCP port (0-65535)\n',
    ],
    [
      "the account's default bus, which the stack refuses",
      [],
      { SHAREBUS_BUS_NAME: 'default' },
      1,
      "sharebus: SHAREBUS_BUS_NAME must name a custom event bus, not the account's default one; got default\n",
    ],
    [
      'a delay scale of 0, under which every retry would come at once',
      [],
      {
        SHAREBUS_EVENTBRIDGE_DELAY_SCALE: '0',
        SHAREBUS_PORT: '0',
        SHAREBUS_EVENTBRIDGE_PORT: '0',
        SHAREBUS_DYNAMODB_PORT: '0',
      },
      1,
      'sharebus: SHAREBUS_EVENTBRIDGE_DELAY_SCALE must be a number above 0 and at most 20 (0.001 makes retries a thousand times faster); got 0\n',
    ],
    [
      'an endpoint policy that is not one',
      [],
      { SHAREBUS_ENDPOINT_POLICY: 'allow_http' },
      1,
      'sharebus: SHAREBUS_ENDPOINT_POLICY must be allow-http or https-only; got allow_http\n',
    ],
    [
      'a table name DynamoDB refuses',
      [],
      { SHAREBUS_TABLE_NAME: 'x' },
      1,
      "sharebus: SHAREBUS_TABLE_NAME must be a DynamoDB table name, 3 to 255 of a-z, A-Z, 0-9, '_', '-' and '.'; got x\n",
    ],
    [
      'a bus name EventBridge refuses',
      [],
      { SHAREBUS_BUS_NAME: 'shared/bus' },
      1,
      "sharebus: SHAREBUS_BUS_NAME must be an event bus name, 1 to 256 of a-z, A-Z, 0-9, '_', '-' and '.'; got shared/bus\n",
    ],
    [
      'a retry count that is not a whole number',
      [],
      { SHAREBUS_DELIVERY_MAX_RETRIES: 'three' },
      1,
      'sharebus: SHAREBUS_DELIVERY_MAX_RETRIES must be a whole number of retries from 0 to 185; got three\n',
    ],
    [
      'a retry count past what EventBridge takes',
      [],
      { SHAREBUS_DELIVERY_MAX_RETRIES: '186' },
      1,
      'sharebus: SHAREBUS_DELIVERY_MAX_RETRIES must be a whole number of retries from 0 to 185; got 186\n',
    ],
    [
      'an event age under EventBridge’s minute',
      [],
      { SHAREBUS_DELIVERY_MAX_EVENT_AGE_SECONDS: '59' },
      1,
      'sharebus: SHAREBUS_DELIVERY_MAX_EVENT_AGE_SECONDS must be a whole number of seconds from 60 to 86400; got 59\n',
    ],
    [
      'a webhook timeout that is not a number',
      [],
      { SHAREBUS_DELIVERY_TIMEOUT_MS: '10s' },
      1,
      'sharebus: SHAREBUS_DELIVERY_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 880000; got 10s\n',
    ],
    [
      'DynamoDB Local not installed',
      [],
      {
        SHAREBUS_DYNAMODB_LOCAL_DIR: '/nonexistent/dynamodb-local',
        SHAREBUS_PORT: '0',
        SHAREBUS_EVENTBRIDGE_PORT: '0',
        SHAREBUS_DYNAMODB_PORT: '0',
      },
      1,
      'sharebus: DynamoDB Local is not in /nonexistent/dynamodb-local (SHAREBUS_DYNAMODB_LOCAL_DIR): run `npm install` (or `node local/dynamodb/fetch-jar.mjs`) first, with the same SHAREBUS_DYNAMODB_LOCAL_DIR.\n',
    ],
  ])('%s', (_, args, env, status, message) => {
    // Act
    const run = start([...args, '--in-memory'], env);
    // Assess
    expect(run).toEqual({ status, stderr: message });
  });

  it.each([
    ['SHAREBUS_DELIVERY_MAX_RETRIES', 'three', 'must be a whole number'],
    ['SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB', '0', 'must be a whole number of MiB'],
    ['SHAREBUS_LAMBDA_QUEUE_MAX_MB', '-1', 'must be a whole number of MiB'],
    ['SHAREBUS_TABLE_NAME', 'x', 'must be a DynamoDB table name'],
    ['SHAREBUS_BUS_NAME', 'shared/bus', 'must be an event bus name'],
  ])('refuses %s=%s before it makes or locks the state directory', (variable, value, said) => {
    // Prepare
    const parent = mkdtempSync(join(tmpdir(), 'sharebus-refusal-'));
    const dataDir = join(parent, 'state');
    try {
      // Act
      const run = start([], { SHAREBUS_DATA_DIR: dataDir, [variable]: value });
      // Assess
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${variable} ${said}`);
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('npm start with a temporary directory it cannot write in', () => {
  // Paths review, session 61 (left then): TMPDIR read-only or a file ended in tsx's stack trace, tsx's compile cache
  // being kept there, before any sharebus code ran.
  it('says so in one line, with what to do', () => {
    // Prepare: TMPDIR a file, which no directory can be made in, even by root
    const parent = mkdtempSync(join(tmpdir(), 'sharebus-refusal-'));
    const notADirectory = join(parent, 'file');
    writeFileSync(notADirectory, '');
    try {
      // Act
      const run = start(['--help'], { TMPDIR: notADirectory });
      // Assess
      expect(run).toEqual({
        status: 1,
        stderr: `sharebus: the temporary directory ${notADirectory} cannot be written in (ENOTDIR): set TMPDIR to a writable directory.\n`,
      });
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('npm start with a state directory named with a space at either end', () => {
  // Configuration review, 2026-12-06: ' ' or '.sharebus ' made a new directory of that name, with new keys, without a
  // word.
  it('refuses it, and makes nothing', () => {
    // Prepare
    const parent = mkdtempSync(join(tmpdir(), 'sharebus-refusal-'));
    const given = `${join(parent, 'state')} `;
    try {
      // Act
      const run = start([], { SHAREBUS_DATA_DIR: given });
      // Assess
      expect(run).toEqual({
        status: 1,
        stderr: `sharebus: SHAREBUS_DATA_DIR=${JSON.stringify(given)} begins or ends with a space: give the directory without it\n`,
      });
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('npm start on a state directory another process holds', () => {
  // Session 50: the refusal said a second sharebus also needs other ports even when every port had been given.
  it.each([
    [
      'names the port variables left at their defaults, or set to them, which a second sharebus would find taken next',
      { SHAREBUS_PORT: '0', SHAREBUS_EVENTBRIDGE_PORT: '4511' },
      '; a second sharebus also needs other ports: SHAREBUS_EVENTBRIDGE_PORT, SHAREBUS_DYNAMODB_PORT, 0 picking free ones',
    ],
    [
      'says nothing of ports when all three were given',
      { SHAREBUS_PORT: '0', SHAREBUS_EVENTBRIDGE_PORT: '0', SHAREBUS_DYNAMODB_PORT: '0' },
      '',
    ],
  ])('refuses in one line, and %s', (_, ports, clause) => {
    // Prepare: the directory locked by this test's process, as a running sharebus holds it
    const dir = mkdtempSync(join(tmpdir(), 'sharebus-held-'));
    const unlock = lockDataDir(dir, 'another sharebus');
    const before = readdirSync(dir).sort();
    try {
      // Act
      const defaults = { SHAREBUS_PORT: '', SHAREBUS_EVENTBRIDGE_PORT: '', SHAREBUS_DYNAMODB_PORT: '' };
      const run = start([], { SHAREBUS_DATA_DIR: dir, ...defaults, ...ports });
      // Assess
      expect(run).toEqual({
        status: 1,
        stderr: `sharebus: ${dir} is in use by another sharebus (process ${process.pid}): stop it first, or give this sharebus another state directory; if no such process runs, delete ${join(dir, '.lock')} (SHAREBUS_DATA_DIR names another, --in-memory uses none${clause}).\n`,
      });
      expect(readdirSync(dir).sort()).toEqual(before);
    } finally {
      unlock();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a start that fails once the bus has resumed the last run’s deliveries', () => {
  it('leaves them as they were: no retry spent on its error, nothing dead-lettered', () => {
    // Prepare: a state directory whose last run left the deliver function's second retry due
    const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-failed-start-'));
    const log = join(dataDir, 'eventbridge', 'lambda-invocations.jsonl');
    const unfinished = `${JSON.stringify({
      invoke: {
        requestId: 'req-1',
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sharebus-deliver',
        payload: '{"subscriptionId":"s","event":{}}',
        acceptedAt: Date.now() - 1000,
        retries: 1,
        dueAt: Date.now() - 1,
        failure: 'the webhook answered 503',
      },
    })}\n`;
    mkdirSync(dirname(log), { recursive: true });
    writeFileSync(log, unfinished);
    // A registry database DynamoDB Local cannot read: the start fails after the bus listens, before the handlers load
    mkdirSync(join(dataDir, 'dynamodb'));
    writeFileSync(join(dataDir, 'dynamodb', 'shared-local-instance.db'), Buffer.alloc(4096, 0xab));
    try {
      // Act
      const run = start(['--no-demo'], {
        SHAREBUS_DATA_DIR: dataDir,
        SHAREBUS_PORT: '0',
        SHAREBUS_EVENTBRIDGE_PORT: '0',
        SHAREBUS_DYNAMODB_PORT: '0',
      });
      // Assess
      expect(run.status).toBe(1);
      // One line naming the database and SQLite's complaint, rather than the SDK's InternalFailure and its stack
      expect(run.stderr).toContain(
        `sharebus: DynamoDB Local cannot read the registry's database in ${join(dataDir, 'dynamodb')} (SQLite: unsupported file format). Move that directory aside`,
      );
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.stderr).toContain('1 Lambda invocation not finished; they resume at the next start');
      expect(readFileSync(log, 'utf8')).toBe(unfinished);
      const queues = join(dirname(log), 'queues.jsonl');
      expect(existsSync(queues) ? readFileSync(queues, 'utf8') : '').toBe('');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('npm start on a state directory of a later sharebus', () => {
  it('is refused before DynamoDB Local opens the registry, naming the state directory setting', () => {
    // Prepare: the bus's part of the state written in a later format
    const dataDir = mkdtempSync(join(tmpdir(), 'sharebus-later-'));
    mkdirSync(join(dataDir, 'eventbridge'));
    writeFileSync(join(dataDir, 'eventbridge', 'format.json'), '{"format":2}\n');
    try {
      // Act
      const run = start(['--no-demo'], {
        SHAREBUS_DATA_DIR: dataDir,
        SHAREBUS_PORT: '0',
        SHAREBUS_EVENTBRIDGE_PORT: '0',
        SHAREBUS_DYNAMODB_PORT: '0',
        // No DynamoDB Local there: a start that got as far as launching it would fail on that instead
        SHAREBUS_DYNAMODB_LOCAL_DIR: join(dataDir, 'no-dynamodb-local'),
      });
      // Assess: before, it ended "give this one another directory", and npm start has no setting for that one; and
      // DynamoDB Local was started first, on the registry the later version wrote too
      expect(run).toEqual({
        status: 1,
        stderr: `sharebus: the state in ${join(dataDir, 'eventbridge')} was written by a later sharebus (state format 2; this version reads up to 1), and this one would misread it, dropping deliveries it cannot read: start the later version on it, or give this one another directory (SHAREBUS_DATA_DIR names another state directory, --in-memory uses none).\n`,
      });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('npm run admin-key refuses what it is given, in one line', () => {
  /** Runs the CLI as npm run admin-key does, without AWS settings but those given. */
  function adminKey(args: string[], env: Record<string, string>): { status: number | null; stderr: string } {
    const { AWS_REGION: _region, AWS_DEFAULT_REGION: _default, ...rest } = process.env;
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'infra/bin/admin-key.ts'), ...args],
      {
        cwd: root,
        env: { ...rest, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return { status: run.status, stderr: run.stderr };
  }
  const credentials = { AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' };

  it.each([
    [
      'a mistyped flag',
      ['--tabel', 'x'],
      credentials,
      2,
      "admin-key: Unknown option '--tabel' (npm run admin-key -- --help)\n",
    ],
    [
      'no region',
      ['--table', 'x'],
      credentials,
      1,
      'admin-key: no AWS region: give --region, or set AWS_REGION or AWS_DEFAULT_REGION.\n',
    ],
    [
      "a region in AWS_DEFAULT_REGION, as the AWS CLI takes it (here the table's endpoint refuses)",
      ['--table', 'x'],
      {
        ...credentials,
        AWS_DEFAULT_REGION: 'eu-north-1',
        AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1',
        AWS_MAX_ATTEMPTS: '1',
      },
      1,
      'admin-key: the key could not be stored (Error: connect ECONNREFUSED 127.0.0.1:1); the previous admin key still works.\n',
    ],
    [
      'a table it cannot reach',
      ['--table', 'x', '--region', 'us-east-1'],
      { ...credentials, AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:1', AWS_MAX_ATTEMPTS: '1' },
      1,
      'admin-key: the key could not be stored (Error: connect ECONNREFUSED 127.0.0.1:1); the previous admin key still works.\n',
    ],
  ])('%s', (_, args, env, status, message) => {
    // Act: before, each but the first ended in a stack trace
    const run = adminKey(args, env);
    // Assess
    expect(run).toEqual({ status, stderr: message });
  });
});

// Newcomer walkthrough, 2026-12-06: --help named six of the settings the README gives npm start.
describe('npm start -- --help', () => {
  it('lists every setting the README gives npm start, and starts nothing', () => {
    // Prepare: the README's SHAREBUS_ variables, less npm test's own and the two npm start sets itself
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const notSettings = [
      'SHAREBUS_CONFORMANCE_DIR',
      'SHAREBUS_DELIVER_FUNCTION_ARN',
      'SHAREBUS_DELIVERY_DLQ_ARN',
    ];
    const documented = [...new Set(readme.match(/SHAREBUS_[A-Z_]+/g))].filter(
      (name) => !notSettings.includes(name),
    );
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'local/start.ts'), '--help'], {
      cwd: root,
      // Each set: none is warned about as a misspelt setting, so the list of settings start.ts knows is the README's
      env: { ...process.env, ...Object.fromEntries(documented.map((name) => [name, 'set'])) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // Assess
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(run.stdout).toMatch(/^Usage: npm start -- \[--in-memory\] \[--no-demo\]\n/);
    expect(documented.length).toBeGreaterThan(10);
    expect(documented.filter((name) => !new RegExp(`\\b${name}\\b`).test(run.stdout))).toEqual([]);
    expect(run.stdout).not.toContain('ready');
  });
});
