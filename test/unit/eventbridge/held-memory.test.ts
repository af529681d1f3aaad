// What the embedded EventBridge holds for days or for as long as a rule, measured in heap: ids as flat strings (Node's
// randomUUID() is a tree of 20 joined pieces until first read, 491 bytes of heap for 36 characters, and a dead letter
// held one for its 14 days), a queue's message, a target's compiled InputTransformer. Measured in a child process of
// its own, with V8's gc exposed, so that nothing else this suite holds is counted.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const module = (file: string) => JSON.stringify(pathToFileURL(join(root, 'local', 'eventbridge', file)).href);

/**
 * Runs `script` (an ES module) in a child process with the Node.js `flags`, which must exit 0 with nothing on stderr;
 * answers the JSON it printed (shown with SHOW_HEAP set).
 */
function printedBy<T>(script: string, flags: readonly string[]): T {
  const result = spawnSync(
    process.execPath,
    [...flags, '--import', 'tsx', '--input-type=module', '--eval', script],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  expect([result.status, result.stderr]).toEqual([0, '']);
  if (process.env.SHOW_HEAP) console.log(result.stdout);
  return JSON.parse(result.stdout) as T;
}

/** Heap bytes each of 20,000 values `make` returns holds, measured after a full gc before and after. */
function heapPerValue(make: string): number {
  const script = `
    import { randomUUID } from 'node:crypto';
    import { newId } from ${module('ids.ts')};
    import { CoalescingWriter } from ${module('persistence.ts')};
    import { QueueStore } from ${module('queue-store.ts')};
    import { compileTargetInput } from ${module('target-input.ts')};
    const store = new QueueStore(new CoalescingWriter(), undefined);
    const make = ${make};
    globalThis.gc();
    const before = process.memoryUsage().heapUsed;
    const kept = [];
    for (let i = 0; i < 20000; i++) kept.push(make(i));
    globalThis.gc();
    const after = process.memoryUsage().heapUsed;
    console.log(JSON.stringify({ perValue: (after - before) / kept.length, held: store.queueArns().length }));
  `;
  return printedBy<{ perValue: number }>(script, ['--expose-gc']).perValue;
}

describe('newId', () => {
  it('holds a UUID in under 150 bytes of heap, where randomUUID() left unread holds over 300', () => {
    // Act
    const flat = heapPerValue('() => newId()');
    const joined = heapPerValue('() => randomUUID()');
    // Assess: the second shows the measure tells the two apart.
    expect(flat).toBeLessThan(150);
    expect(joined).toBeGreaterThan(300);
  });

  it('is a version 4 UUID, a new one each time', () => {
    const script = `
      import { newId } from ${module('ids.ts')};
      const ids = Array.from({ length: 1000 }, () => newId());
      console.log(JSON.stringify({ unique: new Set(ids).size, all: ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) }));
    `;
    expect(printedBy(script, [])).toEqual({ unique: 1000, all: true });
  });
});

describe('QueueStore', () => {
  it('holds a message of a one-character body in under 400 bytes of heap: its id is flat', () => {
    // Act: the store's own messages, not the array that keeps them here (the store keeps them).
    const perMessage = heapPerValue('() => store.send("arn:aws:sqs:us-east-1:111111111111:dlq", "x") && 0');
    // Assess
    expect(perMessage).toBeLessThan(400);
  });
});

describe('compileTargetInput', () => {
  it("holds sharebus's InputTransformer in under 1,500 bytes of heap (3,351 before): its template's literal text is not a tree of characters", () => {
    // Act: the subscription template the subscriptions function puts, each with its own id.
    const perTarget = heapPerValue(`(i) => compileTargetInput({
      Id: 'deliver',
      Arn: 'arn:aws:lambda:us-east-1:000000000000:function:sharebus-deliver',
      InputTransformer: {
        InputPathsMap: { detail: '$.detail' },
        InputTemplate: JSON.parse(JSON.stringify('{"subscriptionId": "' + i.toString(16).padStart(8, '0') + '-1c2d-4e5f-8a9b-0123456789ab", "event": <detail>}')),
      },
    })`);
    // Assess
    expect(perTarget).toBeLessThan(1_500);
  });
});

describe('Dispatcher', () => {
  it("holds a delivery waiting for its retry in under 1,500 bytes of heap: its failure's code and message, not the error with its stack (2,313 before)", () => {
    // Prepare: 2,000 deliveries whose target throws an error (holding 20 KB of its own), each waiting for a retry.
    const script = `
      import { Dispatcher } from ${module('delivery.ts')};
      import { CoalescingWriter } from ${module('persistence.ts')};
      import { QueueStore } from ${module('queue-store.ts')};
      import { compileTargetInput } from ${module('target-input.ts')};
      const N = 2000;
      const queues = new QueueStore(new CoalescingWriter(), undefined);
      let thrown = 0;
      const invokeLambda = async () => {
        throw Object.assign(new Error('webhook answered 503'), { answer: String(thrown++).padEnd(20000, '.') });
      };
      const logger = { warn() {}, error() {} };
      const dispatcher = new Dispatcher({ invokeLambda, forwardToBus() {}, callApiDestination: async () => {},
        busArnPrefix: 'arn:aws:events:us-east-1:000000000000:event-bus/', queues, delayScale: 20, logger });
      const rule = { busName: 'sharebus', name: 'sub-1', arn: 'arn:aws:events:us-east-1:000000000000:rule/sharebus/sub-1', instance: {} };
      const target = { id: 't1', arn: 'arn:aws:lambda:us-east-1:000000000000:function:deliver', render: compileTargetInput({ Id: 't1' }),
        retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86400 } };
      const events = Array.from({ length: N }, (_, i) => {
        const event = { version: '0', id: String(i), source: 's', detail: { i } };
        return { event, json: JSON.stringify(event), ingestedAt: Date.now() };
      });
      const tick = () => new Promise((r) => setImmediate(r));
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      for (const event of events) dispatcher.deliver(event, rule, target);
      dispatcher.flush();
      for (let k = 0; k < 10; k++) await tick();
      globalThis.gc();
      const after = process.memoryUsage().heapUsed;
      console.log(JSON.stringify({ perValue: (after - before) / N, waiting: dispatcher.pending, thrown }));
      dispatcher.stop();
    `;
    // Act
    const measured = printedBy<{ perValue: number; waiting: number; thrown: number }>(script, [
      '--expose-gc',
    ]);
    // Assess
    expect([measured.waiting, measured.thrown]).toEqual([2000, 2000]);
    expect(measured.perValue).toBeLessThan(1_500);
  });
});

describe('AsyncInvocations', () => {
  it("holds an invocation waiting for its function's turn within what it counts against the queue limit, its payload and 700 bytes", () => {
    // Prepare: 20,000 invocations of a 1 KB payload for a function with one turn, which never ends.
    const script = `
      import { AsyncInvocations, heldBytes } from ${module('lambda-async.ts')};
      import { CoalescingWriter } from ${module('persistence.ts')};
      import { QueueStore } from ${module('queue-store.ts')};
      const N = 20000;
      const arn = 'arn:aws:lambda:us-east-1:000000000000:function:consumer';
      const writer = new CoalescingWriter();
      let runs = 0;
      const lambda = new AsyncInvocations({
        run: () => { runs++; return new Promise(() => {}); },
        functions: { [arn]: { concurrency: 1 } },
        queues: new QueueStore(writer, undefined),
        delayScale: 1,
        logger: { warn() {}, error() {} },
        writer,
      });
      // Flat (a string read whole from a buffer), so that no tree of pieces is let go of when the queue counts it.
      const payloads = Array.from({ length: N }, (_, i) => Buffer.from(JSON.stringify({ n: i, blob: 'x'.repeat(1000) })).toString());
      const tick = () => new Promise((r) => setImmediate(r));
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      // Each with its rule target, as a delivery gives it (an object of its own).
      const ruleArn = 'arn:aws:events:us-east-1:000000000000:rule/sharebus/subscription';
      for (const payload of payloads) lambda.accept(arn, payload, { source: { ruleArn, targetId: 'deliver' } });
      for (let k = 0; k < 10; k++) await tick();
      globalThis.gc();
      const after = process.memoryUsage().heapUsed;
      const counted = payloads.reduce((sum, p) => sum + heldBytes(p), 0) - payloads.reduce((sum, p) => sum + p.length, 0);
      console.log(JSON.stringify({ perValue: (after - before) / N, countedBeyondPayload: counted / N, pending: lambda.pending, runs, status: lambda.status() }));
      lambda.stop();
    `;
    // Act
    const measured = printedBy<{
      perValue: number;
      countedBeyondPayload: number;
      pending: number;
      runs: number;
      status: { functions: unknown[] };
    }>(script, ['--expose-gc']);
    // Assess: the payloads were made before, so the heap grew by what the queue holds beside them.
    expect([measured.pending, measured.runs]).toEqual([20000, 1]);
    expect(measured.status.functions).toEqual([
      {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:consumer',
        running: 1,
        waiting: 19999,
        retrying: 0,
      },
    ]);
    expect(measured.countedBeyondPayload).toBe(700);
    expect(measured.perValue).toBeLessThan(700);
  });
});

describe('a restart', () => {
  it('reads a Lambda invocations log of 100 MB, every invocation in it ended but one, within a 64 MB heap: line by line into the state, not every line at once', () => {
    // Prepare: 50,000 invocations of a 2 KB payload, each ended (as a log not compacted yet holds them), and one not.
    const script = `
      import { mkdtempSync, openSync, writeSync, closeSync, rmSync, statSync } from 'node:fs';
      import { tmpdir } from 'node:os';
      import { join } from 'node:path';
      import { AsyncInvocations } from ${module('lambda-async.ts')};
      import { CoalescingWriter } from ${module('persistence.ts')};
      import { QueueStore } from ${module('queue-store.ts')};
      const dir = mkdtempSync(join(tmpdir(), 'sharebus-restart-heap-'));
      const arn = 'arn:aws:lambda:us-east-1:000000000000:function:consumer';
      const file = join(dir, 'lambda-invocations.jsonl');
      const fd = openSync(file, 'w');
      const blob = 'x'.repeat(2000);
      const line = (i) => JSON.stringify({ invoke: { requestId: 'r' + i, functionArn: arn, payload: JSON.stringify({ i, blob }), acceptedAt: Date.now(), retries: 0, dueAt: Date.now() } }) + '\\n';
      for (let i = 0; i < 50000; i += 100) {
        let text = '';
        for (let k = i; k < i + 100; k++) text += line(k) + JSON.stringify({ end: 'r' + k }) + '\\n';
        writeSync(fd, text);
      }
      writeSync(fd, line('left'));
      closeSync(fd);
      const bytes = statSync(file).size;
      const writer = new CoalescingWriter();
      const lambda = new AsyncInvocations({
        run: () => new Promise(() => {}),
        functions: { [arn]: {} },
        queues: new QueueStore(writer, undefined),
        delayScale: 1,
        logger: { warn() {}, error() {} },
        writer,
        dataDir: dir,
      });
      console.log(JSON.stringify({ bytes, resuming: lambda.resuming, pending: lambda.pending }));
      lambda.stop();
      await writer.flush();
      writer.close();
      rmSync(dir, { recursive: true, force: true });
    `;
    // Act
    const read = printedBy<{ bytes: number; resuming: boolean; pending: number }>(script, [
      '--max-old-space-size=64',
    ]);
    // Assess
    expect(read.bytes).toBeGreaterThan(100_000_000);
    expect([read.resuming, read.pending]).toEqual([true, 1]);
  });
});

describe('the default limits', () => {
  it.each([256, 1024])(
    'leave three quarters of a %i MB heap to the rest: the local queues and the Lambda queues an eighth each',
    (megabytes) => {
      // Act: the limits a server takes by default, in a process with that heap (heapLimit: V8's heap_size_limit with
      // no more young generation than Node 20's, see local/heap.ts).
      const script = `
        import { heapLimit } from ${module('../heap.ts')};
        import { startEventBridge } from ${module('index.ts')};
        const bus = await startEventBridge({ invokeLambda: async () => {} });
        const queues = await (await fetch(bus.endpoint + '/_local/queues')).json();
        const invocations = await (await fetch(bus.endpoint + '/_local/invocations')).json();
        console.log(JSON.stringify({ heap: heapLimit(), queues: queues.maxBytes, lambda: invocations.maxBytes }));
        await bus.stop();
      `;
      const { heap, queues, lambda } = printedBy<{ heap: number; queues: number; lambda: number }>(script, [
        `--max-old-space-size=${megabytes}`,
      ]);
      // Assess: at a 256 MB heap a quarter each, full together, ran the process out of memory (2026-12-07).
      expect(queues).toBe(lambda);
      expect(queues + lambda).toBeLessThanOrEqual(heap / 4);
      expect(queues + lambda).toBeGreaterThan(heap / 5);
    },
  );
});
