// Deterministic synthetic EventBridge traffic for benchmarks: rules shaped like a real bus (many rules share a
// few sources, most name a source and a detail-type plus one to three detail fields) and ~1 KB events drawn from
// the same vocabulary, so a fair share of events match some rules. Same seed, same corpus, on every machine.

/** mulberry32: tiny, fast, good enough for benchmark data, and reproducible across platforms. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface BenchRule {
  readonly name: string;
  /** Pattern JSON, as PutRule receives it. */
  readonly pattern: string;
}

export interface BenchEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

export interface Corpus {
  readonly seed: number;
  readonly rules: readonly BenchRule[];
  readonly events: readonly BenchEvent[];
}

/** The seed the benchmarks use unless told otherwise, so that their figures compare across runs and machines. */
export const DEFAULT_SEED = 20250917;

export interface CorpusOptions {
  readonly seed: number;
  readonly ruleCount: number;
  readonly eventCount: number;
}

const DEPARTMENTS = [
  'health',
  'tax',
  'transport',
  'education',
  'housing',
  'justice',
  'police',
  'fire-safety',
  'environment',
  'agriculture',
  'labour',
  'pensions',
  'customs',
  'statistics',
  'land-registry',
  'water',
  'energy',
  'culture',
  'tourism',
  'defence',
];
const ENTITIES = [
  'permit',
  'case',
  'payment',
  'inspection',
  'licence',
  'application',
  'notice',
  'claim',
  'appeal',
  'grant',
  'benefit',
  'registration',
  'certificate',
  'complaint',
  'appointment',
  'invoice',
  'refund',
  'subsidy',
  'tender',
  'contract',
  'visa',
  'vehicle',
  'property',
  'parcel',
  'assessment',
  'audit',
  'report',
  'request',
  'exemption',
  'declaration',
  'objection',
  'hearing',
  'order',
  'penalty',
  'voucher',
  'enrolment',
  'transfer',
  'allowance',
  'survey',
  'incident',
];
const ACTIONS = [
  'Created',
  'Updated',
  'Submitted',
  'Approved',
  'Rejected',
  'Cancelled',
  'Expired',
  'Renewed',
  'Assigned',
  'Closed',
];
/** The statuses events carry in detail.status. */
export const STATUSES = [
  'created',
  'submitted',
  'in-review',
  'approved',
  'rejected',
  'paid',
  'cancelled',
  'archived',
];
const REGIONS = ['eu-west-1', 'eu-west-2', 'eu-central-1', 'eu-north-1', 'us-east-1', 'ap-south-1'];
const TIERS = ['gold', 'silver', 'bronze', 'standard'];
const COUNTRIES = ['NL', 'BE', 'DE', 'FR', 'ES', 'IT', 'US', 'GB'];
const DOMAINS = ['example.org', 'gov.example', 'mail.example', 'citizen.example'];
const EXTENSIONS = ['pdf', 'png', 'jpg', 'xml', 'csv', 'docx'];
const FILE_WORDS = ['report', 'scan', 'invoice', 'plan', 'photo', 'statement'];
const TAGS = ['urgent', 'review', 'appeal', 'bulk', 'manual', 'vip', 'legacy'];
const WORDS = [
  'lorem',
  'ipsum',
  'dolor',
  'sit',
  'amet',
  'consectetur',
  'adipiscing',
  'elit',
  'sed',
  'tempor',
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/**
 * Zipf-like pick (weight 1/rank^s): a few hot sources and event types carry much of the traffic and attract more
 * rules, as on a real bus. Rules and events use the same weights.
 */
function zipf<T>(items: readonly T[], s: number): (random: () => number) => T {
  const cumulative: number[] = [];
  let total = 0;
  items.forEach((_, i) => {
    total += 1 / (i + 1) ** s;
    cumulative.push(total);
  });
  return (random) => {
    const r = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] as number) < r) lo = mid + 1;
      else hi = mid;
    }
    return items[lo] as T;
  };
}

