// The local redrive refused, unmade, while the disk refuses the data directory's writes: a 503 the caller is to send
// again once the disk takes writes, so it carries Retry-After (the writer tries the files again at most once a second)
// and the title RFC 9110 gives 503, as sharebus's own 503s do (functions/shared/problem.ts). It answered title "Error"
// and no Retry-After (sdkretry review, session 64).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { startHarness } from './harness.js';

it('answers a redrive refused while the disk refuses writes 503 Service Unavailable with Retry-After', async () => {
  // Prepare: the control plane's journal a directory, which no write can replace, and a change made but not written
  const dataDir = await mkdtemp(join(tmpdir(), 'sdkretry-local-'));
  const harness = await startHarness({ dataDir });
  const journal = join(dataDir, 'control-plane.jsonl');
  let answer: Response;
  let body: Record<string, unknown>;
  try {
    await rm(journal, { force: true });
    await mkdir(journal);
    await harness.client
      .send(new PutRuleCommand({ Name: 'unwritten', EventPattern: '{"source":["s"]}' }))
      .catch(() => undefined);
    // Act
    answer = await fetch(`${harness.eventBridge.endpoint}/_local/dead-letters/redrive`, { method: 'POST' });
    body = (await answer.json()) as Record<string, unknown>;
    await rm(journal, { recursive: true });
  } finally {
    await harness.close();
    await rm(dataDir, { recursive: true, force: true });
  }
  // Assess
  expect(answer.status).toBe(503);
  expect(body).toMatchObject({ code: 'data_dir_unwritable', title: 'Service Unavailable', status: 503 });
  expect(answer.headers.get('retry-after')).toBe('1');
});
