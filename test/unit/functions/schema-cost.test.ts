import { worstApplications } from '../../../functions/shared/schema-cost.js';

const MILLION = { once: 1_000_000, repeated: 1_000_000 };

describe('worstApplications', () => {
  it('counts every subschema applied to the value that gets the most, level by level', () => {
    // Prepare: at /a the holder of anyOf, its two references and the root twice (5); each level doubles it.
    const doubling = { type: 'object', properties: { a: { anyOf: [{ $ref: '#' }, { $ref: '#' }] } } };
    // Act
    const cost = worstApplications(doubling, MILLION, 10);
    // Assess
    expect(cost).toEqual({ applications: 5 * 2 ** 9, at: Array(10).fill('a'), repeated: false });
  });

  it('stops at the first count past the limit', () => {
    // Act
    const cost = worstApplications(
      { properties: { a: { allOf: [{ $ref: '#' }, { $ref: '#' }] } } },
      { once: 100, repeated: 100 },
      128,
    );
    // Assess: 5 at /a, 10 at /a/a... 160 at /a/a/a/a/a/a, counted only as far as 101
    expect(cost).toEqual({ applications: 101, at: Array(6).fill('a'), repeated: false });
  });

  it('counts a tree once per value however many members refer to it, and reports a loop within one value', () => {
    // Prepare
    const tree = { properties: { left: { $ref: '#' }, right: { $ref: '#' } } };
    const loop = {
      $defs: { again: { allOf: [{ $ref: '#/$defs/again' }] } },
      properties: { loop: { $ref: '#/$defs/again' } },
    };
    // Act / Assess: the value at /left gets the reference and the root; at /loop the reference, `again` and its allOf
    // entry, whose reference back to `again` is a loop Ajv would follow for ever.
    expect(worstApplications(tree, MILLION, 128)).toEqual({ applications: 2, at: ['left'], repeated: false });
    expect(worstApplications(loop, MILLION, 128)).toEqual({
      applications: 3,
      at: ['loop'],
      repeated: false,
      loop: true,
    });
  });

  it('reports a loop behind a condition, and none through then or else without if, which Ajv ignores', () => {
    // Prepare: loops for data meeting a condition (review, 2026-12-05: each registered, then every such event
    // answered 422 "cannot be checked")
    const loops = [
      JSON.parse('{"if": {"const": 5}, "then": {"$ref": "#"}}'),
      { if: { const: 5 }, else: { $ref: '#' } },
      { dependentSchemas: { a: { $ref: '#' } } },
      { properties: { x: { anyOf: [{ type: 'string' }, { $ref: '#/properties/x' }] } } },
      { not: { $ref: '#' } },
    ];
    const none = [
      JSON.parse('{"then": {"$ref": "#"}}'),
      { else: { $ref: '#' } },
      { properties: { x: { $ref: '#' } } },
      { items: { allOf: [{ $ref: '#' }] } },
    ];
    // Act / Assess
    for (const schema of loops) expect(worstApplications(schema, MILLION, 128).loop).toBe(true);
    for (const schema of none) expect(worstApplications(schema, MILLION, 128).loop).toBeUndefined();
  });

  it('gives up as too intricate (Infinity) past its step budget, rather than run on', () => {
    // Prepare: 300 definitions under as many names, each applying all of them to its members
    const $defs: Record<string, unknown> = {};
    const names = Array.from({ length: 300 }, (_, i) => `d${i}`);
    for (const name of names) {
      $defs[name] = { properties: Object.fromEntries(names.map((n) => [n, { $ref: `#/$defs/${n}` }])) };
    }
    // Act
    const cost = worstApplications({ $defs, $ref: '#/$defs/d0' }, MILLION, 128, 10_000);
    // Assess
    expect(cost.applications).toBe(Number.POSITIVE_INFINITY);
    expect(worstApplications({ $defs, $ref: '#/$defs/d0' }, MILLION, 128).applications).toBe(2);
  });

  // Coverage review, 2026-12-06: no test made more than 20,000 sets, so the merge that bounds them never ran.
  it('merges the sets of a level once more than 20,000 are met, into one applying what any of them applies', () => {
    // Prepare: six if/then/else, each way a set of its own (64), under each of 320 properties (20,480 sets); each
    // property's items get a schema of their own
    const $defs = Object.fromEntries(
      Array.from({ length: 6 }, (_, c) => [
        `c${c}`,
        JSON.parse(
          `{"if": {"required": ["k${c}"]}, "then": {"properties": {"t": {}}}, "else": {"properties": {"e": {}}}}`,
        ),
      ]),
    );
    const properties = Object.fromEntries(
      Array.from({ length: 320 }, (_, j) => [
        `p${j}`,
        {
          allOf: Object.keys($defs).map((name) => ({ $ref: `#/$defs/${name}` })),
          items: { minimum: j },
        },
      ]),
    );
    // Act
    const cost = worstApplications({ $defs, properties }, MILLION, 128);
    // Assess: one set for the next level, so an item counts the 320 items' schemas, as if one value met them all
    expect(cost).toEqual({ applications: 320, at: ['p0', '*'], repeated: true });
  });

  it('counts nothing for a schema that is not an object', () => {
    expect(worstApplications(true, MILLION, 10)).toEqual({ applications: 0, at: [], repeated: false });
  });

  it('holds a value that may come many times over (an item, an unnamed property) to the lower limit', () => {
    // Prepare: 40 definitions applied to each item of an array (81 with their references and the holder)
    const $defs = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`d${i}`, { type: 'integer' }]));
    const perItem = { allOf: Object.keys($defs).map((name) => ({ $ref: `#/$defs/${name}` })) };
    const limits = { once: 1_000, repeated: 50 };
    // Act
    const asItems = worstApplications({ $defs, type: 'array', items: perItem }, limits, 128);
    const asProperty = worstApplications({ $defs, properties: { one: perItem } }, limits, 128);
    const asAnyProperty = worstApplications({ $defs, additionalProperties: perItem }, limits, 128);
    // Assess
    expect(asItems).toEqual({ applications: 81, at: ['*'], repeated: true });
    expect(asProperty).toEqual({ applications: 81, at: ['one'], repeated: false });
    expect(asAnyProperty).toEqual({ applications: 81, at: ['*'], repeated: true });
    // Every name of an object is checked against propertyNames
    expect(worstApplications({ $defs, propertyNames: perItem }, limits, 128)).toEqual({
      applications: 81,
      at: ['(a property name)'],
      repeated: true,
    });
  });

  it('counts a dynamic reference as what it names and as every schema it sits in, as Ajv may apply either', () => {
    // Prepare: no anchor "#nope" is in scope, and Ajv applied the root (measured: 2^28 applications, 21 s)
    const schema = {
      type: 'object',
      properties: { a: { allOf: [{ $dynamicRef: '#nope' }, { $dynamicRef: '#nope' }] } },
    };
    const recursive = {
      type: 'object',
      properties: { a: { allOf: [{ $recursiveRef: '#' }, { $recursiveRef: '#' }] } },
    };
    // Act / Assess: at /a: the allOf holder, its two entries and the root twice (the holder, which they sit in too,
    // is a loop within the value, counted once); the root then doubles every level down.
    expect(worstApplications(schema, MILLION, 1).applications).toBe(1 + 2 + 2);
    expect(worstApplications(recursive, MILLION, 10).applications).toBeGreaterThan(2 ** 10);
    // A dynamic anchor that is never applied (unused in $defs) is not in scope: Ajv applied the root, 4^depth (87cc049
    // counted 9 and let it register; depth 11 took 4.9 s)
    const unused = {
      properties: { c: { allOf: Array.from({ length: 4 }, () => ({ $dynamicRef: '#x' })) } },
      $defs: { d: { $dynamicAnchor: 'x' } },
    };
    expect(worstApplications(unused, MILLION, 8).applications).toBeGreaterThan(4 ** 8);
  });
});
