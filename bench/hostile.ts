// Hostile-input benchmark: what the embedded EventBridge's matcher, and the publish function's schema validator,
// spend on patterns, contract schemas and events that are within the quotas (a pattern of 2,048 characters, an event
// of 256 KB, a schema that passes its registration check) but built to be costly. One process serves every request
// locally, so one such event, PutRule or publish holds up all the others for as long as it takes. Each case is run
// three times (after one run to warm up) and its median printed, as a table and as JSON
// (bench/results/hostile.json), with the cost before the adversarial-input reviews of 2026-12-06 (and, for the 10
// entries, before one budget was shared by a request) for comparison, measured on this 2-core VM.
// No targets: a case well under 100 ms is cheap enough; the figures are for spotting a case that grows again.
// Usage: npm run bench:hostile
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type PublishPorts, publishEvents } from '../functions/publish/publish-events.js';
import type { Principal } from '../functions/shared/registry/registry.js';
import { SchemaValidator, ValidationTimeoutError } from '../functions/shared/schema-validator.js';
import { compilePattern, RuleMatcher, sharingSearchBudget } from '../local/eventbridge/patterns/index.js';
import { costlyCondition, costlyDetail } from '../test/costly-arrays.js';

interface Case {
  readonly name: string;
  readonly what: string;
  /** The cost measured just before the review's fixes, on the machine of the first results, for comparison. */
  readonly before: string;
  /** Sets the case up; the function returned is the work measured. Throws if the answer is wrong. */
  readonly prepare: () => () => void | Promise<void>;
}

const cjk = (n: number, from = 0x4e00): string =>
  Array.from({ length: n }, (_, i) => String.fromCharCode(from + i)).join('');

function bus(patterns: readonly unknown[]): RuleMatcher<number> {
  const matcher = new RuleMatcher<number>();
  for (const [i, p] of patterns.entries()) matcher.add(i, compilePattern(JSON.stringify(p)));
  return matcher;
}

function expectMatched(got: readonly number[], want: readonly number[], name: string): void {
  if (JSON.stringify(got) !== JSON.stringify(want))
    throw new Error(`${name}: matched ${JSON.stringify(got)}, not ${JSON.stringify(want)}`);
}

