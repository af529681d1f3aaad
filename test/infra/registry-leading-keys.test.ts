// The registry items each function's role may name on the table itself, by their partition keys
// (dynamodb:LeadingKeys). The admin key's item (ADMINKEY) is written by the admin-key CLI alone, and an API key's
// item (APIKEY#...) by the departments function alone (createSystem): a function on the internet that could put
// either could mint a key with the admin's powers (AWS review, 2026-12-07: contracts and subscriptions could).
import type { CfnResource } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, type FunctionName } from '../../functions/routes.js';
import type { SharebusStack } from '../../infra/sharebus-stack.js';
import { logicalIdOf, removeAssemblies, synthesizeStack } from './synthesize.js';

interface StatementJson {
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];

let stack: SharebusStack;
let template: Template;

beforeAll(() => {
  ({ stack, template } = synthesizeStack());
}, 120_000);

afterAll(removeAssemblies);

/** Every statement of the identity policies attached to a function's role. */
function statementsOf(name: FunctionName): StatementJson[] {
  const role = stack.functions[name].role;
  if (!role) throw new Error(`function ${name} has no role`);
  const roleId = logicalIdOf(stack, role.node.defaultChild as CfnResource);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => policy.Properties.Roles.some((ref: { Ref?: string }) => ref.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as StatementJson[]);
}

/** The statements that grant something on the table's own items (its ARN itself, not only an index's). */
function onTableItems(name: FunctionName): StatementJson[] {
  const tableArn = JSON.stringify({
    'Fn::GetAtt': [logicalIdOf(stack, stack.registry.table.node.defaultChild as CfnResource), 'Arn'],
  });
  return statementsOf(name).filter((statement) =>
    [statement.Resource].flat().some((resource) => JSON.stringify(resource) === tableArn),
  );
}

/** The LeadingKeys patterns of a statement; undefined when it names no partition keys (any item). */
function leadingKeysOf(statement: StatementJson): string[] | undefined {
  const keys = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
  return keys === undefined ? undefined : [keys as string | string[]].flat();
}

/** Whether `key` matches an IAM StringLike pattern (`*` any characters, `?` one). */
function stringLike(pattern: string, key: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(key);
}

const ADMIN_KEY_ITEM = 'ADMINKEY';
const AN_API_KEY_ITEM = `APIKEY#${'0'.repeat(64)}`;

describe('registry items by partition key', () => {
  it.each(FUNCTION_NAMES)('holds every grant of %s on the table itself to named partition keys', (name) => {
    // THEN
    for (const statement of onTableItems(name)) {
      expect({ name, leadingKeys: leadingKeysOf(statement) }).toEqual({
        name,
        leadingKeys: expect.any(Array),
      });
    }
  });

  it.each(FUNCTION_NAMES)('lets %s name no admin key item, which only the admin-key CLI writes', (name) => {
    // THEN
    for (const statement of onTableItems(name)) {
      const patterns = leadingKeysOf(statement) ?? ['*'];
      expect(patterns.filter((pattern) => stringLike(pattern, ADMIN_KEY_ITEM))).toEqual([]);
    }
  });

  it.each(['contracts', 'subscriptions', 'deliver', 'publish'] as const)(
    'lets %s name no API key item, which departments alone writes and the authorizer alone reads',
    (name) => {
      // THEN
      for (const statement of onTableItems(name)) {
        const patterns = leadingKeysOf(statement) ?? ['*'];
        expect(patterns.filter((pattern) => stringLike(pattern, AN_API_KEY_ITEM))).toEqual([]);
      }
    },
  );
});
