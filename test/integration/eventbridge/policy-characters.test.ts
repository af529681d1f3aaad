// AWS's quotas page: "Event bus policy size ... 10,240 ... Maximum policy size, in characters." The server counted
// UTF-8 bytes, so a policy with non-ASCII text was refused short of it (event bus review, session 64).
import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  PutPermissionCommand,
} from '@aws-sdk/client-eventbridge';
import { caught, useHarness } from './harness.js';

const BUS_ARN = 'arn:aws:events:us-east-1:111111111111:event-bus/orders';

/** A whole policy of `length` characters, compact, whose condition value starts with `accented` two-byte letters. */
const policyOfLength = (length: number, accented: number): string => {
  const statement = (value: string) => ({
    Sid: 'padded',
    Effect: 'Allow',
    Principal: '*',
    Action: 'events:PutEvents',
    Resource: BUS_ARN,
    Condition: { StringEquals: { 'aws:PrincipalOrgID': value } },
  });
  const bare = JSON.stringify({ Version: '2012-10-17', Statement: [statement('')] }).length;
  const value = 'é'.repeat(accented) + 'o'.repeat(length - bare - accented);
  return JSON.stringify({ Version: '2012-10-17', Statement: [statement(value)] });
};

describe("embedded EventBridge: a bus policy's size", () => {
  const harness = useHarness();

  beforeEach(async () => {
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
  });

  it('counts characters, not UTF-8 bytes: 10,240 with non-ASCII text pass, 10,241 do not', async () => {
    // Prepare
    const atLimit = policyOfLength(10_240, 2_000);
    const over = policyOfLength(10_241, 2_000);
    expect([atLimit.length, Buffer.byteLength(atLimit), over.length]).toEqual([10_240, 12_240, 10_241]);
    const put = (Policy: string) =>
      harness.client.send(new PutPermissionCommand({ EventBusName: 'orders', Policy }));
    // Act
    await put(atLimit);
    const refused = await caught(() => put(over));
    // Assess
    expect(refused.name).toBe('PolicyLengthExceededException');
    const { Policy } = await harness.client.send(new DescribeEventBusCommand({ Name: 'orders' }));
    expect(Policy).toBe(atLimit);
  });
});
