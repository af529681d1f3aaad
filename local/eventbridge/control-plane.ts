// The EventBridge resources (buses, rules, targets) and the operations on them, including PutEvents and
// TestEventPattern, with AWS's request validation, error codes and messages.
import { join } from 'node:path';
import {
  type AccountScope,
  arnParts,
  busArn,
  busNameOf,
  DEFAULT_BUS,
  dlqInRegion,
  isForeignBusArn,
  isSqsArn,
  parseBusArn,
  parseRuleArn,
  partitionOf,
  ruleArn,
} from './arns.js';
import {
  applyPermission,
  type PolicyDocument,
  readPermission,
  removeStatement,
  STATEMENT_ID_FIELD,
} from './bus-policy.js';
import { HEADER_KEY_FIELD, HEADER_VALUE_FIELD, QUERY_KEY_FIELD, QUERY_VALUE_FIELD } from './connections.js';
import { type ChangeOperation, JOURNAL_FILE, type JournalEntry, readJournal } from './control-journal.js';
import {
  DEFAULT_RETRY_POLICY,
  type DeliveredEvent,
  DeliveryFailureError,
  type DeliveryRule,
  type DeliveryTarget,
  type Dispatcher,
  epochSeconds,
  type HttpParameters,
  idText,
  isoSeconds,
  type Logger,
  type RetryPolicy,
} from './delivery.js';
import { alreadyExists, EventBridgeApiError, limitExceeded, notFound, validationError } from './errors.js';
import { newId } from './ids.js';
import { type AsyncInvocations, heldBytes as invocationBytes } from './lambda-async.js';
import {
  archiveTargetArn,
  type ManagedRule,
  type ManagedRuleOwner,
  managedRuleError,
  managedRuleSummary,
  ownTargetError,
} from './managed-rules.js';
import {
  type CompiledPattern,
  compilePattern,
  InvalidEventPatternError,
  MAX_PATTERN_LENGTH,
  matchesPatternJson,
  RuleMatcher,
  SEARCH_BUDGET_TEXT,
  sharingSearchBudget,
  stoppedLastMatch,
} from './patterns/index.js';
import { type CoalescingWriter, CompactedLog, reasonOf } from './persistence.js';
import {
  BUS_NAME_PATTERN,
  BUS_NAME_PATTERN_TEXT,
  isObject,
  type JsonObject,
  KMS_KEY_FIELD,
  NAME_PATTERN,
  NAME_PATTERN_TEXT,
  nestsTooDeep,
  page,
  printed,
  RequestReader,
  rfc3339Time,
} from './request.js';
import { parseScheduleExpression, type Schedule, type Scheduler } from './schedule.js';
import { addTags, readTags, refuseReservedKeys, type Tags, tagList } from './tags.js';
import { compileTargetInput } from './target-input.js';
import { modelTarget } from './target-shape.js';

export const MAX_TARGETS_PER_RULE = 5;
/** Rules whose patterns use `wildcard` a bus may hold by default: AWS's quota, which it does not adjust. */
export const MAX_WILDCARD_RULES_PER_BUS = 30;

/** AWS's default quota of rules per event bus in most regions (100 in af-south-1 and eu-south-1). */
export const DEFAULT_MAX_RULES_PER_BUS = 300;
/** The regions whose default quota of rules per event bus is 100 (AWS's quotas page, "Rules"). */
const SMALL_RULES_QUOTA_REGIONS: ReadonlySet<string> = new Set(['af-south-1', 'eu-south-1']);

/** AWS's default quota of rules per event bus in `region`: 100 in af-south-1 and eu-south-1, else 300. */
export const defaultMaxRulesPerBus = (region: string): number =>
  SMALL_RULES_QUOTA_REGIONS.has(region) ? 100 : DEFAULT_MAX_RULES_PER_BUS;
/**
 * AWS's default quota "Event buses", the most an account has in a region (adjustable there on request). The default
 * bus, which every account has without making it, is not counted: AWS's quotas page does not say whether it is.
 */
export const MAX_EVENT_BUSES = 100;
export const MAX_ENTRIES_PER_PUT_EVENTS = 10;
/** Field rules repeated by most operations (AWS's API model: names up to 64, bus names or ARNs up to 1,600). */
const BUS_NAME_FIELD = {
  min: 1,
  max: 1600,
  pattern: BUS_NAME_PATTERN,
  patternText: BUS_NAME_PATTERN_TEXT,
} as const;
/** A bus name where AWS's model takes a name only (EventBusName): CreateEventBus, DeleteEventBus, ... */
const EVENT_BUS_NAME_FIELD = {
  min: 1,
  max: 256,
  pattern: /^[/.\-_A-Za-z0-9]+$/,
  patternText: '[/\\.\\-_A-Za-z0-9]+',
} as const;
/** Where AWS's model takes the name of a bus that is not a partner bus (NonPartnerEventBusName): PutPermission, ... */
const NON_PARTNER_BUS_NAME_FIELD = {
  min: 1,
  max: 256,
  pattern: NAME_PATTERN,
  patternText: NAME_PATTERN_TEXT,
} as const;
/** PutEvents entries name a bus or its ARN, never a partner bus (NonPartnerEventBusNameOrArn). */
const ENTRY_BUS_NAME_FIELD = {
  min: 1,
  max: 1600,
  pattern: /^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[.\-_A-Za-z0-9]+$/,
  patternText: '(arn:aws[\\w-]*:events:[a-z]+-[a-z]+-[\\w-]+:[0-9]{12}:event-bus\\/)?[\\.\\-_A-Za-z0-9]+',
} as const;
const TARGET_ID_FIELD = { min: 1, max: 64, pattern: NAME_PATTERN, patternText: NAME_PATTERN_TEXT } as const;
/** Services whose targets AWS invokes through their resource policies, without a RoleArn (see #needsRole). */
const ROLELESS_TARGET_SERVICES = new Set([
  'lambda',
  'sqs',
  'sns',
  'logs',
  'execute-api',
  // EC2 Stop/Reboot/Terminate built-in targets (arn:aws:automation:REGION:ACCOUNT:action/...): AWS refuses a
  // RoleArn on them (hashicorp/terraform#16929).
  'automation',
]);
/**
 * The services whose resources a rule may target: the user guide's "Event bus targets" list (API destinations, buses
 * and EventBridge's built-in targets are `events`; EC2's Stop/Reboot/Terminate actions `automation`). AWS refuses a
 * target of any other service as a whole request, before asking for a role: "s3 is not a supported service for a
 * target." (a bucket, CloudFormation's status reason recorded in localstack tests/aws/services/events/
 * resource_providers/test_events.py) and "iam is not a supported service for a target." (a role without RoleArn,
 * HTTP 400, aws-cloudformation/cfn-lint#4505).
 */
const TARGET_SERVICES = new Set([
  'events',
  'automation',
  'execute-api',
  'appsync',
  'batch',
  'logs',
  'codebuild',
  'codepipeline',
  'imagebuilder',
  'ecs',
  'firehose',
  'glue',
  'ssm-incidents',
  'inspector',
  'kinesis',
  'lambda',
  'redshift',
  'redshift-serverless',
  'sagemaker',
  'sns',
  'sqs',
  'states',
  'ssm',
]);
/** PutEvents' documented limit on an entry's DetailType. */
const MAX_DETAIL_TYPE_LENGTH = 128;
const RULE_NAME_FIELD = {
  required: true,
  min: 1,
  max: 64,
  pattern: NAME_PATTERN,
  patternText: NAME_PATTERN_TEXT,
} as const;
const RULE_STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'] as const;
type RuleState = (typeof RULE_STATES)[number];

interface StoredTarget extends DeliveryTarget {
  /** The target as given to PutTargets, echoed by ListTargetsByRule. */
  readonly raw: JsonObject;
}

interface Rule {
  readonly name: string;
  readonly arn: string;
  readonly busName: string;
  readonly eventPattern?: string;
  readonly compiled?: CompiledPattern;
  readonly scheduleExpression?: string;
  /** `scheduleExpression` parsed, when it is not empty (PutRule refuses one that does not parse). */
  readonly schedule?: Schedule;
  readonly state: RuleState;
  readonly description?: string;
  readonly roleArn?: string;
  readonly targets: Map<string, StoredTarget>;
  readonly tags: Tags;
}

interface Bus {
  readonly name: string;
  readonly arn: string;
  /** CreateEventBus's settings (UpdateEventBus's since), kept and shown: nothing here encrypts, logs, or dead-letters. */
  settings: BusSettings;
  readonly creationTime: Date;
  lastModifiedTime: Date;
  readonly rules: Map<string, Rule>;
  readonly matcher: RuleMatcher<string>;
  readonly tags: Tags;
  /** PutPermission's resource policy, shown by DescribeEventBus and ListEventBuses; never enforced. */
  policy: PolicyDocument | undefined;
}

/** A bus's settings in the order of AWS's DescribeEventBus response. */
const BUS_SETTINGS = ['Description', 'KmsKeyIdentifier', 'DeadLetterConfig', 'LogConfig'] as const;

interface BusSettings {
  readonly Description?: string;
  readonly KmsKeyIdentifier?: string;
  readonly DeadLetterConfig?: { readonly Arn?: string };
  readonly LogConfig?: { readonly IncludeDetail?: string; readonly Level?: string };
}

/** An event on its way through a bus: the envelope as delivered, and its JSON text. */
export interface BusEvent extends DeliveredEvent {
  readonly event: Readonly<Record<string, unknown>>;
}