const CASES: readonly Case[] = [
  {
    name: 'same element, 20 arrays',
    what: 'a condition on each of 20 arrays of 4 objects and one no element meets (an 830-byte detail)',
    before: 'about 70 hours (4^20 tries: 244 ms at 10 arrays, 4 times that for each more)',
    prepare: () => {
      const pattern: Record<string, unknown> = { zz: { v: [{ exists: false }] } };
      const detail: Record<string, unknown> = { zz: [{ v: 1 }] };
      for (let i = 0; i < 20; i++) {
        const name = `a${String(i).padStart(2, '0')}`;
        pattern[name] = { v: [1] };
        detail[name] = [{ v: 1 }, { v: 1 }, { v: 1 }, { v: 1 }];
      }
      const matcher = bus([{ detail: pattern }]);
      const text = JSON.stringify({ detail });
      return () => expectMatched(matcher.matchJson(text), [], 'same element, 20 arrays');
    },
  },
  {
    name: 'same element, one wide array',
    what: '30 rules of two conditions no one of 18,000 objects meets together (246 KB event)',
    before: '16,500 ms',
    prepare: () => {
      const items = Array.from({ length: 18_000 }, (_, i) => ({ a: i % 2, b: (i + 1) % 2 }));
      const matcher = bus(
        Array.from({ length: 30 }, (_, r) => ({
          detail: { items: { a: [1], b: [1] }, r: [{ 'anything-but': `x${r}` }] },
        })),
      );
      const text = JSON.stringify({ detail: { items, r: 'y' } });
      return () => expectMatched(matcher.matchJson(text), [], 'same element, one wide array');
    },
  },
  {
    name: 'values outside the array',
    what: 'three conditions on an array of 8,000 objects, 8,000 values of one at a dotted key beside it (80 KB)',
    before: '1,260 ms (28,400 ms with the first fix)',
    prepare: () => {
      const items = Array.from({ length: 8_000 }, (_, i) => (i === 0 ? { a: 0, b: 2, c: 1 } : { a: 1 }));
      const matcher = bus([{ detail: { items: { a: [1], b: [2], c: [1] } } }]);
      const text = JSON.stringify({ detail: { items, 'items.b': Array(8_000).fill(2) } });
      return () => expectMatched(matcher.matchJson(text), [], 'values outside the array');
    },
  },
  {
    name: 'one path written 16 ways',
    what: '13 conditions on a path that dotted keys write as 16 arrays of 4 objects (5 KB): stopped, not decided',
    before: 'hours (13,000 ms at 8 arrays)',
    prepare: () => {
      const matcher = bus([{ detail: costlyCondition() }]);
      const text = JSON.stringify({ detail: costlyDetail() });
      return () => {
        expectMatched(matcher.matchJson(text), [], 'one path written 16 ways');
        if (matcher.unsettled.length !== 1) throw new Error('one path written 16 ways: not stopped');
      };
    },
  },
  {
    name: 'the same, 10 entries, bus and archive',
    what: 'a PutEvents of 10 such events, each matched by its bus and by an archive pattern of the same conditions',
    before: '40,100 ms (a budget of 2 s for each event on each matcher)',
    prepare: () => {
      const matchers = [bus([{ detail: costlyCondition() }]), bus([{ detail: costlyCondition() }])];
      const text = JSON.stringify({ detail: costlyDetail() });
      const put = () => {
        for (let entry = 0; entry < 10; entry++) {
          for (const matcher of matchers) {
            expectMatched(matcher.matchJson(text), [], 'the same, 10 entries');
            if (matcher.unsettled.length !== 1) throw new Error('the same, 10 entries: not stopped');
          }
        }
      };
      return () => sharingSearchBudget(put);
    },
  },
  {
    name: 'wildcard of 2,000 characters',
    what: 'compiling *<2,000 distinct CJK characters>* (PutRule, TestEventPattern)',
    before: '2,630 ms',
    prepare: () => {
      const text = JSON.stringify({ detail: { a: [{ wildcard: `*${cjk(2000)}*` }] } });
      return () => {
        compilePattern(text);
      };
    },
  },
  {
    name: 'suffix ignoring case',
    what: 'a suffix of 2,000 "ﬃ" ignoring case against 40 values of 6,000 characters',
    before: '2,330 ms',
    prepare: () => {
      const matcher = bus([{ detail: { x: [{ suffix: { 'equals-ignore-case': 'ﬃ'.repeat(2000) } }] } }]);
      const text = JSON.stringify({ detail: { x: Array(40).fill(`a${'FFI'.repeat(1999)}FF`) } });
      return () => expectMatched(matcher.matchJson(text), [], 'suffix ignoring case');
    },
  },
  {
    name: 'long anything-but lists',
    what: '300 rules each excluding its own 301 strings, against 40,000 listed values (about 200 KB)',
    before: '20,030 ms',
    prepare: () => {
      const listed = Array.from({ length: 300 }, (_, i) => `b${cjk(1, 0x4e00 + i)}`);
      const matcher = bus(
        Array.from({ length: 300 }, (_, r) => ({
          source: ['s'],
          detail: { x: [{ 'anything-but': [`own${r}`, ...listed] }], [`y${r}`]: [{ exists: false }] },
        })),
      );
      const text = JSON.stringify({ source: 's', detail: { x: Array(40_000).fill(listed.at(-1)) } });
      return () => expectMatched(matcher.matchJson(text), [], 'long anything-but lists');
    },
  },
];

/** A validator's answer to one event, as the publish function gets it; throws unless it is `want` problems long. */
function expectProblems(problems: readonly unknown[][], want: number, name: string): void {
  if (problems[0]?.length !== want) throw new Error(`${name}: ${problems[0]?.length} problems, not ${want}`);
}

/**
 * A case whose data makes more faults than validation keeps: answered with its first fault and word of more (two
 * problems). `build` makes the schema and data when the case is prepared.
 */
function pastFaultBudget(
  name: string,
  what: string,
  before: string,
  build: () => { schema: unknown; data: unknown },
): Case {
  return {
    name,
    what,
    before,
    prepare: () => {
      const validator = new SchemaValidator();
      const { schema, data } = build();
      const checks = [{ type: 'tax.fault.budget', version: '1.0.0', schema, data }];
      return () => expectProblems(validator.validateEach(checks), 2, name);
    },
  };
}

