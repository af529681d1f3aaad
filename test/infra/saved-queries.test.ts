// The Logs Insights queries saved with the stack, over the log groups each needs, as docs/deploy.md prints them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnResource } from 'aws-cdk-lib';
import { SAVED_QUERIES } from '../../infra/constructs/saved-queries.js';
import { logicalIdOf, PROJECT_ROOT, removeAssemblies, synthesizeStack } from './synthesize.js';

afterAll(removeAssemblies);

const { stack, template } = synthesizeStack();
const logGroupRef = (name: keyof typeof stack.functions) => {
  const group = stack.functions[name].logGroup;
  return { Ref: logicalIdOf(stack, group.node.defaultChild as CfnResource) };
};

describe('the saved Logs Insights queries', () => {
  it('are saved under the stack name, each over its log groups', () => {
    // Act
    const definitions = Object.values(template.findResources('AWS::Logs::QueryDefinition')).map(
      ({ Properties }) => Properties as { Name: string; QueryString: string; LogGroupNames: unknown[] },
    );
    // Assess
    const everyFunction = Object.keys(stack.functions).map((name) =>
      logGroupRef(name as keyof typeof stack.functions),
    );
    expect(definitions.map(({ Name, LogGroupNames }) => ({ Name, LogGroupNames }))).toEqual([
      { Name: 'Sharebus/warnings and errors by message', LogGroupNames: everyFunction },
      { Name: 'Sharebus/failed deliveries by subscription', LogGroupNames: [logGroupRef('deliver')] },
      { Name: 'Sharebus/trace an event (replace EVENT-ID)', LogGroupNames: everyFunction },
    ]);
    expect(definitions.map(({ QueryString }) => QueryString)).toEqual(
      Object.values(SAVED_QUERIES).map((query) => query.toString()),
    );
  });

  it('are printed in docs/deploy.md as saved, one line each', () => {
    // Prepare
    const guide = readFileSync(join(PROJECT_ROOT, 'docs', 'deploy.md'), 'utf8');
    // Act
    const missing = Object.entries(SAVED_QUERIES)
      .map(([name, query]) => [name, query.toString().replaceAll('\n', ' ')] as const)
      .filter(([, line]) => !guide.includes(`\n${line}\n`));
    // Assess
    expect(missing).toEqual([]);
  });
});
