// An experiment, not a matcher: does data held densely in typed arrays make 10,000 rules cost what 1,000 do?
// For rules of one shape only, {source: [s], detail-type: [dt], detail: {status: [st]}} (the router corpus's
// rules with an exact detail-type, each given one of the corpus's statuses), a prototype keeps one
// open-addressing hash table of (source, detail-type) groups, keyed by FNV-1a over their characters, with the
// characters and the rules in typed arrays. It runs against RuleMatcher on the same rules and the corpus's events:
// first a check that both match the same rules for every event, then best of 8 interleaved 400 ms trials.
// See docs/eventbridge.md ("Within the candidates' cost").
// Usage: npx tsx bench/dense-prototype.ts

import { compilePattern, RuleMatcher } from '../local/eventbridge/patterns/index.js';
import { type BenchEvent, createCorpus, DEFAULT_SEED, STATUSES } from './lib/corpus.js';

interface ShapedRule {
  readonly name: string;
  readonly source: string;
  readonly detailType: string;
  readonly status: string;
}

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 16777619;
/** Numbers per rule in `rules`: its name's index, where its status's characters start, their count. */
const RULE_WIDTH = 3;

const fnv = (hash: number, unit: number): number => Math.imul(hash ^ unit, FNV_PRIME);

/** `hash` continued over the UTF-16 units of `text`. */
function fnvText(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = fnv(h, text.charCodeAt(i));
  return h;
}

class DensePrototype {
  private readonly chars = new Uint16Array(1 << 20);
  private charTop = 0;
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly groupKey: Int32Array;
  private readonly groupKeyLength: Int32Array;
  private readonly groupStart: Int32Array;
  private readonly groupEnd: Int32Array;
  private readonly rules: Int32Array;
  private readonly names: string[] = [];

  constructor(shaped: readonly ShapedRule[]) {
    const groups = new Map<string, ShapedRule[]>();
    for (const rule of shaped) {
      const key = `${rule.source}\u0000${rule.detailType}`;
      const list = groups.get(key) ?? [];
      list.push(rule);
      groups.set(key, list);
    }
    let size = 1;
    while (size < groups.size * 2) size <<= 1;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.groupKey = new Int32Array(groups.size);
    this.groupKeyLength = new Int32Array(groups.size);
    this.groupStart = new Int32Array(groups.size);
    this.groupEnd = new Int32Array(groups.size);
    this.rules = new Int32Array(shaped.length * RULE_WIDTH);
    let group = 0;
    let at = 0;
    for (const [key, list] of groups) {
      this.groupKey[group] = this.put(key);
      this.groupKeyLength[group] = key.length;
      this.groupStart[group] = at;
      for (const rule of list) {
        this.rules[at] = this.names.push(rule.name) - 1;
        this.rules[at + 1] = this.put(rule.status);
        this.rules[at + 2] = rule.status.length;
        at += RULE_WIDTH;
      }
      this.groupEnd[group] = at;
      let slot = (fnvText(FNV_OFFSET, key) >>> 0) & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = ++group;
    }
  }

  match(event: BenchEvent): string[] {
    const source = event.source;
    const detailType = event['detail-type'];
    const status = event.detail.status;
    // The group key is source, U+0000, detail-type: hashed in parts, without building it.
    const hash = fnvText(fnv(fnvText(FNV_OFFSET, source), 0), detailType);
    const chars = this.chars;
    const length = source.length + 1 + detailType.length;
    for (let slot = (hash >>> 0) & this.mask; ; slot = (slot + 1) & this.mask) {
      const entry = this.table[slot] as number;
      if (entry === 0) return [];
      const group = entry - 1;
      if (this.groupKeyLength[group] !== length) continue;
      const key = this.groupKey[group] as number;
      let same = chars[key + source.length] === 0;
      for (let i = 0; i < source.length && same; i++) same = chars[key + i] === source.charCodeAt(i);
      for (let i = 0; i < detailType.length && same; i++) {
        same = chars[key + source.length + 1 + i] === detailType.charCodeAt(i);
      }
      if (!same) continue;
      const matched: string[] = [];
      if (typeof status !== 'string') return matched;
      for (
        let r = this.groupStart[group] as number, end = this.groupEnd[group] as number;
        r < end;
        r += RULE_WIDTH
      ) {
        const statusLength = this.rules[r + 2] as number;
        if (statusLength !== status.length) continue;
        const statusAt = this.rules[r + 1] as number;
        let equal = true;
        for (let i = 0; i < statusLength && equal; i++) equal = chars[statusAt + i] === status.charCodeAt(i);
        if (equal) matched.push(this.names[this.rules[r] as number] as string);
      }
      return matched;
    }
  }

  private put(text: string): number {
    const at = this.charTop;
    for (let i = 0; i < text.length; i++) this.chars[at + i] = text.charCodeAt(i);
    this.charTop += text.length;
    return at;
  }
}

const corpus = createCorpus({ seed: DEFAULT_SEED, ruleCount: 12_000, eventCount: 5_000 });
const shaped: ShapedRule[] = [];
for (const rule of corpus.rules) {
  const pattern = JSON.parse(rule.pattern) as { source: string[]; 'detail-type'?: unknown[] };
  const detailType = pattern['detail-type']?.[0];
  if (typeof detailType !== 'string') continue;
  const status = STATUSES[shaped.length % STATUSES.length] as string;
  shaped.push({ name: rule.name, source: pattern.source[0] as string, detailType, status });
}

function ruleMatcher(rules: readonly ShapedRule[]): RuleMatcher<string> {
  const matcher = new RuleMatcher<string>();
  for (const r of rules) {
    const pattern = { source: [r.source], 'detail-type': [r.detailType], detail: { status: [r.status] } };
    matcher.add(r.name, compilePattern(JSON.stringify(pattern)));
  }
  return matcher;
}

const setups: Array<[string, { match(event: BenchEvent): string[] }]> = [];
for (const count of [1_000, 10_000]) {
  const rules = shaped.slice(0, count);
  const matcher = ruleMatcher(rules);
  const dense = new DensePrototype(rules);
  let agree = 0;
  for (const event of corpus.events) {
    if (matcher.match(event).sort().join() === dense.match(event).sort().join()) agree++;
  }
  console.log(
    `${count} rules: the prototype agrees with RuleMatcher on ${agree} of ${corpus.events.length} events`,
  );
  setups.push([`RuleMatcher ${count}`, matcher], [`prototype ${count}`, dense]);
}
const best = new Map<string, number>();
for (let round = 0; round < 8; round++) {
  for (const [name, matcher] of setups) {
    const started = performance.now();
    let count = 0;
    while (performance.now() - started < 400) {
      for (const event of corpus.events) matcher.match(event);
      count += corpus.events.length;
    }
    const us = ((performance.now() - started) * 1000) / count;
    best.set(name, Math.min(best.get(name) ?? Number.POSITIVE_INFINITY, us));
  }
}
for (const kind of ['RuleMatcher', 'prototype']) {
  const at1k = best.get(`${kind} 1000`) as number;
  const at10k = best.get(`${kind} 10000`) as number;
  console.log(
    `${kind.padEnd(11)}  µs/event: 1,000 rules ${at1k.toFixed(3)}, 10,000 rules ${at10k.toFixed(3)}, added ${(at10k - at1k).toFixed(3)}; 10,000/1,000 ${(at1k / at10k).toFixed(2)}`,
  );
}
