// What a read that misses the core's caches costs on this machine: the scale against which a large bus's matching
// is judged. The router's data for 10,000 rules spans megabytes, and each node or program an event reaches there
// is such a read; for 1,000 rules most of it stays in the core's cache.

import { createRandom } from './corpus.js';

export interface MemoryLatency {
  /** Nanoseconds per dependent read at random over this many bytes. */
  readonly nsByBytes: Readonly<Record<string, number>>;
}

/** Numbers per 64-byte line in the chase's Int32Array. */
const LINE = 16;

/**
 * The chase through `lines` lines: one random cycle, so that following it from 0 reads every line once before
 * coming back. Each line's first number is the index of the next line's first number.
 */
export function chaseCycle(lines: number): Int32Array {
  const order = Array.from({ length: lines }, (_, i) => i);
  const random = createRandom(lines);
  for (let i = lines - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const next = new Int32Array(lines * LINE);
  for (let i = 0; i < lines; i++)
    next[(order[i] as number) * LINE] = (order[(i + 1) % lines] as number) * LINE;
  return next;
}

/**
 * Nanoseconds per read of a pointer chase (each read's address comes from the previous one, so reads cannot
 * overlap) through chaseCycle over `bytes`, one read per 64-byte line; best of three runs after one warming lap.
 */
export function chaseNs(bytes: number, steps = 2_000_000): number {
  const lines = Math.max(2, Math.floor(bytes / (4 * LINE)));
  const next = chaseCycle(lines);
  let at = 0;
  for (let i = 0; i < Math.min(steps, lines); i++) at = next[at] as number;
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < 3; run++) {
    const started = performance.now();
    for (let i = 0; i < steps; i++) at = next[at] as number;
    best = Math.min(best, ((performance.now() - started) * 1e6) / steps);
  }
  // `at` is always a line start: the check keeps the chase from being optimized away.
  if (at % LINE !== 0) throw new Error('pointer chase left its cycle');
  return Math.round(best * 10) / 10;
}

/**
 * Random-read latency within a core's own cache (256 KB) and well beyond it (16 MB; on this VM anything past about
 * 2 MB reads at memory's latency, whatever L3 it reports). About two seconds.
 */
export function measureMemoryLatency(): MemoryLatency {
  return { nsByBytes: { '256 KB': chaseNs(256 * 1024), '16 MB': chaseNs(16 * 1024 * 1024) } };
}
