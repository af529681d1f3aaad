import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  DeleteEventBusCommand,
  DeleteRuleCommand,
  ListTagsForResourceCommand,
  PutRuleCommand,
  type Tag,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { caught, type Harness, useHarness } from './harness.js';

const ACCOUNT_ARN = 'arn:aws:events:us-east-1:111111111111';
const BUS_ARN = `${ACCOUNT_ARN}:event-bus/orders`;
const RULE_ARN = `${ACCOUNT_ARN}:rule/orders/placed`;
const PATTERN = '{"source":["sharebus.orders"]}';

const tagsOf = async (harness: Harness, arn: string): Promise<Tag[] | undefined> =>
  (await harness.client.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags;

describe('embedded EventBridge: tags on buses and rules', () => {
  const harness = useHarness();

  it('keeps the tags a bus and a rule are created with, and lists them', async () => {
    // Act
    await harness.client.send(
      new CreateEventBusCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'tax' }] }),
    );
    await harness.client.send(
      new PutRuleCommand({
        Name: 'placed',
        EventBusName: 'orders',
        EventPattern: PATTERN,
        Tags: [
          { Key: 'owner', Value: 'housing-fund' },
          { Key: 'empty', Value: '' },
        ],
      }),
    );
    // Assess
    expect(await tagsOf(harness, BUS_ARN)).toEqual([{ Key: 'team', Value: 'tax' }]);
    expect(await tagsOf(harness, RULE_ARN)).toEqual([
      { Key: 'owner', Value: 'housing-fund' },
      { Key: 'empty', Value: '' },
    ]);
    expect(await tagsOf(harness, `${ACCOUNT_ARN}:event-bus/default`)).toEqual([]);
  });

  it('ignores the tags of a PutRule that updates a rule, as the reference says, and forgets them with the rule', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    const put = (tags: Tag[]) =>
      harness.client.send(
        new PutRuleCommand({ Name: 'placed', EventBusName: 'orders', EventPattern: PATTERN, Tags: tags }),
      );
    await put([{ Key: 'first', Value: '1' }]);
    // Act
    await put([{ Key: 'second', Value: '2' }]);
    const afterUpdate = await tagsOf(harness, RULE_ARN);
    await harness.client.send(new DeleteRuleCommand({ Name: 'placed', EventBusName: 'orders' }));
    await put([{ Key: 'third', Value: '3' }]);
    // Assess
    expect(afterUpdate).toEqual([{ Key: 'first', Value: '1' }]);
    expect(await tagsOf(harness, RULE_ARN)).toEqual([{ Key: 'third', Value: '3' }]);
  });

  it('adds and replaces tags with TagResource and removes them with UntagResource', async () => {
    // Prepare
    await harness.client.send(
      new CreateEventBusCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'tax' }] }),
    );
    // Act
    await harness.client.send(
      new TagResourceCommand({
        ResourceARN: BUS_ARN,
        Tags: [
          { Key: 'team', Value: 'market-regulation' },
          { Key: 'stage', Value: 'dev' },
        ],
      }),
    );
    const tagged = await tagsOf(harness, BUS_ARN);
    await harness.client.send(
      new UntagResourceCommand({ ResourceARN: BUS_ARN, TagKeys: ['team', 'absent'] }),
    );
    // Assess
    expect(tagged).toEqual([
      { Key: 'team', Value: 'market-regulation' },
      { Key: 'stage', Value: 'dev' },
    ]);
    expect(await tagsOf(harness, BUS_ARN)).toEqual([{ Key: 'stage', Value: 'dev' }]);
  });

  it('refuses a 51st tag with ValidationException and keeps the 50 it had', async () => {
    // Prepare
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `k${i}`, Value: `${i}` }));
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders', Tags: fifty }));
    // Act
    const more = await caught(() =>
      harness.client.send(
        new TagResourceCommand({ ResourceARN: BUS_ARN, Tags: [{ Key: 'k50', Value: 'x' }] }),
      ),
    );
    const replacing = await harness.client.send(
      new TagResourceCommand({ ResourceARN: BUS_ARN, Tags: [{ Key: 'k0', Value: 'again' }] }),
    );
    const created = await caught(() =>
      harness.client.send(
        new CreateEventBusCommand({ Name: 'crowded', Tags: [...fifty, { Key: 'k50', Value: 'x' }] }),
      ),
    );
    // Assess
    expect(more.name).toBe('ValidationException');
    expect(more.message).toContain('at most 50 tags');
    expect(replacing.$metadata.httpStatusCode).toBe(200);
    const tags = await tagsOf(harness, BUS_ARN);
    expect(tags).toHaveLength(50);
    expect(tags?.[0]).toEqual({ Key: 'k0', Value: 'again' });
    expect(created.name).toBe('ValidationException');
    const missing = await caught(() => tagsOf(harness, `${ACCOUNT_ARN}:event-bus/crowded`));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('refuses a tag whose key breaks the model, naming the member, and changes nothing', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const error = await caught(() =>
      harness.client.send(
        new TagResourceCommand({
          ResourceARN: BUS_ARN,
          Tags: [
            { Key: 'fine', Value: 'v' },
            { Key: '', Value: 'v' },
          ],
        }),
      ),
    );
    // Assess
    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(
      "1 validation error detected: Value '' at 'tags.2.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(await tagsOf(harness, BUS_ARN)).toEqual([]);
  });

  it('takes a key of 128 characters and a value of 256, and removes that key with UntagResource', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    const tag = { Key: 'k'.repeat(128), Value: 'v'.repeat(256) };
    // Act
    await harness.client.send(new TagResourceCommand({ ResourceARN: BUS_ARN, Tags: [tag] }));
    const tagged = await tagsOf(harness, BUS_ARN);
    await harness.client.send(new UntagResourceCommand({ ResourceARN: BUS_ARN, TagKeys: [tag.Key] }));
    // Assess
    expect(tagged).toEqual([tag]);
    expect(await tagsOf(harness, BUS_ARN)).toEqual([]);
  });

  it("refuses a tag without a Value and a TagResource without Tags, as AWS's model requires both, changing nothing", async () => {
    // Prepare: the API reference's Tag has "Value ... Required: Yes" (an empty string is a value; no value is not).
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const errors = [
      await caught(() =>
        harness.client.send(
          new TagResourceCommand({ ResourceARN: BUS_ARN, Tags: [{ Key: 'team', Value: undefined }] }),
        ),
      ),
      await caught(() =>
        harness.client.send(new TagResourceCommand({ ResourceARN: BUS_ARN, Tags: undefined })),
      ),
      await caught(() =>
        harness.client.send(
          new CreateEventBusCommand({ Name: 'other', Tags: [{ Key: 'team', Value: undefined }] }),
        ),
      ),
    ];
    // Assess
    expect(errors.map((e) => [e.name, e.message])).toEqual([
      [
        'ValidationException',
        "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
      ],
      [
        'ValidationException',
        "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null",
      ],
      [
        'ValidationException',
        "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null",
      ],
    ]);
    expect(await tagsOf(harness, BUS_ARN)).toEqual([]);
    const other = await caught(() => tagsOf(harness, `${ACCOUNT_ARN}:event-bus/other`));
    expect(other.name).toBe('ResourceNotFoundException');
  });

  it('refuses tag keys AWS reserves (aws:, in any case), on every operation that takes tags, changing nothing', async () => {
    // Prepare
    await harness.client.send(
      new CreateEventBusCommand({ Name: 'orders', Tags: [{ Key: 'team', Value: 'tax' }] }),
    );
    const reserved = [{ Key: 'AWS:cloudformation:stack-name', Value: 'x' }];
    // Act
    const errors = [
      await caught(() =>
        harness.client.send(new TagResourceCommand({ ResourceARN: BUS_ARN, Tags: reserved })),
      ),
      await caught(() => harness.client.send(new CreateEventBusCommand({ Name: 'other', Tags: reserved }))),
      await caught(() =>
        harness.client.send(
          new PutRuleCommand({
            Name: 'placed',
            EventBusName: 'orders',
            EventPattern: PATTERN,
            Tags: reserved,
          }),
        ),
      ),
      await caught(() =>
        harness.client.send(new UntagResourceCommand({ ResourceARN: BUS_ARN, TagKeys: ['aws:createdBy'] })),
      ),
    ];
    // Assess
    expect(errors.map((e) => e.name)).toEqual(Array(4).fill('ValidationException'));
    expect(errors[0]?.message).toBe(
      "Tag key AWS:cloudformation:stack-name is not valid: the aws: prefix is reserved for AWS's use.",
    );
    expect(await tagsOf(harness, BUS_ARN)).toEqual([{ Key: 'team', Value: 'tax' }]);
    const gone = await Promise.all(
      [`${ACCOUNT_ARN}:event-bus/other`, RULE_ARN].map((arn) => caught(() => tagsOf(harness, arn))),
    );
    expect(gone.map((e) => e.name)).toEqual(['ResourceNotFoundException', 'ResourceNotFoundException']);
  });

  it('answers ResourceNotFoundException for a bus or rule that is not there, or of another account', async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    // Act
    const errors = await Promise.all(
      [
        `${ACCOUNT_ARN}:event-bus/nowhere`,
        `${ACCOUNT_ARN}:rule/orders/nothing`,
        `${ACCOUNT_ARN}:rule/nowhere/nothing`,
        'arn:aws:events:us-east-1:222222222222:event-bus/orders',
        'arn:aws:sqs:us-east-1:111111111111:queue',
      ].map((arn) => caught(() => tagsOf(harness, arn))),
    );
    const deleted = await (async () => {
      await harness.client.send(new DeleteEventBusCommand({ Name: 'orders' }));
      return caught(() =>
        harness.client.send(
          new TagResourceCommand({ ResourceARN: BUS_ARN, Tags: [{ Key: 'k', Value: 'v' }] }),
        ),
      );
    })();
    // Assess
    expect([...errors, deleted].map((e) => e.name)).toEqual(Array(6).fill('ResourceNotFoundException'));
    expect(errors.map((e) => e.message)).toEqual([
      'Event bus nowhere does not exist.',
      'Rule nothing does not exist on EventBus orders.',
      'Event bus nowhere does not exist.',
      'Event bus orders does not exist.',
      'Resource arn:aws:sqs:us-east-1:111111111111:queue does not exist.',
    ]);
  });

  it("refuses to tag an archive's managed rule, which lists no tags", async () => {
    // Prepare
    await harness.client.send(new CreateEventBusCommand({ Name: 'orders' }));
    await harness.client.send(new CreateArchiveCommand({ ArchiveName: 'kept', EventSourceArn: BUS_ARN }));
    const managed = `${ACCOUNT_ARN}:rule/orders/Events-Archive-kept`;
    // Act
    const tag = await caught(() =>
      harness.client.send(new TagResourceCommand({ ResourceARN: managed, Tags: [{ Key: 'k', Value: 'v' }] })),
    );
    const untag = await caught(() =>
      harness.client.send(new UntagResourceCommand({ ResourceARN: managed, TagKeys: ['k'] })),
    );
    const elsewhere = await caught(() =>
      tagsOf(harness, 'arn:aws:events:us-east-1:222222222222:rule/orders/Events-Archive-kept'),
    );
    // Assess
    expect([tag.name, untag.name]).toEqual(['ManagedRuleException', 'ManagedRuleException']);
    expect(elsewhere.name).toBe('ResourceNotFoundException');
    expect(tag.message).toBe('Events-Archive-kept is a managed rule.');
    expect(await tagsOf(harness, managed)).toEqual([]);
  });
});
