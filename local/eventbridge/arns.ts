// ARNs as Amazon EventBridge spells them, and the reverse: names out of ARNs given in requests.

export interface AccountScope {
  readonly region: string;
  readonly accountId: string;
}

export const DEFAULT_BUS = 'default';

/** The partition a region's ARNs are in: `aws-cn` in China, `aws-us-gov` in GovCloud, else `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

const prefix = (scope: AccountScope): string =>
  `arn:${partitionOf(scope.region)}:events:${scope.region}:${scope.accountId}`;

export const busArn = (scope: AccountScope, bus: string): string => `${prefix(scope)}:event-bus/${bus}`;

/** Rules on the default bus have no bus segment (`rule/NAME`); others do (`rule/BUS/NAME`). */
export const ruleArn = (scope: AccountScope, bus: string, rule: string): string =>
  bus === DEFAULT_BUS ? `${prefix(scope)}:rule/${rule}` : `${prefix(scope)}:rule/${bus}/${rule}`;

export const archiveArn = (scope: AccountScope, archive: string): string =>
  `${prefix(scope)}:archive/${archive}`;

/** A connection's or API destination's ARN ends in a UUID of its own, so one made again under the name differs. */
export const connectionArn = (scope: AccountScope, name: string, id: string): string =>
  `${prefix(scope)}:connection/${name}/${id}`;

export const apiDestinationArn = (scope: AccountScope, name: string, id: string): string =>
  `${prefix(scope)}:api-destination/${name}/${id}`;

export const replayArn = (scope: AccountScope, replay: string): string => `${prefix(scope)}:replay/${replay}`;

/** `EventBusName` parameters take a name or an ARN; undefined means the default bus. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === '') return DEFAULT_BUS;
  if (!nameOrArn.startsWith('arn:')) return nameOrArn;
  const match = /:event-bus\/(.+)$/.exec(nameOrArn);
  return match?.[1] ?? nameOrArn;
}

/**
 * Whether an `EventBusName` is an ARN naming a bus of another account, region or partition: one this server, which
 * is one account in one region, does not hold whatever its name.
 */
export function isForeignBusArn(scope: AccountScope, nameOrArn: string | undefined): boolean {
  return nameOrArn?.startsWith('arn:') === true && nameOrArn !== busArn(scope, busNameOf(nameOrArn));
}

/** Parses a rule ARN into bus and rule names, or undefined when it is not one. */
export function parseRuleArn(arn: string): { bus: string; rule: string } | undefined {
  const match = /^arn:[^:]+:events:[^:]*:[^:]*:rule\/(.+)$/.exec(arn);
  const path = match?.[1];
  if (path === undefined) return undefined;
  const slash = path.indexOf('/');
  return slash < 0
    ? { bus: DEFAULT_BUS, rule: path }
    : { bus: path.slice(0, slash), rule: path.slice(slash + 1) };
}

export function parseArchiveArn(arn: string): string | undefined {
  return /^arn:[^:]+:events:[^:]*:[^:]*:archive\/(.+)$/.exec(arn)?.[1];
}

export function parseBusArn(arn: string): string | undefined {
  return /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(arn)?.[1];
}

export const isLambdaArn = (arn: string): boolean => /^arn:[^:]+:lambda:[^:]*:[^:]*:function:.+/.test(arn);

export const isSqsArn = (arn: string): boolean => /^arn:[^:]+:sqs:[^:]*:[^:]*:[^:]+$/.test(arn);

/** An ARN's service, region, account and resource (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`), if it is one. */
export function arnParts(
  arn: string,
): { service: string; region: string; account: string; resource: string } | undefined {
  const parts = /^arn:[^:]+:([^:]+):([^:]*):([^:]*):(.+)$/.exec(arn);
  if (!parts) return undefined;
  const [, service = '', region = '', account = '', resource = ''] = parts;
  return { service, region, account, resource };
}

/** The Region segment of an ARN (`arn:PARTITION:SERVICE:REGION:...`); '' for one without. */
export const arnRegion = (arn: string): string => arn.split(':')[3] ?? '';

/**
 * Whether EventBridge can write a rule target's dead letters to this queue: AWS's guide ("Event retry policy and
 * using dead-letter queues", considerations) says "The Amazon SQS queue you use must be in the same Region in which
 * you create the rule". Another account's queue is allowed (its policy permitting).
 */
export const dlqInRegion = (deadLetterArn: string, region: string): boolean =>
  arnRegion(deadLetterArn) === region;

export const isApiDestinationArn = (arn: string): boolean =>
  /^arn:[^:]+:events:[^:]*:[^:]*:api-destination\/[^/]+\/[^/]+$/.test(arn);