/** Hook for archives: sees every event put on a bus (not replays). */
export type EventSink = (busName: string, event: BusEvent) => void;

export interface ControlPlaneOptions {
  readonly scope: AccountScope;
  readonly dispatcher: Dispatcher;
  readonly maxEntrySizeBytes: number;
  /** PutRule of a new rule on a bus holding this many answers LimitExceededException. */
  readonly maxRulesPerBus: number;
  readonly maxWildcardRulesPerBus: number;
  readonly logger: Logger;
  /** Runs the schedules of enabled rules with a ScheduleExpression. */
  readonly scheduler: Scheduler;
  /** The functions invoked asynchronously: while their queues are full, PutEvents refuses the events bound for them. */
  readonly lambdaQueues?: Pick<AsyncInvocations, 'full' | 'handles' | 'refusal'>;
  /** Where changes to buses, rules and targets are logged, to be restored at the next start. */
  readonly persistence?: { readonly writer: CoalescingWriter; readonly dataDir: string };
}

export class ControlPlane {
  readonly #buses = new Map<string, Bus>();
  readonly #sinks: EventSink[] = [];
  #managedRuleOwner: ManagedRuleOwner | undefined;
  /** While restore() replays the journal: the time of the entry being replayed (a bus keeps its CreationTime). */
  #restoringAt: number | undefined;
  /** While the journal is replayed, when the schedule of the rule being replayed became active, if logged. */
  #restoringSince: number | undefined;
  /** The journal of changes (JOURNAL_FILE), with a dataDir. */
  readonly #journal: CompactedLog | undefined;

  constructor(private readonly options: ControlPlaneOptions) {
    this.#buses.set(DEFAULT_BUS, this.#newBus(DEFAULT_BUS, undefined));
    const persistence = options.persistence;
    this.#journal = persistence
      ? new CompactedLog(persistence.writer, join(persistence.dataDir, JOURNAL_FILE), () => this.#snapshot())
      : undefined;
  }

  get scope(): AccountScope {
    return this.options.scope;
  }

  onEventPut(sink: EventSink): void {
    this.#sinks.push(sink);
  }

  /** Who keeps the managed rules (archives' `Events-Archive-*`): shown with the others, changed only by it. */
  setManagedRuleOwner(owner: ManagedRuleOwner): void {
    this.#managedRuleOwner = owner;
  }

  #managedRule(busName: string, name: string): ManagedRule | undefined {
    // The journal holds only changes made to ordinary rules, in their order; the archives are loaded as they are
    // now, so a managed rule of today must not turn a replayed change into a refusal or a forced removal.
    if (this.#restoringAt !== undefined) return undefined;
    return this.#managedRuleOwner?.managedRulesOf(busName).find((r) => r.name === name);
  }

  /** The managed rules of a bus, none while the journal is replayed (see #managedRule). */
  #managedRulesOf(busName: string): readonly ManagedRule[] {
    if (this.#restoringAt !== undefined) return [];
    return this.#managedRuleOwner?.managedRulesOf(busName) ?? [];
  }

  hasBus(name: string): boolean {
    return this.#buses.has(name);
  }

  #newBus(name: string, settings: BusSettings = {}): Bus {
    const now = this.#now();
    return {
      name,
      arn: busArn(this.scope, name),
      settings,
      creationTime: now,
      lastModifiedTime: now,
      rules: new Map(),
      matcher: new RuleMatcher<string>(),
      tags: new Map(),
      policy: undefined,
    };
  }

