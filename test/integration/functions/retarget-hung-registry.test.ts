// The SubscriptionTargets function when DynamoDB takes the connection and never answers: it must still answer
// CloudFormation, FAILED, before its own timeout, rather than leave the stack waiting its whole ServiceTimeout to be
// told nothing. Its own file: the function's clients are made at import, here pointed at that silent endpoint.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { invoke, type LocalHandlers } from '../../../local/lambda/invoker.js';
import { functionEnvironment } from './harness.js';

/** Connections the silent registry took, each left unanswered. */
const connections: Socket[] = [];
let silent: Server;
let cloudFormation: HttpServer;
let responseUrl: string;
const answers: Array<Record<string, unknown>> = [];
let handlers: LocalHandlers;
let answerMarginMs: number;

beforeAll(async () => {
  silent = createServer((socket) => {
    connections.push(socket);
    socket.resume();
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  cloudFormation = createHttpServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on('end', () => {
      answers.push(JSON.parse(text) as Record<string, unknown>);
      response.end();
    });
  });
  await new Promise<void>((resolve) => cloudFormation.listen(0, '127.0.0.1', resolve));
  responseUrl = `http://127.0.0.1:${(cloudFormation.address() as AddressInfo).port}/cfn-response`;
  functionEnvironment({
    tableName: 'sharebus-registry',
    dynamoDb: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
    // Never reached: nothing is listed, so no rule is read.
    eventBridge: 'http://127.0.0.1:9',
  });
  const { handler, ANSWER_MARGIN_MS } = await import('../../../functions/retarget/handler.js');
  handlers = { retarget: handler } as unknown as LocalHandlers;
  answerMarginMs = ANSWER_MARGIN_MS;
});

afterAll(async () => {
  for (const socket of connections) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
  await new Promise((resolve) => cloudFormation.close(resolve));
});

function hungRequest(requestId: string) {
  return {
    RequestType: 'Update',
    ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:sharebus-retarget',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/Sharebus/1b2c',
    RequestId: requestId,
    ResourceType: 'Custom::SharebusSubscriptionTargets',
    LogicalResourceId: 'SubscriptionTargets',
    PhysicalResourceId: 'SubscriptionTargets-subscription-targets',
    ResourceProperties: {
      BusName: 'sharebus',
      DeliverFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:sharebus-deliver',
    },
  };
}

it('answers FAILED at its deadline when the registry never answers, rather than time out saying nothing', async () => {
  // Act: a function with half a second left before its answer margin
  await invoke(handlers, 'retarget', hungRequest('request-hung'), { timeoutMs: answerMarginMs + 500 });
  // Assess
  expect(connections.length).toBeGreaterThan(0);
  expect(answers).toEqual([
    expect.objectContaining({
      Status: 'FAILED',
      Reason:
        'could not list the subscriptions: ListingTimeoutError: no answer from the registry before the time limit',
      RequestId: 'request-hung',
    }),
  ]);
});

it('tries a DynamoDB call again when its attempt has had no answer for 5 s, rather than wait on it', async () => {
  // Prepare
  const before = connections.length;
  // Act: 6.5 s before the answer margin, room for one cut attempt and the next
  await invoke(handlers, 'retarget', hungRequest('request-retried'), { timeoutMs: answerMarginMs + 6_500 });
  // Assess
  expect(connections.length - before).toBeGreaterThanOrEqual(2);
  expect(answers.at(-1)).toMatchObject({ Status: 'FAILED', RequestId: 'request-retried' });
});
