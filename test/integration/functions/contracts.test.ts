import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import {
  CONTRACT_PAGE_BYTES,
  getContract,
  listContracts,
  registerContract,
} from '../../../functions/contracts/contracts.js';
import { createDepartment } from '../../../functions/departments/departments.js';
import type { SharebusError } from '../../../functions/shared/errors.js';
import type { Principal } from '../../../functions/shared/registry/registry.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import {
  admin,
  caught,
  clockAt,
  closeClients,
  freshRegistry,
  onboard,
  schemasRead,
  type TestRegistry,
  tableSnapshot,
} from './harness.js';

let test: TestRegistry;
let owner: Principal;
let sibling: Principal;
let stranger: Principal;

const validator = new SchemaValidator();
const ports = () => ({ registry: test.registry, validator, now: clockAt('2025-03-01T09:00:00.000Z') });

const schema = {
  type: 'object',
  properties: { companyId: { type: 'string' } },
  required: ['companyId'],
};

function body(type: string, version: string, overrides: Record<string, unknown> = {}) {
  return { type, version, description: `${type} ${version}`, sharing: 'open', schema, ...overrides };
}

beforeAll(async () => {
  test = await freshRegistry();
  const tax = await onboard(test.registry, 'tax', ['filing', 'refunds']);
  const housing = await onboard(test.registry, 'housing', ['grants']);
  owner = tax.principals.filing!;
  sibling = tax.principals.refunds!;
  stranger = housing.principals.grants!;
});
afterAll(() => closeClients());

