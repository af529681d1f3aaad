// What each function may do with the registry in AWS (REGISTRY_ACCESS, which CDK grants its role) against what its
// code sends: every registry call a function's folder makes (and the contract resolver's, where it uses one) is run
// against DynamoDB Local, and its requests are recorded as the IAM actions DynamoDB checks them by (a
// transaction's items each as its own action) and whether they read the GSI. A call added to a function without
// its action fails here before it fails in AWS with AccessDenied; an action granted and no longer sent fails too.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS, type FunctionName, REGISTRY_ACCESS } from '../../../functions/routes.js';
import type { DynamoDbRegistry } from '../../../functions/shared/registry/dynamodb-registry.js';
import { stringLike } from '../../iam.js';
import {
  audit,
  closeClients,
  contract,
  department,
  freshRegistry,
  keyHash,
  subscription,
  system,
} from './harness.js';
import { registryCalls } from './registry-calls.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
/** Found by the type checker over every module each handler reaches (before 2026-12-04, by matching text). */
const calls = registryCalls(root, NAMES);

const sub = subscription('s-1', 'housing-fund', { type: 'tax.filing.done', version: '1.1.0' });

/** While set, a Query of the catalogue's index is refused as DynamoDB refuses one of an index it is still filling. */
let refuseCatalogue = false;

/** Each registry method, run so that it takes its writing path (in this order, each on what the ones before left). */
const RUNS: ReadonlyArray<readonly [string, (registry: DynamoDbRegistry) => Promise<unknown>]> = [
  ['createDepartment', (r) => r.createDepartment(department('tax'), audit())],
  ['getDepartment', (r) => r.getDepartment('tax')],
  ['createSystem', (r) => r.createSystem(system('tax', 'filing'), keyHash('k-1'), audit())],
  ['findPrincipalByKeyHash', (r) => r.findPrincipalByKeyHash(keyHash('k-1'))],
  [
    'putContractVersion',
    async (r) => {
      // The first version of a type (which claims it for its owner) and a later one (which moves its latest), and
      // the first of a type named after a department (checked to be absent with the write).
      await r.putContractVersion(contract('tax.filing.done', '1.0.0'), audit());
      await r.putContractVersion(contract('tax.filing.done', '1.1.0'), audit());
      await r.putContractVersion(contract('other-dept.filing.done', '1.0.0'), audit(), {
        unlessDepartment: 'other-dept',
      });
    },
  ],
  ['getContractVersion', (r) => r.getContractVersion('tax.filing.done', '1.0.0')],
  ['latestContractVersion', (r) => r.latestContractVersion('tax.filing.done')],
  ['listContractVersions', (r) => r.listContractVersions('tax.filing.done')],
  ['listMajorVersions', (r) => r.listMajorVersions('tax.filing.done', 1)],
  ['majorSharing', (r) => r.majorSharing('tax.filing.done', 1)],
  [
    'listContracts',
    async (r) => {
      // And as while DynamoDB fills the catalogue's index after the deploy that adds it: through GSI1
      await r.listContracts();
      refuseCatalogue = true;
      try {
        await r.listContracts();
      } finally {
        refuseCatalogue = false;
      }
    },
  ],
  ['createSubscription', (r) => r.createSubscription(sub, audit())],
  ['findSameSubscription', (r) => r.findSameSubscription(sub)],
  ['getSubscription', (r) => r.getSubscription('s-1')],
  ['listSubscriptions', (r) => r.listSubscriptions('housing-fund')],
  ['deleteSubscription', (r) => r.deleteSubscription(sub, audit())],
];

/** What IAM checks a DynamoDB request by: its action(s), and the index it reads, if any (the document client shares
 * its middleware stack with the client below it, so the requests seen are DynamoDB's own operations). */
function iamOf(
  commandName: string,
  input: Record<string, unknown>,
): { actions: string[]; index: string | undefined } {
  if (commandName === 'GetItemCommand') return { actions: ['dynamodb:GetItem'], index: undefined };
  if (commandName === 'PutItemCommand') return { actions: ['dynamodb:PutItem'], index: undefined };
  if (commandName === 'QueryCommand')
    return { actions: ['dynamodb:Query'], index: input.IndexName as string | undefined };
  if (commandName === 'TransactWriteItemsCommand') {
    const kinds: Record<string, string> = {
      Put: 'dynamodb:PutItem',
      Update: 'dynamodb:UpdateItem',
      Delete: 'dynamodb:DeleteItem',
      ConditionCheck: 'dynamodb:ConditionCheckItem',
    };
    const items = input.TransactItems as Array<Record<string, unknown>>;
    return {
      actions: items.flatMap((item) => Object.keys(item).map((k) => kinds[k] ?? k)),
      index: undefined,
    };
  }
  // Anything else shows as itself, so that it cannot pass for an action granted.
  return { actions: [commandName], index: undefined };
}

