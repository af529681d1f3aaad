import fc from 'fast-check';
import { z } from 'zod';
import {
  BUS_SOURCE_PREFIX,
  buildEnvelope,
  busSource,
  CloudEventSchema,
  cloudEventSchemaFor,
  dataschemaFor,
  departmentOfBusSource,
  ENVELOPE_JSON_SCHEMA,
  InvalidDataschemaError,
  InvalidEnvelopeError,
  majorPrefix,
  parseDataschema,
  parseEnvelope,
} from '../../../contracts/index.js';
import { strictAjv } from './ajv.js';

const input = {
  id: '7d4b6c1e-3f7a-4f0e-9a51-2b8f1c0d9e11',
  source: 'tax',
  type: 'tax.registration.completed',
  version: '1.2.0',
  time: '2025-03-06T11:20:00+08:00',
  data: { applicationId: 'EST-20250303-0001', taxpayerType: 'small-scale' },
};

describe('dataschema helpers', () => {
  it('names a contract version as a URN', () => {
    expect(dataschemaFor('tax.registration.completed', '1.2.0')).toBe(
      'urn:sharebus:contract:tax.registration.completed:1.2.0',
    );
  });

  it('parses the URN back into type and version for any valid pair', () => {
    const segment = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const type = fc.array(segment, { minLength: 2, maxLength: 4 }).map((parts) => parts.join('.'));
    const version = fc.tuple(fc.nat(), fc.nat(), fc.nat()).map((parts) => parts.join('.'));
    fc.assert(
      fc.property(type, version, (t, v) => {
        // Act
        const parsed = parseDataschema(dataschemaFor(t, v));

        // Assess
        expect(parsed).toEqual({ type: t, version: v });
      }),
    );
  });

  it.each([
    'urn:sharebus:contract:tax.registration.completed',
    'urn:sharebus:contract:tax.registration.completed:1.2',
    'urn:sharebus:contract:tax:1.2.0',
    'urn:sharebus:contract:tax.registration.completed:01.2.0',
    'urn:other:contract:tax.registration.completed:1.2.0',
    'https://example.org/schemas/tax.registration.completed/1.2.0',
  ])('rejects the malformed dataschema %p', (uri) => {
    // Act
    const act = () => parseDataschema(uri);

    // Assess
    expect(act).toThrow(InvalidDataschemaError);
    expect(act).toThrow(`dataschema ${JSON.stringify(uri)} must look like urn:sharebus:contract:<type>:`);
  });

  it('refuses to build a dataschema from a bad type or version', () => {
    expect(() => dataschemaFor('registration', '1.0.0')).toThrow('at least two dot-separated segments');
    expect(() => dataschemaFor('tax.registration', '1.0')).toThrow('must have three parts');
  });

  it('gives a major prefix that matches every minor and patch of that major only', () => {
    // Prepare
    const prefix = majorPrefix('tax.registration.completed', 1);

    // Act + Assess
    expect(prefix).toBe('urn:sharebus:contract:tax.registration.completed:1.');
    expect(dataschemaFor('tax.registration.completed', '1.0.0').startsWith(prefix)).toBe(true);
    expect(dataschemaFor('tax.registration.completed', '1.14.3').startsWith(prefix)).toBe(true);
    expect(dataschemaFor('tax.registration.completed', '10.0.0').startsWith(prefix)).toBe(false);
    expect(dataschemaFor('tax.registration.completed', '2.1.0').startsWith(prefix)).toBe(false);
    expect(dataschemaFor('tax.registration.completed-v2', '1.0.0').startsWith(prefix)).toBe(false);
  });

  it('refuses a major that is not a non-negative integer', () => {
    expect(() => majorPrefix('tax.registration.completed', -1)).toThrow('major version -1');
    expect(() => majorPrefix('tax.registration.completed', 1.5)).toThrow('major version 1.5');
  });
});

