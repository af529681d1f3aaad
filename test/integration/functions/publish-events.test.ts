import { registerContract } from '../../../functions/contracts/contracts.js';
import { MAX_BATCH, MAX_EVENT_BYTES, publishEvents } from '../../../functions/publish/publish-events.js';
import { entrySize } from '../../../functions/shared/bus.js';
import { ContractResolver } from '../../../functions/shared/contract-resolver.js';
import {
  BusRejectedError,
  BusUnavailableError,
  type SharebusError,
} from '../../../functions/shared/errors.js';
import { problemOf } from '../../../functions/shared/problem.js';
import type { Principal } from '../../../functions/shared/registry/registry.js';
import { SchemaValidator } from '../../../functions/shared/schema-validator.js';
import {
  admin,
  caught,
  clockAt,
  closeClients,
  freshRegistry,
  onboard,
  RecordingBus,
  type TestRegistry,
} from './harness.js';

const TYPE = 'tax.company.registered';
const NOW = '2025-05-06T07:08:09.000Z';

let test: TestRegistry;
let filing: Principal;
let grants: Principal;
// One per file, as in a warm function: the cache is keyed by immutable contract versions.
const validator = new SchemaValidator();

const schema = {
  type: 'object',
  properties: { companyId: { type: 'string' }, employees: { type: 'integer' } },
  required: ['companyId'],
  additionalProperties: false,
};

/** The use case with a recording bus and ids `evt-1`, `evt-2`, ... */
function setUp() {
  const bus = new RecordingBus();
  let next = 0;
  const ports = {
    bus,
    contracts: new ContractResolver(test.registry),
    validator,
    now: clockAt(NOW),
    newId: () => `evt-${++next}`,
  };
  return { bus, ports };
}

beforeAll(async () => {
  test = await freshRegistry();
  filing = (await onboard(test.registry, 'tax', ['filing'])).principals.filing!;
  grants = (await onboard(test.registry, 'housing', ['grants'])).principals.grants!;
  const ports = { registry: test.registry, validator, now: clockAt(NOW) };
  // Registered out of order: the latest is 1.10.0 by semver, not the last registered nor the largest string.
  for (const version of ['1.10.0', '1.0.0', '1.9.0']) {
    await registerContract(ports, filing, {
      type: TYPE,
      version,
      description: TYPE,
      sharing: 'open',
      schema,
    });
  }
});
afterAll(() => closeClients());

