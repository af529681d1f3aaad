// Fetches AWS's DynamoDB Local at install time: the jar ships inside the npm package
// amplify-dynamodb-simulator, whose own dependencies weigh ~300 MB, so we `npm pack` it and keep only
// package/emulator. Idempotent: a second install with the jar already present does nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const JAR_DIR = process.env.SHAREBUS_DYNAMODB_LOCAL_DIR ?? join(root, '.dynamodb-local');
const marker = join(JAR_DIR, '.package');

if (
  existsSync(join(JAR_DIR, 'DynamoDBLocal.jar')) &&
  existsSync(marker) &&
  readFileSync(marker, 'utf8') === PACKAGE
) {
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), 'sharebus-ddb-'));
try {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', PACKAGE, '--silent', '--pack-destination', work], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarball = join(work, out.trim().split('\n').pop());
  execFileSync('tar', ['xzf', tarball, '-C', work, 'package/emulator']);
  rmSync(JAR_DIR, { recursive: true, force: true });
  renameSync(join(work, 'package', 'emulator'), JAR_DIR);
  writeFileSync(marker, PACKAGE);
  console.log(`sharebus: DynamoDB Local from ${PACKAGE} is in ${JAR_DIR}`);
} catch (err) {
  console.error(
    `sharebus: could not fetch DynamoDB Local (${PACKAGE}) from the npm registry: ${err.message}`,
  );
  process.exit(1);
} finally {
  rmSync(work, { recursive: true, force: true });
}