describe('registerContract', () => {
  it('reads no version of a claimed major, and one or two more items', async () => {
    // Prepare: each registration read every version of the type whole before, schemas and all (adversarial-input
    // review, 2026-12-06)
    const type = 'tax.filing.majors';
    for (const version of ['1.0.0', '1.1.0', '2.0.0', '3.0.0'])
      await registerContract(ports(), owner, body(type, version));
    // Act
    const intoTwo = await schemasRead(test, () => registerContract(ports(), owner, body(type, '2.1.0')));
    const newMajor = await schemasRead(test, () => registerContract(ports(), owner, body(type, '4.0.0')));
    const another = await schemasRead(test, () =>
      caught(() => registerContract(ports(), stranger, body(type, '5.0.0'))),
    );
    // Assess: each reads the type's first version, which names its owner, and not the versions of a major its claim
    // says the sharing of (scale review, 2026-12-07: 300 versions of 200 KB took a registration past 10 s); another
    // department's new major reads the latest version, to know the type exists (and is not one named after the
    // department)
    expect({ intoTwo, newMajor, another }).toEqual({
      intoTwo: [`${type}@1.0.0`],
      newMajor: [`${type}@1.0.0`],
      another: [`${type}@4.0.0`, `${type}@1.0.0`],
    });
  });

  it('creates a version owned by the caller’s department', async () => {
    // Act
    const result = await registerContract(ports(), owner, body('tax.filing.created', '1.0.0'));
    // Assess
    expect(result).toEqual({
      created: true,
      contract: {
        type: 'tax.filing.created',
        version: '1.0.0',
        major: 1,
        description: 'tax.filing.created 1.0.0',
        sharing: 'open',
        schema,
        ownerDepartment: 'tax',
        createdBy: 'filing',
        createdAt: '2025-03-01T09:00:00.000Z',
      },
    });
    expect(await test.registry.getContractVersion('tax.filing.created', '1.0.0')).toEqual(result.contract);
  });

  // Mutation review, 2026-12-07: the registration's audit entry was never read back, so its actor, action and target
  // (the version included) could be anything without a test failing.
  it('audits the registration as the calling system’s act, naming the type and version', async () => {
    // Act
    await registerContract(ports(), owner, body('tax.filing.audited', '1.2.3'));
    // Assess
    const entries = (await test.registry.listAudit()).filter((e) =>
      e.target.startsWith('contract:tax.filing.audited'),
    );
    expect(entries).toEqual([
      expect.objectContaining({
        action: 'contract.registered',
        actor: owner,
        target: 'contract:tax.filing.audited@1.2.3',
        at: '2025-03-01T09:00:00.000Z',
      }),
    ]);
  });

  it('keeps a schema keyword named __proto__ (an annotation, as any unknown keyword) as sent', async () => {
    // Prepare: JSON.parse makes `__proto__` an own key, as a request body does
    const annotated = JSON.parse('{"type":"object","__proto__":{"note":"kept"}}') as Record<string, unknown>;
    // Act
    const result = await registerContract(
      ports(),
      owner,
      body('tax.filing.annotated', '1.0.0', { schema: annotated }),
    );
    // Assess
    const stored = await test.registry.getContractVersion('tax.filing.annotated', '1.0.0');
    expect(JSON.stringify(result.contract.schema)).toBe('{"type":"object","__proto__":{"note":"kept"}}');
    expect(JSON.stringify(stored?.schema)).toBe('{"type":"object","__proto__":{"note":"kept"}}');
  });

  it('takes a description on several lines, with tabs, and refuses one with other control characters or bidirectional isolates', async () => {
    // Prepare
    const before = await tableSnapshot(test);
    // Act
    const refused = await caught(() =>
      registerContract(
        ports(),
        owner,
        body('tax.filing.described', '1.0.0', { description: 'Filed.\u0007' }),
      ),
    );
    const reordered = await caught(() =>
      registerContract(
        ports(),
        owner,
        body('tax.filing.described', '1.0.0', { description: 'Filed by \u2067the taxpayer\u2069.' }),
      ),
    );
    const unchanged = await tableSnapshot(test);
    const taken = await registerContract(
      ports(),
      owner,
      body('tax.filing.described', '1.0.0', { description: 'Filed.\n\tBy the taxpayer.\r\n' }),
    );
    // Assess
    expect(refused).toMatchObject({
      status: 400,
      code: 'invalid_request',
      fields: [
        { field: '/description', message: 'must not hold control characters but tabs and line breaks' },
      ],
    });
    expect(reordered).toMatchObject({
      status: 400,
      fields: [
        { field: '/description', message: expect.stringMatching(/^must not hold bidirectional embedding/) },
      ],
    });
    expect(unchanged).toEqual(before);
    expect(taken.contract.description).toBe('Filed.\n\tBy the taxpayer.');
  });

  it('answers unchanged with the stored version when the same definition is registered again', async () => {
    // Prepare
    await registerContract(ports(), owner, body('tax.filing.repeated', '1.0.0'));
    const later = { ...ports(), now: clockAt('2025-04-01T00:00:00.000Z') };
    const before = await tableSnapshot(test);
    // Act
    const again = await registerContract(later, sibling, body('tax.filing.repeated', '1.0.0'));
    // Assess
    expect(again.created).toBe(false);
    expect(again.contract).toMatchObject({ createdAt: '2025-03-01T09:00:00.000Z', createdBy: 'filing' });
    expect(await tableSnapshot(test)).toEqual(before);
  });

  it('answers 409 contract_version_conflict when the version exists with another schema', async () => {
    // Prepare
    await registerContract(ports(), owner, body('tax.filing.immutable', '1.0.0'));
    const before = await tableSnapshot(test);
    const changed = body('tax.filing.immutable', '1.0.0', { schema: { type: 'object' } });
    // Act
    const error = await caught(() => registerContract(ports(), owner, changed));
    // Assess
    expect(error).toMatchObject({
      status: 409,
      code: 'contract_version_conflict',
      fields: [{ field: '/version' }, { field: '/schema' }],
    });
    expect(await tableSnapshot(test)).toEqual(before);
    expect((await test.registry.getContractVersion('tax.filing.immutable', '1.0.0'))?.schema).toEqual(schema);
  });

  // Walkthrough review, 2026-12-05: a changed description was answered "already registered with a different schema".
  it.each([
    ['description', { description: 'reworded' }, ['description']],
    [
      'description and schema',
      { description: 'reworded', schema: { type: 'object' } },
      ['schema', 'description'],
    ],
    // Not sharing_needs_new_major: the version itself is what is registered another way.
    ['sharing', { sharing: 'restricted' }, ['sharing']],
  ])(
    'names what differs (%s) when the version exists with another definition',
    async (_, overrides, parts) => {
      // Prepare
      const type = `tax.filing.named-${parts.join('-')}`;
      await registerContract(ports(), owner, body(type, '1.0.0'));
      const before = await tableSnapshot(test);
      // Act
      const error = await caught(() => registerContract(ports(), owner, body(type, '1.0.0', overrides)));
      // Assess
      expect(error).toMatchObject({
        status: 409,
        code: 'contract_version_conflict',
        message: `${type} 1.0.0 is already registered with a different ${parts.join(' and ')}; versions are immutable, register a new version instead.`,
        fields: [
          { field: '/version', message: `already registered with a different ${parts.join(' and ')}` },
          ...parts.map((part) => ({ field: `/${part}`, message: "differs from 1.0.0's as registered" })),
        ],
      });
      expect(await tableSnapshot(test)).toEqual(before);
    },
  );

  it.each([
    ['claims its sharing', true],
    ['was registered before the registry claimed sharing', false],
  ])(
    'names the sharing that differs when a version of a major of several that %s is registered again shared otherwise',
    async (_, claimed) => {
      // Prepare: before, the major's versions were read first, and the other one answered sharing_needs_new_major;
      // now a claimed major's claim is read instead (scale review, 2026-12-07), and the version itself is what
      // differs. An unclaimed major answers the same (diff review): one request, one answer.
      const type = `tax.filing.again-shared-${claimed}`;
      await registerContract(ports(), owner, body(type, '1.0.0'));
      await registerContract(ports(), owner, body(type, '1.1.0'));
      if (!claimed) {
        await test.documentClient.send(
          new DeleteCommand({ TableName: test.tableName, Key: { pk: `CONTRACT#${type}`, sk: 'OWNER' } }),
        );
      }
      const before = await tableSnapshot(test);
      // Act
      const error = await caught(() =>
        registerContract(ports(), owner, body(type, '1.0.0', { sharing: 'restricted' })),
      );
      // Assess
      expect(error).toMatchObject({
        status: 409,
        code: 'contract_version_conflict',
        fields: [{ field: '/version' }, { field: '/sharing' }],
      });
      expect(await tableSnapshot(test)).toEqual(before);
    },
  );

  it('answers 409 sharing_needs_new_major for a version shared otherwise than its major, and writes nothing', async () => {
    // Prepare: subscribers to major 1 were judged on its open sharing.
    await registerContract(ports(), owner, body('tax.filing.shared', '1.0.0'));
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      registerContract(ports(), owner, body('tax.filing.shared', '1.1.0', { sharing: 'restricted' })),
    );
    const unchanged = await tableSnapshot(test);
    const nextMajor = await registerContract(
      ports(),
      owner,
      body('tax.filing.shared', '2.0.0', { sharing: 'restricted' }),
    );
    // Assess
    expect(error).toMatchObject({
      status: 409,
      code: 'sharing_needs_new_major',
      fields: [{ field: '/sharing' }],
    });
    expect(unchanged).toEqual(before);
    expect(nextMajor.created).toBe(true);
  });

  it('holds a major registered before the registry claimed its sharing to its versions’ sharing, writing nothing', async () => {
    // Prepare: 1.0.0 stored as before owner items existed, so no claim of major 1's sharing stands in the way
    await registerContract(ports(), owner, body('tax.filing.unclaimed', '1.0.0'));
    await test.documentClient.send(
      new DeleteCommand({
        TableName: test.tableName,
        Key: { pk: 'CONTRACT#tax.filing.unclaimed', sk: 'OWNER' },
      }),
    );
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      registerContract(ports(), owner, body('tax.filing.unclaimed', '1.1.0', { sharing: 'restricted' })),
    );
    // Assess
    expect(error).toMatchObject({
      status: 409,
      code: 'sharing_needs_new_major',
      message:
        'tax.filing.unclaimed 1.0.0 is shared as "open"; every version of major 1 must be shared alike, so sharing it as "restricted" needs a new major version.',
      fields: [{ field: '/sharing', message: 'major 1 is shared as open' }],
    });
    expect(await tableSnapshot(test)).toEqual(before);
  });

  it('lets only one of two versions of a major registered at once with different sharing in', async () => {
    // Both requests read the major as having no other version, so only the registry's claim decides.
    for (const round of [1, 2, 3, 4, 5]) {
      // Prepare
      const type = `tax.sharing-race.round-${round}`;
      // Act
      const outcomes = await Promise.allSettled([
        registerContract(ports(), owner, body(type, '1.0.0')),
        registerContract(ports(), sibling, body(type, '1.1.0', { sharing: 'restricted' })),
      ]);
      // Assess
      const stored = await test.registry.listContractVersions(type);
      expect(stored).toHaveLength(1);
      const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({
        status: 409,
        code: 'sharing_needs_new_major',
        fields: [{ field: '/sharing', message: `major 1 is shared as ${stored[0]!.sharing}` }],
      });
    }
  });

  it('refuses another department’s new version of a type with 403 not_owner and writes nothing', async () => {
    // Prepare
    await registerContract(ports(), owner, body('revenue.filing.owned', '1.0.0'));
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      registerContract(ports(), stranger, body('revenue.filing.owned', '2.0.0')),
    );
    // Assess
    expect(error).toMatchObject({
      status: 403,
      code: 'not_owner',
      fields: [{ field: '/type', message: 'owned by tax' }],
    });
    expect(await tableSnapshot(test)).toEqual(before);
  });

  it('refuses a type named after another department with 403 type_names_other_department, writing nothing', async () => {
    // Prepare
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() => registerContract(ports(), stranger, body('tax.return.filed', '1.0.0')));
    const afterRefusal = await tableSnapshot(test);
    const own = await registerContract(ports(), stranger, body('housing.account.opened', '1.0.0'));
    const unnamed = await registerContract(ports(), stranger, body('nowhere-dept.account.opened', '1.0.0'));
    // Assess
    expect(error).toMatchObject({
      status: 403,
      code: 'type_names_other_department',
      fields: [{ field: '/type', message: 'names department tax' }],
    });
    expect(afterRefusal).toEqual(before);
    expect([own.created, unnamed.created]).toEqual([true, true]);
  });

  it('refuses a type named after a department made between the check and the write, writing nothing', async () => {
    // Prepare: the department is made just after the use case has looked for it (race review, 2026-12-05)
    const racing = new Proxy(test.registry, {
      get(target, property) {
        if (property === 'getDepartment') {
          return async (id: string) => {
            const seen = await target.getDepartment(id);
            await createDepartment({ registry: target, now: clockAt('2025-03-01T09:00:00.000Z') }, admin, {
              id,
              name: 'Made meanwhile',
            });
            return seen;
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    // Act
    const error = await caught(() =>
      registerContract({ ...ports(), registry: racing }, stranger, body('late-dept.return.filed', '1.0.0')),
    );
    // Assess
    expect(await test.registry.getDepartment('late-dept')).toMatchObject({ name: 'Made meanwhile' });
    expect(error).toMatchObject({
      status: 403,
      code: 'type_names_other_department',
      fields: [{ field: '/type', message: 'names department late-dept' }],
    });
    expect(await test.registry.listContractVersions('late-dept.return.filed')).toEqual([]);
  });

  it('keeps a type with its owner when a department named like its first segment is made later', async () => {
    // Prepare
    await registerContract(ports(), owner, body('filing-desk.return.filed', '1.0.0'));
    await onboard(test.registry, 'filing-desk', ['clerk']);
    // Act
    const again = await registerContract(ports(), owner, body('filing-desk.return.filed', '1.0.0'));
    const next = await registerContract(ports(), owner, body('filing-desk.return.filed', '1.1.0'));
    // Assess
    expect([again.created, next.created]).toEqual([false, true]);
  });

  it('lets exactly one of two departments registering the same new type at once own it', async () => {
    // Both requests read the type as unregistered before either writes, so only the registry's claim decides.
    for (const round of [1, 2, 3, 4, 5]) {
      // Prepare
      const type = `revenue.race.round-${round}`;
      // Act
      const outcomes = await Promise.allSettled([
        registerContract(ports(), owner, body(type, '1.0.0')),
        registerContract(ports(), stranger, body(type, '1.0.0')),
      ]);
      // Assess
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const winner = (won[0] as PromiseFulfilledResult<{ contract: { ownerDepartment: string } }>).value
        .contract;
      expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({
        status: 403,
        code: 'not_owner',
        fields: [{ field: '/type', message: `owned by ${winner.ownerDepartment}` }],
      });
      const stored = await test.registry.listContractVersions(type);
      expect(stored.map((c) => c.ownerDepartment)).toEqual([winner.ownerDepartment]);
    }
  });

  it('takes a schema of exactly 256 KB as JSON and refuses one byte more with 413 schema_too_large, writing nothing', async () => {
    // Prepare
    const sized = (bytes: number) => {
      const empty = JSON.stringify({ type: 'object', description: '' }).length;
      return { type: 'object', description: 'x'.repeat(bytes - empty) };
    };
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      registerContract(ports(), owner, body('tax.filing.sized', '1.0.0', { schema: sized(262_145) })),
    );
    const afterRefusal = await tableSnapshot(test);
    const taken = await registerContract(
      ports(),
      owner,
      body('tax.filing.sized', '1.0.0', { schema: sized(262_144) }),
    );
    // Assess
    expect(error).toMatchObject({
      status: 413,
      code: 'schema_too_large',
      message: "The schema is 262145 bytes as JSON; a contract's schema may be at most 262144 bytes.",
      fields: [{ field: '/schema', message: 'is 262145 bytes, over 262144' }],
    });
    expect(afterRefusal).toEqual(before);
    expect(taken.created).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(taken.contract.schema))).toBe(262_144);
  });

  it('refuses the admin key, which belongs to no department', async () => {
    // Act
    const error = await caught(() => registerContract(ports(), admin, body('tax.filing.admin', '1.0.0')));
    // Assess
    expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await test.registry.listContractVersions('tax.filing.admin')).toEqual([]);
  });

  it.each([
    {
      name: 'a draft-07 schema with an unknown type',
      bad: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        properties: { companyId: { type: 'strin' } },
      },
      field: '/schema/properties/companyId/type',
    },
    {
      name: 'a 2020-12 schema whose required is not a list',
      bad: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', required: 'companyId' },
      field: '/schema/required',
    },
    {
      name: 'a draft-04 schema',
      bad: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
      field: '/schema/$schema',
    },
    // Names every JavaScript object has, which the validator reads from plain objects of its own (session 51).
    {
      name: 'a property named __proto__ under properties',
      bad: JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}'),
      field: '/schema/properties/__proto__',
    },
    {
      name: 'a $dynamicAnchor named constructor',
      bad: { $dynamicAnchor: 'constructor', type: 'object' },
      field: '/schema/$dynamicAnchor',
    },
    {
      name: 'a $ref through a name its $defs does not hold',
      bad: { $defs: { n: { type: 'number' } }, properties: { a: { $ref: '#/$defs/constructor' } } },
      field: '/schema/properties/a/$ref',
    },
    // Registered before, its probes' rejected promises ended the process and every event passed (session 52).
    {
      name: 'a schema asking for asynchronous validation',
      bad: { type: 'object', properties: { a: { $async: true, type: 'string' } } },
      field: '/schema/properties/a/$async',
    },
  ])('refuses $name with 400 invalid_schema naming $field', async ({ bad, field }) => {
    // Prepare
    const before = await tableSnapshot(test);
    // Act
    const error = await caught(() =>
      registerContract(ports(), owner, body('tax.filing.invalid', '1.0.0', { schema: bad })),
    );
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'invalid_schema' });
    expect((error as SharebusError).fields.map((f) => f.field)).toContain(field);
    expect(await tableSnapshot(test)).toEqual(before);
  });

  it.each([
    {
      dialect: 'draft-07',
      type: 'tax.dialect.draft-seven',
      schema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        definitions: { id: { type: 'string' } },
        // Tuple `items` is draft-07 only: 2020-12 refuses it, so this proves the dialect is honoured.
        properties: { pair: { items: [{ $ref: '#/definitions/id' }] } },
      },
    },
    {
      dialect: '2020-12',
      type: 'tax.dialect.twenty-twenty',
      schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $defs: { id: { type: 'string' } },
        properties: { pair: { prefixItems: [{ $ref: '#/$defs/id' }] } },
      },
    },
  ])('accepts a valid $dialect schema', async ({ type, schema: valid }) => {
    // Act
    const result = await registerContract(ports(), owner, body(type, '1.0.0', { schema: valid }));
    // Assess
    expect(result.created).toBe(true);
    expect(result.contract.schema).toEqual(valid);
  });
});