  #bus(nameOrArn: string | undefined): Bus {
    const { name, bus } = this.#lookUpBus(nameOrArn);
    if (bus) return bus;
    const byArn = nameOrArn?.startsWith('arn:') === true && this.#restoringAt === undefined;
    throw notFound(`Event bus ${byArn ? nameOrArn : name} does not exist.`);
  }

  /**
   * The bus an `EventBusName` names, by name or by its ARN. An ARN names a bus of its own account and region: another
   * account's or region's (`foreign`) names none here. Replaying the journal, it names the bus of its name, which
   * the same dataDir kept under another account (see #tagsOf).
   */
  #lookUpBus(nameOrArn: string | undefined): { name: string; bus: Bus | undefined; foreign: boolean } {
    const name = busNameOf(nameOrArn);
    const foreign = isForeignBusArn(this.scope, nameOrArn) && this.#restoringAt === undefined;
    return { name, bus: foreign ? undefined : this.#buses.get(name), foreign };
  }

  #rule(bus: Bus, name: string): Rule {
    const rule = bus.rules.get(name);
    if (!rule) throw notFound(`Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }

  // ---- event buses ----

  createEventBus(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', { required: true, ...EVENT_BUS_NAME_FIELD });
    const eventSourceName = req.string('EventSourceName', {
      min: 1,
      max: 256,
      pattern: /^aws\.partner(\/[.\-_A-Za-z0-9]+){2,}$/,
      patternText: 'aws\\.partner(/[\\.\\-_A-Za-z0-9]+){2,}',
    });
    const settings = readBusSettings(req);
    const tags = readTags(req);
    req.check();
    if (name === undefined) throw validationError('Name is required.');
    if (eventSourceName !== undefined) {
      throw validationError(
        'Partner event buses (EventSourceName) are not supported by the embedded EventBridge.',
      );
    }
    // Recorded (terraform-provider-aws#35065), for partner-looking names with '/' too.
    if (name.startsWith('aws.')) throw validationError("EventBus name starting with 'aws.' is not valid.");
    if (this.#buses.has(name)) throw alreadyExists(`Event bus ${name} already exists.`);
    if (name.includes('/')) throw validationError(`Event bus name ${name} must not contain '/'.`);
    // Not on replay: the journal holds buses made before the quota was (2026-12-05).
    if (this.#restoringAt === undefined && this.#buses.size - 1 >= MAX_EVENT_BUSES) throw limitExceeded();
    const bus = this.#newBus(name, settings);
    if (tags) addTags(bus.tags, tags);
    this.#buses.set(name, bus);
    // Logged at the bus's own time, to the millisecond: it is its CreationTime after a restart.
    this.#changed('CreateEventBus', body, bus.creationTime.getTime());
    return { EventBusArn: bus.arn, ...settings };
  }

  describeEventBus(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', {
      min: 1,
      max: 1600,
      pattern: BUS_NAME_PATTERN,
      patternText: BUS_NAME_PATTERN_TEXT,
    });
    req.check();
    const bus = this.#bus(name);
    // The settings hold only what was given, in the order of AWS's DescribeEventBus response (readBusSettings).
    const { LogConfig, ...settings } = bus.settings;
    return {
      Name: bus.name,
      Arn: bus.arn,
      ...settings,
      ...(bus.policy ? { Policy: JSON.stringify(bus.policy) } : {}),
      ...(LogConfig ? { LogConfig } : {}),
      CreationTime: epochSeconds(bus.creationTime.getTime()),
      LastModifiedTime: epochSeconds(bus.lastModifiedTime.getTime()),
    };
  }

  updateEventBus(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', EVENT_BUS_NAME_FIELD);
    const given = readBusSettings(req);
    req.check();
    const bus = this.#bus(name);
    // The settings given replace the bus's, and those left out go, except the description, which stays unless one
    // is given (an empty one too): "If you do not specify a customer managed key identifier, EventBridge uses an Amazon Web Services owned
    // key" (UpdateEventBus's reference), and Terraform's provider leaves out a dead-letter or log config it removes
    // but sends "" for a description ("To unset the description, the only way is to explicitly set it to the empty
    // string").
    const description = given.Description ?? bus.settings.Description;
    const merged: BusSettings = {
      ...given,
      ...(description !== undefined ? { Description: description } : {}),
    };
    bus.settings = Object.fromEntries(
      BUS_SETTINGS.flatMap((k) => (merged[k] !== undefined ? [[k, merged[k]]] : [])),
    ) as BusSettings;
    this.#busChanged(bus, 'UpdateEventBus', body);
    return { Arn: bus.arn, Name: bus.name, ...bus.settings };
  }

  putPermission(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('EventBusName', NON_PARTNER_BUS_NAME_FIELD);
    const replaying = this.#restoringAt !== undefined;
    const permission = readPermission(req, partitionOf(this.scope.region), replaying);
    req.check();
    const bus = this.#bus(name);
    bus.policy = applyPermission(bus.policy, permission(), bus.arn, replaying);
    this.#busChanged(bus, 'PutPermission', body);
    return {};
  }

  removePermission(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const statementId = req.string('StatementId', STATEMENT_ID_FIELD);
    const all = req.boolean('RemoveAllPermissions');
    const name = req.string('EventBusName', NON_PARTNER_BUS_NAME_FIELD);
    req.check();
    const bus = this.#bus(name);
    if (all === true) {
      // AWS refuses it on a bus without a policy (LocalStack's AWS-validated tests expect an error); its words are
      // not recorded, these are moto's.
      // Not on replay: a journal of an earlier version may hold one that version took.
      if (!bus.policy && this.#restoringAt === undefined) throw notFound('EventBus does not have a policy.');
      bus.policy = undefined;
    } else if (statementId === undefined) throw validationError('Parameter StatementId must be specified.');
    else bus.policy = removeStatement(bus.policy, statementId);
    this.#busChanged(bus, 'RemovePermission', body);
    return {};
  }

  /** A change to a bus itself (its settings or policy): its LastModifiedTime moves, and the change is logged then. */
  #busChanged(bus: Bus, op: ChangeOperation, body: JsonObject): void {
    bus.lastModifiedTime = this.#now();
    this.#changed(op, body, bus.lastModifiedTime.getTime());
  }

  /** Now, or while the journal is replayed the time of the entry being replayed. */
  #now(): Date {
    return new Date(this.#restoringAt ?? Date.now());
  }

  /** A bus as ListEventBuses shows it: AWS's EventBus shape has the description but not the other settings. */
  #busSummary(bus: Bus): JsonObject {
    const description = bus.settings.Description;
    return {
      Name: bus.name,
      Arn: bus.arn,
      ...(description !== undefined ? { Description: description } : {}),
      ...(bus.policy ? { Policy: JSON.stringify(bus.policy) } : {}),
      CreationTime: epochSeconds(bus.creationTime.getTime()),
      LastModifiedTime: epochSeconds(bus.lastModifiedTime.getTime()),
    };
  }

  listEventBuses(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const prefix = req.string('NamePrefix', EVENT_BUS_NAME_FIELD);
    const { nextToken, limit } = req.paging();
    req.check();
    const buses = [...this.#buses.values()].filter((b) => prefix === undefined || b.name.startsWith(prefix));
    const { items, nextToken: next } = page(buses, nextToken, limit, {
      filter: JSON.stringify(['ListEventBuses', prefix]),
      key: (b) => b.name,
    });
    return { EventBuses: items.map((b) => this.#busSummary(b)), ...(next ? { NextToken: next } : {}) };
  }

  deleteEventBus(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', { required: true, ...EVENT_BUS_NAME_FIELD });
    req.check();
    if (name === DEFAULT_BUS) throw validationError('Cannot delete event bus default.');
    // Deleting a bus that is not there succeeds in AWS too.
    const bus = name === undefined ? undefined : this.#buses.get(name);
    if (!bus) return {};
    // AWS keeps a bus that still has rules, its archives' managed rules included (recorded).
    if (bus.rules.size > 0 || this.#managedRulesOf(bus.name).length > 0) {
      throw validationError("EventBus can't be deleted since it has rules.");
    }
    this.#buses.delete(bus.name);
    this.#changed('DeleteEventBus', body);
    return {};
  }

  // ---- rules ----

  putRule(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', RULE_NAME_FIELD);
    const scheduleExpression = req.string('ScheduleExpression', { max: 256 });
    const eventPattern = req.string('EventPattern', { max: 4096 });
    const state = req.enumValue('State', RULE_STATES);
    const description = req.string('Description', { max: 512 });
    const roleArn = req.string('RoleArn', { min: 1, max: 1600 });
    const busName = req.string('EventBusName', BUS_NAME_FIELD);
    const tags = readTags(req);
    req.check();
    if (name === undefined) throw validationError('Name is required.');
    // AWS counts an empty EventPattern or ScheduleExpression as not given, yet keeps it and describes it as
    // "" (recorded: a schedule with EventPattern "", or a pattern with ScheduleExpression "", is accepted).
    if (!eventPattern && !scheduleExpression) {
      throw validationError('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    const bus = this.#bus(busName);
    if (this.#managedRule(bus.name, name)) throw managedRuleError(name, false);
    let compiled: CompiledPattern | undefined;
    if (eventPattern) compiled = compileRulePattern(eventPattern);
    // Off the default bus even an empty ScheduleExpression is refused (recorded).
    if (scheduleExpression !== undefined && bus.name !== DEFAULT_BUS) {
      throw validationError('ScheduleExpression is supported only on the default event bus.');
    }
    const schedule = scheduleExpression ? parseScheduleExpression(scheduleExpression) : undefined;
    if (scheduleExpression) {
      if (!schedule) throw validationError('Parameter ScheduleExpression is not valid.');
      if (state === 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS') {
        throw validationError(
          'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS rule state is not supported with scheduled rule expressions.',
        );
      }
    }
    const existing = bus.rules.get(name);
    // Not on replay: the journal holds rules the quota let in when they were made.
    if (!existing && this.#restoringAt === undefined && bus.rules.size >= this.options.maxRulesPerBus) {
      throw limitExceeded();
    }
    // "Rules containing wildcards: 30 rules per event bus ... This quota cannot be adjusted." (AWS's quotas page;
    // its words when refusing are not recorded.) A rule that already had one may be put again.
    if (compiled?.usesWildcard && !existing?.compiled?.usesWildcard && this.#restoringAt === undefined) {
      let wildcardRules = 0;
      for (const other of bus.rules.values()) if (other.compiled?.usesWildcard) wildcardRules++;
      if (wildcardRules >= this.options.maxWildcardRulesPerBus) throw limitExceeded();
    }
    // "If you are updating an existing rule, any tags you specify in the PutRule operation are ignored" (PutRule).
    const ruleTags: Tags = existing?.tags ?? new Map();
    if (!existing && tags) addTags(ruleTags, tags);
    const rule: Rule = {
      name,
      arn: ruleArn(this.scope, bus.name, name),
      busName: bus.name,
      ...(eventPattern !== undefined ? { eventPattern } : {}),
      ...(compiled ? { compiled } : {}),
      ...(scheduleExpression !== undefined ? { scheduleExpression } : {}),
      ...(schedule ? { schedule } : {}),
      // PutRule replaces the rule: arguments left out are not kept (AWS documents this), targets are.
      state: state ?? 'ENABLED',
      ...(description !== undefined ? { description } : {}),
      ...(roleArn !== undefined ? { roleArn } : {}),
      targets: existing?.targets ?? new Map(),
      tags: ruleTags,
    };
    bus.rules.set(name, rule);
    if (compiled) bus.matcher.add(name, compiled);
    else bus.matcher.remove(name);
    this.#syncSchedule(rule);
    this.#changed('PutRule', body, Date.now(), this.options.scheduler.since(rule.arn));
    return { RuleArn: rule.arn };
  }

  /** Starts, changes or stops a rule's schedule to match the rule: only enabled rules fire. */
  #syncSchedule(rule: Rule): void {
    const schedule = rule.schedule;
    if (schedule && rule.state !== 'DISABLED')
      this.options.scheduler.set(rule.arn, schedule, this.#restoringSince);
    else this.options.scheduler.remove(rule.arn);
  }

  /**
   * A rule's schedule fired: AWS's "Scheduled Event" goes to that rule's targets, through the same delivery,
   * retries and DLQ as any event, and onto the default bus for its other rules and archives.
   */
  fireScheduledRule(arn: string, scheduledAt: number): void {
    const ref = parseRuleArn(arn);
    const rule = ref && this.#buses.get(ref.bus)?.rules.get(ref.rule);
    if (!rule || rule.state === 'DISABLED') return;
    const busEvent = this.#serviceEvent('Scheduled Event', scheduledAt, [rule.arn], {});
    const ruleRef = ruleRefOf(rule);
    for (const target of rule.targets.values()) this.options.dispatcher.deliver(busEvent, ruleRef, target);
    // Other rules whose pattern matches receive it too (recorded). A rule with a pattern as well as its schedule
    // may match its own event: its targets have it already, once per fire.
    for (const sink of this.#sinks) sink(rule.busName, busEvent);
    this.route(rule.busName, busEvent, undefined, rule.arn);
  }

  /**
   * An event EventBridge itself sends (source `aws.events`: a connection's or an API destination's state changed)
   * onto the default bus, for its rules and archives, as AWS sends its own events there.
   */
  putServiceEvent(detailType: string, resources: string[], detail: JsonObject): void {
    const busEvent = this.#serviceEvent(detailType, Date.now(), resources, detail);
    for (const sink of this.#sinks) sink(DEFAULT_BUS, busEvent);
    this.route(DEFAULT_BUS, busEvent);
  }

  /** An event of EventBridge's own (`source` `aws.events`), `time` the instant given. */
  #serviceEvent(detailType: string, time: number, resources: string[], detail: JsonObject): BusEvent {
    const event = {
      version: '0',
      id: newId(),
      'detail-type': detailType,
      source: 'aws.events',
      account: this.scope.accountId,
      time: isoSeconds(time),
      region: this.scope.region,
      resources,
      detail,
    };
    return { event, json: JSON.stringify(event), ingestedAt: Date.now() };
  }

  #ruleSummary(rule: Rule): JsonObject {
    return {
      Name: rule.name,
      Arn: rule.arn,
      ...(rule.eventPattern !== undefined ? { EventPattern: rule.eventPattern } : {}),
      ...(rule.scheduleExpression !== undefined ? { ScheduleExpression: rule.scheduleExpression } : {}),
      State: rule.state,
      ...(rule.description !== undefined ? { Description: rule.description } : {}),
      ...(rule.roleArn !== undefined ? { RoleArn: rule.roleArn } : {}),
      EventBusName: rule.busName,
    };
  }

  #readRuleRef(body: JsonObject): { bus: Bus; name: string } {
    const req = new RequestReader(body);
    const name = req.string('Name', {
      required: true,
      min: 1,
      max: 64,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    const busName = req.string('EventBusName', BUS_NAME_FIELD);
    req.check();
    return { bus: this.#bus(busName), name: name ?? '' };
  }

  describeRule(body: JsonObject): JsonObject {
    const { bus, name } = this.#readRuleRef(body);
    const managed = this.#managedRule(bus.name, name);
    const summary = managed ? managedRuleSummary(managed) : this.#ruleSummary(this.#rule(bus, name));
    return { ...summary, CreatedBy: this.scope.accountId };
  }

  listRules(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const prefix = req.string('NamePrefix', {
      min: 1,
      max: 64,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    const busName = req.string('EventBusName', BUS_NAME_FIELD);
    const { nextToken, limit } = req.paging();
    req.check();
    const bus = this.#bus(busName);
    const managed = this.#managedRulesOf(bus.name);
    const rules = [...bus.rules.values(), ...managed].filter(
      (r) => prefix === undefined || r.name.startsWith(prefix),
    );
    const { items, nextToken: next } = page(rules, nextToken, limit, {
      filter: JSON.stringify(['ListRules', bus.name, prefix]),
      key: (r) => r.name,
    });
    const summary = (r: Rule | ManagedRule) =>
      'managedBy' in r ? managedRuleSummary(r) : this.#ruleSummary(r);
    return { Rules: items.map(summary), ...(next ? { NextToken: next } : {}) };
  }

  deleteRule(body: JsonObject): JsonObject {
    // Read whatever the rule: a Force that is not a boolean is a SerializationException, as any wrong type. Not on
    // replay: a journal from before this check logged such a DeleteRule of an ordinary rule, which ignored Force.
    const force =
      this.#restoringAt === undefined ? new RequestReader(body).boolean('Force') : body.Force === true;
    const { bus, name } = this.#readRuleRef(body);
    const managed = this.#managedRule(bus.name, name);
    if (managed) {
      // Force lets a managed rule go, but like any rule only once its targets are removed (with Force too).
      if (force !== true) throw managedRuleError(name, true);
      if (managed.targets.length > 0) throw validationError("Rule can't be deleted since it has targets.");
      this.#managedRuleOwner?.forceDeleteRule(managed);
      return {};
    }
    const rule = bus.rules.get(name);
    // Deleting a rule that is not there succeeds, as in AWS.
    if (!rule) return {};
    if (rule.targets.size > 0) throw validationError("Rule can't be deleted since it has targets.");
    bus.rules.delete(name);
    bus.matcher.remove(name);
    this.options.scheduler.remove(rule.arn);
    this.#changed('DeleteRule', body);
    return {};
  }

  enableRule(body: JsonObject): JsonObject {
    return this.#setState(body, 'ENABLED', 'EnableRule');
  }

  disableRule(body: JsonObject): JsonObject {
    return this.#setState(body, 'DISABLED', 'DisableRule');
  }

  #setState(body: JsonObject, state: RuleState, op: ChangeOperation): JsonObject {
    const { bus, name } = this.#readRuleRef(body);
    if (this.#managedRule(bus.name, name)) throw managedRuleError(name, false);
    const rule: Rule = { ...this.#rule(bus, name), state };
    bus.rules.set(name, rule);
    this.#syncSchedule(rule);
    this.#changed(op, body, Date.now(), this.options.scheduler.since(rule.arn));
    return {};
  }

  // ---- targets ----

  putTargets(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const ruleName = req.string('Rule', RULE_NAME_FIELD);
    const busName = req.string('EventBusName', BUS_NAME_FIELD);
    const targets = req.array('Targets', { required: true, min: 1, max: 100 }) ?? [];
    const replaying = this.#restoringAt !== undefined;
    const modelled = targets.map((t) => (isObject(t) ? modelTarget(t, replaying) : t));
    const parsed = modelled.map((t, i) => readTarget(req.listMember(t, 'Targets', i)));
    req.check();
    const bus = this.#bus(busName);
    const managed = this.#managedRule(bus.name, ruleName ?? '');
    if (managed) {
      const ownArn = archiveTargetArn(this.scope.region);
      if (parsed.some((t) => t.id === managed.name && t.arn === ownArn)) throw ownTargetError(ownArn);
      throw managedRuleError(managed.name, false);
    }
    const rule = this.#rule(bus, ruleName ?? '');
    // "If you have an IAM role on a cross-account event bus target, a PutTargets call without a role on the same
    // target (same Id and Arn) will not remove the role" (PutTargets reference).
    const readers = parsed.map((t): ParsedTarget => {
      const before = rule.targets.get(t.id);
      const kept = before?.raw.RoleArn;
      if (t.roleArn !== undefined || typeof kept !== 'string' || before?.arn !== t.arn) return t;
      if (parseBusArn(t.arn) === undefined || !this.#needsRole(t.arn)) return t;
      return { ...t, roleArn: kept, raw: { ...t.raw, RoleArn: kept } };
    });
    // Not on replay: a journal from before this check (2026-12-08) may hold such a target. A malformed ARN is left to
    // targetProblem (FailedEntries).
    const unsupported = replaying
      ? undefined
      : readers
          .map((t) => arnParts(t.arn)?.service)
          .find((service) => service !== undefined && !TARGET_SERVICES.has(service));
    if (unsupported !== undefined)
      throw validationError(`${unsupported} is not a supported service for a target.`);
    // Not on replay: the request passed once, and the same dataDir may start under another account or region,
    // which would make a target on the old account's bus look like another account's.
    const roleless = replaying
      ? undefined
      : readers.find((t) => t.roleArn === undefined && this.#needsRole(t.arn));
    if (roleless) throw validationError(`RoleArn is required for target ${roleless.arn}.`);
    // EC2's built-in actions run with EventBridge's own service-linked role: AWS refuses one given (recorded in
    // hashicorp/terraform#16929 as far as "RoleArn is not supported fo"; the rest follows the message above).
    const roled = replaying
      ? undefined
      : readers.find((t) => t.roleArn !== undefined && /^arn:[^:]+:automation:/.test(t.arn));
    if (roled) throw validationError(`RoleArn is not supported for target ${roled.arn}.`);
    // PutTargets reference: "Input, InputPath, and InputTransformer are not available with PutTarget if the target is
    // an event bus of a different Amazon Web Services account." AWS's words for the refusal are not recorded. Not on
    // replay, for the reason above, and as a journal from before this check (2026-12-08) may hold such a target.
    const foreignInput = replaying
      ? undefined
      : readers.find(
          (t) =>
            (t.input.Input !== undefined ||
              t.input.InputPath !== undefined ||
              t.input.InputTransformer !== undefined) &&
            this.#otherAccountBus(t.arn),
        );
    if (foreignInput) {
      throw validationError(
        `Input, InputPath, and InputTransformer are not available for target ${foreignInput.id}: ${foreignInput.arn} is an event bus of another account.`,
      );
    }
    // A FIFO queue takes a message only with its group (recorded: hashicorp/terraform#20263).
    const groupless = readers.find(
      (t) => isSqsArn(t.arn) && t.arn.endsWith('.fifo') && t.messageGroupId === undefined,
    );
    if (groupless)
      throw validationError(`Parameter(s) SqsParameters must be specified for target: ${groupless.id}.`);
    // AWS's DLQs are standard queues: PutTargets refuses a FIFO one as a whole (recorded in us-east-1, 2026-09-07).
    // Not on replay: a journal from before this check keeps its targets (all of a rule's are in one line).
    if (
      !replaying &&
      readers.some(
        (t) =>
          t.deadLetterArn !== undefined && isSqsArn(t.deadLetterArn) && t.deadLetterArn.endsWith('.fifo'),
      )
    )
      throw validationError('SQS FIFO is not supported by Dead Letter Queues');
    const compiled = readers.map((t) => ({ ...t, render: compileTargetInput(t.input, replaying) }));
    const ids = new Set([...rule.targets.keys(), ...compiled.map((t) => t.id)]);
    if (ids.size > MAX_TARGETS_PER_RULE) throw limitExceeded();
    const failed: JsonObject[] = [];
    for (const t of compiled) {
      const problem = targetProblem(t.arn, t.deadLetterArn);
      if (problem) {
        failed.push({ TargetId: t.id, ErrorCode: 'ValidationException', ErrorMessage: problem });
        continue;
      }
      const stored: StoredTarget = {
        id: t.id,
        arn: t.arn,
        render: t.render,
        retryPolicy: t.retryPolicy,
        ...(t.deadLetterArn !== undefined ? { deadLetterArn: t.deadLetterArn } : {}),
        ...(t.httpParameters !== undefined ? { httpParameters: t.httpParameters } : {}),
        raw: t.raw,
      };
      rule.targets.set(t.id, stored);
      if (!replaying && !this.options.dispatcher.canDeliver(t.arn)) {
        this.options.logger.warn(
          `[eventbridge] target ${t.id} of rule ${rule.name}: ${t.arn} cannot be delivered to locally; ` +
            'its events will be recorded as failed deliveries',
        );
      }
      // What AWS's PutTargets answers is not recorded; its guide says the DLQ "must be in the same Region in which
      // you create the rule", and the dispatcher keeps such a target's dead letters among dropped deliveries.
      if (!replaying && t.deadLetterArn !== undefined && !dlqInRegion(t.deadLetterArn, this.scope.region)) {
        this.options.logger.warn(
          `[eventbridge] target ${t.id} of rule ${rule.name}: its DeadLetterConfig ${t.deadLetterArn} is not in the ` +
            `rule's Region (${this.scope.region}), as AWS requires; its dead letters will be kept among dropped deliveries`,
        );
      }
    }
    // Replayed whole at the next start, its failed entries fail again as they did here.
    if (failed.length < compiled.length)
      this.#changed('PutTargets', { Rule: ruleName, EventBusName: busName, Targets: modelled });
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  /** Whether an ARN names an event bus of another account (of any region). */
  #otherAccountBus(arn: string): boolean {
    const parts = arnParts(arn);
    return (
      parts?.service === 'events' &&
      /^event-bus\/./.test(parts.resource) &&
      parts.account !== this.scope.accountId
    );
  }

  /**
   * Whether AWS takes a target of this ARN only with a RoleArn: "Amazon SQS, Amazon SNS, Lambda, CloudWatch Logs,
   * and EventBridge bus targets do not use roles ... API Gateway targets can use either" (the user guide's "IAM
   * roles for sending events to targets"); nor do EC2's built-in actions. Every other target needs one: other
   * services', a bus of another account (recorded) or region, an API destination and EventBridge's built-in
   * targets (target/create-snapshot, ...). A malformed ARN is left to targetProblem.
   */
  #needsRole(arn: string): boolean {
    const parts = arnParts(arn);
    if (!parts) return false;
    const { service, region, account, resource } = parts;
    if (service === 'events' && resource.startsWith('event-bus/')) {
      return account !== this.scope.accountId || region !== this.scope.region;
    }
    return !ROLELESS_TARGET_SERVICES.has(service);
  }

  removeTargets(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const ruleName = req.string('Rule', RULE_NAME_FIELD);
    const busName = req.string('EventBusName', BUS_NAME_FIELD);
    const ids = req.stringList('Ids', { required: true, min: 1, max: 100 }, TARGET_ID_FIELD) ?? [];
    const force = req.boolean('Force');
    req.check();
    const managed = this.#managedRule(this.#bus(busName).name, ruleName ?? '');
    if (managed) return this.#forceRemoveTargets(managed, ids, force);
    const rule = this.#rule(this.#bus(busName), ruleName ?? '');
    const failed: JsonObject[] = [];
    for (const id of ids) {
      if (!rule.targets.delete(id)) {
        failed.push({
          TargetId: id,
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `Rule '${rule.name}' does not have a target with the Id '${id}'.`,
        });
      }
    }
    if (failed.length < ids.length) {
      // Their retries end now, rather than at their turn: a restart before it could take them up for a rule made
      // again under this name, which the journal cannot tell from this one.
      if (this.#restoringAt === undefined)
        this.options.dispatcher.targetsRemoved(rule.busName, rule.name, ids);
      this.#changed('RemoveTargets', body);
    }
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  }

  #forceRemoveTargets(rule: ManagedRule, ids: string[], force: boolean | undefined): JsonObject {
    if (force !== true) throw managedRuleError(rule.name, true);
    this.#managedRuleOwner?.forceRemoveTargets(rule, ids);
    // AWS reports no failure for an id the managed rule has no target for (recorded).
    return { FailedEntryCount: 0, FailedEntries: [] };
  }

  listTargetsByRule(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const ruleName = req.string('Rule', RULE_NAME_FIELD);
    const busName = req.string('EventBusName', BUS_NAME_FIELD);
    const { nextToken, limit } = req.paging();
    req.check();
    const bus = this.#bus(busName);
    const managed = this.#managedRule(bus.name, ruleName ?? '');
    const targets = managed
      ? managed.targets
      : [...this.#rule(bus, ruleName ?? '').targets.values()].map((t) => t.raw);
    const { items, nextToken: next } = page(targets, nextToken, limit, {
      filter: JSON.stringify(['ListTargetsByRule', bus.name, ruleName]),
      key: (t) => String(t.Id),
      ordered: false,
    });
    return { Targets: items, ...(next ? { NextToken: next } : {}) };
  }

  listRuleNamesByTarget(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const targetArn = req.string('TargetArn', { required: true, min: 1, max: 1600 });
    const busName = req.string('EventBusName', BUS_NAME_FIELD);
    const { nextToken, limit } = req.paging();
    req.check();
    const bus = this.#bus(busName);
    // As in AWS, an archive's managed rule is listed for the target ListTargetsByRule shows for it.
    const managed = this.#managedRulesOf(bus.name).filter((r) => r.targets.some((t) => t.Arn === targetArn));
    const names = [...bus.rules.values()]
      .filter((r) => [...r.targets.values()].some((t) => t.arn === targetArn))
      .map((r) => r.name)
      .concat(managed.map((r) => r.name));
    const { items, nextToken: next } = page(names, nextToken, limit, {
      filter: JSON.stringify(['ListRuleNamesByTarget', bus.name, targetArn]),
      key: (name) => name,
    });
    return { RuleNames: items, ...(next ? { NextToken: next } : {}) };
  }

  /** The current target for a dead letter's origin, if the rule and target still exist. */
  findTarget(busName: string, ruleName: string, targetId: string) {
    const rule = this.#buses.get(busName)?.rules.get(ruleName);
    const target = rule?.targets.get(targetId);
    return rule && target ? { rule: ruleRefOf(rule), target } : undefined;
  }

  // ---- tags ----

  /**
   * The tags of the bus or rule an ARN names (exactly: another account's or region's is not found), or the managed
   * rule it names, whose tags are AWS's to keep.
   */
  #tagsOf(arn: string): Tags | ManagedRule {
    // Replaying the journal, an ARN names its resource whatever its region and account: the same dataDir may
    // start with others, and the buses and rules come back under them.
    const exact = (own: string): boolean => own === arn || this.#restoringAt !== undefined;
    const busName = parseBusArn(arn);
    if (busName !== undefined) {
      const bus = this.#buses.get(busName);
      if (!bus || !exact(bus.arn)) throw notFound(`Event bus ${busName} does not exist.`);
      return bus.tags;
    }
    const ref = parseRuleArn(arn);
    // AWS's words for an ARN of neither are not recorded.
    if (ref === undefined) throw notFound(`Resource ${arn} does not exist.`);
    const bus = this.#bus(ref.bus);
    const missing = () => notFound(`Rule ${ref.rule} does not exist on EventBus ${bus.name}.`);
    const managed = this.#managedRule(bus.name, ref.rule);
    if (managed) {
      if (!exact(managed.arn)) throw missing();
      return managed;
    }
    const rule = this.#rule(bus, ref.rule);
    if (!exact(rule.arn)) throw missing();
    return rule.tags;
  }

  tagResource(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const arn = req.string('ResourceARN', { required: true, min: 1, max: 1600 });
    const tags = readTags(req, true) ?? [];
    req.check();
    const target = this.#tagsOf(arn ?? '');
    if (!(target instanceof Map)) throw managedRuleError(target.name, false);
    addTags(target, tags);
    this.#changed('TagResource', body);
    return {};
  }

  untagResource(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const arn = req.string('ResourceARN', { required: true, min: 1, max: 1600 });
    const keys = req.stringList('TagKeys', { required: true }, { min: 1, max: 128 }) ?? [];
    req.check();
    const target = this.#tagsOf(arn ?? '');
    if (!(target instanceof Map)) throw managedRuleError(target.name, false);
    refuseReservedKeys(keys);
    // A key the resource does not have is no error (the reference lists none for it).
    for (const key of keys) target.delete(key);
    this.#changed('UntagResource', body);
    return {};
  }

  listTagsForResource(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const arn = req.string('ResourceARN', { required: true, min: 1, max: 1600 });
    req.check();
    const target = this.#tagsOf(arn ?? '');
    return { Tags: target instanceof Map ? tagList(target) : [] };
  }

  // ---- events ----

  putEvents(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const entries =
      req.array('Entries', {
        required: true,
        min: 1,
        max: MAX_ENTRIES_PER_PUT_EVENTS,
        describe: describeEntries,
      }) ?? [];
    // A global endpoint's id: there are no endpoints here, so a well-formed one is ignored.
    req.string('EndpointId', {
      min: 1,
      max: 50,
      pattern: /^[A-Za-z0-9-]+[.][A-Za-z0-9-]+$/,
      patternText: '^[A-Za-z0-9\\-]+[\\.][A-Za-z0-9\\-]+$',
    });
    entries.forEach((entry, i) => {
      // A member of the wrong JSON type is a SerializationException, as everywhere else; a missing or empty
      // Source, DetailType or Detail fails only its entry (below), as AWS answers.
      const member = req.listMember(entry, 'Entries', i);
      for (const key of ['Source', 'DetailType', 'Detail']) member.string(key);
      member.stringList('Resources', {}, { max: 2048 });
      member.timestamp('Time');
      member.string('EventBusName', ENTRY_BUS_NAME_FIELD);
      member.string('TraceHeader', { min: 1, max: 500 });
    });
    req.check();
    let total = 0;
    for (const entry of entries) if (isObject(entry)) total += entrySize(entry);
    if (total > this.options.maxEntrySizeBytes) {
      throw validationError('Total size of the entries in the request is over the limit.');
    }
    const results: JsonObject[] = [];
    let failedCount = 0;
    const now = Date.now();
    // One budget for the costly same-element checks of every entry, on the rules and the archives' patterns.
    sharingSearchBudget(() => {
      for (const entry of entries) {
        const outcome = this.#putEntry(isObject(entry) ? entry : {}, now);
        if ('ErrorCode' in outcome) failedCount++;
        results.push(outcome);
      }
    });
    return { FailedEntryCount: failedCount, Entries: results };
  }

  #putEntry(entry: JsonObject, now: number): JsonObject {
    const source = entry.Source;
    const detailType = entry.DetailType;
    const detail = entry.Detail;
    if (typeof source !== 'string' || source === '') {
      return invalidArgument('Source');
    }
    if (typeof detailType !== 'string' || detailType === '') return invalidArgument('DetailType');
    if (detailType.length > MAX_DETAIL_TYPE_LENGTH) {
      // AWS fails the entry (its text is not recorded; this one is ours).
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter DetailType is not valid. Reason: DetailType is longer than ${MAX_DETAIL_TYPE_LENGTH} characters.`,
      };
    }
    if (typeof detail !== 'string' || detail === '') return invalidArgument('Detail');
    let parsedDetail: unknown;
    try {
      parsedDetail = JSON.parse(detail);
    } catch {
      parsedDetail = undefined;
    }
    if (!isObject(parsedDetail) || nestsTooDeep(detail, parsedDetail))
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    if (source.startsWith('aws.')) {
      return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
    }
    const resources = Array.isArray(entry.Resources)
      ? entry.Resources.filter((r) => typeof r === 'string')
      : [];
    const time = entryTime(entry.Time) ?? now;
    const id = newId();
    const event = {
      version: '0',
      id,
      'detail-type': detailType,
      source,
      account: this.scope.accountId,
      time: isoSeconds(time),
      region: this.scope.region,
      resources,
      detail: parsedDetail,
    };
    const given = typeof entry.EventBusName === 'string' ? entry.EventBusName : undefined;
    const { name: busName, bus, foreign } = this.#lookUpBus(given);
    if (!bus) {
      // AWS answers success and the event goes nowhere; we do the same, but say so.
      this.options.logger.warn(
        foreign
          ? `[eventbridge] event ${id} put on event bus ${given}, of another account or region, which this server does not hold: dropped`
          : `[eventbridge] event ${id} put on event bus ${busName}, which does not exist: dropped`,
      );
      return { EventId: id };
    }
    const busEvent: BusEvent = { event, json: eventJson(event, detail), ingestedAt: now };
    const refusal = this.#lambdaQueueRefusal(bus, busEvent, undefined, 'put');
    if (refusal !== undefined) return { ErrorCode: 'ThrottlingException', ErrorMessage: refusal };
    for (const sink of this.#sinks) sink(bus.name, busEvent);
    this.route(bus.name, busEvent);
    return { EventId: id };
  }

  /**
   * While the Lambda functions' queues are full, why an event that would invoke one of them is not put (neither
   * archived nor delivered anywhere, as an entry AWS throttles): see AsyncInvocations.full. Matched here only then.
   */
  #lambdaQueueRefusal(
    bus: Bus,
    busEvent: BusEvent,
    onlyRules: ReadonlySet<string> | undefined,
    asking: 'put' | 'replay',
  ): string | undefined {
    const queues = this.options.lambdaQueues;
    if (!queues?.full) return undefined;
    const bound: Array<{ arn: string; source: { ruleArn: string; targetId: string } }> = [];
    for (const ruleName of bus.matcher.matchParsed(busEvent.event, busEvent.json)) {
      const rule = bus.rules.get(ruleName);
      if (!rule || rule.state === 'DISABLED' || (onlyRules && !onlyRules.has(rule.arn))) continue;
      for (const target of rule.targets.values()) {
        if (queues.handles(target.arn))
          bound.push({ arn: target.arn, source: { ruleArn: rule.arn, targetId: target.id } });
        // An event forwarded to another bus is not refused there (forwardEvent): a replay waits for it while the
        // queues are full, as every replay did until 2026-12-07, or it fills them without bound.
        else if (asking === 'replay' && target.arn.includes(':event-bus/'))
          return `rule ${rule.arn}'s target ${target.id} forwards it to event bus ${target.arn}, whose rules may invoke Lambda functions, and their queues are full; the replay goes on once they are below 90% of their limit`;
      }
    }
    if (bound.length === 0) return undefined;
    // About what its invocations will hold (an input transformer may make the payload larger or smaller), counted with
    // those of every entry taken since the dispatcher's last flush(): invocations reach the queues only then (once a
    // request is answered, or after the event loop's turn). Tested against what the queues held alone, one PutEvents
    // of 10 entries for five rule targets took them from 104% to 676% of their limit (review2, 2026-12-07); with the
    // request's own entries alone, 20 PutEvents read at once, with a dataDir, from 101% to 253% (review3).
    const flushes = this.options.dispatcher.flushes;
    if (flushes !== this.#lambdaComing.flushes) this.#lambdaComing = { bytes: 0, flushes };
    const coming = this.#lambdaComing.bytes + bound.length * invocationBytes(busEvent.json);
    for (const { arn, source } of bound) {
      const refused = queues.refusal(arn, source, coming, asking);
      if (refused !== undefined) return refused;
    }
    this.#lambdaComing.bytes = coming;
    return undefined;
  }

  /**
   * Why a replay should hold `busEvent` back now, routed next to `busName`'s rules (those of `onlyRules`, if given):
   * why PutEvents would refuse it (see #lambdaQueueRefusal), not counted as a refused entry. A replay whose events go
   * to rule targets holding less than their share goes on while a queue is full, as their PutEvents entries do.
   */
  replayHold(
    busName: string,
    busEvent: BusEvent,
    onlyRules: ReadonlySet<string> | undefined,
  ): string | undefined {
    const bus = this.#buses.get(busName);
    return bus === undefined ? undefined : this.#lambdaQueueRefusal(bus, busEvent, onlyRules, 'replay');
  }

  /**
   * Bytes the Lambda-bound invocations of the entries taken since the dispatcher's last flush will hold (see above):
   * a flush starts every delivery queued before it, so each has reached its function's queue by then.
   */
  #lambdaComing = { bytes: 0, flushes: 0 };

  /**
   * Matches an event against the enabled rules of a bus and queues a delivery per target.
   * `onlyRules` narrows to those rule ARNs (replays with FilterArns); `exceptRule` leaves one out.
   */
  route(busName: string, busEvent: BusEvent, onlyRules?: ReadonlySet<string>, exceptRule?: string): number {
    const bus = this.#buses.get(busName);
    if (!bus) return 0;
    let deliveries = 0;
    // A rule that delivers what it matches here: not a disabled one, nor one a replay's FilterArns or a schedule
    // leaves out.
    const delivering = (name: string): Rule | undefined => {
      const rule = bus.rules.get(name);
      if (!rule || rule.state === 'DISABLED') return undefined;
      return (onlyRules && !onlyRules.has(rule.arn)) || rule.arn === exceptRule ? undefined : rule;
    };
    // The JSON text keeps numbers as sent, which AWS compares by text beyond double precision.
    const matched = bus.matcher.matchParsed(busEvent.event, busEvent.json);
    // Only the rules that would have delivered it are named.
    const unsettled = bus.matcher.unsettled.filter((name) => delivering(name) !== undefined);
    if (unsettled.length > 0) {
      // Rare, and a difference from AWS: said, as for any event not delivered. A replayed event has a budget of its
      // own; a put one shares its request's.
      const within =
        'replay-name' in busEvent.event ? 'in this replayed event' : 'in this event and any put with it';
      this.options.logger.warn(
        `[eventbridge] event ${idText(busEvent.event.id)} on event bus ${bus.name}: taken as not matching ` +
          `${unsettled.length === 1 ? 'rule' : 'rules'} ${unsettled.join(', ')}, whose conditions on arrays of ` +
          `objects were too costly to decide (${SEARCH_BUDGET_TEXT}, ${within})`,
      );
    }
    for (const ruleName of matched) {
      const rule = delivering(ruleName);
      if (!rule) continue;
      const ruleRef = ruleRefOf(rule);
      for (const target of rule.targets.values()) {
        this.options.dispatcher.deliver(busEvent, ruleRef, target);
        deliveries++;
      }
    }
    return deliveries;
  }

  /**
   * A bus target's input arrives on its bus: the event as the sending rule's target rendered it (by default the
   * event itself; a transformed input needs a source, a detail-type and a detail, and takes the envelope fields it
   * lacks, id and time among them, from the event it was made from), archived unless it is a replay, routed like
   * one put there, and marked as forwarded: it goes no further to a third bus.
   */
  forwardEvent(busName: string, payload: string, from: DeliveredEvent, fromBus: string): void {
    const bus = this.#buses.get(busName);
    if (!bus) throw new DeliveryFailureError('NO_RESOURCE', `Event bus ${busName} does not exist.`, false);
    let input: unknown;
    try {
      input = JSON.parse(payload);
    } catch {
      input = undefined;
    }
    const refuse = (why: string) =>
      new DeliveryFailureError('INVALID_PARAMETER', `The input for event bus ${busName} ${why}.`, false);
    if (
      !isObject(input) ||
      typeof input.source !== 'string' ||
      typeof input['detail-type'] !== 'string' ||
      !isObject(input.detail)
    ) {
      throw refuse('is not an event with a source, a detail-type and a detail object');
    }
    const { detail: _detail, ...envelope } = from.event;
    const complete = Object.keys(envelope).every((key) => key in input);
    const event = complete ? input : { ...envelope, ...input };
    // An RFC 3339 time with its zone, as PutEvents takes: Date.parse also took "2030-01-01T10:00:00" (and "5"), read
    // in this machine's time zone, so the archive kept the event at a time a replay found or not by TZ.
    if (typeof event.time !== 'string' || rfc3339Time(event.time) === undefined)
      throw refuse(`has a time that is not one: ${String(event.time)}`);
    // The text as rendered keeps numbers beyond double precision; it is rebuilt only when fields were added.
    const json = complete ? payload : JSON.stringify(event);
    const busEvent: BusEvent = { event, json, ingestedAt: Date.now(), forwardedFrom: fromBus };
    // As everywhere else, a replayed event (it carries replay-name) is not archived again.
    if (!('replay-name' in event)) for (const sink of this.#sinks) sink(bus.name, busEvent);
    this.route(bus.name, busEvent);
  }

  testEventPattern(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const pattern = req.string('EventPattern', { required: true, max: 4096 });
    const event = req.string('Event', { required: true });
    req.check();
    const compiled = compileRulePattern(pattern ?? '');
    const text = event ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw validationError('Parameter Event is not valid.');
    }
    if (!isObject(parsed) || nestsTooDeep(text, parsed))
      throw validationError('Parameter Event is not valid.');
    for (const field of ['id', 'account', 'source', 'time', 'region', 'detail-type']) {
      if (!(field in parsed)) throw validationError('Parameter Event is not valid.');
    }
    const result = matchesPatternJson(compiled, text);
    if (!result && stoppedLastMatch(compiled)) {
      // AWS would decide; answering no without a word would pass for its answer.
      this.options.logger.warn(
        '[eventbridge] TestEventPattern answered false: the conditions on arrays of objects were too costly to ' +
          `decide (${SEARCH_BUDGET_TEXT})`,
      );
    }
    return { Result: result };
  }

  // ---- kept across restarts (dataDir) ----

  /** Logs a change that succeeded, unless it is one restore() is replaying. */
  #changed(op: ChangeOperation, body: JsonObject, at = Date.now(), since?: number): void {
    if (this.#restoringAt !== undefined) return;
    this.#journal?.append({ at, op, body, ...(since !== undefined ? { since } : {}) }, this.#stateLines());
  }

  /**
   * Rebuilds the buses, rules and targets the journal kept, through the operations that made them (so a restored
   * rule is compiled, matched and scheduled exactly as one put over HTTP), then rewrites the journal as what it
   * rebuilt. Managed rules (the archives', kept apart) take no part in the replay.
   */
  restore(): void {
    const journal = this.#journal;
    if (!journal) return;
    const { entries, skipped } = readJournal(journal.file);
    const refused: string[] = [];
    for (const entry of entries) {
      this.#restoringAt = entry.at;
      this.#restoringSince = entry.since;
      try {
        this.#apply(entry);
      } catch (error) {
        refused.push(`${entry.op}: ${reasonOf(error)}`);
      } finally {
        this.#restoringAt = undefined;
        this.#restoringSince = undefined;
      }
    }
    const log = this.options.logger;
    if (skipped > 0) log.warn(`[eventbridge] skipped ${skipped} unreadable line(s) in ${journal.file}`);
    // Once, rather than PutTargets' warning for each target at every start.
    let undeliverable = 0;
    for (const bus of this.#buses.values())
      for (const rule of bus.rules.values())
        for (const target of rule.targets.values())
          if (!this.options.dispatcher.canDeliver(target.arn)) undeliverable++;
    if (undeliverable > 0) {
      log.warn(
        `[eventbridge] ${undeliverable} restored target(s) cannot be delivered to locally (only Lambda, SQS, API ` +
          'destinations and the buses of this account and region are); ' +
          'their events will be recorded as failed deliveries',
      );
    }
    // Every logged change succeeded once, in this order, and managed rules (#managedRule) and the account's own
    // checks (#needsRole) are out of the replay, so a refusal means a log edited or written by another version.
    if (refused.length > 0) {
      log.warn(
        `[eventbridge] ${refused.length} logged change(s) in ${journal.file} were refused on replay; first: ${refused[0]}`,
      );
    }
    journal.compact(this.#stateLines());
  }

  #apply({ op, body, at }: JournalEntry): JsonObject {
    switch (op) {
      case 'CreateEventBus':
        return body.Name === DEFAULT_BUS ? this.#restoreDefaultBus(at) : this.createEventBus(body);
      case 'DeleteEventBus':
        return this.deleteEventBus(body);
      case 'UpdateEventBus':
        return this.updateEventBus(body);
      case 'PutPermission':
        return this.putPermission(body);
      case 'RemovePermission':
        return this.removePermission(body);
      case 'PutRule':
        return this.putRule(body);
      case 'DeleteRule':
        return this.deleteRule(body);
      case 'EnableRule':
        return this.enableRule(body);
      case 'DisableRule':
        return this.disableRule(body);
      case 'PutTargets':
        return this.putTargets(body);
      case 'RemoveTargets':
        return this.removeTargets(body);
      case 'TagResource':
        return this.tagResource(body);
      case 'UntagResource':
        return this.untagResource(body);
    }
  }

  /**
   * The default bus is there from the first start; the journal keeps when that was, in a CreateEventBus line of
   * its own, so that DescribeEventBus shows the same CreationTime after a restart.
   */
  #restoreDefaultBus(at: number): JsonObject {
    const bus = this.#bus(DEFAULT_BUS);
    const time = new Date(at);
    this.#buses.set(DEFAULT_BUS, { ...bus, creationTime: time, lastModifiedTime: time });
    return {};
  }

  /** About the number of lines #snapshot writes, counted in O(buses): up to four a bus, three a rule. */
  #stateLines(): number {
    let lines = 0;
    for (const bus of this.#buses.values()) lines += 4 + 3 * bus.rules.size;
    return lines;
  }

  /** The requests that rebuild the buses, rules and targets as they are now, in the order they must run. */
  #snapshot(): JournalEntry[] {
    const entries: JournalEntry[] = [];
    const now = Date.now();
    for (const bus of this.#buses.values()) {
      const isDefault = bus.name === DEFAULT_BUS;
      entries.push({
        at: bus.creationTime.getTime(),
        op: 'CreateEventBus',
        body: { Name: bus.name, ...(isDefault ? {} : bus.settings) },
      });
      // The default bus takes its settings, and any bus its LastModifiedTime, from an update of its own.
      const modified = bus.lastModifiedTime.getTime();
      if (bus.policy) {
        entries.push({
          at: modified,
          op: 'PutPermission',
          body: { EventBusName: bus.name, Policy: JSON.stringify(bus.policy) },
        });
      }
      if (modified !== bus.creationTime.getTime() || (isDefault && Object.keys(bus.settings).length > 0)) {
        entries.push({
          at: modified,
          op: 'UpdateEventBus',
          // All of them: settings an update leaves out go.
          body: { Name: bus.name, ...bus.settings },
        });
      }
      const tagged = (arn: string, tags: Tags): void => {
        if (tags.size > 0) {
          entries.push({ at: now, op: 'TagResource', body: { ResourceARN: arn, Tags: tagList(tags) } });
        }
      };
      tagged(bus.arn, bus.tags);
      for (const rule of bus.rules.values()) {
        const { Arn: _arn, ...putRule } = this.#ruleSummary(rule);
        const since = this.options.scheduler.since(rule.arn);
        entries.push({ at: now, op: 'PutRule', body: putRule, ...(since !== undefined ? { since } : {}) });
        tagged(rule.arn, rule.tags);
        if (rule.targets.size === 0) continue;
        const targets = [...rule.targets.values()].map((t) => t.raw);
        entries.push({
          at: now,
          op: 'PutTargets',
          body: { Rule: rule.name, EventBusName: bus.name, Targets: targets },
        });
      }
    }
    return entries;
  }

  /** Rule ARNs must name existing rules of the bus (replay FilterArns). */
  ruleExists(arn: string, busName: string): boolean {
    const ref = parseRuleArn(arn);
    if (ref === undefined || ref.bus !== busName) return false;
    // The rule's own ARN exactly, as routing compares it: not another account's or region's, nor a default-bus rule
    // written with the bus in its path.
    const rule = this.#buses.get(busName)?.rules.get(ref.rule) ?? this.#managedRule(busName, ref.rule);
    return rule?.arn === arn;
  }
}

