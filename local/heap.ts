// The heap the local runtime's memory bounds are shares of: the deliveries run at once, the queues, the request bodies.
import { totalmem } from 'node:os';
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
 * The old space in effect, in MiB, if one was given. `--max-old-space-size=` (V8 takes it with `=` only, dashes or
 * underscores): the last one, NODE_OPTIONS' before the command line's (V8 reads NODE_OPTIONS first, so the command
 * line's wins). Node 24's `--max-old-space-size-percentage` (`=` or a space) wins over any size, wherever each is: that
 * share of the machine's memory (`memory`). NODE_OPTIONS is split as Node splits it, double quotes grouping
 * (`--max-old-space-size="96"` gives V8 96).
 */
export function maxOldSpaceSizeGiven(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
  memory = availableMemory(),
): number | undefined {
  const args = [...nodeOptionsArgs(nodeOptions), ...execArgv];
  let size: number | undefined;
  let percentage: number | undefined;
  for (const [i, arg] of args.entries()) {
    const sized = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(arg)?.[1];
    if (sized !== undefined) size = Number(sized);
    const share = /^--max[-_]old[-_]space[-_]size[-_]percentage(?:=(.*))?$/.exec(arg);
    if (share) {
      const value = Number(share[1] ?? args[i + 1]);
      if (value > 0 && value <= 100) percentage = value;
    }
  }
  return percentage === undefined ? size : Math.floor((memory * percentage) / 100 / MIB);
}

/** The memory Node takes a percentage of: the process's constrained memory (cgroup) if any, else the machine's. */
function availableMemory(): number {
  const constrained = process.constrainedMemory?.() ?? 0;
  return constrained > 0 && constrained < totalmem() ? constrained : totalmem();
}

/** NODE_OPTIONS split as Node splits it: at white space outside double quotes, a backslash escaping within them. */
function nodeOptionsArgs(text: string): string[] {
  const args: string[] = [];
  let current: string | undefined;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted && c === '\\' && i + 1 < text.length) current = (current ?? '') + text[++i];
    else if (c === '"') {
      quoted = !quoted;
      current ??= '';
    } else if (!quoted && /\s/.test(c)) {
      if (current !== undefined) args.push(current);
      current = undefined;
    } else current = (current ?? '') + c;
  }
  if (current !== undefined) args.push(current);
  return args;
}
