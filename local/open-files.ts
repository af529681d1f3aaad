// How many files the process may hold open and how much heap it may take, and so how many webhook deliveries the
// local runtime runs at once.
import { readFileSync } from 'node:fs';
import { heapLimit as defaultHeapLimit } from './heap.js';
import { LOCAL_CONCURRENCY } from './lambda/invoker.js';

/**
 * Descriptors kept for everything but the deliveries' sockets: the HTTP API's and the embedded EventBridge's clients,
 * the AWS SDK clients' pools (50 sockets each), the journals, DynamoDB Local's pipes, and what a publish's schema check
 * takes for its time limit. Not counted one by one: at a limit of 1,024, 624 deliveries at once carried 2,000 events
 * from 50 clients publishing at once to a webhook answering in 5 s, every one delivered (2026-12-07).
 */
export const RESERVED_OPEN_FILES = 400;
/** The fewest deliveries at once, however low the limit: below it a slow webhook holds up every other. */
export const MIN_DELIVERIES = 16;

/**
 * The process's limit on open files (`ulimit -n`) as Linux reports it, which Node raised to the hard limit at its
 * start; undefined where /proc is not (macOS) or says no number ("unlimited").
 */
export function openFileLimit(limits = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(limits, 'utf8');
  } catch {
    return undefined;
  }
  const soft = /^Max open files\s+(\d+)\s/m.exec(text)?.[1];
  return soft === undefined ? undefined : Number(soft);
}

/**
 * How many deliver invocations run at once: LOCAL_CONCURRENCY (AWS's default account concurrency), or fewer when the
 * open-file limit leaves less room. Each delivery holds a socket to its webhook while it runs; with 1,000 of them
 * under a hard limit of 1,024 (`ulimit -n 1024`) the process ran out of descriptors, and Node aborted at the next
 * publish's schema check ("Failed to initialize uv loop": its time limit needs descriptors of its own), taking the
 * whole runtime down (environment review, 2026-12-07: 20 clients, a webhook answering in 5 s).
 */
export function deliveryConcurrency(limit: number | undefined, heapLimit = defaultHeapLimit()): number {
  const byFiles = limit === undefined ? LOCAL_CONCURRENCY : limit - RESERVED_OPEN_FILES;
  return Math.max(MIN_DELIVERIES, Math.min(LOCAL_CONCURRENCY, byFiles, deliveriesInHeap(heapLimit)));
}

/**
 * About the heap a delivery holds while it runs, beside what the deliver function's queue counts for it: a 20 KB
 * event parsed, its signed body, the HTTP request and its socket. Measured with a webhook that never answered:
 * 1,000 deliveries of 20 KB events held about 200 MB more than the queues counted (exhaustion review, 2026-12-07).
 */
export const HEAP_PER_DELIVERY_BYTES = 200 * 1024;

/**
 * The deliveries an eighth of the heap (`heapLimit`, see heap.ts) holds running: at a 256 MB heap, 1,000
 * of them beside the two queues at their limits ran the process out of memory (exhaustion review, 2026-12-07). Node's
 * default heap on a machine of 16 GB or more (4,144 MiB) leaves room for the full 1,000.
 */
export function deliveriesInHeap(heapLimit: number): number {
  return Math.floor(heapLimit / 8 / HEAP_PER_DELIVERY_BYTES);
}
