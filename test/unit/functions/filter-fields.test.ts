import { fieldNoSchemaAllows, usesWildcard } from '../../../functions/subscriptions/filter-fields.js';

const closed = {
  type: 'object',
  properties: {
    companyName: { type: 'string' },
    address: { type: 'object', properties: { city: { type: 'string' } }, additionalProperties: false },
    tags: { type: 'array' },
  },
  additionalProperties: false,
};

describe('fieldNoSchemaAllows', () => {
  it.each([
    ['a misspelt field', { companyNmae: ['x'] }, '/filter/companyNmae', 'companyNmae'],
    ['a field under a nested object', { address: { town: ['x'] } }, '/filter/address/town', 'address.town'],
    [
      'a field in every $or branch',
      { $or: [{ size: ['x'] }, { colour: ['y'] }] },
      '/filter/$or/0/size',
      'size',
    ],
    ['a field with a slash', { 'a/b': ['x'] }, '/filter/a~1b', 'a/b'],
    [
      'a field below one that cannot exist, when another condition below needs it',
      { legacy: { code: [{ exists: false }], kind: ['x'] } },
      '/filter/legacy',
      'legacy',
    ],
  ])('names %s that the schema does not allow', (_, filter, pointer, path) => {
    expect(fieldNoSchemaAllows(filter, [closed])).toEqual({ pointer, path });
  });

  it.each([
    ['fields the schema lists', { companyName: ['x'], address: { city: ['y'] }, tags: ['z'] }, [closed]],
    ['a field a later version of the major adds', { size: ['x'] }, [closed, { properties: { size: {} } }]],
    ['any field of a schema that does not close its properties', { anything: ['x'] }, [{ type: 'object' }]],
    ['fields under a combinator it does not judge', { other: ['x'] }, [{ ...closed, allOf: [{}] }]],
    ['fields under a reference', { other: ['x'] }, [{ $ref: '#/$defs/x', $defs: { x: {} } }]],
    [
      'fields matched by patternProperties',
      { 'x-1': ['x'] },
      [{ ...closed, patternProperties: { '^x-': {} } }],
    ],
    ['fields below an open property', { address: { town: ['x'] } }, [{ properties: { address: {} } }]],
    ['an $or with one branch that may match', { $or: [{ companyName: ['x'] }, { size: ['y'] }] }, [closed]],
    ['a field that must not exist', { legacy: [{ exists: false }] }, [closed]],
    // AWS matches these on an event without `legacy` (conformance cases content_exists_false, or-exists-parent).
    ['fields that must not exist below one that cannot', { legacy: { code: [{ exists: false }] } }, [closed]],
    [
      'an $or below a field that cannot exist, one branch of which holds without it',
      { legacy: { $or: [{ code: ['x'] }, { kind: [{ exists: false }] }] } },
      [closed],
    ],
    ['a dotted key, a path EventBridge reads its own way', { 'address.city': ['Oslo'] }, [closed]],
    [
      'fields of array elements under a schema without type: object',
      { lines: { qty: [1] } },
      [{ ...closed, properties: { lines: { properties: { sku: {} }, additionalProperties: false } } }],
    ],
    [
      'fields of a schema that may be an array',
      { qty: [1] },
      [{ type: ['object', 'array'], properties: {}, additionalProperties: false }],
    ],
  ])('accepts %s', (_, filter, schemas) => {
    expect(fieldNoSchemaAllows(filter, schemas)).toBeUndefined();
  });
});

describe('usesWildcard', () => {
  it.each([
    ['a wildcard condition', { name: [{ wildcard: 'a*' }] }, true],
    ['an anything-but wildcard', { name: [{ 'anything-but': { wildcard: ['a*', 'b*'] } }] }, true],
    ['a wildcard under a nested field', { address: { city: [{ wildcard: '*burg' }] } }, true],
    ['a wildcard in one $or branch', { $or: [{ a: ['x'] }, { b: [{ wildcard: 'y*' }] }] }, true],
    ['a field named wildcard', { wildcard: ['a*'] }, false],
    ['a nested field named wildcard', { wildcard: { wildcard: ['x'] } }, false],
    ['a prefix', { name: [{ prefix: 'a' }] }, false],
  ])('%s: %s', (_why, filter, expected) => {
    expect(usesWildcard(filter)).toBe(expected);
  });
});
