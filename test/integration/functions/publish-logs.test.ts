// What the publish function logs of events it put on the bus, through its handler as Lambda runs it, against the real
// registry and the embedded EventBridge. Its own file: the function's clients are made at import.
//
// Observability review, session 62: a publish the bus accepted logged nothing, so the event id a publisher got back
// (202) led to no line of the publish function, nor through its api_request_id to the API's access-log line.
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type EmbeddedEventBridge, startEventBridge } from '../../../local/eventbridge/index.js';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { linesWritten } from '../../lines-written.js';
import {
  closeClients,
  freshRegistry,
  functionEnvironment,
  onboard,
  registerOpenContract,
  systemPrincipal,
} from './harness.js';

const TYPE = 'tax.company.registered';

let eventBridge: EmbeddedEventBridge;
let handlers: LocalHandlers;

beforeAll(async () => {
  const test = await freshRegistry();
  const { principals } = await onboard(test.registry, 'tax', ['filing']);
  await registerOpenContract(test.registry, principals.filing!, TYPE);
  eventBridge = await startEventBridge({ port: 0, invokeLambda: async () => {} });
  const client = new EventBridgeClient({
    endpoint: eventBridge.endpoint,
    region: eventBridge.region,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new CreateEventBusCommand({ Name: 'sharebus-logs' }));
  client.destroy();
  functionEnvironment({
    tableName: test.tableName,
    eventBridge: eventBridge.endpoint,
    busName: 'sharebus-logs',
  });
  const publish = await import('../../../functions/publish/handler.js');
  handlers = { publish: publish.handler } as unknown as LocalHandlers;
});

afterAll(async () => {
  await eventBridge.stop();
  closeClients();
});

it("logs the ids of the events the bus accepted, with the API's request id, and nothing of their data", async () => {
  // Act
  let answer: { statusCode: number } | undefined;
  const lines = await linesWritten(async () => {
    answer = (await invoke(handlers, 'publish', {
      routeKey: 'POST /events',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sbk_KEY-MARKER' },
      body: JSON.stringify({
        events: [
          { id: 'evt-logged-1', type: TYPE, data: { name: 'RECORD-MARKER' } },
          { id: 'evt-logged-2', type: TYPE, data: {} },
        ],
      }),
      isBase64Encoded: false,
      requestContext: {
        requestId: 'KfZ3Ej0BoAMEVbA=',
        authorizer: { lambda: systemPrincipal('tax', 'filing') },
      },
    })) as { statusCode: number };
  });
  // Assess
  expect(answer?.statusCode).toBe(202);
  const parsed = lines.map(
    (line) =>
      JSON.parse(line) as { level: string; message: string; api_request_id?: string; eventIds?: string[] },
  );
  expect(
    parsed.map(({ level, message, api_request_id, eventIds }) => ({
      level,
      message,
      api_request_id,
      eventIds,
    })),
  ).toEqual([
    {
      level: 'INFO',
      message: 'published',
      api_request_id: 'KfZ3Ej0BoAMEVbA=',
      eventIds: ['evt-logged-1', 'evt-logged-2'],
    },
  ]);
  expect(lines.join('\n')).not.toMatch(/KEY-MARKER|RECORD-MARKER/);
});
