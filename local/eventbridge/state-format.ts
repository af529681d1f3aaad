// The format of a dataDir's files, written beside them (`format.json`), so that a version that cannot read a later
// format refuses it at start instead of misreading it. An earlier version skipped what it could not read: given a
// later version's retries.jsonl it dropped the deliveries waiting there (docs/eventbridge.md, "What a restart keeps").
// Versions before this file (2026-12-07) do not look for it; every version from it on does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirUnusableError } from '../data-lock.js';
import { removeStaleTemporaries, writeWholeNow } from './persistence.js';

/**
 * The format this version writes and reads. Raised by a change that an earlier version would misread (a line it
 * would skip, a file it would not know): a dataDir of a lower format is read as before and its file rewritten.
 */
export const STATE_FORMAT = 1;

const FILE = 'format.json';

/**
 * The dataDir's format file names a later format than this version reads, or is not one sharebus wrote. Its own class
 * so that `npm start`, whose setting names the parent state directory and not this one, can say to change that.
 */
export class StateFormatError extends DataDirUnusableError {
  override name = 'StateFormatError';
}

/**
 * Refuses a dataDir written in a later format, or one whose format file is not one sharebus wrote; otherwise writes
 * this version's format there (a dataDir without the file, or with it empty, is of format 1: every version before
 * it wrote that).
 * Called once the dataDir's lock is held.
 */
export function claimStateFormat(dataDir: string): void {
  const file = join(dataDir, FILE);
  const text = refuseUnreadableFormat(dataDir);
  // What a crash between the write and the rename below left: its pid's name is never used again, so no later start
  // would overwrite it, and no other owner of the dataDir's files removes it (persistence.ts, removeStaleTemporaries).
  removeStaleTemporaries(file);
  if (text !== undefined && formatIn(text) === STATE_FORMAT) return;
  writeWholeNow(file, `${JSON.stringify({ format: STATE_FORMAT })}\n`);
}

/**
 * Throws what claimStateFormat would refuse the dataDir for, writing nothing: `npm start` asks before it starts
 * DynamoDB Local on the same state, which a later version's registry is too. Answers the format file's text, if any.
 */
export function refuseUnreadableFormat(dataDir: string): string | undefined {
  const file = join(dataDir, FILE);
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  // Empty: a crash while it was written, its rename reaching the disk before its text; taken as absent.
  if (text !== undefined && text.trim() !== '') {
    const format = formatIn(text);
    if (format === undefined) {
      throw new StateFormatError(
        `${file} is not a format file sharebus wrote (it holds ${JSON.stringify(text.slice(0, 80))}): the files beside it cannot be known to be ones this version reads. Restore it ({"format":${STATE_FORMAT}} if they were written by this version), or start on another directory.`,
      );
    }
    if (format > STATE_FORMAT) {
      throw new StateFormatError(
        `the state in ${dataDir} was written by a later sharebus (state format ${format}; this version reads up to ${STATE_FORMAT}), and this one would misread it, dropping deliveries it cannot read: start the later version on it, or give this one another directory.`,
      );
    }
  }
  return text;
}

/** The format a format file's text names: a whole number of 1 or more, or undefined. */
function formatIn(text: string): number | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    const format =
      typeof parsed === 'object' && parsed !== null ? (parsed as { format?: unknown }).format : undefined;
    return typeof format === 'number' && Number.isSafeInteger(format) && format >= 1 ? format : undefined;
  } catch {
    return undefined;
  }
}
