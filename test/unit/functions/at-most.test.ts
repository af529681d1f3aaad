import { eachAtMost } from '../../../functions/shared/at-most.js';

/** A promise and its resolve, to hold work until the test lets it end. */
function held(): { readonly promise: Promise<void>; release(): void } {
  let release = (): void => {};
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe('eachAtMost', () => {
  it('runs every item, never more than the bound at once, starting them in order', async () => {
    // Prepare
    const started: number[] = [];
    let running = 0;
    let most = 0;
    // Act
    await eachAtMost([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      started.push(item);
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
    });
    // Assess
    expect(started).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('starts nothing once one throws, and throws the first error only when those running have ended', async () => {
    // Prepare: items 1 and 2 held; 3 fails at once.
    const gates = new Map([
      [1, held()],
      [2, held()],
    ]);
    const started: number[] = [];
    const ended: number[] = [];
    // Act
    const all = eachAtMost([1, 2, 3, 4, 5], 3, async (item) => {
      started.push(item);
      if (item === 3) throw new Error('item 3 fails');
      await gates.get(item)?.promise;
      ended.push(item);
    });
    let settled = false;
    all.catch(() => undefined).finally(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    const settledWhileRunning = settled;
    for (const gate of gates.values()) gate.release();
    const error = await all.catch((thrown: unknown) => thrown);
    // Assess
    expect(settledWhileRunning).toBe(false);
    expect((error as Error).message).toBe('item 3 fails');
    expect(started).toEqual([1, 2, 3]);
    expect(ended).toEqual([1, 2]);
  });

  it('throws the error of the item that failed first when another fails after it', async () => {
    // Prepare: item 1 held, then failing; item 2 fails at once.
    const gate = held();
    // Act
    const all = eachAtMost([1, 2], 2, async (item) => {
      if (item === 1) {
        await gate.promise;
        throw new Error('item 1 fails later');
      }
      throw new Error('item 2 fails first');
    });
    await new Promise((resolve) => setImmediate(resolve));
    gate.release();
    const error = await all.catch((thrown: unknown) => thrown);
    // Assess
    expect((error as Error).message).toBe('item 2 fails first');
  });

  it('takes a bound below 1 as 1, and an empty list as done', async () => {
    // Prepare
    const started: number[] = [];
    // Act
    await eachAtMost([1, 2], 0, async (item) => {
      started.push(item);
    });
    await eachAtMost([], 4, async () => {
      throw new Error('never');
    });
    // Assess
    expect(started).toEqual([1, 2]);
  });
});
