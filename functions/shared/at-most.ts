// Work over a list with a bound on how much runs at once: rules put or retargeted side by side, so that the control
// plane's calls (and, locally, the embedded EventBridge's writes) overlap without flooding it.

/**
 * Runs `work` for each item, in order of starting, at most `concurrency` (1 or more) at once. Once one throws, no
 * other starts, and the first error is thrown when those running have ended: none goes on after the caller has heard.
 */
export async function eachAtMost<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { readonly error: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, worker));
  if (failure) throw failure.error;
}