/** Compiles a rule pattern, answering AWS's InvalidEventPatternException on bad or too long ones. */
export function compileRulePattern(pattern: string): CompiledPattern {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new EventBridgeApiError(
      'InvalidEventPatternException',
      `Event pattern is not valid. Reason: Event pattern is ${pattern.length} characters long; the maximum is ${MAX_PATTERN_LENGTH}.`,
    );
  }
  try {
    return compilePattern(pattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError) {
      throw new EventBridgeApiError('InvalidEventPatternException', error.message, 400, { cause: error });
    }
    throw error;
  }
}

interface ParsedTarget {
  readonly id: string;
  readonly arn: string;
  readonly retryPolicy: RetryPolicy;
  readonly deadLetterArn?: string;
  readonly roleArn?: string;
  readonly messageGroupId?: string;
  readonly httpParameters?: HttpParameters;
  readonly input: Parameters<typeof compileTargetInput>[0];
  readonly raw: JsonObject;
}

/**
 * The parameters of targets nothing here calls (ECS, Batch, Kinesis, Redshift, ...), held to AWS's model so that
 * a rule set up locally is refused where AWS would refuse it. Their deeper members are not checked.
 */
function checkTargetParameters(t: RequestReader): void {
  t.member('KinesisParameters')?.string('PartitionKeyPath', { required: true, max: 256 });
  const ecs = t.member('EcsParameters');
  ecs?.string('TaskDefinitionArn', { required: true, min: 1, max: 1600 });
  ecs?.integer('TaskCount', { min: 1 });
  ecs?.enumValue('LaunchType', ['EC2', 'FARGATE', 'EXTERNAL'] as const);
  ecs?.enumValue('PropagateTags', ['TASK_DEFINITION'] as const);
  ecs?.string('ReferenceId', { max: 1024 });
  ecs?.array('CapacityProviderStrategy', { max: 6 });
  ecs?.array('PlacementConstraints', { max: 10 });
  ecs?.array('PlacementStrategy', { max: 5 });
  const batch = t.member('BatchParameters');
  batch?.string('JobDefinition', { required: true });
  batch?.string('JobName', { required: true });
  t.member('RunCommandParameters')?.array('RunCommandTargets', { required: true, min: 1, max: 5 });
  const redshift = t.member('RedshiftDataParameters');
  redshift?.string('SecretManagerArn', {
    min: 1,
    max: 1600,
    pattern: /^(?:(arn:aws([a-z]|-)*:secretsmanager:[a-z0-9-.]+:.*)|(\$(\.[\w_-]+(\[(\d+|\*)\])*)*))$/,
    patternText:
      '(^arn:aws([a-z]|\\-)*:secretsmanager:[a-z0-9-.]+:.*)|(\\$(\\.[\\w_-]+(\\[(\\d+|\\*)\\])*)*)',
  });
  redshift?.string('Database', { required: true, min: 1, max: 64 });
  redshift?.string('DbUser', { min: 1, max: 128 });
  redshift?.string('Sql', { min: 1, max: 100_000 });
  redshift?.string('StatementName', { min: 1, max: 500 });
  redshift?.stringList('Sqls', { max: 40 }, { min: 1, max: 100_000 });
  t.member('SageMakerPipelineParameters')?.array('PipelineParameterList', { max: 200 });
  t.member('AppSyncParameters')?.string('GraphQLOperation', { min: 1, max: 1_048_576 });
}

