import { worstApplications } from '../../../functions/shared/schema-cost.js';

describe('worstApplications', () => {
  it('counts every subschema applied to the value that gets the most, level by level', () => {
    // Prepare: at /a the holder of anyOf, its two references and the root twice (5); each level doubles it.
    const doubling = { type: 'object', properties: { a: { anyOf: [{ $ref: '#' }, { $ref: '#' }] } } };
    // Act
    const cost = worstApplications(doubling, 1_000_000, 10);
    // Assess
    expect(cost).toEqual({ applications: 5 * 2 ** 9, at: Array(10).fill('a') });
  });

  it('stops at the first count past the limit', () => {
    // Act
    const cost = worstApplications(
      { properties: { a: { allOf: [{ $ref: '#' }, { $ref: '#' }] } } },
      100,
      128,
    );
    // Assess: 5 at /a, 10 at /a/a... 160 at /a/a/a/a/a/a, counted only as far as 101
    expect(cost).toEqual({ applications: 101, at: Array(6).fill('a') });
  });

  it('counts a tree once per value however many members refer to it, and a loop within one value once', () => {
    // Prepare
    const tree = { properties: { left: { $ref: '#' }, right: { $ref: '#' } } };
    const loop = {
      $defs: { again: { allOf: [{ $ref: '#/$defs/again' }] } },
      properties: { loop: { $ref: '#/$defs/again' } },
    };
    // Act / Assess: the value at /left gets the reference and the root; at /loop the reference, `again` and its allOf
    // entry, whose reference back to `again` counts nothing more.
    expect(worstApplications(tree, 1_000_000, 128)).toEqual({ applications: 2, at: ['left'] });
    expect(worstApplications(loop, 1_000_000, 128)).toEqual({ applications: 3, at: ['loop'] });
  });

  it('gives up as too intricate (Infinity) past its step budget, rather than run on', () => {
    // Prepare: 300 definitions under as many names, each applying all of them to its members
    const $defs: Record<string, unknown> = {};
    const names = Array.from({ length: 300 }, (_, i) => `d${i}`);
    for (const name of names) {
      $defs[name] = { properties: Object.fromEntries(names.map((n) => [n, { $ref: `#/$defs/${n}` }])) };
    }
    // Act
    const cost = worstApplications({ $defs, $ref: '#/$defs/d0' }, 1_000_000, 128, 10_000);
    // Assess
    expect(cost.applications).toBe(Number.POSITIVE_INFINITY);
    expect(worstApplications({ $defs, $ref: '#/$defs/d0' }, 1_000_000, 128).applications).toBe(2);
  });

  it('counts nothing for a schema that is not an object', () => {
    expect(worstApplications(true, 10, 10)).toEqual({ applications: 0, at: [] });
  });
});
