// Every request constraint AWS's model puts on the operations we implement (lengths, patterns, enums, ranges,
// and lists of strings; test/fixtures/eventbridge/model-constraints.json, taken from the model, says what it
// covers) is checked by the server: a value breaking one is refused with a ValidationException naming the member
// and the constraint as AWS's front end does, and a value just inside it is not.
import { readFileSync } from 'node:fs';
import {
  DescribeEventBusCommand,
  ListApiDestinationsCommand,
  ListArchivesCommand,
  ListConnectionsCommand,
  ListEventBusesCommand,
  ListReplaysCommand,
  ListRulesCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-eventbridge';
import { LAMBDA_ARN, useSharedHarness } from './harness.js';

interface Constraint {
  readonly type: string;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly member?: Constraint;
  readonly members?: Readonly<Record<string, Constraint>>;
}

const model = JSON.parse(
  readFileSync(new URL('../../fixtures/eventbridge/model-constraints.json', import.meta.url), 'utf8'),
) as { operations: Record<string, Record<string, Constraint>> };

const camel = (key: string): string => key.charAt(0).toLowerCase() + key.slice(1);

/**
 * A value and the words AWS's message gives the constraint it breaks, all of which must appear (`undefined`: a
 * value that breaks none).
 */
type Probe = readonly [label: string, value: unknown, words: readonly string[] | undefined];

function probes(c: Constraint): Probe[] {
  const out: Probe[] = [];
  const breaks = (label: string, value: unknown, ...words: string[]) => out.push([label, value, words]);
  const keeps = (label: string, value: unknown) => out.push([label, value, undefined]);
  if (c.type === 'string') {
    if (c.max !== undefined)
      breaks(`longer than ${c.max}`, 'x'.repeat(c.max + 1), `length less than or equal to ${c.max}`);
    if (c.min !== undefined && c.min > 0)
      breaks(`shorter than ${c.min}`, '', `length greater than or equal to ${c.min}`);
    if (c.pattern !== undefined && !new RegExp(`^(?:${c.pattern})$`).test('a b!')) {
      breaks(`not matching ${c.pattern}`, 'a b!', `regular expression pattern: ${c.pattern}`);
    }
    if (c.enum !== undefined) {
      // AWS prints the set in an order of its own (recorded for ListArchives' State): only its members count.
      breaks('outside the enum', 'NOT_IN_THE_ENUM', 'enum value set: [', ...c.enum);
      keeps('in the enum', c.enum[0]);
    } else if (c.pattern === undefined && c.max !== undefined) {
      keeps(`of length ${c.max}`, 'x'.repeat(c.max));
    }
  } else if (c.type === 'integer' || c.type === 'long') {
    if (c.max !== undefined) breaks(`above ${c.max}`, c.max + 1, `value less than or equal to ${c.max}`);
    if (c.min !== undefined) {
      breaks(`below ${c.min}`, c.min - 1, `value greater than or equal to ${c.min}`);
      keeps(`of ${c.min}`, c.min);
    }
  } else if (c.type === 'list') {
    const broken = c.member ? probes(c.member).find(([, , words]) => words !== undefined) : undefined;
    if (broken) breaks(`with a member ${broken[0]}`, [broken[1]], 'Member must satisfy constraint: [');
    if (c.max !== undefined) {
      breaks(
        `of more than ${c.max}`,
        Array.from({ length: c.max + 1 }, () => 'x'),
        `length less than or equal to ${c.max}`,
      );
    }
  }
  return out;
}

/** Each constrained member of a structure, by its path of member names. */
function leaves(
  members: Readonly<Record<string, Constraint>>,
  path: readonly string[],
): Array<[string[], Constraint]> {
  return Object.entries(members).flatMap(([key, c]) =>
    c.type === 'structure'
      ? leaves(c.members ?? {}, [...path, key])
      : [[[...path, key], c] as [string[], Constraint]],
  );
}

function place(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let at = target;
  for (const step of path.slice(0, -1)) {
    at[step] = at[step] ?? {};
    at = at[step] as Record<string, unknown>;
  }
  at[path.at(-1) as string] = value;
}

interface Case {
  readonly operation: string;
  readonly member: string;
  readonly label: string;
  readonly body: Record<string, unknown>;
  readonly at: string;
  readonly words: readonly string[] | undefined;
}

/** A request per probe; members of Targets, Entries and Tags go in the first element of an otherwise valid list. */
function cases(): Case[] {
  const all: Case[] = [];
  for (const [operation, members] of Object.entries(model.operations)) {
    for (const [key, constraint] of Object.entries(members)) {
      const list = key.endsWith('.member') ? key.slice(0, -'.member'.length) : undefined;
      const structure = constraint.type === 'structure' ? (constraint.members ?? {}) : { [key]: constraint };
      for (const [path, leaf] of leaves(
        structure,
        list === undefined && constraint.type === 'structure' ? [key] : [],
      )) {
        for (const [label, value, words] of probes(leaf)) {
          let body: Record<string, unknown>;
          let at: string;
          if (list === undefined) {
            body = {};
            place(body, path, value);
            at = path.map(camel).join('.');
          } else {
            const item: Record<string, unknown> =
              list === 'Targets'
                ? { Id: 't', Arn: LAMBDA_ARN }
                : list === 'Tags'
                  ? { Key: 'k', Value: 'v' }
                  : { Source: 's', DetailType: 'd', Detail: '{}' };
            place(item, path, value);
            body = { ...(list === 'Targets' ? { Rule: 'r' } : {}), [list]: [item] };
            at = `${camel(list)}.1.member.${path.map(camel).join('.')}`;
          }
          all.push({ operation, member: at, label, body, at, words });
        }
      }
    }
  }
  return all;
}

describe("embedded EventBridge: AWS's model constraints", () => {
  const harness = useSharedHarness();
  const all = cases();

  it('has a case for each constraint the fixture lists', () => {
    // Assess: a fixture that lost its members, or a case builder that skipped them, would test nothing.
    expect(all.filter((c) => c.words !== undefined).length).toBeGreaterThan(200);
    expect(all.filter((c) => c.words === undefined).length).toBeGreaterThan(40);
    expect(new Set(all.map((c) => c.operation)).size).toBe(Object.keys(model.operations).length);
  });

  it('changes nothing when it refuses: no bus, rule, archive, replay, connection or API destination is left behind, and the default bus keeps its settings, policy and tags', async () => {
    // Prepare: what a user can read, before. UpdateEventBus, PutPermission and TagResource cases without a name
    // act on the default bus, so its description, settings, policy and tags are read too.
    const { client } = harness;
    const state = async () => {
      const { $metadata: _m, ...defaultBus } = await client.send(new DescribeEventBusCommand({}));
      return {
        buses: (await client.send(new ListEventBusesCommand({}))).EventBuses?.map((b) => b.Name),
        defaultBus,
        defaultBusTags: (await client.send(new ListTagsForResourceCommand({ ResourceARN: defaultBus.Arn })))
          .Tags,
        rules: (await client.send(new ListRulesCommand({}))).Rules,
        archives: (await client.send(new ListArchivesCommand({}))).Archives,
        replays: (await client.send(new ListReplaysCommand({}))).Replays,
        connections: (await client.send(new ListConnectionsCommand({}))).Connections,
        apiDestinations: (await client.send(new ListApiDestinationsCommand({}))).ApiDestinations,
      };
    };
    const before = await state();
    // Act: every breaking case, before the cases with values just inside (which may create things).
    for (const c of all.filter((x) => x.words !== undefined)) {
      await fetch(harness.eventBridge.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${c.operation}` },
        body: JSON.stringify(c.body),
      });
    }
    // Assess
    expect(before).toMatchObject({
      buses: ['default'],
      rules: [],
      archives: [],
      replays: [],
      connections: [],
      apiDestinations: [],
    });
    expect(await state()).toEqual(before);
  });

  it.each(all.map((c) => [c.operation, c.member, c.label, c] as const))(
    '%s: %s %s',
    async (_operation, _member, _label, c) => {
      // Act
      const res = await fetch(harness.eventBridge.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSEvents.${c.operation}` },
        body: JSON.stringify(c.body),
      });
      const body = (await res.json()) as { __type?: string; message?: string };
      // Assess: the member is named with the words of its constraint, or (for a value inside) not named at all;
      // other members the request leaves out may still be reported missing.
      const named = (body.message ?? '')
        .split(/; |detected: /)
        .filter((part) => part.includes(`at '${c.at}' failed`));
      if (c.words === undefined) {
        expect({ member: c.at, named }).toEqual({ member: c.at, named: [] });
      } else {
        expect({ status: res.status, type: body.__type }).toEqual({
          status: 400,
          type: 'ValidationException',
        });
        const words = c.words;
        const meant = named.some((part) => words.every((w) => part.includes(w)));
        expect({ member: c.at, named, meant }).toEqual({ member: c.at, named, meant: true });
      }
    },
  );
});