/** A target's HttpParameters, held to AWS's model: API destinations use them (API Gateway targets too, in AWS). */
function readHttpParameters(t: RequestReader): HttpParameters | undefined {
  const http = t.member('HttpParameters');
  if (!http) return undefined;
  const path = http.stringList(
    'PathParameterValues',
    {},
    { pattern: /^(?!\s*$).+$/, patternText: '^(?!\\s*$).+' },
  );
  const headers = http.stringMap('HeaderParameters', { keys: HEADER_KEY_FIELD, values: HEADER_VALUE_FIELD });
  const query = http.stringMap('QueryStringParameters', { keys: QUERY_KEY_FIELD, values: QUERY_VALUE_FIELD });
  return {
    ...(path !== undefined ? { PathParameterValues: path } : {}),
    ...(headers !== undefined ? { HeaderParameters: headers } : {}),
    ...(query !== undefined ? { QueryStringParameters: query } : {}),
  };
}

/** CreateEventBus's optional settings, held to AWS's model: only those given, in AWS's response order. */
function readBusSettings(req: RequestReader): BusSettings {
  const description = req.string('Description', { max: 512 });
  const kmsKey = req.string('KmsKeyIdentifier', KMS_KEY_FIELD);
  const dlq = req.member('DeadLetterConfig');
  const dlqArn = dlq?.string('Arn', { min: 1, max: 1600 });
  const log = req.member('LogConfig');
  const includeDetail = log?.enumValue('IncludeDetail', ['NONE', 'FULL'] as const);
  const level = log?.enumValue('Level', ['OFF', 'ERROR', 'INFO', 'TRACE'] as const);
  return {
    ...(description !== undefined ? { Description: description } : {}),
    // An empty identifier means AWS's own key, as leaving it out does.
    ...(kmsKey ? { KmsKeyIdentifier: kmsKey } : {}),
    ...(dlq ? { DeadLetterConfig: dlqArn !== undefined ? { Arn: dlqArn } : {} } : {}),
    ...(log
      ? {
          LogConfig: {
            ...(includeDetail !== undefined ? { IncludeDetail: includeDetail } : {}),
            ...(level !== undefined ? { Level: level } : {}),
          },
        }
      : {}),
  };
}

