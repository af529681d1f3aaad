// Upgrade review, session 62: a replay read COMPLETED while the deliveries of its last events were not yet in
// retries.jsonl; a kill then lost them (100 of 300 in two kill -9 runs), and the restart read FAILED.
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateArchiveCommand,
  DescribeReplayCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  StartReplayCommand,
} from '@aws-sdk/client-eventbridge';
import { type Harness, sleep, startHarness, waitFor } from './harness.js';

const BUS_ARN = 'arn:aws:events:us-east-1:111111111111:event-bus/default';
const LAMBDA_ARN = 'arn:aws:lambda:us-east-1:111111111111:function:replayed';

/**
 * Archives three events, each delivered to a function, then makes the journal a directory, so that its writes fail
 * until it is a file again, and replays them; resolves once the replay has routed every event (each invoked its
 * function again). Answers the journal's path.
 */
async function replayWhileJournalUnwritable(harness: Harness, dataDir: string): Promise<string> {
  const { client } = harness;
  const journal = join(dataDir, 'retries.jsonl');
  await client.send(new CreateArchiveCommand({ ArchiveName: 'all', EventSourceArn: BUS_ARN }));
  await client.send(new PutRuleCommand({ Name: 'r', EventPattern: '{"source":["s"]}' }));
  await client.send(new PutTargetsCommand({ Rule: 'r', Targets: [{ Id: 'f', Arn: LAMBDA_ARN }] }));
  const Entries = [1, 2, 3].map((n) => ({ Source: 's', DetailType: 'd', Detail: `{"n":${n}}` }));
  await client.send(new PutEventsCommand({ Entries }));
  await harness.eventBridge.idle();
  rmSync(journal);
  mkdirSync(journal);
  await client.send(
    new StartReplayCommand({
      ReplayName: 'again',
      EventSourceArn: 'arn:aws:events:us-east-1:111111111111:archive/all',
      EventStartTime: new Date(Date.now() - 60_000),
      EventEndTime: new Date(Date.now() + 1_000),
      Destination: { Arn: BUS_ARN },
    }),
  );
  await waitFor(() => harness.invocations.length === 6);
  return journal;
}

const stateOf = async (harness: Harness) =>
  (await harness.client.send(new DescribeReplayCommand({ ReplayName: 'again' }))).State;

describe('a replay', () => {
  it('reads COMPLETED only once the deliveries it made are on disk', async () => {
    // Prepare: the replay has routed its events while the journal cannot be written
    const dataDir = await mkdtemp(join(tmpdir(), 'replay-durable-'));
    const harness = await startHarness({ dataDir, asyncFunctions: { [LAMBDA_ARN]: {} } });
    try {
      const journal = await replayWhileJournalUnwritable(harness, dataDir);
      // Act
      const whileUnwritten = await stateOf(harness);
      rmSync(journal, { recursive: true });
      let afterwards: string | undefined;
      for (let i = 0; i < 500 && afterwards !== 'COMPLETED'; i++) {
        await sleep(20);
        afterwards = await stateOf(harness);
      }
      // Assess: before, COMPLETED while none of the replay's deliveries could be written
      expect([whileUnwritten, afterwards]).toEqual(['RUNNING', 'COMPLETED']);
    } finally {
      await harness.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);

  // Diff review, session 62: a stop while the replay waited for its deliveries to be written ended it COMPLETED
  // whatever the writer managed, so with the journal unwritable the next start read COMPLETED for deliveries it did
  // not have.
  it('is not COMPLETED after a stop that came while its deliveries could not be written', async () => {
    // Prepare: as above
    const dataDir = await mkdtemp(join(tmpdir(), 'replay-stopped-'));
    let harness = await startHarness({ dataDir, asyncFunctions: { [LAMBDA_ARN]: {} } });
    try {
      const journal = await replayWhileJournalUnwritable(harness, dataDir);
      // Act: stopped while the replay waits, then started again once the journal can be written
      await harness.close();
      rmSync(journal, { recursive: true });
      harness = await startHarness({ dataDir, asyncFunctions: { [LAMBDA_ARN]: {} } });
      // Assess
      expect(await stateOf(harness)).not.toBe('COMPLETED');
    } finally {
      await harness.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 30_000);
});
