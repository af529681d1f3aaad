// Fetches AWS's DynamoDB Local at install time: the jar ships inside the npm package
// amplify-dynamodb-simulator, whose own dependencies weigh ~300 MB, so we `npm pack` it and keep only
// package/emulator. The tarball must match the integrity pinned here, as package-lock.json pins every other
// package, and the marker file records each extracted file's SHA-256: a later install with every file intact
// does nothing, and one that finds a file missing or changed fetches the package again.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
// `npm view amplify-dynamodb-simulator@2.9.30 dist.integrity`
export const INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MARKER = '.package';

/** The tarball's integrity in npm's form, `sha512-<base64>`. */
export function integrityOf(file) {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

function sha256Of(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** One line per file under dir but the marker, `<sha256>  <path>`, sorted by path. */
export function manifestOf(dir) {
  return (
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      // parentPath from Node 20.12; `path`, its older name, before
      .map((entry) => relative(dir, join(entry.parentPath ?? entry.path, entry.name)))
      .filter((path) => path !== MARKER)
      .sort()
      .map((path) => `${sha256Of(join(dir, path))}  ${path}`)
      .join('\n')
  );
}

/**
 * What the marker in dir records: the package's name and each file unpacked, by SHA-256; undefined without a marker.
 * The launcher reads it too, to find a file gone before Java does.
 */
export function recordOf(dir) {
  const marker = join(dir, MARKER);
  if (!existsSync(marker)) return undefined;
  const [name, ...lines] = readFileSync(marker, 'utf8').split('\n');
  return { name, files: lines.map((line) => ({ hash: line.slice(0, 64), path: line.slice(66) })) };
}

/**
 * 'intact', 'absent' (never fetched, or another package's), 'damaged' (a file recorded at install is missing
 * or differs), or 'foreign' (something that is not a fetch of ours: no marker, and not an empty directory).
 * Files added since are not the package's (the launcher builds its binder in binder/) and are let be.
 */
export function stateOf(dir) {
  const record = recordOf(dir);
  if (record === undefined) {
    // Every fetch has written the marker: a directory without one (DynamoDB Local from AWS's own download, with
    // a database beside it, say) or a file is someone else's, and is not ours to replace.
    if (!existsSync(dir)) return 'absent';
    // stat, not lstat: a symlink to an empty directory is as empty as the directory.
    return statSync(dir).isDirectory() && readdirSync(dir).length === 0 ? 'absent' : 'foreign';
  }
  // A marker with no record is an install from before records were kept: fetched again, as if absent.
  if (record.name !== PACKAGE || record.files.length === 0) return 'absent';
  const intact = record.files.every(({ hash, path }) => {
    const file = join(dir, path);
    return existsSync(file) && sha256Of(file) === hash;
  });
  return intact ? 'intact' : 'damaged';
}

/**
 * Runs a command to its end; `signal` aborting kills it (and rejects), so an interrupted fetch stops at once. A
 * piped stderr is kept (its last 4,000 characters) and said in the error when the command fails.
 */
function run(command, args, options, signal) {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { ...options, signal });
    let said = '';
    child.stderr?.on('data', (chunk) => {
      said = (said + chunk).slice(-4_000);
    });
    child.on('error', reject);
    child.on('close', (code, killed) => {
      if (code === 0) return resolveRun();
      const why = said.trim() === '' ? '' : `:\n${said.trim()}`;
      reject(new Error(`${command} ${args.join(' ')} ended with ${killed ?? `code ${code}`}${why}`));
    });
  });
}

/**
 * Fetches the package into dir unless what is there is intact. `integrity` is for tests, to see a tarball
 * that is not the pinned one refused; `signal` stops it between steps and kills the step running (Ctrl-C, SIGTERM).
 */
