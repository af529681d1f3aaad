import { z } from 'zod';
import {
  type DataOf,
  defineContract,
  InvalidContractDefinitionError,
  InvalidEventDataError,
  parseEnvelope,
} from '../../../contracts/index.js';
import { strictAjv } from './ajv.js';

const permitIssued = defineContract({
  type: 'fire-safety.permit.issued',
  version: '2.1.0',
  description: 'The fire brigade issued a fire safety permit for the premises.',
  sharing: 'conditional',
  owner: 'fire-safety',
  data: z.object({
    permitId: z.string().regex(/^FS-\d{6}$/),
    premises: z.object({ address: z.string().min(1), floorAreaM2: z.number().positive() }),
    inspectors: z.array(z.string()).min(1),
    remarks: z.string().optional(),
    issuedAt: z.iso.datetime({ offset: true }),
  }),
});

const goodData: DataOf<typeof permitIssued> = {
  permitId: 'FS-000417',
  premises: { address: 'No. 9 Willow Street', floorAreaM2: 320.5 },
  inspectors: ['Zhao Min'],
  issuedAt: '2025-03-05T10:00:00+08:00',
};

describe('defineContract', () => {
  it('keeps the definition and names the version as a dataschema URN', () => {
    expect(permitIssued).toMatchObject({
      type: 'fire-safety.permit.issued',
      version: '2.1.0',
      description: 'The fire brigade issued a fire safety permit for the premises.',
      sharing: 'conditional',
      owner: 'fire-safety',
      dataschema: 'urn:sharebus:contract:fire-safety.permit.issued:2.1.0',
    });
  });

  it('generates a JSON Schema 2020-12 that Ajv compiles in strict mode', () => {
    // Act
    const validate = strictAjv().compile(permitIssued.schema);

    // Assess
    expect(permitIssued.schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'fire-safety.permit.issued',
      description: 'The fire brigade issued a fire safety permit for the premises.',
      type: 'object',
      required: ['permitId', 'premises', 'inspectors', 'issuedAt'],
    });
    expect(validate(goodData)).toBe(true);
    expect(validate({ ...goodData, remarks: 'Sprinklers checked' })).toBe(true);
  });

  it.each([
    ['a missing required field', { ...goodData, permitId: undefined }],
    ['a value breaking a pattern', { ...goodData, permitId: 'FS-41' }],
    ['a wrong type in a nested object', { ...goodData, premises: { address: 'x', floorAreaM2: '320' } }],
    ['an empty array that needs an item', { ...goodData, inspectors: [] }],
    ['a timestamp without a zone', { ...goodData, issuedAt: '2025-03-05T10:00:00' }],
    ['a field the contract does not declare', { ...goodData, ownerPhone: '13800000000' }],
  ])('produces a schema that rejects data with %s', (_case, data) => {
    // Prepare
    const validate = strictAjv().compile(permitIssued.schema);

    // Act
    const valid = validate(JSON.parse(JSON.stringify(data)));

    // Assess
    expect(valid).toBe(false);
  });

  it('gives the POST /contracts body as plain JSON that cannot change the contract', () => {
    // Act
    const body = permitIssued.registration();
    (body.schema as Record<string, unknown>).title = 'tampered';

    // Assess
    expect(Object.keys(body).sort()).toEqual(['description', 'schema', 'sharing', 'type', 'version']);
    expect(body).toMatchObject({
      type: 'fire-safety.permit.issued',
      version: '2.1.0',
      sharing: 'conditional',
    });
    expect(JSON.parse(JSON.stringify(permitIssued.registration()))).toEqual(permitIssued.registration());
    expect(permitIssued.schema.title).toBe('fire-safety.permit.issued');
  });

  it.each([
    [{ type: 'permit' }, 'contract "permit" is invalid: type: contract type "permit" must have at least two'],
    [{ version: '2.1' }, 'version: version "2.1" must have three parts'],
    [{ version: '2.1.0-beta' }, 'version: version "2.1.0-beta" has a pre-release or build suffix'],
    [{ sharing: 'public' }, 'sharing: sharing "public" must be one of open, conditional, restricted'],
    [{ owner: 'Fire' }, 'owner: department id "Fire" must start with a lowercase letter'],
    [{ description: '  ' }, 'description: description must not be empty'],
    [{ data: z.string() }, 'data: data must be a zod object schema'],
  ])('refuses the definition %p, naming the field', (override, message) => {
    // Prepare
    const definition = {
      type: 'fire-safety.permit.issued',
      version: '1.0.0',
      description: 'A permit.',
      sharing: 'open',
      owner: 'fire-safety',
      data: z.object({ permitId: z.string() }),
      ...override,
    };

    // Act
    const act = () => defineContract(definition as Parameters<typeof defineContract>[0]);

    // Assess
    expect(act).toThrow(InvalidContractDefinitionError);
    expect(act).toThrow(message);
  });

  it('refuses data that has no JSON Schema form', () => {
    // Act
    const act = () =>
      defineContract({
        type: 'fire-safety.permit.issued',
        version: '1.0.0',
        description: 'A permit.',
        sharing: 'open',
        owner: 'fire-safety',
        data: z.object({ issuedAt: z.date() }),
      });

    // Assess
    expect(act).toThrow(InvalidContractDefinitionError);
    expect(act).toThrow('data: data cannot be expressed as JSON Schema');
  });

  it('builds an envelope from the owner with checked data', () => {
    // Act
    const event = permitIssued.event({ id: 'evt-1', time: goodData.issuedAt, data: goodData });

    // Assess
    expect(parseEnvelope(event)).toEqual(event);
    expect(event).toMatchObject({
      source: 'fire-safety',
      type: 'fire-safety.permit.issued',
      dataschema: 'urn:sharebus:contract:fire-safety.permit.issued:2.1.0',
      data: goodData,
    });
  });

  it('refuses to build an envelope whose data breaks the contract, naming the field', () => {
    // Prepare
    const data = { ...goodData, premises: { address: 'x', floorAreaM2: -1 } };

    // Act
    const act = () => permitIssued.event({ id: 'evt-1', time: goodData.issuedAt, data });

    // Assess
    expect(act).toThrow(InvalidEventDataError);
    expect(act).toThrow(
      'data of fire-safety.permit.issued does not match its contract: data.premises.floorAreaM2',
    );
  });

  it('types the data of a contract', () => {
    // Prepare
    type PermitData = DataOf<typeof permitIssued>;
    const typeName: (typeof permitIssued)['type'] = 'fire-safety.permit.issued';

    // Act
    const remarks: PermitData['remarks'] = undefined;
    // @ts-expect-error floorAreaM2 is a number, so the contract's type refuses a string
    const wrong: PermitData['premises'] = { address: 'x', floorAreaM2: '320' };
    // @ts-expect-error the contract has no field called ownerPhone
    const unknownField: PermitData['ownerPhone'] = '13800000000';

    // Assess
    expect([typeName, remarks, wrong, unknownField]).toHaveLength(4);
  });
});
