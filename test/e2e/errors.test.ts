// Every client error of the HTTP API, over real HTTP against the local runtime: the status, the stable code,
// the field named, a problem+json body — and that the refused request stored nothing and published nothing.
import { gzipSync } from 'node:zlib';
import {
  call,
  type LocalSharebus,
  type Receiver,
  ruleNames,
  startLocalSharebus,
  startReceiver,
  tableSnapshot,
} from './harness.js';

const TYPE = 'land.parcel.registered';
/** A type of land's not named after a department. */
const OWNED_TYPE = 'parcel.boundary.surveyed';
/** A schema registration takes (its references multiply nothing) whose work grows with the data: unique items,
 * each object compared with every other. (2,000 names required of every item made a fault of each missing one
 * until a validation kept at most 10,000.) */
const COSTLY_TYPE = 'land.parcel.listed';
const COSTLY_SCHEMA = { type: 'array', uniqueItems: true };
/** 20,000 distinct objects (about 220 KB): some 200 million comparisons. */
const costlyData = () => Array.from({ length: 20_000 }, (_, i) => ({ i }));
const SCHEMA = {
  type: 'object',
  required: ['parcelId', 'areaM2'],
  properties: {
    parcelId: { type: 'string', pattern: '^P-\\d+$' },
    areaM2: { type: 'number', exclusiveMinimum: 0 },
  },
  additionalProperties: false,
};

/** A contract of a type the test registers nowhere, with the fields a case does not set. */
function surveyContract(fields: { version?: string; schema: unknown }): Record<string, unknown> {
  return { type: 'land.survey.done', version: '1.0.0', description: 'd', sharing: 'open', ...fields };
}

