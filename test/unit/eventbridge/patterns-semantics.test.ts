// AWS pattern semantics the recorded conformance cases do not cover, taken from the AWS documentation on event
// patterns and from event-ruler, the matcher AWS publishes: array elements, nested $or, wildcard escapes,
// IPv6 cidr, numeric limits, and the bus-wide matcher's bookkeeping.

import { jest } from '@jest/globals';
import { caseAlternatives, endsWithIgnoreCase } from '../../../local/eventbridge/patterns/ignore-case.js';
import {
  compilePattern,
  InvalidEventPatternError,
  matchesPattern,
  matchesPatternJson,
  matchesPatternParsed,
  RuleMatcher,
} from '../../../local/eventbridge/patterns/index.js';
import { referenceMatchesJson } from '../../../local/eventbridge/patterns/reference.js';

/** Matches with the fast path from text, checks the reference and the parsed-with-text path agree. */
function matches(pattern: unknown, eventJson: string): boolean {
  const compiled = compilePattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern));
  const fromText = matchesPatternJson(compiled, eventJson);
  expect(referenceMatchesJson(compiled, eventJson)).toBe(fromText);
  expect(matchesPatternParsed(compiled, JSON.parse(eventJson), eventJson)).toBe(fromText);
  return fromText;
}

/** The message of a refused pattern, without the location AWS's parser adds (see "where a refusal says"). */
function refusal(pattern: unknown): string {
  return (located(pattern).split('\n')[0] as string).trimEnd();
}

/** The whole message of a refused pattern, location included. */
function located(pattern: unknown): string {
  try {
    compilePattern(typeof pattern === 'string' ? pattern : JSON.stringify(pattern));
  } catch (e) {
    if (e instanceof InvalidEventPatternError) return e.message;
    throw e;
  }
  throw new Error('pattern was accepted');
}

const event = (detail: unknown): string =>
  JSON.stringify({ source: 'app.orders', 'detail-type': 'OrderPlaced', detail });

describe('conditions on fields of one array of objects', () => {
  const pattern = { detail: { items: { sku: ['A-1'], qty: [{ numeric: ['>', 5] }] } } };

  it('matches when one element satisfies both conditions', () => {
    // Prepare
    const e = event({
      items: [
        { sku: 'B-2', qty: 1 },
        { sku: 'A-1', qty: 9 },
      ],
    });

    // Act
    const result = matches(pattern, e);

    // Assess
    expect(result).toBe(true);
  });

  it('does not match when the conditions hold only on different elements', () => {
    // Prepare
    const e = event({
      items: [
        { sku: 'A-1', qty: 1 },
        { sku: 'B-2', qty: 9 },
      ],
    });

    // Act
    const result = matches(pattern, e);

    // Assess
    expect(result).toBe(false);
  });

  it('applies the same-element rule through nested arrays', () => {
    // Prepare
    const nested = { detail: { orders: { lines: { sku: ['A-1'], gift: [true] } } } };
    const apart = event({ orders: [{ lines: [{ sku: 'A-1' }, { gift: true }] }] });
    const together = event({ orders: [{ lines: [{ sku: 'A-1', gift: true }] }] });

    // Act
    const results = [matches(nested, apart), matches(nested, together)];

    // Assess
    expect(results).toEqual([false, true]);
  });

  it('applies the same-element rule to arrays directly inside arrays', () => {
    // Prepare: event-ruler gives an array inside an array the outer element's place, as it does an object
    // (Event.traverseArray); AWS's guide says nothing of arrays of arrays.
    const pattern = { detail: { items: { sku: ['A-1'], qty: [{ numeric: ['>', 5] }] } } };
    const apart = event({ items: [[{ sku: 'A-1' }], [{ qty: 9 }]] });
    const together = event({ items: [[{ sku: 'A-1' }, { qty: 9 }], [{ sku: 'A-1', qty: 9 }]] });

    // Act
    const results = [matches(pattern, apart), matches(pattern, together)];

    // Assess
    expect(results).toEqual([false, true]);
  });

  it('lets a field outside the array combine with any element', () => {
    // Prepare
    const mixed = { detail: { region: ['eu'], items: { sku: ['A-1'] } } };

    // Act
    const result = matches(mixed, event({ region: 'eu', items: [{ sku: 'X' }, { sku: 'A-1' }] }));

    // Assess
    expect(result).toBe(true);
  });

  it('judges exists:false against the element chosen by fields that sort before it, as AWS does', () => {
    // Prepare: "kind" sorts before "note", so the element with kind=x is chosen first and has no note.
    const absentAfter = { detail: { items: { kind: ['x'], note: [{ exists: false }] } } };
    const e = event({ items: [{ kind: 'x' }, { note: 'n' }] });

    // Act
    const result = matches(absentAfter, e);

    // Assess
    expect(result).toBe(true);
  });

  it('treats scalars in an array as values of one field, any of which may match', () => {
    // Prepare
    const e = event({ tags: ['red', 'green'] });

    // Act
    const results = [
      matches({ detail: { tags: ['green'] } }, e),
      matches({ detail: { tags: [{ 'anything-but': 'red' }] } }, e),
      matches({ detail: { tags: [{ 'anything-but': ['red', 'green'] }] } }, e),
    ];

    // Assess
    expect(results).toEqual([true, true, false]);
  });
});

describe('$or', () => {
  it('matches when any branch holds, with fields outside $or required in every branch', () => {
    // Prepare
    const pattern = {
      source: ['app.orders'],
      detail: { $or: [{ state: ['paid'] }, { amount: [{ numeric: ['>', 100] }] }] },
    };

    // Act
    const results = [
      matches(pattern, event({ state: 'paid', amount: 1 })),
      matches(pattern, event({ state: 'new', amount: 500 })),
      matches(pattern, event({ state: 'new', amount: 5 })),
    ];

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it('expands a $or nested inside a $or branch', () => {
    // Prepare
    const pattern = {
      $or: [
        {
          source: ['app.orders'],
          $or: [{ detail: { state: ['paid'] } }, { detail: { state: ['refunded'] } }],
        },
        { source: ['app.billing'] },
      ],
    };

    // Act
    const results = [
      matches(pattern, event({ state: 'refunded' })),
      matches(pattern, event({ state: 'new' })),
      matches(pattern, JSON.stringify({ source: 'app.billing' })),
    ];

    // Assess
    expect(results).toEqual([true, false, true]);
  });

  it('refuses a $or with fewer than two objects or with a reserved field name', () => {
    // Act
    const messages = [
      refusal({ $or: [{ source: ['a'] }] }),
      refusal({ $or: { source: ['a'] } }),
      refusal({ $or: [{ source: ['a'] }, 'b'] }),
      refusal({ $or: [{ source: ['a'] }, { numeric: ['b'] }] }),
    ];

    // Assess
    expect(messages).toEqual([
      'Event pattern is not valid. Reason: There must have at least 2 Objects in $or relationship.',
      'Event pattern is not valid. Reason: It must be an Array followed with $or.',
      'Event pattern is not valid. Reason: Only JSON object is allowed in array of $or relationship.',
      'Event pattern is not valid. Reason: numeric is Ruler reserved fieldName which cannot be used inside $or.',
    ]);
  });

  it('takes twelve sibling $or of two objects, and refuses thirteen, which combine into 8,192 branches', () => {
    // Prepare
    const siblings = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [`k${i}`, { $or: [{ a: ['1'] }, { b: ['1'] }] }]),
      );

    // Act
    const twelve = compilePattern(JSON.stringify(siblings(12)));
    const thirteen = refusal(siblings(13));

    // Assess
    expect(twelve.branches).toHaveLength(4_096);
    expect(thirteen).toBe(
      'Event pattern is not valid. Reason: The $or conditions combine into more than 4096 alternatives',
    );
  });
});

