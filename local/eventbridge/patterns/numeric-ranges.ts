// The numeric ranges indexed at one path: one stab finds every range holding an event's number, and a rule change
// costs little however many ranges there are. Changes since the last build wait beside the tree (additions are
// scanned, removals skipped) until they are worth a rebuild, which takes O(n log n); rebuilding on every change
// made a bus of 40,000 numeric rules take 20 s to empty while events flowed.

import type { ProbeSink } from './field-index.js';

/** A range of comparable keys (see numbers.ts), as the `numeric` matcher holds it. */
export interface NumericRange {
  readonly low: number;
  readonly lowOpen: boolean;
  readonly high: number;
  readonly highOpen: boolean;
}

interface Held<T> extends NumericRange {
  readonly item: T;
  /** Its place in `NumericRanges.live`, for removal in constant time. */
  at: number;
  inTree: boolean;
  removed: boolean;
}

/**
 * Ranges packed in typed arrays, so that a stab reads bounds from a few contiguous blocks rather than one heap
 * object (and two boxed numbers) per range: with thousands of ranges on a bus, cache misses dominate. A range's
 * object is read only when it holds the number, to skip it if it was removed since the build.
 */
interface Packed<T> {
  readonly lows: Float64Array;
  readonly highs: Float64Array;
  /** Bit 0: low open; bit 1: high open. */
  readonly flags: Uint8Array;
  readonly held: ReadonlyArray<Held<T>>;
}

function pack<T>(ranges: ReadonlyArray<Held<T>>): Packed<T> {
  return {
    lows: Float64Array.from(ranges, (r) => r.low),
    highs: Float64Array.from(ranges, (r) => r.high),
    flags: Uint8Array.from(ranges, (r) => (r.lowOpen ? 1 : 0) | (r.highOpen ? 2 : 0)),
    held: ranges,
  };
}

/** Centered interval tree: the ranges holding `center` sit at the node, sorted both ways for early exit. */
interface TreeNode<T> {
  readonly center: number;
  readonly byLow: Packed<T>;
  readonly byHighDesc: Packed<T>;
  readonly left: TreeNode<T> | undefined;
  readonly right: TreeNode<T> | undefined;
}

/**
 * Builds the tree from the same ranges sorted both ways; splitting keeps each side sorted, so there is one sort in
 * all. The center is the median low: at most half the ranges lie wholly on either side, so the depth is log n.
 */
function build<T>(
  byLow: ReadonlyArray<Held<T>>,
  byHighDesc: ReadonlyArray<Held<T>>,
): TreeNode<T> | undefined {
  if (byLow.length === 0) return undefined;
  const center = (byLow[byLow.length >> 1] as Held<T>).low;
  const side = (r: Held<T>): number => (r.high < center ? -1 : r.low > center ? 1 : 0);
  const split = (sorted: ReadonlyArray<Held<T>>): Array<Array<Held<T>>> => {
    const parts: Array<Array<Held<T>>> = [[], [], []];
    for (const r of sorted) (parts[side(r) + 1] as Array<Held<T>>).push(r);
    return parts;
  };
  const [leftByLow, hereByLow, rightByLow] = split(byLow) as [Held<T>[], Held<T>[], Held<T>[]];
  const [leftByHigh, hereByHigh, rightByHigh] = split(byHighDesc) as [Held<T>[], Held<T>[], Held<T>[]];
  return {
    center,
    byLow: pack(hereByLow),
    byHighDesc: pack(hereByHigh),
    left: build(leftByLow, leftByHigh),
    right: build(rightByLow, rightByHigh),
  };
}

function holds(low: number, high: number, flags: number, x: number): boolean {
  return ((flags & 1) !== 0 ? x > low : x >= low) && ((flags & 2) !== 0 ? x < high : x <= high);
}

function hitLive<T>(r: Held<T>, sink: ProbeSink<T>): void {
  if (!r.removed) sink.hit(r.item);
}

