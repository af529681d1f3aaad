// A bus target's rendered input may set the event's `time`. A zoneless one ("2030-01-01T10:00:00") passes
// forwardEvent's Date.parse check and is archived at Date.parse's reading of it, in the machine's zone: a replay of
// the minute it names (as UTC, as every EventBridge time is) replays it or not depending on TZ.
import { inZone } from './in-zone.js';

const SCRIPT = `
import { EventBridgeClient, CreateEventBusCommand, CreateArchiveCommand, PutRuleCommand, PutTargetsCommand,
  PutEventsCommand, StartReplayCommand } from '@aws-sdk/client-eventbridge';
import { startEventBridge } from './local/eventbridge/index.ts';
const eb = await startEventBridge({ accountId: '111111111111', delayScale: 0.001,
  logger: { warn: () => {}, error: () => {} }, invokeLambda: async () => {} });
const client = new EventBridgeClient({ endpoint: eb.endpoint, region: eb.region,
  credentials: { accessKeyId: 'l', secretAccessKey: 'l' }, maxAttempts: 1 });
const bus = 'arn:aws:events:us-east-1:111111111111:event-bus/orders';
await client.send(new CreateEventBusCommand({ Name: 'orders' }));
await client.send(new CreateEventBusCommand({ Name: 'inbound' }));
await client.send(new CreateArchiveCommand({ ArchiveName: 'a', EventSourceArn: bus }));
await client.send(new PutRuleCommand({ Name: 'fwd', EventBusName: 'inbound', EventPattern: '{"source":["s.o"]}' }));
await client.send(new PutTargetsCommand({ Rule: 'fwd', EventBusName: 'inbound', Targets: [{ Id: 'o', Arn: bus,
  InputTransformer: { InputPathsMap: { s: '$.source', t: '$.detail-type', d: '$.detail' },
    InputTemplate: '{"source": <s>, "detail-type": <t>, "detail": <d>, "time": "2030-01-01T10:00:00"}' } }] }));
await client.send(new PutRuleCommand({ Name: 'q', EventBusName: 'orders', EventPattern: '{"source":["s.o"]}' }));
await client.send(new PutTargetsCommand({ Rule: 'q', EventBusName: 'orders',
  Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:111111111111:q' }] }));
await client.send(new PutEventsCommand({ Entries: [{ Source: 's.o', DetailType: 'T', Detail: '{}', EventBusName: 'inbound' }] }));
await eb.idle();
await client.send(new StartReplayCommand({ ReplayName: 'r', EventSourceArn: 'arn:aws:events:us-east-1:111111111111:archive/a',
  EventStartTime: new Date('2030-01-01T10:00:00Z'), EventEndTime: new Date('2030-01-01T10:01:00Z'),
  Destination: { Arn: bus } }));
await eb.idle();
const bodies = eb.queues.receive('arn:aws:sqs:us-east-1:111111111111:q').map((m) => JSON.parse(m.body));
await eb.stop();
console.log(JSON.stringify({ live: bodies.filter((e) => !e['replay-name']).map((e) => e.time),
  replayed: bodies.filter((e) => e['replay-name']).length }));
`;

describe('embedded EventBridge: a forwarded event whose rendered time has no zone', () => {
  it("fares alike (delivered and replayed, or refused) whatever the machine's time zone", async () => {
    const outcomes = [];
    for (const tz of ['UTC', 'America/Sao_Paulo', 'Asia/Shanghai']) outcomes.push(await inZone(tz, SCRIPT));
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[2]).toEqual(outcomes[0]);
  }, 30_000);
});