describe('wildcard', () => {
  it('reads \\* as a literal star and \\\\ as a literal backslash', () => {
    // Prepare
    const star = { detail: { path: [{ wildcard: 'a\\*b*' }] } };
    const slash = { detail: { path: [{ wildcard: 'c:\\\\*' }] } };

    // Act
    const results = [
      matches(star, event({ path: 'a*bcd' })),
      matches(star, event({ path: 'axbcd' })),
      matches(slash, event({ path: 'c:\\temp' })),
      matches(slash, event({ path: 'c:/temp' })),
    ];

    // Assess
    expect(results).toEqual([true, false, true, false]);
  });

  it('refuses other escapes and consecutive stars, naming the position AWS names', () => {
    // Act
    const messages = [
      refusal({ path: [{ wildcard: 'a\\b' }] }),
      refusal({ path: [{ wildcard: 'ab**' }] }),
      refusal({ path: [{ wildcard: 'é**' }] }),
    ];

    // Assess: AWS counts UTF-8 bytes of the quoted value; é takes two.
    expect(messages).toEqual([
      'Event pattern is not valid. Reason: Invalid escape character at pos 2',
      'Event pattern is not valid. Reason: Consecutive wildcard characters at pos 3',
      'Event pattern is not valid. Reason: Consecutive wildcard characters at pos 3',
    ]);
  });

  it('counts a wildcard written twice once toward "too complex", as event-ruler counts a set of them', () => {
    // Prepare: alone, *a*a*a* is within the limit; two different such wildcards are not.
    const twice = { detail: { v: [{ wildcard: '*a*a*a*' }, { wildcard: '*a*a*a*' }] } };
    const inTwoBranches = {
      $or: [{ detail: { v: [{ wildcard: '*a*a*a*' }] } }, { detail: { v: [{ wildcard: '*a*a*a*' }] } }],
    };
    const different = { detail: { v: [{ wildcard: '*a*a*a*' }, { wildcard: '*a*a*b*' }] } };

    // Act
    const results = [matches(twice, event({ v: 'banana' })), matches(inTwoBranches, event({ v: 'banana' }))];

    // Assess
    expect(results).toEqual([true, true]);
    expect(refusal(different)).toMatch(/Reason: Rule is too complex/);
  });

  it('matches only strings, and the empty wildcard only the empty string', () => {
    // Act
    const results = [
      matches({ detail: { v: [{ wildcard: '*' }] } }, event({ v: 12 })),
      matches({ detail: { v: [{ wildcard: '' }] } }, event({ v: '' })),
      matches({ detail: { v: [{ wildcard: '' }] } }, event({ v: 'x' })),
    ];

    // Assess
    expect(results).toEqual([false, true, false]);
  });

  it('compares a character outside the BMP whole, not by its first UTF-16 unit', () => {
    // Prepare: 😀 and 😁 share their high surrogate
    const pattern = { detail: { v: [{ wildcard: '😀*' }] } };

    // Act
    const results = [
      matches(pattern, event({ v: '😀x' })),
      matches(pattern, event({ v: '😁x' })),
      matches({ detail: { v: [{ wildcard: '😀' }] } }, event({ v: '😀' })),
    ];

    // Assess
    expect(results).toEqual([true, false, true]);
  });
});