function readTarget(t: RequestReader): ParsedTarget {
  const id = t.string('Id', { required: true, ...TARGET_ID_FIELD });
  const arn = t.string('Arn', { required: true, min: 1, max: 1600 });
  const roleArn = t.string('RoleArn', { min: 1, max: 1600 });
  const input = t.string('Input', { max: 8192 });
  const inputPath = t.string('InputPath', { max: 256 });
  const transformer = t.member('InputTransformer');
  const template = transformer?.string('InputTemplate', { required: true, min: 1, max: 8192 });
  const pathsMap = transformer?.stringMap('InputPathsMap', {
    max: 100,
    keys: { min: 1, max: 256, pattern: /^[A-Za-z0-9_-]+$/, patternText: '[A-Za-z0-9\\_\\-]+' },
    values: { max: 256 },
  });
  const retry = t.member('RetryPolicy');
  const maxRetries = retry?.integer('MaximumRetryAttempts', { min: 0, max: 185 });
  const maxAge = retry?.integer('MaximumEventAgeInSeconds', { min: 60, max: 86_400 });
  const dlq = t.member('DeadLetterConfig');
  const deadLetterArn = dlq?.string('Arn', { min: 1, max: 1600 });
  const sqs = t.member('SqsParameters');
  const messageGroupId = sqs?.string('MessageGroupId', { max: 100 });
  const httpParameters = readHttpParameters(t);
  checkTargetParameters(t);
  const targetId = id ?? '';
  return {
    id: targetId,
    arn: arn ?? '',
    retryPolicy: {
      maximumRetryAttempts: maxRetries ?? DEFAULT_RETRY_POLICY.maximumRetryAttempts,
      maximumEventAgeInSeconds: maxAge ?? DEFAULT_RETRY_POLICY.maximumEventAgeInSeconds,
    },
    ...(deadLetterArn !== undefined ? { deadLetterArn } : {}),
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(messageGroupId !== undefined ? { messageGroupId } : {}),
    ...(httpParameters !== undefined ? { httpParameters } : {}),
    input: {
      Id: targetId,
      ...(input !== undefined ? { Input: input } : {}),
      ...(inputPath !== undefined ? { InputPath: inputPath } : {}),
      ...(transformer
        ? {
            InputTransformer: {
              InputTemplate: template ?? '',
              ...(pathsMap ? { InputPathsMap: pathsMap } : {}),
            },
          }
        : {}),
    },
    raw: t.body,
  };
}

