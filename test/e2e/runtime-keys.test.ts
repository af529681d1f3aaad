// `npm start` with a state directory, across starts: the admin key it keeps and what it refuses to put back, the
// demo catalogue it skips a part of rather than fail on, and the key files it refuses in one line.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DEMO_CONTRACTS } from '../../contracts/index.js';
import { generateApiKey, hashApiKey } from '../../functions/shared/api-keys.js';
import { DynamoDbRegistry } from '../../functions/shared/registry/dynamodb-registry.js';
import { call, eventBridgeCall, root, startLocalSharebus, tableSnapshot } from './harness.js';

describe('npm start with a state directory, across starts', () => {
  let dataDir: string;
  /** The kept key decides: no SHAREBUS_ADMIN_KEY. */
  const env = () => ({ SHAREBUS_DATA_DIR: dataDir, SHAREBUS_ADMIN_KEY: '' });

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sharebus-keys-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes --in-memory and --no-demo given to npm without the --, keeping nothing', async () => {
    // Prepare: what `npm start --in-memory --no-demo` passes on (npm's warning aside)
    const local = await startLocalSharebus(
      { ...env(), npm_config_in_memory: 'true', npm_config_demo: '' },
      [],
    );
    try {
      // Act
      const output = local.output();
      // Assess
      expect(output).toMatch(/State\s+in memory \(nothing kept\)/);
      expect(output).not.toMatch(/Demo system API keys/);
      expect(readdirSync(dataDir)).toEqual([]);
    } finally {
      await local.stop();
    }
  });

  it('names in its banner the bus and table SHAREBUS_BUS_NAME and SHAREBUS_TABLE_NAME give, which it made', async () => {
    // Prepare
    const local = await startLocalSharebus({
      SHAREBUS_BUS_NAME: 'permits',
      SHAREBUS_TABLE_NAME: 'permits-registry',
    });
    try {
      // Act
      const output = local.output();
      const buses = await eventBridgeCall<{ EventBuses: Array<{ Name: string }> }>(
        local.eventBridgeUrl,
        'ListEventBuses',
        {},
      );
      // Assess
      expect(output).toContain('events list-rules --event-bus-name permits)');
      expect(output).toContain('(table: permits-registry)');
      expect(buses.EventBuses.map((bus) => bus.Name)).toContain('permits');
      expect(await tableSnapshot(local.dynamoDbUrl, 'permits-registry')).not.toEqual([]);
    } finally {
      await local.stop();
    }
  });

  it('makes a state directory its owner alone may enter', async () => {
    // Prepare
    const state = join(dataDir, 'state');
    // Act
    const local = await startLocalSharebus({ ...env(), SHAREBUS_DATA_DIR: state }, ['--no-demo']);
    let output: string;
    try {
      output = local.output();
    } finally {
      await local.stop();
    }
    // Assess
    expect((statSync(state).mode & 0o777).toString(8)).toBe('700');
    expect(output).not.toMatch(/Warning: other users/);
  });

  it('warns of a state directory other users of the machine may enter, leaving its mode as it is', async () => {
    // Prepare: made open, as by an earlier version
    chmodSync(dataDir, 0o755);
    // Act
    const local = await startLocalSharebus(env(), ['--no-demo']);
    let output: string;
    try {
      output = local.output();
    } finally {
      await local.stop();
    }
    // Assess
    expect(output).toContain(`Warning: other users of this machine may enter ${dataDir} (mode 755)`);
    expect(output).toContain(`chmod 700 ${dataDir}`);
    expect((statSync(dataDir).mode & 0o777).toString(8)).toBe('755');
  });

  it('does not put back a kept admin key that was rotated in the registry since', async () => {
    // Prepare: a start keeps its key; the key is then rotated in the table, as npm run admin-key does
    const first = await startLocalSharebus(env(), ['--no-demo']);
    const rotated = generateApiKey();
    try {
      const client = new DynamoDBClient({
        endpoint: first.dynamoDbUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      await new DynamoDbRegistry({
        client: DynamoDBDocumentClient.from(client),
        tableName: 'sharebus',
      }).putAdminKey(hashApiKey(rotated));
      client.destroy();
    } finally {
      await first.stop();
    }
    const keptBefore = readFileSync(join(dataDir, 'admin-key'), 'utf8');
    // Act: before, the second start put the retired key back, and the rotated one answered 401
    const second = await startLocalSharebus(env(), ['--no-demo']).then(
      async (started) => {
        await started.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    const third = await startLocalSharebus({ ...env(), SHAREBUS_ADMIN_KEY: rotated }, ['--no-demo']);
    try {
      // Assess
      expect(second).toMatch(/admin-key is no longer the registry's \(.*rotated with npm run admin-key\)/);
      // The refused start left the kept key as it was
      expect(readFileSync(join(dataDir, 'admin-key'), 'utf8')).toBe(keptBefore);
      expect((await call(third.apiUrl, 'GET', '/subscriptions', rotated)).status).toBe(200);
      expect((await call(third.apiUrl, 'GET', '/subscriptions', first.adminKey)).status).toBe(401);
      // The given key is not echoed into the output, which says where it came from
      expect(third.output()).toContain('Admin API key       (the one given in SHAREBUS_ADMIN_KEY)');
      expect(third.output()).not.toContain(rotated);
      expect(third.adminKey).toBe(rotated);
    } finally {
      await third.stop();
    }
  }, 180_000);

  it('skips a demo contract whose type another department registered, rather than fail every start', async () => {
    // Prepare: without the demo, a department of the user's registers the first demo contract's type; the state
    // directory is named relative to the working directory, which DynamoDB Local could not open before
    const relativeEnv = { ...env(), SHAREBUS_DATA_DIR: relative(root, dataDir) };
    const first = await startLocalSharebus(relativeEnv, ['--no-demo']);
    const demo = DEMO_CONTRACTS[0]!.registration();
    let taken: number;
    try {
      await call(first.apiUrl, 'POST', '/departments', first.adminKey, { id: 'portal', name: 'Portal' });
      const system = await call(first.apiUrl, 'POST', '/departments/portal/systems', first.adminKey, {
        id: 'desk',
        name: 'Desk',
      });
      taken = (await call(first.apiUrl, 'POST', '/contracts', String(system.body.apiKey), demo)).status;
    } finally {
      await first.stop();
    }
    // Act: before, this start failed with "owned by department portal", for good
    const second = await startLocalSharebus(relativeEnv, []);
    try {
      // Assess
      expect(taken).toBe(201);
      expect(second.output()).toContain(`Demo contract not registered: ${demo.type}: `);
      expect(Object.keys(second.demoKeys).length).toBeGreaterThan(0);
    } finally {
      await second.stop();
    }
  }, 180_000);

  // Coverage review, 2026-12-06: the refusal of a given admin key that is a system's key (runtime.ts) was never run:
  // the registry refuses it, but the start must say so in a line, and the system's key must stay a system's.
  it("refuses a SHAREBUS_ADMIN_KEY that is a system's API key, and the key stays that system's alone", async () => {
    // Prepare: a start with the demo keeps its systems' keys
    const first = await startLocalSharebus(env(), []);
    await first.stop();
    const keys = JSON.parse(readFileSync(join(dataDir, 'demo-keys.json'), 'utf8')) as Record<string, string>;
    const systemKey = Object.values(keys)[0] as string;
    // Act
    const second = await startLocalSharebus({ ...env(), SHAREBUS_ADMIN_KEY: systemKey }, []).then(
      async (started) => {
        await started.stop();
        return 'started';
      },
      (error: Error) => error.message,
    );
    const third = await startLocalSharebus(env(), []);
    try {
      const asAdmin = await call(third.apiUrl, 'POST', '/departments', systemKey, {
        id: 'rogue',
        name: 'Rogue',
      });
      // Assess
      expect(second).toContain("the admin key given is a system's API key: choose another one.");
      expect(asAdmin.status).toBe(403);
    } finally {
      await third.stop();
    }
  }, 180_000);

  it('names at start the demo systems whose key an interrupted start did not keep', async () => {
    // Prepare: a first start keeps every demo key; one is then missing, as when a start was stopped right after
    // creating that system
    const first = await startLocalSharebus(env(), []);
    await first.stop();
    const keyFile = join(dataDir, 'demo-keys.json');
    const keys = JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, string>;
    const [lost, ...kept] = Object.keys(keys);
    delete keys[lost as string];
    writeFileSync(keyFile, JSON.stringify(keys));
    // Act
    const second = await startLocalSharebus(env(), []);
    try {
      // Assess
      expect(second.output()).toContain(
        `Demo systems whose key is not known: ${lost} (not in demo-keys.json, or not`,
      );
      expect(Object.keys(second.demoKeys).sort()).toEqual([...kept].sort());
    } finally {
      await second.stop();
    }
  }, 180_000);

  // Coverage review, 2026-12-06: a demo-keys.json that is not JSON (a stop mid-edit, a hand edit) was never read by a
  // test; it is read only once the servers run, and the start must still end in one line, keeping the file.
  it('refuses a kept demo-keys.json that is not JSON in one line, leaving the file as it was', () => {
    // Prepare: the demo keys' file cut short
    const keyFile = join(dataDir, 'demo-keys.json');
    const cut = '{\n  "tax/filing": "sbk_';
    writeFileSync(keyFile, cut);
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'local/start.ts')], {
      cwd: root,
      env: {
        ...process.env,
        ...env(),
        SHAREBUS_PORT: '0',
        SHAREBUS_EVENTBRIDGE_PORT: '0',
        SHAREBUS_DYNAMODB_PORT: '0',
      },
      encoding: 'utf8',
      timeout: 90_000,
    });
    // Assess: one line, no stack, naming the file and what to do
    const lines = run.stderr.trim().split('\n');
    expect(run.status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`sharebus: ${keyFile} is not JSON (`);
    expect(lines[0]).toMatch(/\): repair or delete it\.$/);
    expect(readFileSync(keyFile, 'utf8')).toBe(cut);
  }, 120_000);

  it.each([
    ['an empty kept key', '', 'admin-key holds an admin key no request can send (it is empty)'],
    [
      'a kept key with spaces',
      'my admin key',
      'admin-key holds an admin key no request can send (a key is printable',
    ],
  ])('refuses %s in one line, before starting anything', (_, content, message) => {
    // Prepare
    writeFileSync(join(dataDir, 'admin-key'), content);
    // Act
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'local/start.ts')], {
      cwd: root,
      env: { ...process.env, ...env() },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // Assess
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    // Nothing was started or written beside the key file
    expect(readdirSync(dataDir)).toEqual(['admin-key']);
  });
});