/**
 * The partition keys a DynamoDB request names, as IAM's dynamodb:LeadingKeys has them: each item's `pk`, a query's
 * `:pk` (a query of the GSI names none of the table's).
 */
function leadingKeysOf(commandName: string, input: Record<string, unknown>): string[] {
  const pkOf = (item: unknown): string[] => {
    const pk = (item as { pk?: unknown } | undefined)?.pk;
    return typeof pk === 'string' ? [pk] : [];
  };
  if (commandName === 'GetItemCommand') return pkOf(input.Key);
  if (commandName === 'PutItemCommand') return pkOf(input.Item);
  if (commandName === 'QueryCommand') {
    if (input.IndexName !== undefined) return [];
    return pkOf({ pk: (input.ExpressionAttributeValues as Record<string, unknown> | undefined)?.[':pk'] });
  }
  if (commandName === 'TransactWriteItemsCommand') {
    const items = input.TransactItems as Array<Record<string, { Key?: unknown; Item?: unknown }>>;
    return items.flatMap((item) => Object.values(item).flatMap((op) => pkOf(op.Key ?? op.Item)));
  }
  return [];
}

describe('registry access: what each function is granted is what its calls send', () => {
  const sent = new Map<
    string,
    { actions: Set<string>; indexes: Set<string>; table: boolean; keys: Set<string> }
  >();

  beforeAll(async () => {
    const { registry, documentClient } = await freshRegistry();
    let running = '';
    documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        const { actions, index } = iamOf(context.commandName ?? '', input);
        const record = sent.get(running) ?? {
          actions: new Set<string>(),
          indexes: new Set<string>(),
          table: false,
          keys: new Set<string>(),
        };
        for (const action of actions) record.actions.add(action);
        for (const key of leadingKeysOf(context.commandName ?? '', input)) record.keys.add(key);
        if (index !== undefined) record.indexes.add(index);
        // Every request but a query of an index reads or writes the table's own items.
        record.table ||= index === undefined;
        sent.set(running, record);
        if (refuseCatalogue && index === 'catalogue') {
          const refused = new Error('Cannot read from backfilling global secondary index: catalogue');
          throw Object.assign(refused, { name: 'ValidationException' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordIamActions' },
    );
    for (const [method, run] of RUNS) {
      running = method;
      await run(registry);
    }
  });

  afterAll(closeClients);

  it('runs every registry call a function makes', () => {
    // GIVEN
    const run = new Set(RUNS.map(([method]) => method));
    // THEN
    for (const name of NAMES) {
      for (const call of calls.of(name))
        expect(`${name}: ${call}: ${run.has(call)}`).toBe(`${name}: ${call}: true`);
    }
  });

  it.each(NAMES)('grants %s exactly the actions its calls send', (name) => {
    // GIVEN
    const made = [...calls.of(name)];
    const actions = new Set(made.flatMap((call) => [...(sent.get(call)?.actions ?? [])]));
    const indexes = new Set(made.flatMap((call) => [...(sent.get(call)?.indexes ?? [])]));
    // THEN
    const granted = REGISTRY_ACCESS[name];
    if (made.length === 0) {
      expect(granted).toBeUndefined();
      return;
    }
    expect({ actions: [...actions].sort(), indexes: [...indexes].sort() }).toEqual({
      actions: [...(granted?.actions ?? [])].sort(),
      indexes: [...(granted?.indexes ?? [])].sort(),
    });
  });

  it.each(NAMES)('grants %s the table itself only if its calls reach past the index', (name) => {
    // GIVEN
    const made = [...calls.of(name)];
    const table = made.some((call) => sent.get(call)?.table);
    // THEN
    const granted = REGISTRY_ACCESS[name];
    if (granted === undefined) return;
    expect({ name, indexOnly: granted.indexOnly === true }).toEqual({ name, indexOnly: !table });
  });

  it.each(NAMES)('confines %s to the partition keys its calls name, where its grant says which', (name) => {
    // GIVEN
    const patterns = REGISTRY_ACCESS[name]?.leadingKeys;
    const keys = [...calls.of(name)].flatMap((call) => [...(sent.get(call)?.keys ?? [])]);
    // THEN: every key its calls name matches a pattern of its grant (and it names some)
    if (patterns === undefined) return;
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !patterns.some((pattern) => stringLike(pattern, key)))).toEqual([]);
  });
});
