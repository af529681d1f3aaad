// `npm start`'s first import, before tsx's: tsx keeps its compile cache in the temporary directory (os.tmpdir(), which
// TMPDIR names), and one that cannot be written in (read-only, or a file) ended in tsx's stack trace before any
// sharebus code ran. Said in a line, with what to do, as the Java side says it (local/dynamodb/launcher.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

try {
  rmSync(mkdtempSync(join(tmpdir(), 'sharebus-')), { recursive: true });
} catch (error) {
  console.error(
    `sharebus: the temporary directory ${tmpdir()} cannot be written in (${error.code ?? error.message}): set TMPDIR to a writable directory.`,
  );
  process.exit(1);
}