describe('buildEnvelope and parseEnvelope', () => {
  it('builds a CloudEvents 1.0 envelope that parses back unchanged', () => {
    // Act
    const envelope = buildEnvelope({ ...input, subject: 'EST-20250303-0001', correlationId: 'corr-42' });
    const parsed = parseEnvelope(JSON.parse(JSON.stringify(envelope)));

    // Assess
    expect(envelope).toEqual({
      specversion: '1.0',
      id: input.id,
      source: 'tax',
      type: 'tax.registration.completed',
      time: '2025-03-06T11:20:00+08:00',
      datacontenttype: 'application/json',
      dataschema: 'urn:sharebus:contract:tax.registration.completed:1.2.0',
      subject: 'EST-20250303-0001',
      correlationid: 'corr-42',
      data: input.data,
    });
    expect(parsed).toEqual(envelope);
    expect(parseDataschema(parsed.dataschema)).toEqual({ type: input.type, version: input.version });
  });

  it('leaves out subject and correlationid when not given', () => {
    // Act
    const envelope = buildEnvelope(input);

    // Assess
    expect(Object.keys(envelope)).not.toContain('subject');
    expect(Object.keys(envelope)).not.toContain('correlationid');
  });

  it('writes a Date time as an RFC 3339 UTC timestamp', () => {
    // Act
    const envelope = buildEnvelope({ ...input, time: new Date(Date.UTC(2025, 2, 6, 3, 20)) });

    // Assess
    expect(envelope.time).toBe('2025-03-06T03:20:00.000Z');
  });

  it.each([
    [{ id: '' }, 'id: id must not be empty'],
    [{ source: 'Tax' }, 'source: department id "Tax" must start with a lowercase letter'],
    [{ type: 'registration' }, 'type: contract type "registration" must have at least two'],
    [{ version: '1.2' }, 'dataschema: dataschema "urn:sharebus:contract:tax.registration.completed:1.2"'],
    [{ time: '2025-03-06 11:20:00' }, 'time: time "2025-03-06 11:20:00" must be an RFC 3339 timestamp'],
    [{ time: '2025-03-06T11:20:00' }, 'must be an RFC 3339 timestamp with a zone'],
    [{ subject: '' }, 'subject: subject must not be empty when present'],
  ])('refuses to build with %p and names the attribute', (override, message) => {
    // Act
    const act = () => buildEnvelope({ ...input, ...override });

    // Assess
    expect(act).toThrow(InvalidEnvelopeError);
    expect(act).toThrow(message);
  });

  it('parses an envelope whose subject a CloudEvents string may not hold, as published before the API refused it', () => {
    // Act: an event on the bus, in a retry or in the archive since before, delivered now
    const envelope = { ...buildEnvelope(input), subject: 'a\tb', correlationid: 'c\udc00' };
    // Assess
    expect(parseEnvelope(envelope)).toEqual(envelope);
  });

  it('rejects an envelope whose dataschema names another contract than its type', () => {
    // Prepare
    const envelope = {
      ...buildEnvelope(input),
      dataschema: dataschemaFor('tax.registration.revoked', '1.0.0'),
    };

    // Act
    const act = () => parseEnvelope(envelope);

    // Assess
    expect(act).toThrow(
      'dataschema: dataschema names contract "tax.registration.revoked" but type is "tax.registration.completed"',
    );
  });

  it.each([
    ['specversion', '0.3', 'specversion must be "1.0"'],
    ['datacontenttype', 'application/xml', 'datacontenttype must be "application/json"'],
  ])('rejects %s %p', (attribute, value, message) => {
    expect(() => parseEnvelope({ ...buildEnvelope(input), [attribute]: value })).toThrow(message);
  });

  it('rejects an envelope without data or with an unknown attribute', () => {
    // Prepare
    const { data: _data, ...withoutData } = buildEnvelope(input);

    // Act + Assess
    expect(() => parseEnvelope(withoutData)).toThrow('data');
    expect(() => parseEnvelope({ ...buildEnvelope(input), traceparent: '00-abc' })).toThrow('traceparent');
  });

  it('checks data against a contract schema when given one', () => {
    // Prepare
    const schema = cloudEventSchemaFor(z.object({ applicationId: z.string(), taxpayerType: z.string() }));
    const envelope = buildEnvelope(input);

    // Act
    const good = schema.safeParse(envelope);
    const bad = schema.safeParse({ ...envelope, data: { applicationId: 7 } });

    // Assess
    expect(good.success).toBe(true);
    expect(bad.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'data.applicationId',
      'data.taxpayerType',
    ]);
  });
});

describe('ENVELOPE_JSON_SCHEMA', () => {
  it('is draft 2020-12 and agrees with the zod schema on good and bad envelopes', () => {
    // Prepare
    const validate = strictAjv().compile(ENVELOPE_JSON_SCHEMA);
    const good = buildEnvelope({ ...input, correlationId: 'corr-42' });

    // Act + Assess
    expect(ENVELOPE_JSON_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(validate(good)).toBe(true);
    for (const bad of [
      { ...good, specversion: '0.3' },
      { ...good, time: 'yesterday' },
      { ...good, dataschema: 'urn:sharebus:contract:tax.registration.completed:v1' },
      { ...good, extra: true },
    ]) {
      expect(validate(bad)).toBe(false);
      expect(CloudEventSchema.safeParse(bad).success).toBe(false);
    }
  });
});

describe('bus mapping', () => {
  it('maps a department to its bus source and back', () => {
    expect(BUS_SOURCE_PREFIX).toBe('sharebus.');
    expect(busSource('housing-fund')).toBe('sharebus.housing-fund');
    expect(departmentOfBusSource('sharebus.housing-fund')).toBe('housing-fund');
    expect(departmentOfBusSource('aws.events')).toBeUndefined();
    expect(departmentOfBusSource('sharebus.Tax')).toBeUndefined();
    expect(() => busSource('Tax')).toThrow('department id "Tax" must start with a lowercase letter');
  });
});
