// A `$dynamicRef` whose target has no `$dynamicAnchor` of that name is, by JSON Schema 2020-12 (core §8.2.3.2), "identical
// to $ref" (JSON-Schema-Test-Suite dynamicRef.json: "A $dynamicRef without a matching $dynamicAnchor in the same schema
// resource behaves like a normal $ref to $anchor"). Ajv applies the schema it is compiling instead (the root, for one
// under a property): found by fuzzing the API (fuzz review, 2026-12-07), a contract whose `a` is `{"$dynamicRef":
// "#x"}` with `#x` a string answered 422 "/data/a must be object" to `{"a": "text"}`, and published `{"a": {}}`.
import { registerContract } from '../../../functions/contracts/contracts.js';
import type { SharebusError } from '../../../functions/shared/errors.js';
import type { Principal } from '../../../functions/shared/registry/registry.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import {
  caught,
  clockAt,
  closeClients,
  freshRegistry,
  onboard,
  type TestRegistry,
  tableSnapshot,
} from './harness.js';

let test: TestRegistry;
let owner: Principal;
const validator = new SchemaValidator();
const ports = () => ({ registry: test.registry, validator, now: clockAt('2025-03-01T09:00:00.000Z') });

beforeAll(async () => {
  test = await freshRegistry();
  owner = (await onboard(test.registry, 'tax', ['filing'])).principals.filing!;
});
afterAll(() => closeClients());

describe('registerContract, a $dynamicRef the validator would resolve to the wrong schema', () => {
  it.each([
    {
      name: 'to a plain $anchor',
      type: 'tax.filing.anchor',
      schema: {
        type: 'object',
        properties: { a: { $dynamicRef: '#x' } },
        $defs: { x: { $anchor: 'x', type: 'string' } },
      },
    },
    {
      name: 'to a JSON Pointer naming nothing',
      type: 'tax.filing.pointer',
      schema: { type: 'object', properties: { a: { $dynamicRef: '#/$defs/nope' } } },
    },
    {
      name: 'to an anchor defined nowhere',
      type: 'tax.filing.nowhere',
      schema: { type: 'object', properties: { a: { $dynamicRef: '#nope' } } },
    },
    {
      name: 'to a plain $anchor of its own resource, another resource having a $dynamicAnchor of that name',
      type: 'tax.filing.resource',
      schema: {
        $id: 'https://schemas.example/a',
        $dynamicAnchor: 'x',
        type: 'object',
        properties: { a: { $dynamicRef: '#x' } },
        $defs: {
          b: {
            $id: 'https://schemas.example/b',
            $dynamicRef: '#x',
            $defs: { s: { $anchor: 'x', type: 'string' } },
          },
        },
      },
      field: '/schema/$defs/b/$dynamicRef',
    },
  ])(
    'refuses one $name with 400 invalid_schema naming it, and writes nothing',
    async ({ type, schema, ...c }) => {
      // Prepare
      const before = await tableSnapshot(test);
      // Act
      const error = await caught(() =>
        registerContract(ports(), owner, {
          type,
          version: '1.0.0',
          description: 'd',
          sharing: 'open',
          schema,
        }),
      );
      // Assess: before the fix each was registered (201), and its data then checked against the root schema
      expect(error).toMatchObject({ status: 400, code: 'invalid_schema' });
      expect((error as SharebusError).fields.map((f) => f.field)).toContain(
        'field' in c ? c.field : '/schema/properties/a/$dynamicRef',
      );
      expect(await tableSnapshot(test)).toEqual(before);
    },
  );
});