/**
 * A rule as deliveries name it. Its targets map stands for the rule as made: PutRule on a rule keeps it, a rule
 * deleted and made again has another.
 */
function ruleRefOf(rule: Rule): DeliveryRule {
  return { busName: rule.busName, name: rule.name, arn: rule.arn, instance: rule.targets };
}

function targetProblem(arn: string, deadLetterArn: string | undefined): string | undefined {
  if (!/^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/.test(arn))
    return `Parameter ${arn} is not valid. Reason: Provided Arn is not in correct format.`;
  if (deadLetterArn !== undefined && !isSqsArn(deadLetterArn)) {
    return `Parameter ${deadLetterArn} is not valid. Reason: DeadLetterConfig.Arn must be the ARN of an SQS queue.`;
  }
  return undefined;
}

const invalidArgument = (parameter: string): JsonObject => ({
  ErrorCode: 'InvalidArgument',
  ErrorMessage: `Parameter ${parameter} is not valid. Reason: ${parameter} is a required argument.`,
});

/** Entry size as AWS documents it: Time counts 14 bytes, the rest their UTF-8 bytes. */
export function entrySize(entry: JsonObject): number {
  let size = entry.Time !== undefined && entry.Time !== null ? 14 : 0;
  for (const key of ['Source', 'DetailType', 'Detail'] as const) {
    const value = entry[key];
    if (typeof value === 'string') size += Buffer.byteLength(value, 'utf8');
  }
  if (Array.isArray(entry.Resources)) {
    for (const r of entry.Resources) if (typeof r === 'string') size += Buffer.byteLength(r, 'utf8');
  }
  return size;
}

