// Every request constraint AWS's model puts on the operations we implement (lengths, patterns, enums, ranges;
// test/fixtures/eventbridge/model-constraints.json, taken from the model) is checked by the server: a value
// breaking one is refused with a ValidationException naming the member, as AWS's front end refuses it.
import { readFileSync } from 'node:fs';
import { LAMBDA_ARN, useSharedHarness } from './harness.js';

interface Constraint {
  readonly type: string;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly members?: Readonly<Record<string, Constraint>>;
}

const model = JSON.parse(
  readFileSync(new URL('../../fixtures/eventbridge/model-constraints.json', import.meta.url), 'utf8'),
) as { operations: Record<string, Record<string, Constraint>> };

const camel = (key: string): string => key.charAt(0).toLowerCase() + key.slice(1);

/** Values breaking one constraint each, named by what they break. */
function breaking(c: Constraint): Array<readonly [string, unknown]> {
  const out: Array<readonly [string, unknown]> = [];
  if (c.type === 'string') {
    if (c.max !== undefined) out.push([`longer than ${c.max}`, 'x'.repeat(c.max + 1)]);
    if (c.min !== undefined && c.min > 0) out.push([`shorter than ${c.min}`, '']);
    if (c.pattern !== undefined && !new RegExp(`^(?:${c.pattern})$`).test('a b!')) {
      out.push([`not matching ${c.pattern}`, 'a b!']);
    }
    if (c.enum !== undefined) out.push(['outside the enum', 'NOT_IN_THE_ENUM']);
  } else {
    if (c.max !== undefined) out.push([`above ${c.max}`, c.max + 1]);
    if (c.min !== undefined) out.push([`below ${c.min}`, c.min - 1]);
  }
  return out;
}

interface Case {
  readonly operation: string;
  readonly member: string;
  readonly broken: string;
  readonly body: Record<string, unknown>;
  readonly at: string;
}

/** A request per broken constraint; list members go in as the first element of an otherwise valid list. */
function cases(): Case[] {
  const all: Case[] = [];
  for (const [operation, members] of Object.entries(model.operations)) {
    for (const [member, constraint] of Object.entries(members)) {
      if (member.endsWith('.member')) {
        const list = member.slice(0, -'.member'.length);
        const valid: Record<string, unknown> =
          list === 'Targets' ? { Id: 't', Arn: LAMBDA_ARN } : { Source: 's', DetailType: 'd', Detail: '{}' };
        const around = list === 'Targets' ? { Rule: 'r' } : {};
        for (const [path, leaf] of leaves(constraint.members ?? {}, [])) {
          for (const [broken, value] of breaking(leaf)) {
            const item = structuredClone(valid);
            let at = item;
            for (const step of path.slice(0, -1)) {
              at[step] = at[step] ?? {};
              at = at[step] as Record<string, unknown>;
            }
            at[path.at(-1) as string] = value;
            all.push({
              operation,
              member: `${list}[0].${path.join('.')}`,
              broken,
              body: { ...around, [list]: [item] },
              at: `${camel(list)}.1.member.${path.map(camel).join('.')}`,
            });
          }
        }
        continue;
      }
      for (const [broken, value] of breaking(constraint)) {
        all.push({ operation, member, broken, body: { [member]: value }, at: camel(member) });
      }
    }
  }
  return all;
}

function leaves(
  members: Readonly<Record<string, Constraint>>,
  path: readonly string[],
): Array<readonly [string[], Constraint]> {
  return Object.entries(members).flatMap(([key, c]) =>
    c.type === 'structure' ? leaves(c.members ?? {}, [...path, key]) : [[[...path, key], c] as const],
  );
}

describe("embedded EventBridge: AWS's model constraints", () => {
  const harness = useSharedHarness();
  const all = cases();

  it('has a case for each constraint the fixture lists', () => {
    // Assess: a fixture that lost its members, or a case builder that skipped them, would test nothing.
    expect(all.length).toBeGreaterThan(120);
    expect(new Set(all.map((c) => c.operation)).size).toBe(Object.keys(model.operations).length);
  });

  it.each(all.map((c) => [c.operation, c.member, c.broken, c] as const))(
    '%s refuses %s %s',
    async (_operation, _member, _broken, c) => {
      // Act
      const res = await fetch(harness.eventBridge.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${c.operation}` },
        body: JSON.stringify(c.body),
      });
      const body = (await res.json()) as { __type?: string; message?: string };
      // Assess
      expect({ status: res.status, type: body.__type }).toEqual({ status: 400, type: 'ValidationException' });
      expect(body.message).toContain(`at '${c.at}'`);
    },
  );
});
