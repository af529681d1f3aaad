// The heap the local runtime's memory bounds are shares of: the deliveries run at once, the queues, the request bodies.
import { getHeapStatistics } from 'node:v8';

const MIB = 2 ** 20;

/**
 * The young generation counted in the heap the bounds were measured with: three semi-spaces of 16 MiB, what Node 20
 * reserves beside the old space on a machine of more than 2 GB.
 */
export const MEASURED_YOUNG_GENERATION_BYTES = 48 * MIB;

/**
 * V8's heap_size_limit, but with at most MEASURED_YOUNG_GENERATION_BYTES of young generation beside the old space
 * `--max-old-space-size` sets, the old space being what runs out ("Reached heap limit"). heap_size_limit is the old
 * space plus a young generation V8 sizes from the machine's memory, not from that option: 48 MiB on Node 20, 192 MiB
 * on Node 24 (Lambda's nodejs24.x). At --max-old-space-size=96, Node 24 reports 288 MiB, three times the old space,
 * and bounds taken from that ran `npm start` out of heap under 60 publishers of 250 KB events (Node 24 review,
 * session 63). Without the option V8 sizes both from the machine's memory and heap_size_limit is taken as it is.
 */
export function heapLimit(
  limit = getHeapStatistics().heap_size_limit,
  oldSpaceMebibytes = maxOldSpaceSizeGiven(),
): number {
  return oldSpaceMebibytes === undefined
    ? limit
    : Math.min(limit, oldSpaceMebibytes * MIB + MEASURED_YOUNG_GENERATION_BYTES);
}

/**
 * The `--max-old-space-size=` in effect, in MiB: the last one on the command line, else the last in NODE_OPTIONS (V8
 * takes NODE_OPTIONS' first, so the command line's wins). V8 accepts it with `=` only, dashes or underscores.
 */
export function maxOldSpaceSizeGiven(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): number | undefined {
  const last = (args: readonly string[]) => {
    let found: number | undefined;
    for (const arg of args) {
      const value = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(arg)?.[1];
      if (value !== undefined) found = Number(value);
    }
    return found;
  };
  return last(execArgv) ?? last(nodeOptions.split(/\s+/));
}
