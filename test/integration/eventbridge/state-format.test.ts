// A dataDir's format file: a later version's state is refused at start rather than misread. Before (2026-12-07) no
// version looked: an earlier one given a later one's retries.jsonl skipped its lines and dropped the deliveries.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListRulesCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { DataDirUnusableError } from '../../../local/data-lock.js';
import { STATE_FORMAT } from '../../../local/eventbridge/state-format.js';
import { startHarness } from './harness.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sharebus-format-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const formatFile = () => join(dataDir, 'format.json');

/** Starts a server on the dataDir with one rule, and stops it. */
async function writeState(): Promise<void> {
  const harness = await startHarness({ dataDir });
  await harness.client.send(new PutRuleCommand({ Name: 'kept', EventPattern: '{"source":["s"]}' }));
  await harness.close();
}

/** The start's error on the dataDir as it is, or undefined when it started (and was stopped). */
async function startRefusal(): Promise<Error | undefined> {
  try {
    const harness = await startHarness({ dataDir });
    await harness.close();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}

describe("a dataDir's state format", () => {
  it('is written at the first start, readable by its owner alone', async () => {
    // Act
    await writeState();
    // Assess
    expect(JSON.parse(readFileSync(formatFile(), 'utf8'))).toEqual({ format: STATE_FORMAT });
    expect(statSync(formatFile()).mode & 0o777).toBe(0o600);
  });

  it.each([
    ['absent, as every earlier version left it', undefined],
    ['empty, as a crash while it was written may leave it', ''],
  ])("is taken as this version's when %s, keeping the state", async (_, text) => {
    // Prepare
    await writeState();
    if (text === undefined) await rm(formatFile());
    else writeFileSync(formatFile(), text);
    // Act
    const harness = await startHarness({ dataDir });
    let rules: (string | undefined)[];
    try {
      rules = ((await harness.client.send(new ListRulesCommand({}))).Rules ?? []).map((rule) => rule.Name);
    } finally {
      await harness.close();
    }
    // Assess
    expect(rules).toEqual(['kept']);
    expect(JSON.parse(readFileSync(formatFile(), 'utf8'))).toEqual({ format: STATE_FORMAT });
  });

  it('of a later version stops the start, saying so, and changes no file', async () => {
    // Prepare
    await writeState();
    writeFileSync(formatFile(), `{"format":${STATE_FORMAT + 1}}\n`);
    const before = readdirSync(dataDir)
      .sort()
      .map((name) => [name, statSync(join(dataDir, name)).mtimeMs]);
    // Act
    const refusal = await startRefusal();
    // Assess: the lock is released too (.lock is gone, as before the start)
    expect(refusal).toBeInstanceOf(DataDirUnusableError);
    expect(refusal?.message).toBe(
      `the state in ${dataDir} was written by a later sharebus (state format ${STATE_FORMAT + 1}; this version reads up to ${STATE_FORMAT}), and this one would misread it, dropping deliveries it cannot read: start the later version on it, or give this one another directory.`,
    );
    expect(
      readdirSync(dataDir)
        .sort()
        .map((name) => [name, statSync(join(dataDir, name)).mtimeMs]),
    ).toEqual(before);
    expect(existsSync(join(dataDir, '.lock'))).toBe(false);
  });

  it.each([['not JSON'], ['{"format":"1"}'], ['{"format":0}'], ['{"format":1.5}'], ['[1]'], ['\n1\n']])(
    'that is not one sharebus wrote (%j) stops the start, naming the file',
    async (text) => {
      // Prepare
      await writeState();
      writeFileSync(formatFile(), text);
      // Act
      const refusal = await startRefusal();
      // Assess
      expect(refusal).toBeInstanceOf(DataDirUnusableError);
      expect(refusal?.message).toContain(`${formatFile()} is not a format file sharebus wrote`);
      expect(readFileSync(formatFile(), 'utf8')).toBe(text);
    },
  );

  it('removes what a start killed between writing it and renaming it left beside it', async () => {
    // Prepare: a temporary of a process gone, its pid never used again, so no later start writes over it
    await writeState();
    await rm(formatFile());
    const left = `${formatFile()}.4194303.tmp`;
    writeFileSync(left, `{"format":${STATE_FORMAT}}\n`);
    // Act
    await writeState();
    // Assess: before, it stayed for good, as the writer's own temporaries did before 2026-12-04
    expect(readdirSync(dataDir).filter((name) => name.startsWith('format.json'))).toEqual(['format.json']);
  });
});
