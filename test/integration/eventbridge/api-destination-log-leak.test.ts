// What the embedded EventBridge's log says when an API destination call fails: the endpoint by origin only, and
// nothing of the event or of the answer. The path may carry a secret (`/services/T000/B000/XXXX`) or, through
// PathParameterValues, a value of the event (a person's id), and the answer often echoes the request; the dead letter
// keeps the whole message, for whoever may read the dead letters (the deliver function names a webhook the same way).
import {
  CreateApiDestinationCommand,
  CreateConnectionCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { queueArn, useHarness } from './harness.js';
import { type Receiver, startReceiver } from './receiver.js';

describe('embedded EventBridge: a failed API destination call in the log', () => {
  const h = useHarness();
  let receiver: Receiver | undefined;
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  it('names the endpoint by origin, without its path, the event values in it, or the answer', async () => {
    // Prepare: a person's id goes into the path, and the endpoint echoes it in its refusal
    receiver = await startReceiver([{ status: 400, body: '{"error":"no person 110101199003070011"}' }]);
    const { ConnectionArn } = await h.client.send(
      new CreateConnectionCommand({
        Name: 'people-api',
        AuthorizationType: 'API_KEY',
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-api-key', ApiKeyValue: 'k' } },
      }),
    );
    const { ApiDestinationArn } = await h.client.send(
      new CreateApiDestinationCommand({
        Name: 'people',
        ConnectionArn,
        InvocationEndpoint: `${receiver.url}/hooks/T000SECRET/people/*`,
        HttpMethod: 'POST',
      }),
    );
    await h.client.send(new PutRuleCommand({ Name: 'to-people', EventPattern: '{"source":["registry"]}' }));
    await h.client.send(
      new PutTargetsCommand({
        Rule: 'to-people',
        Targets: [
          {
            Id: 'api',
            Arn: ApiDestinationArn,
            RoleArn: 'arn:aws:iam::111111111111:role/invoke',
            HttpParameters: { PathParameterValues: ['$.detail.personId'] },
            DeadLetterConfig: { Arn: queueArn('people-dlq') },
          },
        ],
      }),
    );
    // Act
    await h.client.send(
      new PutEventsCommand({
        Entries: [{ Source: 'registry', DetailType: 'Person', Detail: '{"personId":"110101199003070011"}' }],
      }),
    );
    await h.eventBridge.idle();
    // Assess: dead-lettered, and said so, with neither the path nor the answer
    expect(receiver.received).toHaveLength(1);
    const said = h.warnings.filter((line) => line.includes('not delivered'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(receiver.url);
    expect(said[0]).not.toContain('T000SECRET');
    expect(said[0]).not.toContain('110101199003070011');
  });
});
