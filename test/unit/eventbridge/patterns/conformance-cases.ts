// Loads the AWS-recorded pattern cases (shared/conformance/eventbridge/patterns.json) that sit beside the repo.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PatternCase {
  readonly name: string;
  readonly event: unknown;
  readonly pattern: unknown;
  readonly expected: boolean | 'InvalidEventPatternException';
  readonly awsErrorMessage?: string;
  readonly eventJson?: string;
  readonly patternJson?: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** Directory of the conformance data: $SHAREBUS_CONFORMANCE_DIR (empty counts as unset), else ../shared/conformance/eventbridge. */
export const conformanceDir =
  process.env.SHAREBUS_CONFORMANCE_DIR || resolve(repoRoot, '../shared/conformance/eventbridge');

/** The text of one file of the conformance data; a missing one says where it was looked for and how to point there. */
export function conformanceText(file: string): string {
  const path = resolve(conformanceDir, file);
  if (!existsSync(path)) {
    throw new Error(`Conformance data not found at ${path}; set SHAREBUS_CONFORMANCE_DIR to its folder.`);
  }
  return readFileSync(path, 'utf8');
}

export function loadPatternCases(): PatternCase[] {
  return JSON.parse(conformanceText('patterns.json')) as PatternCase[];
}

/** The exact texts AWS received (the parsed copies lose number spelling and repeated keys). */
export function textsOf(c: PatternCase): { patternJson: string; eventJson: string } {
  return {
    patternJson: c.patternJson ?? JSON.stringify(c.pattern),
    eventJson: c.eventJson ?? JSON.stringify(c.event),
  };
}