function entryTime(value: unknown): number | undefined {
  if (typeof value === 'number') return value * 1000;
  // Read as the request check read it (RequestReader.timestamp): Date.parse's legacy reading of a date-time with a
  // space put 0005-02-28 in 2028.
  if (typeof value === 'string') return rfc3339Time(value)?.getTime();
  return undefined;
}

/** The event's JSON with the Detail text as sent (keeps number precision beyond JavaScript's). */
function eventJson(event: Record<string, unknown>, detailText: string): string {
  const { detail: _detail, ...envelope } = event;
  const head = JSON.stringify(envelope);
  return `${head.slice(0, -1)},"detail":${detailText.trim()}}`;
}

/** How AWS prints the entries list in its "at 'entries'" validation message. */
function describeEntries(entries: unknown[]): string {
  return `[${entries
    .map((e) => {
      const x = isObject(e) ? e : {};
      const resources = Array.isArray(x.Resources) ? `[${x.Resources.map(printed).join(', ')}]` : 'null';
      return (
        `PutEventsRequestEntry(time=${printed(x.Time)}, source=${printed(x.Source)}, resources=${resources}, ` +
        `detailType=${printed(x.DetailType)}, detail=${printed(x.Detail)}, eventBusName=${printed(x.EventBusName)}, ` +
        `traceHeader=${printed(x.TraceHeader)}, kmsKeyIdentifier=null, internalMetadata=null)`
      );
    })
    .join(', ')}]`;
}