function stabTree<T>(node: TreeNode<T> | undefined, x: number, sink: ProbeSink<T>): void {
  while (node !== undefined) {
    if (x <= node.center) {
      const { lows, highs, flags, held } = node.byLow;
      for (let i = 0; i < lows.length; i++) {
        const low = lows[i] as number;
        if (low > x) break;
        if (holds(low, highs[i] as number, flags[i] as number, x)) hitLive(held[i] as Held<T>, sink);
      }
      if (x === node.center) return;
      node = node.left;
    } else {
      const { lows, highs, flags, held } = node.byHighDesc;
      for (let i = 0; i < highs.length; i++) {
        const high = highs[i] as number;
        if (high < x) break;
        if (holds(lows[i] as number, high, flags[i] as number, x)) hitLive(held[i] as Held<T>, sink);
      }
      node = node.right;
    }
  }
}

/** Additions scanned beside the tree before a rebuild, besides one sixteenth of the tree's size. */
const PENDING_MIN = 8;

function sameBounds(a: NumericRange, b: NumericRange): boolean {
  return a.low === b.low && a.high === b.high && a.lowOpen === b.lowOpen && a.highOpen === b.highOpen;
}

export class NumericRanges<T> {
  /** Every range held now, in no order. */
  private readonly live: Array<Held<T>> = [];
  private readonly byItem = new Map<T, Array<Held<T>>>();
  private tree: TreeNode<T> | undefined;
  /** How many ranges the tree was built with, and how many of those have been removed since. */
  private built = 0;
  private removedFromTree = 0;
  /** Ranges added since the build, some removed since: scanned on every stab until the next build. */
  private pending: Array<Held<T>> = [];
  private removedFromPending = 0;
  /** Pending ranges scanned by stabs since the build. */
  private scanned = 0;
  /** Builds so far: tests read it to know the paths beside the tree were taken. */
  builds = 0;

  get size(): number {
    return this.live.length;
  }

  add(range: NumericRange, item: T): void {
    const { low, lowOpen, high, highOpen } = range;
    const held: Held<T> = {
      low,
      lowOpen,
      high,
      highOpen,
      item,
      at: this.live.length,
      inTree: false,
      removed: false,
    };
    this.live.push(held);
    this.pending.push(held);
    const same = this.byItem.get(item);
    if (same === undefined) this.byItem.set(item, [held]);
    else same.push(held);
  }

  /** Removes a range added with `item`; false when there is none. */
  remove(range: NumericRange, item: T): boolean {
    const same = this.byItem.get(item);
    const i = same?.findIndex((r) => sameBounds(r, range)) ?? -1;
    if (same === undefined || i < 0) return false;
    const held = same[i] as Held<T>;
    if (same.length === 1) this.byItem.delete(item);
    else same.splice(i, 1);
    const last = this.live.pop() as Held<T>;
    if (last !== held) {
      this.live[held.at] = last;
      last.at = held.at;
    }
    held.removed = true;
    if (held.inTree) this.removedFromTree++;
    else if (++this.removedFromPending > this.pending.length >> 1) {
      // Rules may come and go with no event probing in between: keep what waits in proportion to what is held.
      this.pending = this.pending.filter((r) => !r.removed);
      this.removedFromPending = 0;
    }
    return true;
  }

  /** Reports the item of every range holding `x` (a comparable key). */
  stab(x: number, sink: ProbeSink<T>): void {
    // Rebuild once the additions waiting outgrow the tree's sixteenth, or scanning them has cost about what a
    // rebuild would (16 steps per range: n log n for the sizes buses have), or half the tree is gone. A budget of
    // one step per range made adding 20,000 ranges, an event after each, take 5.9 s instead of 1.7 s.
    this.scanned += this.pending.length;
    if (
      this.pending.length > PENDING_MIN + (this.built >> 4) ||
      this.scanned > 16 * (this.built + PENDING_MIN) ||
      this.removedFromTree > this.built >> 1
    )
      this.rebuild();
    stabTree(this.tree, x, sink);
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const r = pending[i] as Held<T>;
      if (holds(r.low, r.high, (r.lowOpen ? 1 : 0) | (r.highOpen ? 2 : 0), x)) hitLive(r, sink);
    }
  }

  private rebuild(): void {
    const live = this.live;
    for (const r of live) r.inTree = true;
    this.tree = build(
      [...live].sort((a, b) => a.low - b.low),
      [...live].sort((a, b) => b.high - a.high),
    );
    this.built = live.length;
    this.removedFromTree = 0;
    this.pending = [];
    this.removedFromPending = 0;
    this.scanned = 0;
    this.builds++;
  }
}