export async function fetchJar(given, { log = console.log, integrity = INTEGRITY, signal } = {}) {
  // Through a symlink, into the directory it names (on another disk, say): replacing the link itself would put the
  // jar beside it instead. A link to a directory not made yet gets it made. Named as given in what it says.
  const target = danglingTarget(given);
  if (target !== undefined) mkdirSync(target, { recursive: true });
  const dir = existsSync(given) ? realpathSync(given) : given;
  const state = stateOf(dir);
  if (state === 'intact') return;
  if (state === 'foreign') {
    // A DynamoDB Local of the user's own (AWS's download) is theirs to run: npm start tries it as it is.
    if (existsSync(join(dir, 'DynamoDBLocal.jar'))) {
      log(
        `sharebus: ${given} holds a DynamoDB Local that no install of ours put there: left as it is, not fetched`,
      );
      return;
    }
    throw new Error(
      `${given} holds files that no install of ours put there (no ${MARKER}): not replacing them. Name an empty or new directory in SHAREBUS_DYNAMODB_LOCAL_DIR, or remove that one.`,
    );
  }
  if (state === 'damaged') log(`sharebus: DynamoDB Local in ${given} is not as installed: fetching it again`);
  // Unpacked beside its destination, not in the temporary directory: a rename cannot cross filesystems, and
  // /tmp is often a tmpfs of its own (Debian 13, Fedora, Arch).
  mkdirSync(dirname(dir), { recursive: true });
  sweepStaleWork(dirname(dir));
  const work = mkdtempSync(join(dirname(dir), '.sharebus-ddb-'));
  try {
    signal?.throwIfAborted();
    const tarball = await packInto(PACKAGE, work, signal);
    const got = integrityOf(tarball);
    if (got !== integrity) {
      throw new Error(`the tarball's integrity is ${got}, not the pinned ${integrity}`);
    }
    signal?.throwIfAborted();
    await run(
      'tar',
      ['xzf', tarball, '-C', work, 'package/emulator'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
      signal,
    );
    signal?.throwIfAborted();
    const fetched = join(work, 'package', 'emulator');
    writeFileSync(join(fetched, MARKER), `${PACKAGE}\n${manifestOf(fetched)}`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(fetched, dir);
    log(`sharebus: DynamoDB Local from ${PACKAGE} is in ${given}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The npm to run, as a command and its first arguments: the npm running this install, by its own script, since `npm`
 * on PATH may be another (WSL's PATH holds Windows' npm too); else `npm`.
 */
export function npmCommand() {
  const npmCli = process.env.npm_execpath;
  return npmCli && /npm-cli\.c?js$/.test(npmCli) ? [process.execPath, npmCli] : ['npm'];
}

/**
 * Runs `npm pack <spec>` into the directory `work` and answers the tarball's path; when npm fails, its own reason is
 * in the error. Also test/other-node.mjs's, to fetch a Node.js binary.
 */
export async function packInto(spec, work, signal) {
  const [command, ...prefix] = npmCommand();
  // Errors only, kept for the message: --silent hid why npm failed (a registry not reached, offline, a cache it
  // cannot write: a read-only HOME or a ~/.npm made by sudo), leaving "ended with code 1" alone (env review). npm.cmd
  // cannot be spawned without a shell since Node 20.12.2 (CVE-2024-27980: EINVAL).
  await run(
    command,
    [...prefix, 'pack', spec, '--loglevel=error', '--pack-destination', work],
    { stdio: ['ignore', 'ignore', 'pipe'], shell: command === 'npm' && process.platform === 'win32' },
    signal,
  );
  // Found in work rather than read from npm's output, which npm_config_json (`npm install --json`) turns into JSON
  const packed = readdirSync(work).filter((name) => name.endsWith('.tgz'));
  if (packed.length !== 1) throw new Error(`npm pack left ${packed.length} tarballs in ${work}, not one`);
  return join(work, packed[0]);
}

/** Where a symlink that names nothing yet points; undefined for anything else. */
function danglingTarget(path) {
  try {
    return lstatSync(path).isSymbolicLink() && !existsSync(path)
      ? resolve(dirname(path), readlinkSync(path))
      : undefined;
  } catch {
    return undefined;
  }
}

const STALE_MS = 60 * 60 * 1000;

/** Removes work directories an interrupted fetch left (SIGKILL, a machine going down): an hour old or more. */
function sweepStaleWork(parent) {
  for (const name of readdirSync(parent)) {
    if (!/^\.sharebus-ddb-/.test(name)) continue;
    const path = join(parent, name);
    try {
      if (Date.now() - statSync(path).mtimeMs >= STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another install removed it first
    }
  }
}

/**
 * Whether this file runs as a script (npm's postinstall), not imported (by the launcher, say): Node names the main
 * module by its real path, so the argument is too (a checkout reached through a symlink did nothing otherwise). An
 * argument that names no file (`node -e SCRIPT ARG`) is not this one.
 */
function runAsScript() {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (process.argv[1] && runAsScript()) {
  // Empty is unset, as for npm start: '' would unpack the jar into the current directory.
  const dir = process.env.SHAREBUS_DYNAMODB_LOCAL_DIR || join(root, '.dynamodb-local');
  // Ctrl-C (npm's whole process group), or a SIGTERM or SIGHUP to this script alone: the step running is killed and
  // fetchJar's finally removes its work directory (54 MB, the tarball). Handled at once, as the fetch waits on its
  // children: a signal before npm pack started, or one npm pack did not get, no longer let the fetch run to its end.
  const controller = new AbortController();
  let signalled;
  for (const [name, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
    ['SIGHUP', 129],
  ]) {
    process.on(name, () => {
      signalled ??= code;
      controller.abort();
    });
  }
  try {
    await fetchJar(dir, { signal: controller.signal });
    process.exit(0);
  } catch (err) {
    // A child ended by the group's Ctrl-C may be seen before this process's own SIGINT: a moment for it.
    await new Promise((resolveWait) => setTimeout(resolveWait, 100));
    if (signalled) process.exit(signalled);
    console.error(`sharebus: could not fetch DynamoDB Local (${PACKAGE}) into ${dir}: ${err.message}`);
    process.exit(1);
  }
}
