// Replays every PutRule with a ScheduleExpression recorded against Amazon EventBridge
// (test/fixtures/eventbridge/schedule-expressions.json) through the real embedded server over the AWS SDK,
// and expects AWS's outcome: accepted and described as sent, or refused with AWS's code and nothing written.
import { readFileSync } from 'node:fs';
import {
  CreateEventBusCommand,
  DescribeRuleCommand,
  PutRuleCommand,
  type RuleState,
} from '@aws-sdk/client-eventbridge';
import { caught, type Harness, startHarness } from '../../integration/eventbridge/harness.js';

interface RecordedCase {
  readonly case: string;
  readonly expression: string;
  readonly state?: string;
  readonly eventPattern?: string;
  readonly eventBus?: string;
  readonly description?: string;
  readonly accepted: boolean;
  readonly code?: string;
  readonly message?: string;
}

const fixture = JSON.parse(
  readFileSync(new URL('../../fixtures/eventbridge/schedule-expressions.json', import.meta.url), 'utf8'),
) as { readonly cases: RecordedCase[] };
const accepted = fixture.cases.filter((c) => c.accepted);
const refused = fixture.cases.filter((c) => !c.accepted);

/** The custom buses the recording put rules on. */
const CUSTOM_BUSES = ['stackd-eb-sa-eef3e4bc69-bus', 'stackd-eb-sa-a7bdface68-bus'];

function putRule(c: RecordedCase): PutRuleCommand {
  return new PutRuleCommand({
    Name: c.case,
    ScheduleExpression: c.expression,
    ...(c.state !== undefined ? { State: c.state as RuleState } : {}),
    ...(c.eventPattern !== undefined ? { EventPattern: c.eventPattern } : {}),
    ...(c.eventBus !== undefined ? { EventBusName: c.eventBus } : {}),
    ...(c.description !== undefined ? { Description: c.description } : {}),
  });
}

const describeRule = (c: RecordedCase): DescribeRuleCommand =>
  new DescribeRuleCommand({
    Name: c.case,
    ...(c.eventBus !== undefined ? { EventBusName: c.eventBus } : {}),
  });

describe('schedule expressions against recorded AWS answers (PutRule over the SDK)', () => {
  let harness: Harness;

  beforeAll(async () => {
    // The recording's ARNs carry account 123456789012; the server answers as that account.
    harness = await startHarness({ accountId: '123456789012' });
    for (const name of CUSTOM_BUSES) await harness.client.send(new CreateEventBusCommand({ Name: name }));
  });

  afterAll(async () => {
    await harness.close();
  });

  it('covers every recorded PutRule that sent a ScheduleExpression', () => {
    expect({ accepted: accepted.length, refused: refused.length }).toEqual({ accepted: 74, refused: 64 });
  });

  it.each(accepted.map((c) => [c.case, c] as const))(
    '%s: accepts it and describes it as sent',
    async (_name, c: RecordedCase) => {
      // Act
      const put = await harness.client.send(putRule(c));
      const described = await harness.client.send(describeRule(c));
      // Assess
      expect(put.RuleArn).toBe(described.Arn);
      expect(described).toMatchObject({
        Name: c.case,
        ScheduleExpression: c.expression,
        State: c.state ?? 'ENABLED',
        EventBusName: 'default',
        ...(c.eventPattern !== undefined ? { EventPattern: c.eventPattern } : {}),
      });
    },
  );

  it.each(refused.map((c) => [c.case, c] as const))(
    '%s: refuses it with the recorded code and writes nothing',
    async (_name, c: RecordedCase) => {
      // Act
      const error = await caught(() => harness.client.send(putRule(c)));
      const lookup = await caught(() => harness.client.send(describeRule(c)));
      // Assess
      expect(error.name).toBe(c.code);
      expect(error.$metadata?.httpStatusCode).toBe(400);
      if (c.message !== undefined) expect(error.message).toBe(c.message);
      expect(lookup.name).toBe('ResourceNotFoundException');
    },
  );
});