function hex(random: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

const sourceOf = (department: string): string => `gov.${department}`;

const capitalised = (word: string): string => `${word[0]?.toUpperCase()}${word.slice(1)}`;

function detailTypes(): string[] {
  const out: string[] = [];
  for (const entity of ENTITIES) for (const action of ACTIONS) out.push(`${capitalised(entity)}${action}`);
  return out;
}
// 20 sources x 400 detail-types: a 10,000-rule bus has a few rules per event type, many per source.
const pickDepartment = zipf(DEPARTMENTS, 0.6);
const pickDetailType = zipf(detailTypes(), 0.5);

function makeEvent(random: () => number, n: number): BenchEvent {
  const department = pickDepartment(random);
  const itemCount = 1 + Math.floor(random() * 4);
  const words = Array.from({ length: 18 + Math.floor(random() * 10) }, () => pick(random, WORDS)).join(' ');
  return {
    version: '0',
    id: `${hex(random, 8)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 4)}-${hex(random, 12)}`,
    'detail-type': pickDetailType(random),
    source: sourceOf(department),
    account: '111111111111',
    time: `2025-0${1 + Math.floor(random() * 9)}-1${Math.floor(random() * 10)}T10:${10 + Math.floor(random() * 50)}:00Z`,
    region: pick(random, REGIONS),
    resources: [`arn:aws:events:eu-west-1:111111111111:${department}/${hex(random, 8)}`],
    detail: {
      caseId: `case-${n}`,
      status: pick(random, STATUSES),
      amount: Math.round(random() * 500000) / 100,
      currency: pick(random, ['EUR', 'USD', 'GBP']),
      priority: 1 + Math.floor(random() * 5),
      region: pick(random, REGIONS),
      applicant: {
        id: `app-${hex(random, 6)}`,
        tier: pick(random, TIERS),
        email: `${pick(random, WORDS)}.${hex(random, 3)}@${pick(random, DOMAINS)}`,
        country: pick(random, COUNTRIES),
      },
      items: Array.from({ length: itemCount }, () => ({
        sku: `SKU-${Math.floor(random() * 900) + 100}`,
        qty: 1 + Math.floor(random() * 9),
        price: Math.round(random() * 10000) / 100,
      })),
      tags: Array.from({ length: Math.floor(random() * 3) }, () => pick(random, TAGS)),
      document: {
        fileName: `${pick(random, FILE_WORDS)}-${hex(random, 4)}.${pick(random, EXTENSIONS)}`,
        pages: 1 + Math.floor(random() * 40),
      },
      flags: { express: random() < 0.3, manualReview: random() < 0.2 },
      metadata: {
        traceId: hex(random, 32),
        schemaVersion: `${1 + Math.floor(random() * 3)}.${Math.floor(random() * 5)}.0`,
        ...(random() < 0.5 ? { correlationId: hex(random, 16) } : {}),
      },
      description: words,
    },
  };
}

type Condition = Record<string, unknown>;

/**
 * One detail-field condition; the mix covers every operator the router must be fast at. Selectivity is that of
 * a consumer that wants a slice of one event type (a status, a band of amounts, one kind of document).
 */
function detailCondition(random: () => number): Condition {
  const r = random();
  if (r < 0.2) return { status: [pick(random, STATUSES)] };
  if (r < 0.28) return { currency: [pick(random, ['EUR', 'USD', 'GBP'])] };
  if (r < 0.38) {
    const low = Math.floor(random() * 4500);
    return { amount: [{ numeric: ['>=', low, '<', low + 100 + Math.floor(random() * 400)] }] };
  }
  if (r < 0.44) return { priority: [{ numeric: ['>=', 4 + Math.floor(random() * 2)] }] };
  if (r < 0.5) return { region: [{ prefix: pick(random, ['eu-west-', 'eu-central-', 'us-', 'ap-']) }] };
  if (r < 0.57) return { applicant: { email: [{ suffix: `@${pick(random, DOMAINS)}` }] } };
  if (r < 0.64) return { applicant: { tier: [{ 'equals-ignore-case': pick(random, TIERS).toUpperCase() }] } };
  if (r < 0.71) return { status: [{ 'anything-but': [pick(random, STATUSES), pick(random, STATUSES)] }] };
  if (r < 0.75)
    return { applicant: { country: [{ 'anything-but': { prefix: pick(random, ['U', 'G', 'N']) } }] } };
  if (r < 0.81) return { metadata: { correlationId: [{ exists: random() < 0.7 }] } };
  if (r < 0.88)
    return {
      document: { fileName: [{ wildcard: `${pick(random, FILE_WORDS)}-*.${pick(random, EXTENSIONS)}` }] },
    };
  if (r < 0.94) return { tags: [pick(random, TAGS)] };
  return { items: { sku: [{ prefix: `SKU-${1 + Math.floor(random() * 9)}` }] } };
}

function makeRule(random: () => number, n: number): BenchRule {
  const department = pickDepartment(random);
  const detail: Condition = {};
  const conditions = 1 + Math.floor(random() * 3);
  for (let i = 0; i < conditions; i++) Object.assign(detail, detailCondition(random));
  const shape = random();
  // Most rules name a source and a detail-type; some take a family of types by prefix; a few take a whole source.
  const pattern: Record<string, unknown> =
    shape < 0.92
      ? { source: [sourceOf(department)], 'detail-type': [pickDetailType(random)], detail }
      : shape < 0.99
        ? {
            source: [sourceOf(department)],
            'detail-type': [{ prefix: capitalised(pick(random, ENTITIES)) }],
            detail,
          }
        : { source: [sourceOf(department)], detail };
  return { name: `rule-${String(n).padStart(5, '0')}`, pattern: JSON.stringify(pattern) };
}

/**
 * Builds the corpus. Rules come from one stream and events from another, so the first N rules are the same
 * whatever `ruleCount` is, and the events do not change with the rule count.
 */
export function createCorpus(options: CorpusOptions): Corpus {
  const ruleRandom = createRandom(options.seed);
  const eventRandom = createRandom(options.seed ^ 0x9e3779b9);
  const rules = Array.from({ length: options.ruleCount }, (_, n) => makeRule(ruleRandom, n));
  const events = Array.from({ length: options.eventCount }, (_, n) => makeEvent(eventRandom, n));
  return { seed: options.seed, rules, events };
}

interface Selector {
  readonly source: readonly string[];
  readonly detailType: ReadonlyArray<string | { readonly prefix: string }> | undefined;
}

function selectorOf(rule: BenchRule): Selector {
  const pattern = JSON.parse(rule.pattern) as {
    source: string[];
    'detail-type'?: Array<string | { prefix: string }>;
  };
  return { source: pattern.source, detailType: pattern['detail-type'] };
}

/**
 * Per event, the average number of rules whose source and detail-type conditions the event meets: the rules any
 * engine has to look further at (their detail conditions) to decide. A property of the corpus, not of a matcher.
 */
export function rulesConcerningPerEvent(rules: readonly BenchRule[], events: readonly BenchEvent[]): number {
  const bySource = new Map<string, Selector[]>();
  for (const selector of rules.map(selectorOf)) {
    for (const source of selector.source) {
      const list = bySource.get(source) ?? [];
      list.push(selector);
      bySource.set(source, list);
    }
  }
  let concerned = 0;
  for (const event of events) {
    const type = event['detail-type'];
    for (const { detailType } of bySource.get(event.source) ?? []) {
      if (
        detailType === undefined ||
        detailType.some((t) => (typeof t === 'string' ? t === type : type.startsWith(t.prefix)))
      ) {
        concerned++;
      }
    }
  }
  return concerned / events.length;
}

/**
 * The same rule on a source no corpus event carries (one of 200 per department, chosen by `n`): such rules
 * concern no event, so they measure what rules that are merely present on the bus cost.
 */
export function onOtherSource(rule: BenchRule, n: number): BenchRule {
  const pattern = JSON.parse(rule.pattern) as { source: string[] };
  const source = pattern.source.map((s) => `${s}.elsewhere-${n % 200}`);
  return { name: rule.name, pattern: JSON.stringify({ ...pattern, source }) };
}