/** Contract schemas and data built to cost the publish function: its validator's compiling and checking, its size check. */
const VALIDATION_CASES: readonly Case[] = [
  {
    name: 'schemas a batch names',
    what: 'a batch naming 20 versions of a schema of 1,000 patterns like \\S{1000} (49 KB, checked in 1 s each)',
    before: '14,900 ms and 1.9 GB, all compiled, kept for good (60 versions: out of memory)',
    prepare: () => {
      const heavy = (v: number) => ({
        type: 'object',
        properties: Object.fromEntries(
          Array.from({ length: 1_000 }, (_, i) => [
            `p${i}`,
            { type: 'string', pattern: `\\S{1000}${v}_${i}` },
          ]),
        ),
      });
      const checks = Array.from({ length: 20 }, (_, v) => ({
        type: 'tax.heavy.thing',
        version: `1.0.${v}`,
        schema: heavy(v),
        data: 7,
      }));
      return () => {
        try {
          new SchemaValidator().validateEach(checks);
        } catch (error) {
          if (error instanceof ValidationTimeoutError && error.compiling) return;
          throw error;
        }
        throw new Error('schemas a batch names: compiled them all');
      };
    },
  },
  pastFaultBudget(
    'faults by the million',
    '100 subschemas failing on each of 130,000 array items (a 256 KB event)',
    '2,500 ms and 1.75 GB of faults, stopped at the 2 s limit',
    () => ({
      schema: { type: 'array', items: { allOf: Array.from({ length: 100 }, () => ({ type: 'string' })) } },
      data: Array(130_000).fill(0),
    }),
  ),
  pastFaultBudget(
    'a long key in each fault',
    "a key of 100,000 characters holding a ~ (escaped into each fault's path), over 78,000 faulty items",
    '2,000 ms and 2.9 GB, stopped at the 2 s limit',
    () => ({
      schema: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      data: { [`${'a'.repeat(99_999)}~`]: Array(78_000).fill(0) },
    }),
  ),
  {
    name: 'an event too large',
    what: 'one event of 3.7 MB (200,000 items under uniqueItems) published: refused as over 256 KB',
    before: '2,000 ms, validated first and answered validation_timeout, not event_too_large',
    prepare: () => {
      const schema = {
        type: 'object',
        properties: { items: { type: 'array', uniqueItems: true, items: { type: 'object' } } },
      };
      const contract = {
        type: 'tax.big.filing',
        version: '1.0.0',
        ownerDepartment: 'tax',
        sharing: 'open',
        schema,
      };
      const ports = {
        bus: {
          publish: () => {
            throw new Error('an event too large: reached the bus');
          },
        },
        contracts: { resolve: async () => contract },
        validator: new SchemaValidator(),
        now: () => new Date(),
      } as unknown as PublishPorts;
      const caller = { kind: 'system', departmentId: 'tax', systemId: 'filing' } as const;
      const data = { items: Array.from({ length: 200_000 }, (_, i) => ({ a: `item${i}` })) };
      return async () => {
        const answer = await publishEvents(ports, caller as Principal, { type: contract.type, data }).catch(
          (error: unknown) => error,
        );
        if ((answer as { code?: unknown }).code !== 'event_too_large') {
          throw new Error(
            `an event too large: answered ${(answer as { code?: unknown }).code ?? 'published'}`,
          );
        }
      };
    },
  },
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const rows: { name: string; what: string; ms: number; before: string }[] = [];
for (const c of [...CASES, ...VALIDATION_CASES]) {
  const run = c.prepare();
  await run();
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  rows.push({ name: c.name, what: c.what, ms: Math.round(median(times) * 10) / 10, before: c.before });
}

const width = Math.max(...rows.map((r) => r.name.length));
console.log(`${'case'.padEnd(width)} | median ms | before the 2026-12-06 fixes`);
console.log(`${'-'.repeat(width)}-+-----------+----------------------------`);
for (const r of rows) console.log(`${r.name.padEnd(width)} | ${r.ms.toFixed(1).padStart(9)} | ${r.before}`);
for (const r of rows) console.log(`  ${r.name}: ${r.what}`);

const out = resolve(dirname(fileURLToPath(import.meta.url)), 'results', 'hostile.json');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(
  out,
  `${JSON.stringify({ machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version }, cases: rows }, null, 2)}\n`,
);
console.log(`\nwrote ${join('bench', 'results', 'hostile.json')}`);