describe('listContracts and getContract', () => {
  it('reads the catalogue from an index without schemas: DynamoDB bills what the index holds', async () => {
    // Prepare: versions whose schemas pass 1 MB in all. Read through the collections index, which holds each version
    // whole, a Query read 1 MB a call: a type of 100 versions of 200 KB took the first page 2 s, one of 500 past the
    // function's 10 s (scale review, 2026-12-07). DynamoDB Local still reads the whole items to cut a Query at 1 MB,
    // but bills as DynamoDB does, by what the index holds.
    for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0']) {
      await registerContract(
        ports(),
        owner,
        body('tax.catalogue.large', version, {
          schema: { type: 'object', description: 'y'.repeat(200_000) },
        }),
      );
    }
    const queries: { index: unknown; units: number }[] = [];
    const name = `catalogueQueries-${process.pid}`;
    test.documentClient.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { IndexName?: unknown; ReturnConsumedCapacity?: string };
        input.ReturnConsumedCapacity = 'TOTAL';
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: { CapacityUnits?: number } };
        queries.push({ index: input.IndexName, units: output.ConsumedCapacity?.CapacityUnits ?? Number.NaN });
        return result;
      },
      { step: 'initialize', name },
    );
    try {
      // Act
      const listed = await listContracts(ports(), undefined, { pageBytes: 10_000_000, perRead: 100 });
      // Assess
      expect(listed.contracts.find((c) => c.type === 'tax.catalogue.large')?.latestVersion).toBe('1.5.0');
    } finally {
      test.documentClient.middlewareStack.remove(name);
    }
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.map((query) => query.index)).toEqual(queries.map(() => 'catalogue'));
    // Through the collections index, the six versions alone were 150 read units (half a unit per 4 KB)
    const units = queries.reduce((sum, query) => sum + query.units, 0);
    expect(units).toBeLessThan(10);
  });

  it('lists one entry per type with versions in semver order and the latest version’s description', async () => {
    // Prepare
    // Sharing may change only with the major version.
    for (const version of ['2.0.0', '1.10.0', '1.2.0', '1.9.3']) {
      await registerContract(
        ports(),
        owner,
        body('tax.order.listed', version, {
          description: `described at ${version}`,
          sharing: version === '2.0.0' ? 'conditional' : 'open',
        }),
      );
    }
    await registerContract(ports(), owner, body('tax.order.another', '1.0.0'));
    // Act
    const listed = (await listContracts(ports())).contracts.filter((c) => c.type.startsWith('tax.order.'));
    // Assess
    expect(listed).toEqual([
      {
        type: 'tax.order.another',
        owner: 'tax',
        sharing: 'open',
        description: 'tax.order.another 1.0.0',
        latestVersion: '1.0.0',
        versions: ['1.0.0'],
        majors: [{ major: 1, sharing: 'open', latestVersion: '1.0.0' }],
      },
      {
        type: 'tax.order.listed',
        owner: 'tax',
        sharing: 'conditional',
        description: 'described at 2.0.0',
        latestVersion: '2.0.0',
        versions: ['1.2.0', '1.9.3', '1.10.0', '2.0.0'],
        majors: [
          { major: 1, sharing: 'open', latestVersion: '1.10.0' },
          { major: 2, sharing: 'conditional', latestVersion: '2.0.0' },
        ],
      },
    ]);
  });

  it('says which majors of a type are open: the latest version’s sharing alone hid an open major', async () => {
    // Prepare: major 1 open (any department may subscribe to it and receives its events), major 2 restricted.
    await registerContract(ports(), owner, body('tax.split.majors', '1.0.0', { sharing: 'open' }));
    await registerContract(ports(), owner, body('tax.split.majors', '2.0.0', { sharing: 'restricted' }));
    // Act
    const listed = (await listContracts(ports())).contracts.find((c) => c.type === 'tax.split.majors');
    // Assess
    expect(listed?.sharing).toBe('restricted');
    expect(listed?.majors).toEqual([
      { major: 1, sharing: 'open', latestVersion: '1.0.0' },
      { major: 2, sharing: 'restricted', latestVersion: '2.0.0' },
    ]);
  });

  it('pages the catalogue by type, every type once and whole, also when its versions span reads', async () => {
    // Prepare: a registry of its own, 7 types of 1 to 5 versions, descriptions of 300 bytes
    const own = await freshRegistry();
    const registryPorts = { registry: own.registry, validator, now: clockAt('2025-03-01T09:00:00.000Z') };
    const taxOwner = (await onboard(own.registry, 'tax', ['filing'])).principals.filing!;
    const types = ['tax.a', 'tax.a.b', 'tax.a-b', 'tax.b', 'tax.c', 'tax.d', 'tax.e'];
    const expected = [];
    for (const [index, type] of types.entries()) {
      const versions = Array.from({ length: (index % 5) + 1 }, (_, i) => `1.${i}.0`);
      for (const version of versions) {
        await registerContract(
          registryPorts,
          taxOwner,
          body(type, version, { description: 'd'.repeat(type === 'tax.a' ? 700 : 300) }),
        );
      }
      expected.push({ type, versions });
    }
    const limits = { pageBytes: 1_100, perRead: 3 };
    // Act
    const pages = [await listContracts(registryPorts, undefined, limits)];
    for (let token = pages[0]!.nextToken; token !== undefined; token = pages.at(-1)!.nextToken) {
      pages.push(await listContracts(registryPorts, token, limits));
    }
    const whole = await listContracts(registryPorts);
    // Assess: as gsi1 sorts them ('tax.a' < 'tax.a-b' < 'tax.a.b'), two summaries of about 400 bytes a page, but
    // 'tax.a' of 800 alone: the second page starts after a type that the next two types begin with
    const byKey = [...expected].sort((x, y) => (`${x.type}#` < `${y.type}#` ? -1 : 1));
    expect(pages.map((page) => page.contracts.map((c) => c.type))).toEqual([
      ['tax.a'],
      ['tax.a-b', 'tax.a.b'],
      ['tax.b', 'tax.c'],
      ['tax.d', 'tax.e'],
    ]);
    expect(pages.flatMap((page) => page.contracts.map(({ type, versions }) => ({ type, versions })))).toEqual(
      byKey,
    );
    expect(whole.nextToken).toBeUndefined();
    expect(whole.contracts).toEqual(pages.flatMap((page) => page.contracts));
  });

  it('answers 400 invalid_next_token for a catalogue token it did not give', async () => {
    // Prepare
    const token = (fields: unknown) => Buffer.from(JSON.stringify(fields)).toString('base64url');
    const before = await tableSnapshot(test);
    const tokens = [
      'not a token!',
      token({ after: 'tax.order.listed' }),
      token({ list: 'contracts', after: 'Not A Type' }),
      token({ type: 'tax.order.listed', after: '1.0.0' }),
      token({ list: 'contracts', after: 'zz.past.the-end' }),
    ];
    // Act
    const errors = await Promise.all(tokens.map((t) => caught(() => listContracts(ports(), t))));
    // Assess
    for (const error of errors) {
      expect(error).toMatchObject({ status: 400, code: 'invalid_next_token' });
      expect((error as SharebusError).fields).toEqual([{ field: 'nextToken', message: expect.any(String) }]);
    }
    expect(await tableSnapshot(test)).toEqual(before);
  });

  it('shows every version of a type, oldest first, in its public view', async () => {
    // Prepare
    await registerContract(ports(), owner, body('tax.order.shown', '2.0.0'));
    await registerContract(ports(), owner, body('tax.order.shown', '1.0.0'));
    // Act
    const shown = await getContract(ports(), 'tax.order.shown');
    // Assess
    expect(shown).toEqual({
      type: 'tax.order.shown',
      owner: 'tax',
      versions: ['1.0.0', '2.0.0'].map((version) => ({
        type: 'tax.order.shown',
        version,
        description: `tax.order.shown ${version}`,
        sharing: 'open',
        owner: 'tax',
        schema,
        createdAt: '2025-03-01T09:00:00.000Z',
      })),
    });
  });

  it('pages a type whose versions would not fit one answer, every version once and in order', async () => {
    // Prepare: 12 versions with schemas of about 240 KB (30 fit the registry's item, 10 fit an answer)
    const big = {
      type: 'object',
      description: 'x'.repeat(240 * 1024),
      properties: { companyId: { type: 'string' } },
    };
    const versions = Array.from({ length: 12 }, (_, i) => `1.${i}.0`);
    for (const version of versions) {
      await registerContract(ports(), owner, body('tax.order.paged', version, { schema: big }));
    }
    // Act
    const pages = [await getContract(ports(), 'tax.order.paged')];
    for (let token = pages[0]!.nextToken; token !== undefined; token = pages.at(-1)!.nextToken) {
      pages.push(await getContract(ports(), 'tax.order.paged', token));
    }
    // Assess
    expect(pages.map((page) => page.versions.length)).toEqual([10, 2]);
    expect(pages.flatMap((page) => page.versions.map((v) => v.version))).toEqual(versions);
    expect(pages.flatMap((page) => page.versions.map((v) => v.schema))).toEqual(versions.map(() => big));
    for (const page of pages) {
      expect(page).toMatchObject({ type: 'tax.order.paged', owner: 'tax' });
      expect(Buffer.byteLength(JSON.stringify(page))).toBeLessThan(CONTRACT_PAGE_BYTES + 1_000);
    }
  });

  it('answers 400 invalid_next_token, naming nextToken, for a token it did not give for that type', async () => {
    // Prepare
    await registerContract(ports(), owner, body('tax.order.tokens', '1.0.0'));
    const token = (fields: unknown) => Buffer.from(JSON.stringify(fields)).toString('base64url');
    const tokens = {
      garbage: 'not a token!',
      notJson: Buffer.from('{').toString('base64url'),
      noVersion: token({ type: 'tax.order.tokens' }),
      badVersion: token({ type: 'tax.order.tokens', after: '1.0' }),
      otherType: token({ type: 'tax.order.shown', after: '1.0.0' }),
      pastTheEnd: token({ type: 'tax.order.tokens', after: '9.0.0' }),
      // A good token with characters Buffer's base64url decoding skips: read as the token before, it was taken
      trailing: `${token({ type: 'tax.order.tokens', after: '0.0.1' })}!!`,
    };
    // Act
    const errors = await Promise.all(
      Object.values(tokens).map((t) => caught(() => getContract(ports(), 'tax.order.tokens', t))),
    );
    // Assess
    for (const error of errors) {
      expect(error).toMatchObject({
        status: 400,
        code: 'invalid_next_token',
        fields: [{ field: 'nextToken', message: expect.any(String) }],
      });
    }
    expect((errors[4] as SharebusError).message).toMatch(/another contract type/);
  });

  it('answers 404 unknown_contract for a type nobody registered', async () => {
    // Act
    const error = await caught(() => getContract(ports(), 'tax.order.missing'));
    // Assess
    expect(error).toMatchObject({ status: 404, code: 'unknown_contract' });
  });
});