describe('publishEvents', () => {
  it('puts one CloudEvent on the bus under the department’s source with the contract type as detail-type', async () => {
    // Prepare
    const { bus, ports } = setUp();
    // Act
    const result = await publishEvents(ports, filing, {
      type: TYPE,
      version: '1.0.0',
      subject: 'company/42',
      correlationId: 'corr-7',
      data: { companyId: '42' },
    });
    // Assess
    expect(result).toEqual({ batch: false, events: [{ id: 'evt-1', type: TYPE, version: '1.0.0' }] });
    expect(bus.publishCalls).toHaveLength(1);
    const [entry] = bus.entries;
    expect(entry).toMatchObject({
      eventId: 'evt-1',
      source: 'sharebus.tax',
      detailType: TYPE,
      time: new Date(NOW),
    });
    expect(JSON.parse(entry!.detail)).toEqual({
      specversion: '1.0',
      id: 'evt-1',
      source: 'tax',
      type: TYPE,
      time: NOW,
      datacontenttype: 'application/json',
      dataschema: `urn:sharebus:contract:${TYPE}:1.0.0`,
      subject: 'company/42',
      correlationid: 'corr-7',
      data: { companyId: '42' },
    });
  });

  it('uses the latest version by semver when the event names none', async () => {
    // Prepare
    const { bus, ports } = setUp();
    // Act
    const result = await publishEvents(ports, filing, { type: TYPE, data: { companyId: '42' } });
    // Assess
    expect(result.events[0]?.version).toBe('1.10.0');
    expect(JSON.parse(bus.entries[0]!.detail).dataschema).toBe(`urn:sharebus:contract:${TYPE}:1.10.0`);
  });

  it('publishes a batch in one call to the bus and answers the ids in order', async () => {
    // Prepare
    const { bus, ports } = setUp();
    const events = [1, 2, 3].map((n) => ({ type: TYPE, data: { companyId: `c${n}`, employees: n } }));
    // Act
    const result = await publishEvents(ports, filing, { events });
    // Assess
    expect(result.batch).toBe(true);
    expect(result.events.map((e) => e.id)).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(bus.publishCalls).toHaveLength(1);
    expect(bus.entries.map((e) => JSON.parse(e.detail).data.companyId)).toEqual(['c1', 'c2', 'c3']);
  });

  it('sends nothing to the bus when one event of a batch fails its schema, naming the field', async () => {
    // Prepare
    const { bus, ports } = setUp();
    const events = [
      { type: TYPE, data: { companyId: 'ok' } },
      { type: TYPE, data: { companyId: 'ok' } },
      { type: TYPE, data: { employees: 'many' } },
    ];
    // Act
    const error = await caught(() => publishEvents(ports, filing, { events }));
    // Assess
    expect(error).toMatchObject({ status: 422, code: 'invalid_data' });
    expect((error as SharebusError).fields).toEqual(
      expect.arrayContaining([
        { field: '/events/2/data/companyId', message: 'is required' },
        { field: '/events/2/data/employees', message: 'must be integer' },
      ]),
    );
    expect(bus.publishCalls).toEqual([]);
  });

  it('sends nothing when an event of a batch names an unknown contract', async () => {
    // Prepare
    const { bus, ports } = setUp();
    const events = [
      { type: TYPE, data: { companyId: 'ok' } },
      { type: 'tax.company.dissolved', data: {} },
    ];
    // Act
    const error = await caught(() => publishEvents(ports, filing, { events }));
    // Assess
    expect(error).toMatchObject({
      status: 422,
      code: 'unknown_contract',
      fields: [{ field: '/events/1/type' }],
    });
    expect(bus.publishCalls).toEqual([]);
  });

  it("names every event's fields at fault, under the first fault's code, and sends nothing", async () => {
    // Prepare
    const { bus, ports } = setUp();
    const events = [
      { type: TYPE, data: { employees: 'many', companyId: 'c0' } },
      { type: 'tax.company.dissolved', data: {} },
      { type: TYPE, data: { companyId: 'ok' } },
      { type: 'tax.company.dissolved', data: {} },
      { type: TYPE, data: {} },
    ];
    // Act
    const error = (await caught(() => publishEvents(ports, filing, { events }))) as SharebusError;
    // Assess
    expect(error).toMatchObject({ status: 422, code: 'invalid_data' });
    expect(error.message).toMatch(/^The data does not match .* 4 events of the batch are at fault/);
    expect(error.fields.map((f) => f.field)).toEqual([
      '/events/0/data/employees',
      '/events/1/type',
      '/events/3/type',
      '/events/4/data/companyId',
    ]);
    expect(bus.publishCalls).toEqual([]);
  });

  it('refuses with 403 not_owner when another department publishes the type, sending nothing', async () => {
    // Prepare
    const { bus, ports } = setUp();
    // Act
    const error = await caught(() => publishEvents(ports, grants, { type: TYPE, data: { companyId: 'x' } }));
    // Assess
    expect(error).toMatchObject({ status: 403, code: 'not_owner', fields: [{ field: '/type' }] });
    expect(bus.publishCalls).toEqual([]);
  });

  it('refuses the admin key, which publishes for no department', async () => {
    // Prepare
    const { bus, ports } = setUp();
    // Act
    const error = await caught(() => publishEvents(ports, admin, { type: TYPE, data: { companyId: 'x' } }));
    // Assess
    expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    expect(bus.publishCalls).toEqual([]);
  });

  it('refuses with 413 an event over EventBridge’s 256 KB entry limit, sending nothing of the batch', async () => {
    // Prepare
    const { bus, ports } = setUp();
    const events = [
      { type: TYPE, data: { companyId: 'small' } },
      { type: TYPE, data: { companyId: 'x'.repeat(256 * 1024) } },
    ];
    // Act
    const error = await caught(() => publishEvents(ports, filing, { events }));
    // Assess
    expect(error).toMatchObject({
      status: 413,
      code: 'event_too_large',
      fields: [{ field: '/events/1/data' }],
    });
    expect(bus.publishCalls).toEqual([]);
  });

  it('accepts an event of exactly 256 KB on the bus and refuses one byte more', async () => {
    // Prepare
    const measure = setUp();
    await publishEvents(measure.ports, filing, { type: TYPE, data: { companyId: '' } });
    const overhead = entrySize(measure.bus.entries[0]!);
    const fits = { type: TYPE, data: { companyId: 'x'.repeat(MAX_EVENT_BYTES - overhead) } };
    const over = { type: TYPE, data: { companyId: 'x'.repeat(MAX_EVENT_BYTES - overhead + 1) } };
    const { bus, ports } = setUp();
    // Act
    await publishEvents(ports, filing, fits);
    const error = await caught(() => publishEvents(ports, filing, over));
    // Assess
    expect(bus.entries.map(entrySize)).toEqual([MAX_EVENT_BYTES]);
    expect(error).toMatchObject({ status: 413, code: 'event_too_large', fields: [{ field: '/data' }] });
  });

  it(`refuses a batch of more than ${MAX_BATCH} events with 400 naming /events`, async () => {
    // Prepare
    const { bus, ports } = setUp();
    const events = Array.from({ length: MAX_BATCH + 1 }, () => ({ type: TYPE, data: { companyId: 'x' } }));
    // Act
    const error = await caught(() => publishEvents(ports, filing, { events }));
    // Assess
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', fields: [{ field: '/events' }] });
    expect(bus.publishCalls).toEqual([]);
  });

  it('answers 502 bus_rejected, not a 503 to retry, when the bus refused an event for good', async () => {
    // Prepare
    const { bus, ports } = setUp();
    bus.failWith = (entry) =>
      entry.eventId === 'evt-1'
        ? { eventId: 'evt-1', code: 'AccessDeniedException', message: 'not allowed', permanent: true }
        : entry.eventId === 'evt-3'
          ? { eventId: 'evt-3', code: 'InternalFailure', message: 'try later', permanent: false }
          : undefined;
    const events = [1, 2, 3].map((n) => ({ type: TYPE, data: { companyId: `c${n}` } }));
    // Act
    const error = await caught(() => publishEvents(ports, filing, { events }));
    // Assess
    expect(error).toBeInstanceOf(BusRejectedError);
    expect(error).toMatchObject({
      status: 502,
      code: 'bus_rejected',
      message:
        'The bus refused 1 of 3 events (AccessDeniedException: not allowed); resending them will not help. 1 were published, 1 may be resent.',
      extensions: {
        accepted: ['evt-2'],
        failed: [
          { eventId: 'evt-1', code: 'AccessDeniedException', permanent: true },
          { eventId: 'evt-3', code: 'InternalFailure', permanent: false },
        ],
      },
    });
    expect(problemOf(error)).toMatchObject({ status: 502, title: 'Bad Gateway', accepted: ['evt-2'] });
  });

  it('answers 503 bus_unavailable listing accepted and failed events when the bus reports failures', async () => {
    // Prepare
    const { bus, ports } = setUp();
    bus.failWith = (entry) =>
      entry.eventId === 'evt-2'
        ? { eventId: 'evt-2', code: 'InternalFailure', message: 'try later', permanent: false }
        : undefined;
    const events = [1, 2, 3].map((n) => ({ type: TYPE, data: { companyId: `c${n}` } }));
    // Act
    const error = await caught(() => publishEvents(ports, filing, { events }));
    // Assess
    expect(error).toBeInstanceOf(BusUnavailableError);
    expect(error).toMatchObject({
      status: 503,
      code: 'bus_unavailable',
      extensions: {
        accepted: ['evt-1', 'evt-3'],
        failed: [{ eventId: 'evt-2', code: 'InternalFailure', message: 'try later' }],
      },
    });
    expect(problemOf(error)).toMatchObject({
      status: 503,
      accepted: ['evt-1', 'evt-3'],
      failed: [{ eventId: 'evt-2', code: 'InternalFailure' }],
    });
  });
});