describe('cidr', () => {
  it('matches IPv6 addresses in range however they are written', () => {
    // Prepare
    const pattern = { detail: { ip: [{ cidr: '2001:db8::/32' }] } };

    // Act
    const results = [
      matches(pattern, event({ ip: '2001:0db8:ffff:0000:0000:0000:0000:0001' })),
      matches(pattern, event({ ip: '2001:db8::1' })),
      matches(pattern, event({ ip: '2001:db9::1' })),
      matches(pattern, event({ ip: '10.0.0.1' })),
      matches(pattern, event({ ip: 'not-an-ip' })),
    ];

    // Assess
    expect(results).toEqual([true, true, false, false, false]);
  });

  it('reads an IPv4-mapped IPv6 address as IPv4, as AWS does', () => {
    // Act
    const result = matches({ detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, event({ ip: '::ffff:a00:1' }));

    // Assess
    expect(result).toBe(true);
  });

  it('matches an exact IP literal against other spellings of the same address', () => {
    // Act
    const results = [
      matches({ detail: { ip: ['2001:db8::1'] } }, event({ ip: '2001:0DB8:0:0:0:0:0:1' })),
      matches({ detail: { ip: ['10.0.0.1'] } }, event({ ip: '10.0.0.2' })),
    ];

    // Assess
    expect(results).toEqual([true, false]);
  });

  it("reads IP literals as Java's InetAddress does: IPv4 up to 15 characters, IPv6 groups bounded by value", () => {
    // Act
    const results = [
      matches({ detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, event({ ip: '010.000.000.001' })),
      matches({ detail: { ip: [{ cidr: '10.0.0.0/8' }] } }, event({ ip: '0010.0000.0000.0001' })),
      matches({ detail: { ip: [{ cidr: 'a::/16' }] } }, event({ ip: '0000a::1' })),
      matches({ detail: { ip: [{ cidr: '0000a::/16' }] } }, event({ ip: 'a::1' })),
      matches({ detail: { ip: [{ cidr: 'a::/16' }] } }, event({ ip: '1000a::1' })),
    ];
    const longIpv4 = refusal({ ip: [{ cidr: '0010.0000.0000.0000/8' }] });

    // Assess
    expect(results).toEqual([true, false, true, true, false]);
    expect(longIpv4).toBe('Event pattern is not valid. Reason: Invalid IP address: 0010.0000.0000.0000');
  });

  it('refuses mask bits out of range with AWS messages', () => {
    // Act
    const messages = [
      refusal({ ip: [{ cidr: '10.0.0.0/32' }] }),
      refusal({ ip: [{ cidr: '::/128' }] }),
      refusal({ ip: [{ cidr: '10.0.0.0/-1' }] }),
      refusal({ ip: [{ cidr: '10.0.0.300/8' }] }),
      refusal({ ip: [{ cidr: '10.0.0.0/99999999999' }] }),
    ];

    // Assess: mask bits past a Java int are not an integer to AWS
    expect(messages).toEqual([
      'Event pattern is not valid. Reason: IPv4 mask bits must be < 32',
      'Event pattern is not valid. Reason: IPv6 mask bits must be < 128',
      'Event pattern is not valid. Reason: Malformed CIDR, mask bits must not be negative',
      'Event pattern is not valid. Reason: Invalid IP address: 10.0.0.300',
      'Event pattern is not valid. Reason: Malformed CIDR, mask bits must be an integer',
    ]);
  });

  it("takes a '/' after the mask bits, as Java's String.split drops the empty part after it", () => {
    // Act
    const results = [
      matches({ detail: { ip: [{ cidr: '10.0.0.0/24/' }] } }, event({ ip: '10.0.0.7' })),
      matches({ detail: { ip: [{ cidr: '10.0.0.0/24/' }] } }, event({ ip: '10.0.1.7' })),
    ];

    // Assess
    expect(results).toEqual([true, false]);
  });
});

describe('numbers', () => {
  it('compares numbers by value, however they are spelled, within ±5e9', () => {
    // Act
    const results = [
      matches({ detail: { n: [300] } }, '{"detail":{"n":3e2}}'),
      matches({ detail: { n: [{ numeric: ['=', 3e2] }] } }, '{"detail":{"n":300.000}}'),
      matches({ detail: { n: [-0] } }, '{"detail":{"n":0}}'),
      matches({ detail: { n: ['300'] } }, '{"detail":{"n":300}}'),
    ];

    // Assess
    expect(results).toEqual([true, true, true, false]);
  });

  it('includes both limits, also under a one-sided range, and refuses numeric bounds beyond them', () => {
    // Act
    const results = [
      matches({ detail: { n: [{ numeric: ['<=', 5e9] }] } }, '{"detail":{"n":5000000000}}'),
      matches({ detail: { n: [{ numeric: ['>=', -5e9] }] } }, '{"detail":{"n":-5000000000}}'),
      matches({ detail: { n: [{ numeric: ['>', 0] }] } }, '{"detail":{"n":5000000001}}'),
      matches({ detail: { n: [{ numeric: ['>', 0] }] } }, '{"detail":{"n":5000000000}}'),
      matches({ detail: { n: [{ numeric: ['<', 0] }] } }, '{"detail":{"n":-5000000000}}'),
    ];
    const message = refusal({ n: [{ numeric: ['>', 5000000001] }] });

    // Assess
    expect(results).toEqual([true, true, false, true, true]);
    expect(message).toBe(
      'Event pattern is not valid. Reason: Value must be between -5.0E9 and 5.0E9, inclusive',
    );
  });

  it('compares numbers beyond ±5e9 by their text, as AWS does', () => {
    // Prepare
    const pattern = compilePattern('{"detail":{"account":[123456789012]}}');

    // Act
    const results = [
      matchesPatternJson(pattern, '{"detail":{"account":123456789012}}'),
      matchesPatternJson(pattern, '{"detail":{"account":1.23456789012e11}}'),
      matchesPattern(pattern, { detail: { account: 123456789012 } }),
    ];

    // Assess
    expect(results).toEqual([true, false, true]);
  });

  it('is precise to six decimal places', () => {
    // Act
    const results = [
      matches({ detail: { n: [{ numeric: ['>', 1.000001] }] } }, '{"detail":{"n":1.000002}}'),
      matches({ detail: { n: [{ numeric: ['>', 1.000001] }] } }, '{"detail":{"n":1.0000012}}'),
      matches({ detail: { n: [1.5] } }, '{"detail":{"n":1.5000001}}'),
    ];

    // Assess
    expect(results).toEqual([true, false, true]);
  });

  it('respects open and closed range ends', () => {
    // Prepare
    const closed = { detail: { n: [{ numeric: ['>=', 10, '<=', 20] }] } };
    const open = { detail: { n: [{ numeric: ['>', 10, '<', 20] }] } };
    const at = (n: number): string => `{"detail":{"n":${n}}}`;

    // Act
    const results = [10, 20].flatMap((n) => [matches(closed, at(n)), matches(open, at(n))]);

    // Assess
    expect(results).toEqual([true, false, true, false]);
  });

  it('refuses malformed numeric expressions with AWS messages', () => {
    // Act
    const messages = [
      refusal({ n: [{ numeric: ['>=', 5, '<=', 5] }] }),
      refusal({ n: [{ numeric: ['<', 5, '>', 1] }] }),
      refusal({ n: [{ numeric: [5] }] }),
      refusal({ n: [{ numeric: ['!=', 5] }] }),
      refusal({ n: [{ numeric: ['>', 1, '<', 5, 6] }] }),
    ];

    // Assess
    expect(messages).toEqual([
      'Event pattern is not valid. Reason: Bottom must be less than top',
      'Event pattern is not valid. Reason: Too many elements in numeric expression',
      'Event pattern is not valid. Reason: Invalid member in numeric match: 5',
      'Event pattern is not valid. Reason: Unrecognized numeric range operator: !=',
      'Event pattern is not valid. Reason: Too many terms in numeric range expression',
    ]);
  });
});

describe('string operators', () => {
  it('matches dotted keys in the event and in the pattern as the same path', () => {
    // Act
    const results = [
      matches({ detail: { 'a.b': ['x'] } }, event({ a: { b: 'x' } })),
      matches({ detail: { a: { b: ['x'] } } }, event({ 'a.b': 'x' })),
    ];

    // Assess
    expect(results).toEqual([true, true]);
  });

  it('folds case per character with Unicode case mappings', () => {
    // Act
    const results = [
      matches({ detail: { v: [{ 'equals-ignore-case': 'ÉTÉ' }] } }, event({ v: 'été' })),
      matches({ detail: { v: [{ prefix: { 'equals-ignore-case': 'straße' } }] } }, event({ v: 'STRAßE-1' })),
      matches(
        { detail: { v: [{ 'anything-but': { 'equals-ignore-case': ['Été'] } }] } },
        event({ v: 'ÉTÉ' }),
      ),
    ];

    // Assess
    expect(results).toEqual([true, true, false]);
  });

  it("matches a character outside the BMP in equals-ignore-case only as '?' per UTF-16 unit, as event-ruler does", () => {
    // Prepare: event-ruler encodes each lone surrogate of the pattern to UTF-8 as '?' (ignore-case.ts)
    const pattern = { detail: { v: [{ 'equals-ignore-case': '😀' }] } };

    // Act
    const results = [matches(pattern, event({ v: '😀' })), matches(pattern, event({ v: '??' }))];

    // Assess
    expect(results).toEqual([false, true]);
  });

  it('finds a suffix ignoring case at the end of a long value, alternatives of another length included', () => {
    // Prepare: ß is ß or SS, so the match may be one unit longer than the pattern
    const long = 'x'.repeat(5_000);
    // Act
    const results = [
      matches(
        { detail: { v: [{ suffix: { 'equals-ignore-case': 'straße' } }] } },
        event({ v: `${long}STRASSE` }),
      ),
      matches(
        { detail: { v: [{ suffix: { 'equals-ignore-case': 'straße' } }] } },
        event({ v: `${long}straße` }),
      ),
      matches({ detail: { v: [{ suffix: { 'equals-ignore-case': 'XXXX' } }] } }, event({ v: `${long}.` })),
      matches(
        { detail: { v: [{ suffix: { 'equals-ignore-case': 'STRASSE' } }] } },
        event({ v: `${long}straße` }),
      ),
    ];
    // Assess
    expect(results).toEqual([true, true, false, false]);
  });

  it('tries a suffix ignoring case only at the starts its length allows, not at every position of the value', () => {
    // Prepare
    const alts = caseAlternatives('x'.repeat(16));
    const value = `${'x'.repeat(10_000)}.`;
    const probes = jest.spyOn(String.prototype, 'startsWith');
    // Act
    const found = endsWithIgnoreCase(alts, value);
    const calls = probes.mock.calls.length;
    probes.mockRestore();
    // Assess: at most one probe per pattern unit and alternative; every start of the value would take 160,000
    expect(found).toBe(false);
    expect(calls).toBeLessThanOrEqual(32);
  });

  it('compares quoted text, so a prefix ending in a quote reaches the end of the value', () => {
    // Act
    const results = [
      matches({ detail: { v: [{ prefix: 'done"' }] } }, event({ v: 'done' })),
      matches({ detail: { v: [{ prefix: 'done"' }] } }, event({ v: 'done-1' })),
      matches({ detail: { v: [{ suffix: '"done' }] } }, event({ v: 'done' })),
      matches({ detail: { v: [{ prefix: 'done"x"' }] } }, event({ v: 'done' })),
      matches({ detail: { v: [{ suffix: '"x"done' }] } }, event({ v: 'done' })),
      matches({ detail: { v: [{ suffix: { 'equals-ignore-case': '"DONE' } }] } }, event({ v: 'done' })),
      // past four matchers on a field, they are indexed (field-index.ts)
      matches(
        { detail: { v: ['x1', 'x2', 'x3', 'x4', { suffix: { 'equals-ignore-case': '"DONE' } }] } },
        event({ v: 'done' }),
      ),
    ];

    // Assess: the quote a pattern runs into is the value's own, and there is only one
    expect(results).toEqual([true, false, true, false, false, true, true]);
  });

  it('keeps the last of repeated keys in pattern text, as AWS does', () => {
    // Act
    const result = matches('{"detail":{"v":["a"],"v":["b"]}}', event({ v: 'b' }));

    // Assess
    expect(result).toBe(true);
  });

  it('matches the last of repeated keys in event text, the value a target parses, on both paths', () => {
    // Prepare: the second event has a number only its text can compare, which sends the fast matcher down its
    // own text walk rather than JSON.parse.
    const plain = '{"source":"s","detail":{"v":"first","v":"last"}}';
    const withBigNumber = '{"source":"s","detail":{"v":"first","big":12345678901234567890,"v":"last"}}';
    const big = { numeric: ['>', 0] };

    // Act
    const results = [
      matches({ detail: { v: ['first'] } }, plain),
      matches({ detail: { v: ['last'] } }, plain),
      matches('{"detail":{"v":["first"],"big":[12345678901234567890]}}', withBigNumber),
      matches('{"detail":{"v":["last"],"big":[12345678901234567890]}}', withBigNumber),
      matches({ detail: { v: ['last'], big: [big] } }, withBigNumber),
    ];

    // Assess
    expect(results).toEqual([false, true, false, true, false]);
  });
});

describe('InvalidEventPatternError', () => {
  it('carries the AWS error code and names the fault', () => {
    // Act
    let caught: unknown;
    try {
      compilePattern('{"source": "aws.ec2"}');
    } catch (e) {
      caught = e;
    }

    // Assess
    expect(caught).toBeInstanceOf(InvalidEventPatternError);
    expect(caught).toMatchObject({
      name: 'InvalidEventPatternError',
      code: 'InvalidEventPatternException',
      reason: '"source" must be an object or an array',
    });
  });

  it('refuses text that is not a JSON object', () => {
    // Act
    const messages = [refusal('["source"]'), refusal('{"source": [')];

    // Assess
    expect(messages[0]).toBe('Event pattern is not valid. Reason: Filter is not an object');
    expect(messages[1]).toBe(
      'Event pattern is not valid. Reason: Unexpected end-of-input: expected close marker for Array (start marker at [Source: (String)"{"source": ["; line: 1, column: 12])',
    );
  });
});

describe('RuleMatcher', () => {
  const paid = compilePattern('{"source":["app.orders"],"detail":{"state":["paid"]}}');
  const anyOrder = compilePattern('{"source":["app.orders"]}');
  const billing = compilePattern('{"source":["app.billing"]}');

  it('returns the keys of all matching rules in the order they were added', () => {
    // Prepare
    const bus = new RuleMatcher<string>();
    bus.add('paid', paid);
    bus.add('billing', billing);
    bus.add('any-order', anyOrder);

    // Act
    const keys = bus.match({ source: 'app.orders', detail: { state: 'paid' } });

    // Assess
    expect(keys).toEqual(['paid', 'any-order']);
    expect(bus.size).toBe(3);
  });

  it('forgets removed rules and replaces a rule added again under the same key', () => {
    // Prepare
    const bus = new RuleMatcher<string>();
    bus.add('r1', paid);
    bus.add('r2', anyOrder);
    bus.remove('r2');
    bus.add('r1', billing);

    // Act
    const results = [
      bus.match({ source: 'app.orders', detail: { state: 'paid' } }),
      bus.match({ source: 'app.billing' }),
    ];

    // Assess
    expect(results).toEqual([[], ['r1']]);
    expect(bus.size).toBe(1);
  });

  it('reads only own keys of event objects, whatever Object.prototype holds', () => {
    // Prepare: paths whose last step is a name every plain object inherits
    const patterns: Record<string, string> = {
      'has-to-string': '{"detail":{"a":{"toString":[{"exists":true}]}}}',
      'no-constructor': '{"detail":{"a":{"constructor":[{"exists":false}]}}}',
      'proto-x': '{"detail":{"a":{"__proto__":["x"]}}}',
      'proto-exists': '{"detail":{"a":{"__proto__":[{"exists":true}]}}}',
    };
    const bus = new RuleMatcher<string>();
    for (const [name, pattern] of Object.entries(patterns)) bus.add(name, compilePattern(pattern));
    const inherited = '{"detail":{"a":{"b":1}}}';
    const own = '{"detail":{"a":{"toString":"t","constructor":"c","__proto__":"x"}}}';

    // Act
    const results = [inherited, own].map((text) => ({
      parsed: bus.match(JSON.parse(text)),
      text: bus.matchJson(text),
      reference: Object.keys(patterns).filter((name) =>
        referenceMatchesJson(compilePattern(patterns[name] as string), text),
      ),
    }));

    // Assess: inherited members are not event fields; own keys of those names are
    const none = ['no-constructor'];
    const all = ['has-to-string', 'proto-x', 'proto-exists'];
    expect(results).toEqual([
      { parsed: none, text: none, reference: none },
      { parsed: all, text: all, reference: all },
    ]);
  });

  it('keeps reading dotted event keys when a path grows below a former leaf and after it is removed', () => {
    // Prepare: detail.a is first a leaf, then detail.a.b makes it a parent, then detail.a.b goes again
    const bus = new RuleMatcher<string>();
    bus.add('a', compilePattern('{"detail":{"a":["v"]}}'));
    bus.add('ab', compilePattern('{"detail":{"a":{"b":["w"]}}}'));
    const dotted = { detail: { 'a.b': 'w', a: 'v' } };
    const before = bus.match(dotted);
    bus.remove('ab');
    bus.add('c', compilePattern('{"detail":{"c":{"d":["z"]}}}'));

    // Act
    const after = [
      bus.match(dotted),
      bus.match({ detail: { a: 'v', 'c.d': 'z' } }),
      bus.match({ 'detail.a': 'v' }),
    ];

    // Assess
    expect(before).toEqual(['a', 'ab']);
    expect(after).toEqual([['a'], ['a', 'c'], ['a']]);
  });

  it('tests each kind of condition as the reference does when another condition selects the rule', () => {
    // Prepare: the source selects every rule, so the bus tests detail.a itself, with the edge cases of each kind
    const conditions: unknown[] = [
      'ab',
      '',
      'x"',
      { prefix: 'a' },
      { prefix: 'ab"' },
      { prefix: '"' },
      { suffix: 'b' },
      { suffix: '"ab' },
      { suffix: '"' },
      { 'equals-ignore-case': 'aB' },
      { 'equals-ignore-case': '' },
      { 'equals-ignore-case': 'x"' },
      { 'equals-ignore-case': 'ß' },
      { 'anything-but': 'ab' },
      { 'anything-but': ['ab', ''] },
      { 'anything-but': ['ab', 'x', 'b'] },
      { 'anything-but': [1, 2] },
      { 'anything-but': { prefix: 'a' } },
      { 'anything-but': { prefix: 'ab"' } },
      { 'anything-but': { suffix: 'b' } },
      { wildcard: 'a*b' },
      { wildcard: '*b' },
      { wildcard: 'a*' },
      { wildcard: '*' },
      { wildcard: 'ab*b' },
      { wildcard: 'a*b*' },
      { wildcard: 'a*xb' },
      { exists: true },
      { exists: false },
      { numeric: ['>', 0, '<=', 2] },
    ];
    const values: unknown[] = [
      'ab',
      'AB',
      'aB',
      'Ab',
      'a',
      'b',
      '',
      'x"',
      'X"',
      '"ab',
      'ab"',
      'abb',
      'axb',
      'ß',
      'SS',
    ];
    const others: unknown[] = [0, 1, 2, 2.5, null, true, ['a', 'AB'], ['x', 'b'], [], [{ a: 1 }]];
    const events = [
      '{"source":"s","detail":{}}',
      ...[...values, ...others].map((a) => JSON.stringify({ source: 's', detail: { a } })),
      // values only inside array elements: exists:false holds on an element k=1 chose that lacks the field
      '{"source":"s","detail":{"arr":[{"k":1},{"x":1}]}}',
      '{"source":"s","detail":{"arr":[{"k":1,"x":1}]}}',
    ];
    const bus = new RuleMatcher<number>();
    const patterns = [
      ...conditions.map((c) => JSON.stringify({ source: ['s'], detail: { a: [c] } })),
      '{"source":["s"],"detail":{"arr":{"k":[1],"x":[{"exists":false}]}}}',
    ].map((p) => compilePattern(p));
    for (const [i, p] of patterns.entries()) bus.add(i, p);

    // Act
    const results = events.map((text) => ({
      event: text,
      parsed: bus.match(JSON.parse(text)),
      text: bus.matchJson(text),
    }));

    // Assess
    const expected = events.map((text) => {
      const keys = patterns.flatMap((p, i) => (referenceMatchesJson(p, text) ? [i] : []));
      return { event: text, parsed: keys, text: keys };
    });
    expect(results).toEqual(expected);
    // and the cases discriminate: every event matches some rules and fails others
    expect(expected.every((e) => e.parsed.length > 0 && e.parsed.length < patterns.length)).toBe(true);
  });

  it('matches nothing for an event that is not a JSON object', () => {
    // Prepare
    const bus = new RuleMatcher<string>();
    bus.add('absent', compilePattern('{"detail":{"x":[{"exists":false}]}}'));

    // Act
    const results = [bus.match('text'), bus.match(null), bus.match([1]), bus.match({})];

    // Assess
    expect(results).toEqual([[], [], [], ['absent']]);
  });
});

describe('where a refusal says the fault is', () => {
  /** What AWS's parser (Jackson) appends: where it stood in the pattern text, 1-based. */
  const at = (pattern: string, line: number, column: number) =>
    ` at [Source: (String)"${pattern}"; line: ${line}, column: ${column}]`;

  // Recorded from AWS by LocalStack's AWS-validated tests (test_events_patterns.snapshot.json). Jackson stands just
  // past the token it read: past a number or `true`, past `[`, `{` or `]`, past a string's opening quote until its
  // text is read; on a key, it has already read past the colon into the value.
  it.each([
    ['a number as a field value', '{"int": 42}', '"int" must be an object or an array', 1, 11],
    ['a string as a field value', '{"string": "my-value"}', '"string" must be an object or an array', 1, 13],
    ['an empty list', '{"resources": []}', 'Empty arrays are not allowed', 1, 17],
    [
      'an unknown match type before a list',
      '{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}',
      'Unrecognized match type NUMERIC',
      1,
      36,
    ],
    [
      'an unknown match type before true',
      '{"my_key": [{"EXISTS": true}]}',
      'Unrecognized match type EXISTS',
      1,
      28,
    ],
    [
      'a bad range operator, once read',
      '{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}',
      'Bad numeric range operator: >',
      1,
      49,
    ],
    [
      'a missing range bound',
      '{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}',
      'Value of < must be numeric',
      1,
      50,
    ],
  ])('says where AWS says, for %s', (_case, pattern, reason, line, column) => {
    // Act / Assess
    expect(located(pattern)).toBe(
      `Event pattern is not valid. Reason: ${reason}\n${at(pattern, line, column)}`,
    );
  });

  it('says it twice for a fault inside an anything-but list, as AWS does (recorded)', () => {
    // Prepare: event-ruler catches the fault of a list item and reports it again from where it stands
    const pattern = '{"detail": {"state": [{"anything-but": {"prefix": [123, "test"]}}]}}';
    // Act / Assess
    expect(located(pattern)).toBe(
      `Event pattern is not valid. Reason: prefix/suffix match pattern must be a string\n${at(pattern, 1, 55)}\n${at(pattern, 1, 55)}`,
    );
  });

  it('says nowhere for a fault AWS finds outside its parser: a CIDR range, a too complex wildcard (recorded)', () => {
    // Act
    const cidr = located('{"detail": {"sourceIPAddress": [{"cidr": "bad-filter"}]}}');
    const complex = located('{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}');
    // Assess
    expect(cidr).toBe("Event pattern is not valid. Reason: Malformed CIDR, one '/' required");
    expect(complex).toMatch(/^Event pattern is not valid\. Reason: Rule is too complex - [^\n]*$/);
  });

  // The rest follow event-ruler's compiler on Jackson 2.17, re-run in a scratch harness for these texts.
  it('counts lines at \\n, \\r\\n and a lone \\r, and writes a tab in the text as \\u0009', () => {
    // Prepare
    const pattern = '{\n\t"source": ["a"],\r\n  "detail": {"n": [{"numeric": [">", 0, "<"]}]}\n}';
    // Act / Assess
    expect(located(pattern)).toBe(
      'Event pattern is not valid. Reason: Value of < must be numeric\n at [Source: (String)"{\n\\u0009"source": ["a"],\r\n  "detail": {"n": [{"numeric": [">", 0, "<"]}]}\n}"; line: 3, column: 45]',
    );
  });

  it('quotes 500 characters of a longer pattern and says how many it left out', () => {
    // Prepare
    const items = Array.from({ length: 80 }, (_, i) => `"x${String(i).padStart(3, '0')}"`);
    const pattern = `{"source": [${items.join(', ')}], "detail": {"state": "on"}}`;
    // Act
    const message = located(pattern);
    // Assess
    expect(pattern).toHaveLength(679);
    expect(message).toBe(
      `Event pattern is not valid. Reason: "state" must be an object or an array\n at [Source: (String)"${pattern.slice(0, 500)}"[truncated 179 chars]; line: 1, column: 675]`,
    );
  });

  it.each([
    [
      'a numeric bound out of range, at the end of its list',
      '{"detail": {"n": [{"numeric": ["=", 6e9]}]}}',
      41,
    ],
    [
      'a number out of range in an anything-but list, just past it',
      '{"detail": {"n": [{"anything-but": [1, 6e9]}]}}',
      43,
    ],
  ])('says where for %s', (_case, pattern, column) => {
    // Act / Assess
    expect(located(pattern)).toBe(
      `Event pattern is not valid. Reason: Value must be between -5.0E9 and 5.0E9, inclusive\n${at(pattern, 1, column)}`,
    );
  });

  it('stands past the white space after a root number, which Jackson reads too', () => {
    // Act / Assess (a \r it puts back)
    expect(located('42 ')).toBe(
      `Event pattern is not valid. Reason: Filter is not an object\n${at('42 ', 1, 4)}`,
    );
    expect(located('42\n')).toBe(
      `Event pattern is not valid. Reason: Filter is not an object\n${at('42\n', 2, 1)}`,
    );
    expect(located('42\r')).toBe(
      `Event pattern is not valid. Reason: Filter is not an object\n${at('42\r', 1, 3)}`,
    );
    expect(located('42\t')).toBe(
      `Event pattern is not valid. Reason: Filter is not an object\n${at('42\\u0009', 1, 4)}`,
    );
  });

  it.each([
    [
      'a second key of a match expression',
      '{"a": [{"prefix": "x", "suffix": "y"}]}',
      'Only one key allowed in match expression',
      35,
    ],
    [
      'a reserved name inside $or',
      '{"$or": [{"a": ["1"]}, {"exists": ["b"]}]}',
      'exists is Ruler reserved fieldName which cannot be used inside $or.',
      36,
    ],
    ['an empty object', '{"a": {}}', 'Empty objects are not allowed', 9],
    // event-ruler names a second key of anything-but as one of a numeric expression
    [
      'a second key inside anything-but',
      '{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}',
      'Too many elements in numeric expression',
      47,
    ],
    [
      'a second key beside an anything-but object',
      '{"a":[{"anything-but":{"prefix":"x"},"b":1}]}',
      'Too many elements in numeric expression',
      43,
    ],
    [
      'a second key beside an anything-but value',
      '{"a":[{"anything-but":"x","b":1}]}',
      'Too many elements in numeric expression',
      32,
    ],
    [
      'a second key inside a prefix ignoring case',
      '{"a":[{"prefix":{"equals-ignore-case":"x","b":1}}]}',
      'Only one key allowed in match expression',
      48,
    ],
    [
      'a second key beside exactly',
      '{"a":[{"exactly":"x","b":1}]}',
      'Only one key allowed in match expression',
      27,
    ],
    [
      'a second key beside equals-ignore-case',
      '{"a":[{"equals-ignore-case":"x","b":1}]}',
      'Only one key allowed in match expression',
      38,
    ],
    [
      'a second key beside wildcard',
      '{"a":[{"wildcard":"x*","b":1}]}',
      'Only one key allowed in match expression',
      29,
    ],
    [
      'the reserved name <= inside $or',
      '{"$or":[{"<=":["x"]},{"b":["y"]}]}',
      '<= is Ruler reserved fieldName which cannot be used inside $or.',
      16,
    ],
    [
      'the reserved name ip-address-not-in-range inside $or',
      '{"$or":[{"ip-address-not-in-range":["x"]},{"b":["y"]}]}',
      'ip-address-not-in-range is Ruler reserved fieldName which cannot be used inside $or.',
      37,
    ],
  ])('stands on what it read last for %s', (_case, pattern, reason, column) => {
    // Act / Assess
    expect(located(pattern)).toBe(`Event pattern is not valid. Reason: ${reason}\n${at(pattern, 1, column)}`);
  });

  // Each row is a fault a mutant of the compiler placed elsewhere with no test noticing (mutation review,
  // 2026-12-05): the places are the compiler's answers then, pinned, and not re-run against Jackson.
  it.each([
    [
      'a bad wildcard in anything-but, past its value',
      '{"a":[{"anything-but":{"wildcard":"a**"}}]}',
      'Consecutive wildcard characters at pos 2',
      [40],
    ],
    [
      'a numeric list not opened by an operator',
      '{"a":[{"numeric":[5]}]}',
      'Invalid member in numeric match: 5',
      [20],
    ],
    [
      'a third member after a lower bound, on that member',
      '{"a":[{"numeric":[">",1,2]}]}',
      'Bad value in numeric range: 2',
      [26],
    ],
    [
      'an unknown range operator, once its operand is read',
      '{"a":[{"numeric":["!",1]}]}',
      'Unrecognized numeric range operator: !',
      [24],
    ],
    ['an empty prefix object, past it', '{"a":[{"prefix":{}}]}', 'Prefix expression name not found', [19]],
    [
      'a list as a prefix ignoring case, on its bracket',
      '{"a":[{"prefix":{"equals-ignore-case":["x"]}}]}',
      'equals-ignore-case match pattern must be a string',
      [40],
    ],
    ['a numeric that is not a list', '{"a":[{"numeric":"x"}]}', 'Value of numeric must be an array.', [19]],
    [
      'a list as equals-ignore-case',
      '{"a":[{"equals-ignore-case":["x"]}]}',
      'equals-ignore-case match pattern must be a string',
      [30],
    ],
    ['a list as wildcard', '{"a":[{"wildcard":["x"]}]}', 'wildcard match pattern must be a string', [20]],
    [
      'a list inside a field list',
      '{"a":[["x"]]}',
      'Match value must be String, number, true, false, or null',
      [8],
    ],
    [
      'an empty prefix in an anything-but list, twice',
      '{"a":[{"anything-but":{"prefix":["x",""]}}]}',
      'Null prefix/suffix not allowed',
      [40, 40],
    ],
    [
      'an empty anything-but object, past it',
      '{"a":[{"anything-but":{}}]}',
      'Anything-But expression name not found',
      [25],
    ],
    [
      'an object as an anything-but prefix, on its brace',
      '{"a":[{"anything-but":{"prefix":{"x":1}}}]}',
      'Value of anything-but must be an array or single string/number value.',
      [34],
    ],
    [
      'true in an anything-but list, twice',
      '{"a":[{"anything-but":[true]}]}',
      'Inside anything but list, start|null|boolean is not supported.',
      [28, 28],
    ],
    [
      'a single anything-but number out of range, nowhere',
      '{"a":[{"anything-but":6000000000}]}',
      'Value must be between -5.0E9 and 5.0E9, inclusive',
      [],
    ],
  ])('says where it meets %s', (_case, pattern, reason, columns) => {
    // Act / Assess
    const where = columns.map((column) => `\n${at(pattern, 1, column)}`).join('');
    expect(located(pattern)).toBe(`Event pattern is not valid. Reason: ${reason}${where}`);
  });
});

describe('a pattern that is not JSON', () => {
  const at = (pattern: string, line: number, column: number) =>
    ` at [Source: (String)"${pattern}"; line: ${line}, column: ${column}]`;
  const VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

  // Recorded from AWS by LocalStack's AWS-validated tests: Jackson's own words, where it stood.
  it.each([
    ['a text', 'this is valid json but not a dict', `Unrecognized token 'this': was expecting ${VALUES}`, 5],
    [
      'single quotes',
      "{'bad': 'quotation'}",
      "Unexpected character (''' (code 39)): was expecting double-quote to start field name",
      2,
    ],
    ['a bare word', '{"not": closed mark"', `Unrecognized token 'closed': was expecting ${VALUES}`, 15],
  ])("is refused in AWS's words for %s", (_case, pattern, reason, column) => {
    // Act / Assess
    expect(located(pattern)).toBe(`Event pattern is not valid. Reason: ${reason}\n${at(pattern, 1, column)}`);
  });

  // The rest as Jackson 2.17 answers them, run in a scratch harness that re-creates event-ruler's token walk; 31,500
  // mutated patterns agreed with it (docs/eventbridge.md).
  it.each([
    [
      'a trailing comma in a list',
      '{"a": ["b",]}',
      `Unexpected character (']' (code 93)): expected a valid value ${VALUES}`,
      1,
      12,
    ],
    [
      'a trailing comma in an object',
      '{"a": ["b"],}',
      "Unexpected character ('}' (code 125)): was expecting double-quote to start field name",
      1,
      13,
    ],
    [
      'a missing colon',
      '{"a" ["b"]}',
      "Unexpected character ('[' (code 91)): was expecting a colon to separate field name and value",
      1,
      6,
    ],
    [
      'a missing comma',
      '{"a": ["b" "c"]}',
      `Unexpected character ('"' (code 34)): was expecting comma to separate Array entries`,
      1,
      12,
    ],
    ['a leading zero', '{"a": [01]}', 'Invalid numeric value: Leading zeroes not allowed', 1, 9],
    [
      'a decimal point alone',
      '{"a": [301.]}',
      "Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit",
      1,
      11,
    ],
    [
      'NaN',
      '{"a": [NaN]}',
      "Non-standard token 'NaN': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
      1,
      11,
    ],
    ['a bad escape', '{"a": ["b\\x"]}', "Unrecognized character escape 'x' (code 120)", 1, 11],
    [
      'a comment',
      '{"a": [1] // c\n}',
      "Unexpected character ('/' (code 47)): maybe a (non-standard) comment? (not recognized as one since Feature 'ALLOW_COMMENTS' not enabled for parser)",
      1,
      11,
    ],
    [
      'a list closed by a brace',
      '{"a": [}',
      `Unexpected close marker '}': expected ']' (for Array starting at ${at('{"a": [}', 1, 7).slice(4)})`,
      1,
      8,
    ],
    [
      'an end inside a list, on its fourth line',
      '{\n"a": [\n1,\n',
      'Unexpected end-of-input within/between Array entries',
      4,
      1,
    ],
    [
      'a raw tab in a string',
      '{"a": ["b\tc"]}',
      'Illegal unquoted character ((CTRL-CHAR, code 9)): has to be escaped using backslash to be included in string value',
      1,
      10,
    ],
  ])('is refused as Jackson refuses %s', (_case, pattern, reason, line, column) => {
    // Act
    const message = located(pattern);
    // Assess: the quoted text writes a tab \u0009
    const quoted = pattern.replaceAll('\t', '\\u0009');
    expect(message).toBe(`Event pattern is not valid. Reason: ${reason}\n${at(quoted, line, column)}`);
  });

  it('reports a fault of the compiler met before the parser reaches the broken text, as AWS reads token by token', () => {
    // Act
    const beforeTheEnd = located('{"string":"my-value"');
    const beforeTheBrokenNumber = located('{"time": [{"prefix": 1s23}]}');
    // Assess
    expect(beforeTheEnd).toBe(
      `Event pattern is not valid. Reason: "string" must be an object or an array\n${at('{"string":"my-value"', 1, 12)}`,
    );
    expect(beforeTheBrokenNumber).toBe(
      `Event pattern is not valid. Reason: prefix match pattern must be a string\n${at('{"time": [{"prefix": 1s23}]}', 1, 23)}`,
    );
  });

  it('says twice where it stood for broken text inside an anything-but list, the second time past it', () => {
    // Prepare
    const pattern = '{"detail": {"state": [{"anything-but": ["stopped" "running"]}]}}';
    // Act / Assess
    expect(located(pattern)).toBe(
      `Event pattern is not valid. Reason: Unexpected character ('"' (code 34)): was expecting comma to separate Array entries\n${at(pattern, 1, 51)}\n${at(pattern, 1, 52)}`,
    );
  });

  it("refuses text after the closing brace in words of ours: AWS's parser never reads it", () => {
    // Act / Assess
    expect(refusal('{"source": ["a"]} x')).toBe(
      'Event pattern is not valid. Reason: Filter is not valid JSON: unexpected text after the JSON value at offset 18',
    );
  });
  // Found by a review against the same harness.
  it.each([
    [
      'a broken prefix list of anything-but outside a field list, said once',
      '{"a":{"anything-but":{"prefix":["x",y]}}}',
      `Unrecognized token 'y': was expecting ${VALUES}`,
      [[1, 38]],
    ],
    ['a second root value after white space', '1 2', 'Filter is not an object', [[1, 3]]],
    [
      'a lone zero with a decimal point, on the character after it',
      '{"a":[0.]}',
      "Unexpected character (']' (code 93)) in numeric value: Decimal point not followed by a digit",
      [[1, 9]],
    ],
    [
      'a word ending at a character outside the BMP, counted in UTF-16 units',
      '{"a":[abc\u{10400}def]}',
      `Unrecognized token 'abc': was expecting ${VALUES}`,
      [[1, 10]],
    ],
    [
      '-INF',
      '{"a":[-INF]}',
      "Non-standard token '-INF': enable `JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS` to allow",
      [[1, 11]],
    ],
    [
      'a plus sign alone',
      '{"a":[+]}',
      "Unexpected character ('+' (code 43)) in numeric value: JSON spec does not allow numbers to have plus signs: enable `JsonReadFeature.ALLOW_LEADING_PLUS_SIGN_FOR_NUMBERS` to allow",
      [[1, 8]],
    ],
    [
      'an escaped line break in an anything-but list, on the same line both times',
      '{"a":[{"anything-but":["\\\n',
      'Unrecognized character escape (CTRL-CHAR, code 10)',
      [
        [1, 26],
        [1, 27],
      ],
    ],
    // Pinned from the reader's answers after a mutation review (2026-12-05), not re-run against Jackson.
    [
      'a Latin-1 character where a value should start, named without its hex code',
      '{"a":[§]}',
      `Unexpected character ('§' (code 167)): expected a valid value ${VALUES}`,
      [[1, 7]],
    ],
    [
      'a list closed by a brace after a key with an escaped slash',
      '{"a\\/b":[1}',
      `Unexpected close marker '}': expected ']' (for Array starting at ${at('{"a\\/b":[1}', 1, 9).slice(4)})`,
      [[1, 11]],
    ],
    [
      'a literal followed by a character it does not read on into',
      '{"a":[true$]}',
      "Unexpected character ('$' (code 36)): was expecting comma to separate Array entries",
      [[1, 11]],
    ],
    [
      'an exponent sign with no digit',
      '{"a":[1e+]}',
      "Unexpected character (']' (code 93)) in numeric value: Exponent indicator not followed by a digit",
      [[1, 8]],
    ],
    [
      'a decimal point at the end of the text, naming the point',
      '{"a":[1.',
      "Unexpected character ('.' (code 46)) in numeric value: Decimal point not followed by a digit",
      [[1, 8]],
    ],
    ['a string at the root, on its opening quote', '"abc"', 'Filter is not an object', [[1, 2]]],
  ])('is refused as Jackson refuses %s', (_case, pattern, reason, places) => {
    // Act / Assess
    const where = places
      .map(([line, column]) => `\n${at(pattern, line as number, column as number)}`)
      .join('');
    expect(located(pattern)).toBe(`Event pattern is not valid. Reason: ${reason}${where}`);
  });

  it('names C0 and C1 control characters as Jackson does, and quotes them escaped (pinned, 2026-12-05)', () => {
    // Act
    const messages = [located('{"a":[\u0080]}'), located('{"a":\u001f[1]}')];
    // Assess
    expect(messages).toEqual([
      `Event pattern is not valid. Reason: Unexpected character ((CTRL-CHAR, code 128)): expected a valid value ${VALUES}\n${at('{"a":[\\u0080]}', 1, 7)}`,
      `Event pattern is not valid. Reason: Illegal character ((CTRL-CHAR, code 31)): only regular white space (\\r, \\n, \\t) is allowed between tokens\n${at('{"a":\\u001F[1]}', 1, 7)}`,
    ]);
  });

  it('quotes 256 characters of a long bad word, and stands 256 characters into it', () => {
    // Prepare
    const pattern = `{"a":[${'x'.repeat(300)}]}`;
    // Act / Assess
    expect(located(pattern)).toBe(
      `Event pattern is not valid. Reason: Unrecognized token '${'x'.repeat(256)}...': was expecting ${VALUES}\n${at(pattern, 1, 263)}`,
    );
  });

  it("says no place past Jackson's nesting limit of 1,000, and refuses deeper text without running out of stack", () => {
    // Prepare
    const deep = (n: number) => `${'{"a":'.repeat(n)}[1]${'}'.repeat(n)}`;
    // Act / Assess
    expect(located(`${deep(1_000)}x`)).toBe(
      'Event pattern is not valid. Reason: Document nesting depth (1001) exceeds the maximum allowed (1000, from `StreamReadConstraints.getMaxNestingDepth()`)',
    );
    expect(() => compilePattern(`${deep(20_000)}x`)).toThrow(InvalidEventPatternError);
  });

  it("refuses text nested past our reader's limit (512) in words of ours, not for an empty object it did not read", () => {
    // Prepare: Jackson reads it (its limit is 1,000); the API's 2,048 characters keep it out of reach there
    const pattern = `${'{"a":'.repeat(600)}[1]${'}'.repeat(600)}`;
    // Act / Assess
    expect(refusal(pattern)).toBe(
      'Event pattern is not valid. Reason: Filter is not valid JSON: nesting too deep at offset 2565',
    );
  });
});

// Each case below is one a mutant of the matcher or of the pattern compiler answered differently, with no test
// noticing (mutation review, 2026-12-05): the refusals follow event-ruler's JsonRuleCompiler and Constants.
describe('boundaries of the pattern language', () => {
  const REASON = 'Event pattern is not valid. Reason:';

  it.each([
    [{ a: [{ numeric: ['=', 5, 6] }] }, 'Too many elements in numeric expression'],
    [{ a: [{ numeric: ['>', 1], b: 2 }] }, 'Too many elements in numeric expression'],
    [{ a: [{ exists: true, b: 1 }] }, 'Only one key allowed in match expression'],
    [{ a: [{ cidr: '10.0.0.0/8', b: 1 }] }, 'Only one key allowed in match expression'],
    [
      { a: [{ 'anything-but': [] }] },
      'Inside anything but list, either all values are number or string, mixed type is not supported',
    ],
    [
      { $or: [{ cidr: ['x'] }, { b: ['y'] }] },
      'cidr is Ruler reserved fieldName which cannot be used inside $or.',
    ],
    [{ a: [{ cidr: '1:2:3:4::5:6:7:8/120' }] }, 'Invalid IP address: 1:2:3:4::5:6:7:8'],
  ])('refuses %j: %s', (pattern, reason) => {
    expect(refusal(pattern)).toBe(`${REASON} ${reason}`);
  });

  it('refuses wildcards of complexity 11 and takes those of 10 (five leading wildcards, or repeats after one)', () => {
    // Prepare
    const tooComplex = `${REASON} Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character`;
    const leading = (n: number) => ({
      a: Array.from({ length: n }, (_, i) => ({ wildcard: `*${'abcde'[i]}` })),
    });
    // Act / Assess
    expect(refusal(leading(5))).toBe(tooComplex);
    expect(() => compilePattern(JSON.stringify(leading(4)))).not.toThrow();
    expect(refusal({ a: [{ wildcard: '*a*a*a*a*' }] })).toBe(tooComplex);
    expect(() => compilePattern(JSON.stringify({ a: [{ wildcard: '*a*a*a*' }] }))).not.toThrow();
  });

  it('keeps the case of an anything-but list, and ignores it only in its equals-ignore-case form', () => {
    expect(matches({ a: [{ 'anything-but': ['Red'] }] }, '{"a":"Red"}')).toBe(false);
    expect(matches({ a: [{ 'anything-but': ['Red'] }] }, '{"a":"red"}')).toBe(true);
    expect(matches({ a: [{ 'anything-but': { 'equals-ignore-case': ['Red'] } }] }, '{"a":"rED"}')).toBe(
      false,
    );
  });

  it('matches prefixes and suffixes ignoring case, and a wildcard no shorter than its literal text', () => {
    expect(matches({ a: [{ prefix: { 'equals-ignore-case': 'abc' } }] }, '{"a":"ABCd"}')).toBe(true);
    expect(matches({ a: [{ suffix: { 'equals-ignore-case': 'abc' } }] }, '{"a":"dABC"}')).toBe(true);
    expect(matches({ a: [{ wildcard: 'a*a' }] }, '{"a":"a"}')).toBe(false);
    expect(matches({ a: [{ wildcard: 'a*a' }] }, '{"a":"aa"}')).toBe(true);
  });

  it('matches the last address of a CIDR block and no further, and no IPv4 address with a 4-digit part', () => {
    expect(matches({ a: [{ cidr: '10.0.0.0/30' }] }, '{"a":"10.0.0.3"}')).toBe(true);
    expect(matches({ a: [{ cidr: '10.0.0.0/30' }] }, '{"a":"10.0.0.4"}')).toBe(false);
    expect(matches({ a: ['10.0.0.1'] }, '{"a":"010.000.000.001"}')).toBe(true);
    expect(matches({ a: ['10.0.0.1'] }, '{"a":"0010.000.000.001"}')).toBe(false);
  });

  it('compares numbers to six decimal places, truncating, as event-ruler does', () => {
    expect(matches({ a: [{ numeric: ['=', -999999999.999999] }] }, '{"a":-999999999.9999995}')).toBe(false);
    expect(matches({ a: [{ numeric: ['=', 1.00001] }] }, '{"a":1.0000101}')).toBe(true);
  });

  it('checks every character of an equals-ignore-case value on a rule anchored by its source', () => {
    // Prepare
    const matcher = new RuleMatcher<string>();
    matcher.add('r', compilePattern('{"source":["app"],"detail":{"a":[{"equals-ignore-case":"abc"}]}}'));
    // Act / Assess
    expect(matcher.match({ source: 'app', detail: { a: 'aXc' } })).toEqual([]);
    expect(matcher.match({ source: 'app', detail: { a: 'ABC' } })).toEqual(['r']);
  });

  it('lets a source prefix ending in a quote reach the end of the value among more than four prefixes', () => {
    // Prepare: past four prefixes, the field's prefixes are indexed (field-index.ts); quoted text is compared, as
    // in "compares quoted text" above
    const matcher = new RuleMatcher<string>();
    for (const [i, prefix] of ['ab"', 'x1', 'x2', 'x3', 'x4'].entries()) {
      matcher.add(`p${i}`, compilePattern(JSON.stringify({ source: [{ prefix }] })));
    }
    for (const [i, prefix] of ['AB"', 'y1', 'y2', 'y3', 'y4'].entries()) {
      matcher.add(
        `i${i}`,
        compilePattern(JSON.stringify({ source: [{ prefix: { 'equals-ignore-case': prefix } }] })),
      );
    }
    // Act / Assess
    expect(matcher.match({ source: 'ab' }).sort()).toEqual(['i0', 'p0']);
    expect(matcher.match({ source: 'ab-c' })).toEqual([]);
  });
});