describe('refused requests', () => {
  let bus: LocalSharebus;
  let landKey: string;
  let otherKey: string;
  let hook: Receiver;
  let sentinels = 0;

  beforeAll(async () => {
    bus = await startLocalSharebus({}, ['--in-memory', '--no-demo']);
    for (const id of ['land', 'planning']) {
      await call(bus.apiUrl, 'POST', '/departments', bus.adminKey, { id, name: id });
    }
    landKey = String(
      (
        await call(bus.apiUrl, 'POST', '/departments/land/systems', bus.adminKey, {
          id: 'cadastre',
          name: 'Cadastre',
        })
      ).body.apiKey,
    );
    otherKey = String(
      (
        await call(bus.apiUrl, 'POST', '/departments/planning/systems', bus.adminKey, {
          id: 'zoning',
          name: 'Zoning',
        })
      ).body.apiKey,
    );
    const registered = await call(bus.apiUrl, 'POST', '/contracts', landKey, {
      type: TYPE,
      version: '1.0.0',
      description: 'A land parcel was registered',
      sharing: 'open',
      schema: SCHEMA,
    });
    expect(registered.status).toBe(201);
    await call(bus.apiUrl, 'POST', '/contracts', landKey, {
      type: 'land.owner.identified',
      version: '1.0.0',
      description: 'Personal data of a parcel owner',
      sharing: 'conditional',
      schema: { type: 'object' },
    });
    await call(bus.apiUrl, 'POST', '/contracts', landKey, {
      type: OWNED_TYPE,
      version: '1.0.0',
      description: 'A parcel boundary was surveyed',
      sharing: 'open',
      schema: { type: 'object' },
    });
    expect(
      (
        await call(bus.apiUrl, 'POST', '/contracts', landKey, {
          type: COSTLY_TYPE,
          version: '1.0.0',
          description: 'Parcels listed for sale',
          sharing: 'open',
          schema: COSTLY_SCHEMA,
        })
      ).status,
    ).toBe(201);
    hook = await startReceiver();
    // Both types refused requests publish: an event of either that got out would reach the hook before the sentinel.
    for (const type of [TYPE, COSTLY_TYPE]) {
      expect(
        (await call(bus.apiUrl, 'POST', '/subscriptions', otherKey, { type, endpoint: { url: hook.url } }))
          .status,
      ).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await hook?.close();
    await bus?.stop();
  });

  /** Publishes a valid event and waits for it: anything delivered before it was published by the refused request. */
  async function expectNothingPublished(): Promise<void> {
    const sentinel = await call(bus.apiUrl, 'POST', '/events', landKey, {
      type: TYPE,
      data: { parcelId: `P-${sentinels}`, areaM2: 1 },
    });
    expect(sentinel.status).toBe(202);
    sentinels++;
    await hook.waitFor(sentinels);
    expect(hook.received.map((r) => (r.json.data as { parcelId: string }).parcelId)).toEqual(
      Array.from({ length: sentinels }, (_, i) => `P-${i}`),
    );
  }

  interface Case {
    readonly name: string;
    readonly method: string;
    readonly path: string;
    readonly key: () => string | undefined;
    readonly body?: () => unknown;
    readonly contentType?: string;
    readonly status: number;
    readonly code: string;
    readonly field?: string;
    readonly detail?: RegExp;
    readonly publishes?: boolean;
  }

  const cases: Case[] = [
    {
      name: 'malformed JSON',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () => '{"type": "x",',
      status: 400,
      code: 'malformed_json',
      detail: /not valid JSON/,
    },
    {
      name: 'a body sent as another media type',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({ type: TYPE, data: { parcelId: 'P-415', areaM2: 1 } }),
      contentType: 'text/plain',
      status: 415,
      code: 'unsupported_media_type',
      detail: /"text\/plain".*Content-Type: application\/json/,
      publishes: true,
    },
    {
      name: 'a key given twice',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () =>
        '{"type":"land.survey.done","type":"land.survey.filed","version":"1.0.0","description":"d","sharing":"open","schema":{}}',
      status: 400,
      code: 'duplicate_key',
      field: '/type',
    },
    {
      name: 'a number past what a double holds',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => `{"type":"${TYPE}","data":{"parcelId":"P-1","areaM2":1e400}}`,
      status: 400,
      code: 'number_out_of_range',
      field: '/data/areaM2',
      publishes: true,
    },
    // i18n review, 2026-12-07: a lone surrogate reached the bus, where EventBridge reads it as '?', and a byte order
    // mark was refused in JSON.parse's words, naming an invisible character.
    {
      name: 'a lone surrogate in the data',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => `{"type":"${TYPE}","data":{"parcelId":"P-\\ud842","areaM2":1}}`,
      status: 400,
      code: 'invalid_request',
      field: '/data/parcelId',
      detail: /lone surrogate/,
      publishes: true,
    },
    {
      name: 'a body starting with a byte order mark',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => `\ufeff{"type":"${TYPE}","data":{"parcelId":"P-1","areaM2":1}}`,
      status: 400,
      code: 'malformed_json',
      detail: /byte order mark \(U\+FEFF\)/,
      publishes: true,
    },
    // Walkthrough review, 2026-12-05: these details started ": ", and a list of events did not say what a batch is.
    {
      name: 'a list of events, not a batch',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => [{ type: TYPE, data: { parcelId: 'P-1', areaM2: 1 } }],
      status: 400,
      code: 'invalid_request',
      detail:
        /^The request body: is a list; send one event as an object, or a batch as \{"events": \[\.\.\.\]\}$/,
      publishes: true,
    },
    {
      name: 'a body that is only a number past what a double holds',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => '1e400',
      status: 400,
      code: 'number_out_of_range',
      detail: /^The request body: 1e400 /,
      publishes: true,
    },
    // Walkthrough review, 2026-12-05: unknown query parameters were ignored, so ?nexttoken= answered page one.
    {
      name: 'a misspelt nextToken',
      method: 'GET',
      path: '/subscriptions?nexttoken=abc',
      key: () => landKey,
      status: 400,
      code: 'invalid_request',
      field: 'nexttoken',
      detail: /^GET \/subscriptions has no query parameter "nexttoken": it takes nextToken\.$/,
    },
    {
      name: 'a query parameter with no name',
      method: 'GET',
      path: '/subscriptions?=x',
      key: () => landKey,
      status: 400,
      code: 'invalid_request',
      detail: /^GET \/subscriptions has no query parameter "": it takes nextToken\.$/,
    },
    // Review, 2026-12-05: the query was judged before the key, so a request without one got a 400, not a 401.
    {
      name: 'no API key, whatever the query',
      method: 'GET',
      path: '/subscriptions?nexttoken=abc',
      key: () => undefined,
      status: 401,
      code: 'missing_api_key',
    },
    {
      name: 'no API key, reading the catalogue',
      method: 'GET',
      path: '/contracts',
      key: () => undefined,
      status: 401,
      code: 'missing_api_key',
    },
    {
      name: 'no API key, reading a contract',
      method: 'GET',
      path: `/contracts/${TYPE}`,
      key: () => undefined,
      status: 401,
      code: 'missing_api_key',
    },
    {
      name: 'a query parameter a listing does not take',
      method: 'GET',
      path: `/contracts/${TYPE}?limit=1`,
      key: () => landKey,
      status: 400,
      code: 'invalid_request',
      field: 'limit',
    },
    {
      name: 'a query parameter on a route that takes none',
      method: 'POST',
      path: '/events?dryRun=true',
      key: () => landKey,
      body: () => ({ type: TYPE, data: { parcelId: 'P-1', areaM2: 1 } }),
      status: 400,
      code: 'invalid_request',
      field: 'dryRun',
      detail: /it takes none\.$/,
      publishes: true,
    },
    {
      name: 'an integer that would lose digits',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => `{"type":"${TYPE}","data":{"parcelId":"P-1","areaM2":12345678901234567891}}`,
      status: 400,
      code: 'number_out_of_range',
      field: '/data/areaM2',
      detail: /12345678901234567891 has more digits than a double holds/,
      publishes: true,
    },
    {
      name: 'a schema nested past 128 levels',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () => {
        let schema: Record<string, unknown> = { type: 'string' };
        for (let i = 0; i < 1_000; i++) schema = { type: 'object', properties: { a: schema } };
        return surveyContract({ schema });
      },
      status: 400,
      code: 'nesting_too_deep',
      detail: /nested more than 128 levels/,
    },
    {
      name: 'a schema over 256 KB',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () => surveyContract({ schema: { type: 'object', description: 'x'.repeat(300_000) } }),
      status: 413,
      code: 'schema_too_large',
      field: '/schema',
    },
    {
      name: 'a pattern RE2 cannot run in linear time',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () =>
        surveyContract({ schema: { properties: { code: { type: 'string', pattern: '^(?=.*\\d)\\w+$' } } } }),
      status: 400,
      code: 'invalid_schema',
      field: '/schema/properties/code/pattern',
    },
    {
      name: 'a schema whose references loop',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () =>
        surveyContract({ schema: { $ref: '#/$defs/a', $defs: { a: { allOf: [{ $ref: '#/$defs/a' }] } } } }),
      status: 400,
      code: 'invalid_schema',
      field: '/schema',
    },
    {
      name: 'a format the validator does not know',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () =>
        surveyContract({
          schema: { type: 'object', properties: { surveyedOn: { type: 'string', format: 'datum' } } },
        }),
      status: 400,
      code: 'invalid_schema',
      field: '/schema/properties/surveyedOn/format',
    },
    {
      name: 'a version part longer than ten digits',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () => surveyContract({ version: '1.0.12345678901', schema: {} }),
      status: 400,
      code: 'invalid_request',
      field: '/version',
    },
    {
      name: 'a nextToken that this API did not give',
      method: 'GET',
      path: `/contracts/${TYPE}?nextToken=bm90LWEtdG9rZW4`,
      key: () => landKey,
      status: 400,
      code: 'invalid_next_token',
      field: 'nextToken',
    },
    {
      name: 'a catalogue nextToken that this API did not give',
      method: 'GET',
      path: '/contracts?nextToken=bm90LWEtdG9rZW4',
      key: () => landKey,
      status: 400,
      code: 'invalid_next_token',
      field: 'nextToken',
    },
    {
      name: 'a contract type that is a percent-encoded letter outside ASCII',
      method: 'GET',
      path: '/contracts/%C3%A9',
      key: () => landKey,
      status: 404,
      code: 'unknown_contract',
      detail: /"\u00e9"/,
    },
    {
      name: 'a missing API key',
      method: 'POST',
      path: '/events',
      key: () => undefined,
      body: () => ({ type: TYPE, data: {} }),
      status: 401,
      code: 'missing_api_key',
      detail: /Authorization: Bearer/,
      publishes: true,
    },
    {
      name: 'an unknown API key',
      method: 'GET',
      path: '/contracts',
      key: () => 'sbk_not-a-key',
      status: 401,
      code: 'unknown_api_key',
    },
    {
      name: 'a department created by a system key',
      method: 'POST',
      path: '/departments',
      key: () => landKey,
      body: () => ({ id: 'water', name: 'Water' }),
      status: 403,
      code: 'forbidden',
    },
    {
      name: 'a department id that breaks the naming rule',
      method: 'POST',
      path: '/departments',
      key: () => bus.adminKey,
      body: () => ({ id: 'Water_Board', name: 'Water' }),
      status: 400,
      code: 'invalid_request',
      field: '/id',
    },
    {
      name: 'an existing department',
      method: 'POST',
      path: '/departments',
      key: () => bus.adminKey,
      body: () => ({ id: 'land', name: 'Again' }),
      status: 409,
      code: 'department_exists',
      field: '/id',
    },
    {
      name: 'a system in an unknown department',
      method: 'POST',
      path: '/departments/nowhere/systems',
      key: () => bus.adminKey,
      body: () => ({ id: 'x1', name: 'X' }),
      status: 404,
      code: 'unknown_department',
    },
    {
      name: 'a schema that is not JSON Schema',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () => surveyContract({ schema: { type: 'banana' } }),
      status: 400,
      code: 'invalid_schema',
      field: '/schema/type',
    },
    {
      name: 'a version that is not semver',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () => surveyContract({ version: '1.0', schema: {} }),
      status: 400,
      code: 'invalid_request',
      field: '/version',
    },
    {
      name: 'a contract type owned by another department',
      method: 'POST',
      path: '/contracts',
      key: () => otherKey,
      body: () => ({ type: OWNED_TYPE, version: '2.0.0', description: 'd', sharing: 'open', schema: {} }),
      status: 403,
      code: 'not_owner',
      field: '/type',
    },
    {
      name: 'a contract type named after another department',
      method: 'POST',
      path: '/contracts',
      key: () => otherKey,
      body: () => ({
        type: 'land.zone.drawn',
        version: '1.0.0',
        description: 'd',
        sharing: 'open',
        schema: {},
      }),
      status: 403,
      code: 'type_names_other_department',
      field: '/type',
    },
    {
      name: 'a changed schema under an existing version',
      method: 'POST',
      path: '/contracts',
      key: () => landKey,
      body: () => ({
        type: TYPE,
        version: '1.0.0',
        description: 'A land parcel was registered',
        sharing: 'open',
        schema: { type: 'object' },
      }),
      status: 409,
      code: 'contract_version_conflict',
      field: '/version',
    },
    {
      name: 'an event of an unknown type',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({ type: 'land.parcel.sold', data: {} }),
      status: 422,
      code: 'unknown_contract',
      field: '/type',
      publishes: true,
    },
    {
      name: 'an event of an unknown version',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({ type: TYPE, version: '9.9.9', data: { parcelId: 'P-9', areaM2: 2 } }),
      status: 422,
      code: 'unknown_contract_version',
      field: '/version',
      publishes: true,
    },
    {
      name: 'data that fails the schema',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({ type: TYPE, data: { parcelId: 'lot 7', areaM2: 10 } }),
      status: 422,
      code: 'invalid_data',
      field: '/data/parcelId',
      detail: /\/data\/parcelId must match pattern/,
      publishes: true,
    },
    {
      name: 'data missing a required field',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({ type: TYPE, data: { parcelId: 'P-77' } }),
      status: 422,
      code: 'invalid_data',
      field: '/data/areaM2',
      detail: /\/data\/areaM2 is required/,
      publishes: true,
    },
    {
      name: 'an event published by another department',
      method: 'POST',
      path: '/events',
      key: () => otherKey,
      body: () => ({ type: TYPE, data: { parcelId: 'P-8', areaM2: 3 } }),
      status: 403,
      code: 'not_owner',
      field: '/type',
      publishes: true,
    },
    {
      // After a good event of the subscribed type, so that the sentinel would see it if the batch went out.
      name: 'an event over 256 KB after a good one',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({
        events: [
          { type: TYPE, data: { parcelId: 'P-256', areaM2: 1 } },
          { type: OWNED_TYPE, data: { blob: 'x'.repeat(262_144) } },
        ],
      }),
      status: 413,
      code: 'event_too_large',
      field: '/events/1/data',
      publishes: true,
    },
    {
      name: 'a batch with one bad event among good ones',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({
        events: [
          { type: TYPE, data: { parcelId: 'P-100', areaM2: 5 } },
          { type: TYPE, data: { parcelId: 'P-101', areaM2: -1 } },
        ],
      }),
      status: 422,
      code: 'invalid_data',
      field: '/events/1/data/areaM2',
      publishes: true,
    },
    {
      name: 'an unknown field in an event',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({ type: TYPE, data: { parcelId: 'P-5', areaM2: 5 }, priority: 'high' }),
      status: 400,
      code: 'invalid_request',
      field: '/priority',
      publishes: true,
    },
    {
      // Before, 5,000 empty items took over 10 s with the runtime frozen (20,000 ran it out of memory): validation is
      // now stopped at 2 s.
      name: 'data whose check would take minutes',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({ type: COSTLY_TYPE, data: costlyData() }),
      status: 422,
      code: 'validation_timeout',
      field: '/data',
      detail:
        /took over 2000 ms and was stopped at \/data \(land\.parcel\.listed 1\.0\.0\)\. Nothing was published/,
      publishes: true,
    },
    {
      // Before, the timeout was the whole answer: the first event's fault went unnamed.
      name: 'a batch with a faulty event before one whose check takes too long, and one after',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({
        events: [
          { type: TYPE, data: { parcelId: 'P-9', areaM2: -1 } },
          { type: COSTLY_TYPE, data: costlyData() },
          { type: TYPE, data: { parcelId: 'P-10', areaM2: 1 } },
        ],
      }),
      status: 422,
      code: 'validation_timeout',
      field: '/events/0/data/areaM2',
      detail:
        /stopped at \/events\/1\/data \(land\.parcel\.listed 1\.0\.0\); 1 event after it was not checked\. Nothing was published/,
      publishes: true,
    },
    {
      // Before, the 0xff byte became U+FFFD: the event was published, and delivered, with data it was not sent.
      name: 'an event whose body is not UTF-8',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () =>
        Buffer.concat([
          Buffer.from(`{"type":"${TYPE}","data":{"parcelId":"P-`),
          Buffer.from([0xff]),
          Buffer.from('","areaM2":7}}'),
        ]),
      status: 400,
      code: 'malformed_json',
      detail: /not UTF-8/,
      publishes: true,
    },
    {
      // Named whole, the key (each / written ~1) made a 6.4 MB answer, past Lambda's 6 MB: a bare 500 in its place.
      name: 'an unknown field whose name is 1.6 million characters long',
      method: 'POST',
      path: '/events',
      key: () => landKey,
      body: () => ({ type: TYPE, data: { parcelId: 'P-6', areaM2: 6 }, ['/'.repeat(1_600_000)]: 1 }),
      status: 400,
      code: 'invalid_request',
      field: `/${'~1'.repeat(1_023)}... (3197954 more characters)`,
      publishes: true,
    },
    {
      name: 'a subscription to conditional data',
      method: 'POST',
      path: '/subscriptions',
      key: () => otherKey,
      body: () => ({ type: 'land.owner.identified', endpoint: { url: 'http://127.0.0.1:1/x' } }),
      status: 403,
      code: 'approval_required',
      detail: /approval/,
    },
    {
      name: 'a content filter EventBridge refuses',
      method: 'POST',
      path: '/subscriptions',
      key: () => otherKey,
      body: () => ({
        type: TYPE,
        filter: { areaM2: [{ numeric: ['>', 'ten'] }] },
        endpoint: { url: 'http://127.0.0.1:1/x' },
      }),
      status: 400,
      code: 'invalid_filter',
      field: '/filter/areaM2/0/numeric',
    },
    {
      name: 'an endpoint given as a string, not an object',
      method: 'POST',
      path: '/subscriptions',
      key: () => otherKey,
      body: () => ({ type: TYPE, endpoint: 'http://127.0.0.1:1/x' }),
      status: 400,
      code: 'invalid_request',
      field: '/endpoint',
      detail: /^\/endpoint: must be an object, got a string$/,
    },
    {
      name: 'a filter ignoring case of a character outside the BMP, which EventBridge reads as "??"',
      method: 'POST',
      path: '/subscriptions',
      key: () => otherKey,
      body: () => ({
        type: TYPE,
        filter: { parcelId: [{ 'equals-ignore-case': 'P-𠮷' }] },
        endpoint: { url: 'http://127.0.0.1:1/x' },
      }),
      status: 400,
      code: 'invalid_filter',
      field: '/filter/parcelId/0/equals-ignore-case',
    },
    {
      name: 'an endpoint that is not a URL',
      method: 'POST',
      path: '/subscriptions',
      key: () => otherKey,
      body: () => ({ type: TYPE, endpoint: { url: 'hook' } }),
      status: 400,
      code: 'invalid_endpoint',
      field: '/endpoint/url',
    },
    {
      name: 'a subscription to an unknown type',
      method: 'POST',
      path: '/subscriptions',
      key: () => otherKey,
      body: () => ({ type: 'land.nothing.here', endpoint: { url: 'http://127.0.0.1:1/x' } }),
      status: 422,
      code: 'unknown_contract',
      field: '/type',
    },
    {
      name: 'deleting a subscription by an id longer than any key',
      method: 'DELETE',
      path: `/subscriptions/${'s'.repeat(2_100)}`,
      key: () => otherKey,
      status: 404,
      code: 'subscription_not_found',
    },
    {
      name: 'a contract type longer than any key',
      method: 'GET',
      path: `/contracts/land.${'p'.repeat(2_100)}`,
      key: () => landKey,
      status: 404,
      code: 'unknown_contract',
    },
    {
      name: 'deleting a subscription that does not exist',
      method: 'DELETE',
      path: '/subscriptions/nope',
      key: () => otherKey,
      status: 404,
      code: 'subscription_not_found',
    },
  ];

  // A missing field was worded three ways: the field's own type message ("department id must be a string, got
  // undefined"), zod's ("Invalid input: expected string, received undefined") and "is required".
  it.each([
    ['/departments', () => bus.adminKey, ['/id', '/name']],
    ['/departments/land/systems', () => bus.adminKey, ['/id', '/name']],
    ['/contracts', () => landKey, ['/type', '/version', '/description', '/sharing', '/schema']],
    ['/subscriptions', () => otherKey, ['/type', '/endpoint']],
    ['/events', () => landKey, ['/type', '/data']],
  ])('says "is required" of every field an empty body to POST %s lacks', async (path, key, fields) => {
    // Prepare
    const before = await tableSnapshot(bus.dynamoDbUrl);
    // Act
    const answer = await call(bus.apiUrl, 'POST', path, key(), {});
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ code: 'invalid_request', detail: `${fields[0]}: is required` });
    expect(answer.body.errors).toEqual(fields.map((field) => ({ field, message: 'is required' })));
    expect(await tableSnapshot(bus.dynamoDbUrl)).toEqual(before);
  });

  it.each(cases)('refuses $name with $status $code and changes nothing', async (c) => {
    // Prepare
    const before = await tableSnapshot(bus.dynamoDbUrl);
    const rulesBefore = await ruleNames(bus.eventBridgeUrl);
    // Act
    const answer = await call(bus.apiUrl, c.method, c.path, c.key(), c.body?.(), c.contentType);
    // Assess
    expect(answer.status).toBe(c.status);
    expect(answer.contentType).toBe('application/problem+json');
    expect(answer.body).toMatchObject({
      status: c.status,
      code: c.code,
      type: `urn:sharebus:problem:${c.code}`,
    });
    expect(typeof answer.body.detail).toBe('string');
    if (c.field)
      expect((answer.body.errors as Array<{ field: string }>).map((e) => e.field)).toContain(c.field);
    if (c.detail) expect(answer.body.detail).toMatch(c.detail);
    // A 401 names the scheme to send (RFC 9110); a key sent but not known is an invalid token (RFC 6750)
    expect(answer.challenge).toBe(
      c.code === 'missing_api_key'
        ? 'Bearer realm="sharebus"'
        : c.code === 'unknown_api_key'
          ? 'Bearer realm="sharebus", error="invalid_token"'
          : null,
    );
    expect(await tableSnapshot(bus.dynamoDbUrl)).toEqual(before);
    expect(await ruleNames(bus.eventBridgeUrl)).toEqual(rulesBefore);
    if (c.publishes) await expectNothingPublished();
  });

  // Interop review, 2026-12-07: a gzip body was answered 400 "not UTF-8 text", which says nothing of the compression.
  it('answers 415 naming the coding to a gzip-compressed publish, and publishes nothing', async () => {
    // Act
    const response = await fetch(`${bus.apiUrl}/events`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${landKey}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ type: TYPE, data: { parcelId: 'P-77', areaM2: 1 } })),
    });
    // Assess
    expect(response.status).toBe(415);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({
      code: 'unsupported_media_type',
      detail: expect.stringContaining('Content-Encoding "gzip"'),
    });
    await expectNothingPublished();
  });

  it('answers an unknown route as API Gateway does', async () => {
    const answer = await call(bus.apiUrl, 'GET', '/nothing', landKey);
    expect(answer).toMatchObject({ status: 404, body: { message: 'Not Found' } });
  });
});
