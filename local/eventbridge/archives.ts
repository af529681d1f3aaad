// Archives (events of a bus kept as they are put, optionally filtered by a pattern, for RetentionDays)
// and replays (archived events of a time window put back on the bus, marked with `replay-name`).
// Each archive shows on its bus as the managed rule `Events-Archive-<name>`, as in AWS; the rule is a view
// of the archive (events are captured by the onEventPut hook, not by routing), so nothing is archived twice.
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ArchivedEvent,
  type ArchiveEvents,
  type ArchiveSelecting,
  type ArchiveSelection,
  MemoryArchiveEvents,
  readArchivedEvents,
  SegmentedArchiveEvents,
  writeSegments,
} from './archive-events.js';
import {
  type AccountScope,
  archiveArn,
  busArn,
  isForeignBusArn,
  parseArchiveArn,
  parseBusArn,
  parseRuleArn,
  partitionOf,
  replayArn,
  ruleArn,
} from './arns.js';
import { type BusEvent, type ControlPlane, compileRulePattern } from './control-plane.js';
import { epochSeconds, idText, type Logger } from './delivery.js';
import { alreadyExists, EventBridgeApiError, limitExceeded, notFound, validationError } from './errors.js';
import {
  ARCHIVE_RULE_MANAGED_BY,
  archiveTargetArn,
  type ManagedRule,
  type ManagedRuleOwner,
} from './managed-rules.js';
import {
  type CompiledPattern,
  matchesPatternParsed,
  SEARCH_BUDGET_TEXT,
  stoppedLastMatch,
} from './patterns/index.js';
import { type JsonNode, readJsonPrefix, type Span } from './patterns/json-text.js';
import {
  type CoalescingWriter,
  cannotRead,
  readStateFile,
  reasonOf,
  removeStaleTemporaries,
  removeStaleTemporariesUnder,
} from './persistence.js';
import {
  type JsonObject,
  KMS_KEY_FIELD,
  NAME_PATTERN,
  NAME_PATTERN_TEXT,
  page,
  RequestReader,
} from './request.js';
import { mebibytes } from './text.js';

type ArchiveState = 'ENABLED' | 'DISABLED';
/** What is left of the archive's managed rule after RemoveTargets or DeleteRule with `Force: true`. */
type ManagedRuleLeft = 'whole' | 'noTarget' | 'deleted';

interface Archive {
  readonly name: string;
  readonly arn: string;
  /** Names this incarnation of the archive in its managed rule's target, as AWS does. */
  readonly incarnation: string;
  readonly sourceArn: string;
  readonly busName: string;
  description?: string;
  eventPattern?: string;
  compiled?: CompiledPattern;
  /** Kept and shown, never used: there is no KMS here and archives are not encrypted. */
  kmsKeyIdentifier?: string;
  retentionDays: number;
  readonly creationTime: number;
  readonly events: ArchiveEvents;
  /** When retention may next drop events (see PRUNE_EVERY_MS); not kept across restarts. */
  nextPruneAt: number;
  state: ArchiveState;
  stateReason?: string;
  managedRule: ManagedRuleLeft;
}

type ReplayState = 'STARTING' | 'RUNNING' | 'CANCELLING' | 'COMPLETED' | 'CANCELLED' | 'FAILED';

const ENDED_REPLAY_STATES: ReadonlySet<ReplayState> = new Set(['COMPLETED', 'CANCELLED', 'FAILED']);
/** Replays not ended at once: an 11th StartReplay answered LimitExceededException in AWS (recorded). */
const MAX_ACTIVE_REPLAYS = 10;

interface Replay {
  readonly name: string;
  readonly arn: string;
  readonly description?: string;
  readonly sourceArn: string;
  readonly destination: { readonly Arn: string; readonly FilterArns?: string[] };
  readonly eventStartTime: number;
  readonly eventEndTime: number;
  readonly replayStartTime: number;
  state: ReplayState;
  stateReason?: string;
  eventLastReplayedTime?: number;
  replayEndTime?: number;
}

interface SavedArchive {
  readonly name: string;
  readonly sourceArn: string;
  readonly busName: string;
  readonly description?: string;
  readonly eventPattern?: string;
  readonly kmsKeyIdentifier?: string;
  readonly retentionDays: number;
  readonly creationTime: number;
  // Absent in files written before archives had managed rules.
  readonly incarnation?: string;
  readonly state?: ArchiveState;
  readonly stateReason?: string;
  readonly managedRule?: ManagedRuleLeft;
}

/** A replay as archives.json keeps it (its ARN follows from its name). */
type SavedReplay = Omit<Replay, 'arn'>;

const DAY_MS = 86_400_000;
/** Under `archives/` in dataDir, the directories of the archives' events, one per incarnation. */
const EVENTS_DIR = 'events';
const INCARNATION = /^[0-9A-Za-z-]{1,64}$/;
/**
 * Retention drops expired events at most this often per archive: under steady traffic an event expires with
 * nearly every put, and cutting (and, with dataDir, rewriting) the whole archive each time cost O(archive) per
 * PutEvents. Retention is counted in days, so an event kept a minute longer is nothing to see.
 */
const PRUNE_EVERY_MS = 60_000;
const ARCHIVE_RULE_PREFIX = 'Events-Archive-';
const FORCED_REASON = 'Managed rule for the archive was forcefully deleted.';
/** AWS keeps RetentionDays in an int32: a larger value is stored as this (recorded). */
const MAX_RETENTION_DAYS = 2_147_483_647;
/**
 * The constraint on the archive and replay operations' EventSourceArn (a bus ARN for archives, an archive ARN for
 * replays: AWS's model gives both one pattern), and its text in AWS's messages.
 */
const SOURCE_ARN_FIELD = {
  min: 1,
  max: 1600,
  pattern: /^arn:aws([a-z]|-)*:events:([a-z]|\d|-)*:([0-9]{12})?:.+\/.+$/,
  patternText: '^arn:aws([a-z]|\\-)*:events:([a-z]|\\d|\\-)*:([0-9]{12})?:.+\\/.+$',
} as const;
const ARCHIVE_STATES = [
  'CREATE_FAILED',
  'ENABLED',
  'UPDATING',
  'UPDATE_FAILED',
  'CREATING',
  'DISABLED',
] as const;
/**
 * How long a replay stays STARTING before its first event, before delayScale. AWS's replays take a while to start
 * (a DescribeReplay or CancelReplay right after StartReplay finds one STARTING, recorded); without this pause a
 * replay here had finished before the next request, so CancelReplay could never reach one.
 */
const REPLAY_START_MS = 1_000;
/**
 * Events replayed per macrotask, and the time after which a macrotask replays no more, so a large replay does not
 * starve the HTTP server. Each event is matched with a budget of its own, as when it was put alone, so that a replay
 * delivers what the put did; events whose same-element checks take seconds each (see RuleMatcher) are then replayed
 * one a macrotask, where 100 of them held the server for minutes.
 */
const REPLAY_BATCH = 100;
const REPLAY_SLICE_MS = 50;
/** How often a replay held back (see holdReplays) looks again. */
const REPLAY_HOLD_POLL_MS = 100;
/** How long a replay chooses its events before it lets the server answer what waits (see ArchiveSelecting). */
const SELECT_SLICE_MS = 10;
/** Events dropped for the memory limit are said at once, then at most once a minute with the count since. */
const MEMORY_DROP_LOG_EVERY_MS = 60_000;

export class ArchiveStore implements ManagedRuleOwner {
  readonly #archives = new Map<string, Archive>();
  readonly #replays = new Map<string, Replay>();
  readonly #idleWaiters: Array<() => void> = [];
  #running = 0;
  #stopped = false;
  readonly #dir: string | undefined;

  /**
   * Each replay's next step, waiting out REPLAY_START_MS or the server's other work: stop() runs them at once, so
   * that each ends CANCELLED, and is saved so, before the writer closes. Before (2026-12-03) only the replays still
   * waiting out REPLAY_START_MS were: one choosing its events, or running with no delivery in flight, took its
   * next step after the writer had closed, and read FAILED after a restart (review).
   */
  readonly #nextSteps = new Map<Replay, { readonly cancel: () => void; readonly step: () => void }>();

  constructor(
    private readonly control: ControlPlane,
    private readonly writer: CoalescingWriter,
    dataDir: string | undefined,
    /** Scales REPLAY_START_MS, as it scales every other wait. */
    private readonly delayScale = 1,
    /** Where warnings go (the server's logger). */
    private readonly logger: Logger = console,
    /**
     * Why a replay should wait before it routes this event (a Lambda function's queue is full and the event would be
     * refused were it put: see ControlPlane.replayHold), or undefined when it need not.
     */
    private readonly holdReplays: (
      busName: string,
      busEvent: BusEvent,
      onlyRules: ReadonlySet<string> | undefined,
    ) => string | undefined = () => undefined,
    /**
     * Without a dataDir, the most the archives hold in memory, in bytes of their events' JSON (about what each holds
     * in the heap: 0.24 MiB each for 250 KB events, measured 2026-12-08): past it their oldest events are dropped, with a
     * warning. Without it an in-memory archive kept every event put for its 30 days, and at --max-old-space-size=96
     * some 250 events of 250 KB ran `npm start --in-memory` out of heap whatever the other bounds (memory review,
     * 2026-12-08). On disk (a dataDir) there is no such limit. @default unlimited
     */
    private readonly maxMemoryBytes = Number.POSITIVE_INFINITY,
  ) {
    this.#dir = dataDir;
    if (dataDir !== undefined) {
      // What a crash while archives.json or a segment was rewritten left beside it.
      removeStaleTemporaries(join(dataDir, 'archives.json'));
      removeStaleTemporariesUnder(join(dataDir, 'archives'));
    }
    this.#load();
    control.onEventPut((busName, event) => this.#archive(busName, event));
    control.setManagedRuleOwner(this);
  }

  get busy(): boolean {
    return this.#running > 0;
  }

  get #scope(): AccountScope {
    return this.control.scope;
  }

  idle(): Promise<void> {
    if (this.#running === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stop(): void {
    this.#stopped = true;
    // Each replay ends now as cancelled, rather than at its next step after the stop.
    for (const { cancel, step } of [...this.#nextSteps.values()]) {
      cancel();
      step();
    }
    this.#nextSteps.clear();
  }

  #archive(busName: string, event: BusEvent): void {
    for (const archive of this.#archives.values()) {
      if (archive.busName !== busName || archive.state !== 'ENABLED') continue;
      if (archive.compiled && !matchesPatternParsed(archive.compiled, event.event, event.json)) {
        if (stoppedLastMatch(archive.compiled)) {
          this.logger.warn(
            `[eventbridge] event ${idText(event.event.id)} not archived in archive ${archive.name}: its pattern's ` +
              `conditions on arrays of objects were too costly to decide (${SEARCH_BUDGET_TEXT}, in this event and ` +
              'any put with it)',
          );
        }
        continue;
      }
      this.#prune(archive);
      const stored: ArchivedEvent = {
        json: event.json,
        time: Date.parse(String(event.event.time)),
        ingestedAt: event.ingestedAt,
        ...(event.forwardedFrom !== undefined ? { forwardedFrom: event.forwardedFrom } : {}),
      };
      archive.events.add(stored);
    }
    if (this.#dir === undefined) this.#keepWithinMemory();
  }

  #memoryDropped = 0;
  #memoryDropLoggedAt = Number.NEGATIVE_INFINITY;

  /** In memory, drops the oldest events of all archives while they hold more than maxMemoryBytes, and says so. */
  #keepWithinMemory(): void {
    let held = 0;
    for (const archive of this.#archives.values()) held += archive.events.sizeBytes;
    if (held <= this.maxMemoryBytes) return;
    const inMemory = [...this.#archives.values()].flatMap(({ events }) =>
      events instanceof MemoryArchiveEvents ? [events] : [],
    );
    while (held > this.maxMemoryBytes) {
      let oldest: MemoryArchiveEvents | undefined;
      for (const events of inMemory) {
        const at = events.oldestIngestedAt;
        if (at !== undefined && (oldest === undefined || at < (oldest.oldestIngestedAt as number)))
          oldest = events;
      }
      if (oldest === undefined) break;
      held -= oldest.dropOldest();
      this.#memoryDropped++;
    }
    // The minute on the monotonic clock, as the front door's refusals.
    const now = performance.now();
    if (now - this.#memoryDropLoggedAt < MEMORY_DROP_LOG_EVERY_MS) return;
    this.logger.warn(
      `[eventbridge] archives: dropped the ${this.#memoryDropped} oldest ${this.#memoryDropped === 1 ? 'event' : 'events'} ` +
        `to hold at most ${mebibytes(this.maxMemoryBytes)} of events in memory (with no state directory the ` +
        "archives are in the heap: by default an eighth of Node's heap limit): a replay cannot send them again. " +
        'Without --in-memory the archive is kept on disk for its whole retention',
    );
    this.#memoryDropLoggedAt = now;
    this.#memoryDropped = 0;
  }

  /** Applies every archive's retention now: the server's sweep, so that an idle bus keeps no expired event. */
  prune(): void {
    for (const archive of this.#archives.values()) this.#prune(archive, { force: true });
  }

  #prune(archive: Archive, { force = false } = {}): void {
    if (archive.retentionDays <= 0) return;
    const time = Date.now();
    // A next prune more than the minute ahead was set while the clock was ahead (and it was set right since): taken
    // as it stood, nothing expired until the clock got there again, a year on, say.
    if (!force && time < archive.nextPruneAt && archive.nextPruneAt - time <= PRUNE_EVERY_MS) return;
    archive.nextPruneAt = time + PRUNE_EVERY_MS;
    archive.events.prune(time - archive.retentionDays * DAY_MS);
  }

  // ---- archives ----

  createArchive(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('ArchiveName', {
      required: true,
      min: 1,
      max: 48,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    const sourceArn = req.string('EventSourceArn', { required: true, ...SOURCE_ARN_FIELD });
    // AWS stores an empty Description or EventPattern as none (recorded).
    const description = nonEmpty(req.string('Description', { max: 512 }));
    const eventPattern = nonEmpty(req.string('EventPattern', { max: 4096 }));
    const retentionDays = req.integer('RetentionDays', { min: 0 });
    // Checked for form only: there is no KMS here, so nothing is encrypted and no key is looked up. An empty
    // identifier means AWS's own key, as leaving it out does.
    const kmsKey = nonEmpty(req.string('KmsKeyIdentifier', KMS_KEY_FIELD));
    req.check();
    if (name === undefined || sourceArn === undefined)
      throw validationError('ArchiveName and EventSourceArn are required.');
    const busName = this.#sourceBus(sourceArn);
    if (!this.control.hasBus(busName)) throw notFound(`Event bus ${busName} does not exist.`);
    if (this.#archives.has(name)) throw alreadyExists(`Archive ${name} already exists.`);
    // The archive's managed rule takes this name on the bus, so a rule already named so refuses it.
    if (this.control.ruleExists(ruleArn(this.#scope, busName, archiveRuleName(name)), busName)) {
      throw ruleCollision(name);
    }
    const compiled = eventPattern !== undefined ? compileArchivePattern(eventPattern) : undefined;
    // A file of this name from versions before segments is not this archive's (see #removeStaleEvents): were it
    // left, the next start would move its events into this archive.
    const stray = join(this.#dir ?? '', 'archives', `${name}.jsonl`);
    if (this.#dir && isFile(stray)) rmSync(stray);
    const incarnation = randomUUID();
    const archive: Archive = {
      name,
      arn: archiveArn(this.#scope, name),
      incarnation,
      sourceArn,
      busName,
      ...(description !== undefined ? { description } : {}),
      ...(eventPattern !== undefined ? { eventPattern } : {}),
      ...(compiled ? { compiled } : {}),
      ...(kmsKey !== undefined ? { kmsKeyIdentifier: kmsKey } : {}),
      retentionDays: Math.min(retentionDays ?? 0, MAX_RETENTION_DAYS),
      creationTime: Date.now(),
      events: this.#eventsOf(incarnation),
      nextPruneAt: 0,
      state: 'ENABLED',
      managedRule: 'whole',
    };
    this.#archives.set(name, archive);
    this.#saveIndex();
    return {
      ArchiveArn: archive.arn,
      State: archive.state,
      CreationTime: epochSeconds(archive.creationTime),
    };
  }

  #archiveNamed(name: string | undefined): Archive {
    const archive = name === undefined ? undefined : this.#archives.get(name);
    if (!archive) throw notFound(`Archive ${name} does not exist.`);
    return archive;
  }

  /** The bus an archive's EventSourceArn names, refused with AWS's reasons when it is not a bus here. */
  #sourceBus(sourceArn: string): string {
    const invalid = (reason: string) =>
      validationError(`Parameter EventSourceArn is not valid. Reason: ${reason}`);
    const arn = /^arn:([^:]+):events:([^:]*):([0-9]{12}):event-bus\/(.+)$/.exec(sourceArn);
    const [, partition, region, account, busName] = arn ?? [];
    if (busName === undefined) throw invalid('Must contain an event bus ARN.');
    if (partition !== partitionOf(this.#scope.region))
      throw invalid('Creating cross-partition archive is not permitted.');
    if (region !== this.#scope.region) throw invalid('Creating cross-region archive is not permitted.');
    if (account !== this.#scope.accountId) throw invalid('Creating cross-account archive is not permitted.');
    return busName;
  }

  #readName(body: JsonObject): string | undefined {
    const req = new RequestReader(body);
    const name = req.string('ArchiveName', {
      required: true,
      min: 1,
      max: 48,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    req.check();
    return name;
  }

  describeArchive(body: JsonObject): JsonObject {
    const archive = this.#archiveNamed(this.#readName(body));
    this.#prune(archive);
    return {
      ArchiveArn: archive.arn,
      ArchiveName: archive.name,
      EventSourceArn: archive.sourceArn,
      ...(archive.description !== undefined ? { Description: archive.description } : {}),
      ...(archive.eventPattern !== undefined ? { EventPattern: archive.eventPattern } : {}),
      State: archive.state,
      ...(archive.stateReason !== undefined ? { StateReason: archive.stateReason } : {}),
      ...(archive.kmsKeyIdentifier !== undefined ? { KmsKeyIdentifier: archive.kmsKeyIdentifier } : {}),
      RetentionDays: archive.retentionDays,
      SizeBytes: archive.events.sizeBytes,
      EventCount: archive.events.count,
      CreationTime: epochSeconds(archive.creationTime),
    };
  }

  listArchives(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const prefix = req.string('NamePrefix', {
      min: 1,
      max: 48,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    const sourceArn = req.string('EventSourceArn', SOURCE_ARN_FIELD);
    const state = req.enumValue('State', ARCHIVE_STATES);
    const { nextToken, limit } = req.paging();
    req.check();
    atMostOneFilter('ListArchives', [prefix, sourceArn, state]);
    if (sourceArn !== undefined) {
      const busName = parseBusArn(sourceArn) ?? sourceArn;
      // Another account's or region's bus is none of this server's, whatever its name (as everywhere else).
      if (isForeignBusArn(this.#scope, sourceArn)) throw notFound(`Event bus ${sourceArn} does not exist.`);
      if (!this.control.hasBus(busName)) throw notFound(`Event bus ${busName} does not exist.`);
    }
    const archives = [...this.#archives.values()]
      .filter((a) => prefix === undefined || a.name.startsWith(prefix))
      .filter((a) => sourceArn === undefined || a.sourceArn === sourceArn)
      .filter((a) => state === undefined || state === a.state);
    const { items, nextToken: next } = page(archives, nextToken, limit, {
      filter: JSON.stringify(['ListArchives', prefix, sourceArn, state]),
      key: (a) => a.name,
      invalid: (reason) =>
        validationError(
          `Parameter NextToken is not valid. Reason: ${reason === 'malformed' ? 'Malformed request.' : 'Token invalid.'}`,
        ),
    });
    return {
      Archives: items.map((a) => {
        this.#prune(a);
        return {
          ArchiveName: a.name,
          EventSourceArn: a.sourceArn,
          State: a.state,
          ...(a.stateReason !== undefined ? { StateReason: a.stateReason } : {}),
          RetentionDays: a.retentionDays,
          SizeBytes: a.events.sizeBytes,
          EventCount: a.events.count,
          CreationTime: epochSeconds(a.creationTime),
        };
      }),
      ...(next ? { NextToken: next } : {}),
    };
  }

  updateArchive(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('ArchiveName', {
      required: true,
      min: 1,
      max: 48,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    const description = req.string('Description', { max: 512 });
    const eventPattern = req.string('EventPattern', { max: 4096 });
    const retentionDays = req.integer('RetentionDays', { min: 0 });
    const kmsKey = req.string('KmsKeyIdentifier', KMS_KEY_FIELD);
    req.check();
    // AWS asks for a change before it looks the archive up; a KmsKeyIdentifier alone counts (recorded).
    if ([description, eventPattern, retentionDays, kmsKey].every((v) => v === undefined)) {
      throw validationError('At least one of EventPattern, RetentionDays or Description must be provided.');
    }
    const archive = this.#archiveNamed(name);
    const compiled = eventPattern ? compileArchivePattern(eventPattern) : undefined;
    // Every update puts the managed rule and its target back (recorded, even for a description only);
    // with the source bus gone there is nowhere to put it.
    if (!this.control.hasBus(archive.busName)) {
      throw notFound(`Archive ${archive.name} managed rule does not exist.`);
    }
    const ruleName = archiveRuleName(archive.name);
    if (
      archive.managedRule === 'deleted' &&
      this.control.ruleExists(ruleArn(this.#scope, archive.busName, ruleName), archive.busName)
    ) {
      // A rule took the name while the managed one was gone; AWS's answer is not recorded, so we refuse as
      // CreateArchive does rather than let two rules share a name.
      throw ruleCollision(archive.name);
    }
    if (eventPattern !== undefined) {
      // An empty pattern removes the archive's filter (recorded).
      if (eventPattern) archive.eventPattern = eventPattern;
      else delete archive.eventPattern;
      if (compiled) archive.compiled = compiled;
      else delete archive.compiled;
    }
    if (description === '') delete archive.description;
    else if (description !== undefined) archive.description = description;
    // UpdateArchive's reference: "If you do not specify a customer managed key identifier, EventBridge uses an
    // Amazon Web Services owned key to encrypt the archive" (read as UpdateEventBus's same sentence is): an update
    // without one, or with an empty one, goes back to AWS's own key. Before (session 64) one left out was kept.
    if (kmsKey === undefined || kmsKey === '') delete archive.kmsKeyIdentifier;
    else archive.kmsKeyIdentifier = kmsKey;
    if (retentionDays !== undefined) {
      archive.retentionDays = Math.min(retentionDays, MAX_RETENTION_DAYS);
      archive.nextPruneAt = 0; // a shorter retention takes effect now, not within the minute
      this.#prune(archive);
    }
    archive.managedRule = 'whole';
    archive.state = 'ENABLED';
    delete archive.stateReason;
    this.#saveIndex();
    return {
      ArchiveArn: archive.arn,
      State: archive.state,
      // UpdateArchive's reference: "The time at which the archive was updated" (DescribeArchive keeps the creation's).
      CreationTime: epochSeconds(Date.now()),
    };
  }

  deleteArchive(body: JsonObject): JsonObject {
    const archive = this.#archiveNamed(this.#readName(body));
    this.#archives.delete(archive.name);
    archive.events.drop();
    this.#saveIndex();
    return {};
  }

  // ---- managed rules ----

  managedRulesOf(busName: string): ManagedRule[] {
    return [...this.#archives.values()]
      .filter((a) => a.busName === busName && a.managedRule !== 'deleted')
      .map((a) => this.#managedRule(a));
  }

  #managedRule(archive: Archive): ManagedRule {
    const name = archiveRuleName(archive.name);
    // The target AWS shows: no real ARN, the event wrapped with the archive incarnation and ingestion time.
    const target = {
      Id: name,
      Arn: archiveTargetArn(this.#scope.region),
      InputTransformer: {
        InputPathsMap: {},
        InputTemplate: `{"archive-arn": "${archive.arn}:${archive.incarnation}","event": <aws.events.event.json>,"ingestion-time": <aws.events.event.ingestion-time>}`,
      },
    };
    return {
      name,
      arn: ruleArn(this.#scope, archive.busName, name),
      busName: archive.busName,
      eventPattern: archiveRulePattern(archive.eventPattern),
      managedBy: ARCHIVE_RULE_MANAGED_BY,
      targets: archive.managedRule === 'whole' ? [target] : [],
    };
  }

  #archiveOfRule(rule: ManagedRule): Archive | undefined {
    const archive = this.#archives.get(rule.name.slice(ARCHIVE_RULE_PREFIX.length));
    return archive?.busName === rule.busName ? archive : undefined;
  }

  forceRemoveTargets(rule: ManagedRule, ids: readonly string[]): void {
    const archive = this.#archiveOfRule(rule);
    const known = new Set(rule.targets.map((t) => String(t.Id)));
    if (archive && ids.some((id) => known.has(id))) {
      // Without its target the rule no longer feeds the archive: it stops archiving, as in AWS.
      archive.managedRule = 'noTarget';
      this.#disable(archive);
    }
  }

  forceDeleteRule(rule: ManagedRule): void {
    const archive = this.#archiveOfRule(rule);
    if (!archive) return;
    archive.managedRule = 'deleted';
    this.#disable(archive);
  }

  #disable(archive: Archive): void {
    archive.state = 'DISABLED';
    archive.stateReason = FORCED_REASON;
    this.#saveIndex();
  }

  // ---- replays ----

  startReplay(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('ReplayName', {
      required: true,
      min: 1,
      max: 64,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    const description = req.string('Description', { max: 512 });
    const sourceArn = req.string('EventSourceArn', { required: true, ...SOURCE_ARN_FIELD });
    const start = req.timestamp('EventStartTime', true);
    const end = req.timestamp('EventEndTime', true);
    const destination = req.member('Destination');
    if (!destination) req.string('Destination', { required: true });
    const destinationArn = destination?.string('Arn', { required: true, min: 1, max: 1600 });
    const filterArns = destination?.stringList('FilterArns', {}, { min: 1, max: 1600 });
    req.check();
    if (name === undefined || sourceArn === undefined || start === undefined || end === undefined) {
      throw validationError(
        'ReplayName, EventSourceArn, EventStartTime, EventEndTime and Destination are required.',
      );
    }
    // Before any lookup: AWS answered this, not the cross-bus refusal, for a replay to another bus (recorded).
    if (start.getTime() >= end.getTime()) {
      throw validationError(
        'Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime.',
      );
    }
    if (this.#replays.has(name)) throw alreadyExists(`Replay ${name} already exists.`);
    const archiveName = parseArchiveArn(sourceArn);
    const named = archiveName === undefined ? undefined : this.#archives.get(archiveName);
    // Another account's or region's archive of that name is not this one.
    const archive = named?.arn === sourceArn ? named : undefined;
    if (!archive) {
      throw validationError(
        `Parameter EventSourceArn is not valid. Reason: Archive ${archiveName ?? sourceArn} does not exist.`,
      );
    }
    const destinationBus = parseBusArn(destinationArn ?? '');
    if (destinationBus === undefined) {
      // CreateArchive's recorded reason for a source that is not a bus.
      throw validationError('Parameter Destination.Arn is not valid. Reason: Must contain an event bus ARN.');
    }
    if (!this.control.hasBus(destinationBus)) throw notFound(`Event bus ${destinationBus} does not exist.`);
    if (destinationBus !== archive.busName || destinationArn !== busArn(this.#scope, destinationBus)) {
      throw validationError(
        'Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted.',
      );
    }
    // A rule of another bus is invalid, a missing one not found (AWS's words are not recorded; these are another
    // emulator's, the second being AWS's usual answer for a missing rule).
    const filters = (filterArns ?? []).map((arn) => {
      const ref = parseRuleArn(arn);
      if (ref === undefined || ref.bus !== destinationBus) {
        throw validationError(
          'Parameter Destination.FilterArns is not valid. Reason: Rule must be on the destination event bus.',
        );
      }
      if (!this.control.ruleExists(arn, destinationBus)) {
        throw notFound(`Rule ${ref.rule} does not exist on EventBus ${destinationBus}.`);
      }
      return arn;
    });
    let active = 0;
    for (const r of this.#replays.values()) if (!ENDED_REPLAY_STATES.has(r.state)) active++;
    if (active >= MAX_ACTIVE_REPLAYS) throw limitExceeded();
    const replay: Replay = {
      name,
      arn: replayArn(this.#scope, name),
      ...(description !== undefined ? { description } : {}),
      sourceArn,
      destination: {
        Arn: destinationArn ?? '',
        ...(filterArns !== undefined ? { FilterArns: filters } : {}),
      },
      eventStartTime: start.getTime(),
      eventEndTime: end.getTime(),
      replayStartTime: Date.now(),
      state: 'STARTING',
    };
    this.#replays.set(name, replay);
    this.#saveIndex();
    this.#run(replay, archive, destinationBus, filterArns !== undefined ? new Set(filters) : undefined);
    return {
      ReplayArn: replay.arn,
      State: 'STARTING',
      ReplayStartTime: epochSeconds(replay.replayStartTime),
    };
  }

  #run(replay: Replay, archive: Archive, busName: string, onlyRules: ReadonlySet<string> | undefined): void {
    this.#running++;
    /** What the writer had been asked for before the replay: it is COMPLETED once what it asked since is written. */
    const since = this.writer.asked;
    // Chosen when the replay leaves its wait, so events archived meanwhile are in it as their time says; chosen a
    // slice at a time, the replay STARTING until all is chosen, so the server answers meanwhile.
    let selecting: ArchiveSelecting | undefined;
    let selected: ArchiveSelection | undefined;
    let index = 0;
    /** Whether the replay waits for holdReplays(), and has said so. */
    let waiting = false;
    /** Runs the next step after `delayMs`, or after the server's other work. */
    const later = (delayMs?: number): void => {
      const go = (): void => {
        this.#nextSteps.delete(replay);
        step();
      };
      if (delayMs === undefined) {
        const immediate = setImmediate(go);
        this.#nextSteps.set(replay, { cancel: () => clearImmediate(immediate), step: go });
      } else {
        const timer = setTimeout(go, delayMs);
        this.#nextSteps.set(replay, { cancel: () => clearTimeout(timer), step: go });
      }
    };
    const step = (): void => {
      // A user's cancel keeps its own account (no reason), even when a stop comes before it takes effect.
      if (replay.state === 'CANCELLING' || this.#stopped) {
        const stopped = replay.state !== 'CANCELLING';
        selected?.close();
        this.#finish(replay, 'CANCELLED', stopped ? 'The embedded EventBridge stopped.' : undefined);
        return;
      }
      if (selected === undefined) {
        if (this.#archives.get(archive.name) !== archive) {
          this.#finish(replay, 'FAILED', 'The archive was deleted before the replay started.');
          return;
        }
        // From the start time to just before the end time (the Replay reference: "Any event with a creation time
        // prior to the EventEndTime specified is replayed"), so that windows end to end replay each event once.
        // By the time in the event, as AWS documents (StartReplay: "based on the time in the event"), not in the
        // order archived: an event put with an earlier Time comes first, and EventLastReplayedTime only grows.
        // Nor an event past the archive's retention, which pruning (at most once a minute, and on puts and reads)
        // may not have dropped yet.
        if (selecting === undefined) {
          const oldest = archive.retentionDays > 0 ? Date.now() - archive.retentionDays * DAY_MS : -Infinity;
          selecting = archive.events.select(replay.eventStartTime, replay.eventEndTime, oldest);
        }
        selected = selecting.step(SELECT_SLICE_MS);
        if (selected === undefined) {
          later();
          return;
        }
      }
      replay.state = 'RUNNING';
      const sliceEnds = performance.now() + REPLAY_SLICE_MS;
      for (
        const stop = Math.min(selected.length, index + REPLAY_BATCH);
        index < stop && performance.now() < sliceEnds;
        index++
      ) {
        // One that can no longer be read (retention dropped its segment since, or the archive was deleted) is passed.
        const archived = selected.at(index);
        if (!archived) continue;
        const event = withReplayName(JSON.parse(archived.json) as Record<string, unknown>, replay.name);
        const json = withReplayNameJson(archived.json, replay.name);
        const forwardedFrom = archived.forwardedFrom;
        const busEvent = { event, json, ingestedAt: Date.now(), ...(forwardedFrom ? { forwardedFrom } : {}) };
        // A replay of a month's archive to a webhook that never answers would fill the deliver function's queue past
        // its limit, as PutEvents cannot (review, 2026-12-07): it waits instead, RUNNING, said once a wait, where a
        // put of the event would be refused. Until 2026-12-07 it waited while the queue was full whatever its
        // events' rules held.
        const held = this.holdReplays(busName, busEvent, onlyRules);
        if (held !== undefined) {
          if (!waiting) {
            waiting = true;
            this.logger.warn(
              `[eventbridge] replay ${replay.name} waits after ${index} of ${selected.length} events: ${held}`,
            );
          }
          later(REPLAY_HOLD_POLL_MS);
          return;
        }
        waiting = false;
        this.control.route(busName, busEvent, onlyRules);
        replay.eventLastReplayedTime = archived.time;
      }
      if (index < selected.length) later();
      else {
        // Said once the replay has read every event: a line may be found damaged only as it is put back.
        if (selected.unreadable > 0) {
          this.logger.warn(
            `[eventbridge] replay ${replay.name}: left out ${selected.unreadable} unreadable line(s) of archive ${archive.name}'s files (changed on disk since they were written)`,
          );
        }
        selected.close();
        // COMPLETED once the deliveries it made are on disk (in retries.jsonl, written as each event is routed), as
        // PutEvents answers: before (upgrade review, session 62) it read COMPLETED at once, and a kill in the moment
        // before the writer's next pass lost the deliveries of its last events (100 of 300, twice), the restart
        // reading FAILED. A write that failed holds it RUNNING until the writer has caught up. A stop meanwhile ends it
        // COMPLETED, before the writer's last flush, unless a write has failed and not landed since: that flush would
        // not write it either, and the next start would read COMPLETED for deliveries it does not have (diff review,
        // session 62); it ends CANCELLED then, as a stop before its last event does. A CancelReplay meanwhile ends it
        // CANCELLED, with no reason, as AWS's CANCELLING does; before (session 63) it read COMPLETED.
        let completed = false;
        const complete = (): void => {
          if (completed) return;
          completed = true;
          this.#nextSteps.delete(replay);
          if (replay.state === 'CANCELLING') this.#finish(replay, 'CANCELLED');
          else if (this.#stopped && this.writer.unwritten) {
            this.#finish(replay, 'CANCELLED', 'The embedded EventBridge stopped.');
          } else this.#finish(replay, 'COMPLETED');
        };
        this.#nextSteps.set(replay, { cancel: () => {}, step: complete });
        void this.writer
          .written(since)
          .then((behind) => (behind.length === 0 ? true : this.writer.caughtUp()))
          .then(complete);
      }
    };
    later(REPLAY_START_MS * this.delayScale);
  }

  #finish(replay: Replay, state: ReplayState, reason: string | undefined = undefined): void {
    replay.state = state;
    if (reason !== undefined) replay.stateReason = reason;
    replay.replayEndTime = Date.now();
    this.#saveIndex();
    this.#running--;
    if (this.#running === 0) for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  #replayNamed(body: JsonObject): Replay {
    const req = new RequestReader(body);
    const name = req.string('ReplayName', {
      required: true,
      min: 1,
      max: 64,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    req.check();
    const replay = name === undefined ? undefined : this.#replays.get(name);
    if (!replay) throw notFound(`Replay ${name} does not exist.`);
    return replay;
  }

  describeReplay(body: JsonObject): JsonObject {
    const r = this.#replayNamed(body);
    return {
      ReplayName: r.name,
      ReplayArn: r.arn,
      ...(r.description !== undefined ? { Description: r.description } : {}),
      State: r.state,
      ...(r.stateReason !== undefined ? { StateReason: r.stateReason } : {}),
      EventSourceArn: r.sourceArn,
      Destination: r.destination,
      EventStartTime: epochSeconds(r.eventStartTime),
      EventEndTime: epochSeconds(r.eventEndTime),
      ...(r.eventLastReplayedTime !== undefined
        ? { EventLastReplayedTime: epochSeconds(r.eventLastReplayedTime) }
        : {}),
      ReplayStartTime: epochSeconds(r.replayStartTime),
      ...(r.replayEndTime !== undefined ? { ReplayEndTime: epochSeconds(r.replayEndTime) } : {}),
    };
  }

  listReplays(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const prefix = req.string('NamePrefix', {
      min: 1,
      max: 64,
      pattern: NAME_PATTERN,
      patternText: NAME_PATTERN_TEXT,
    });
    const state = req.enumValue('State', [
      'STARTING',
      'RUNNING',
      'CANCELLING',
      'COMPLETED',
      'CANCELLED',
      'FAILED',
    ] as const);
    const sourceArn = req.string('EventSourceArn', SOURCE_ARN_FIELD);
    const { nextToken, limit } = req.paging();
    req.check();
    // "Filter parameters are exclusive" (ListReplays reference); the words are ListArchives' recorded ones.
    atMostOneFilter('ListReplays', [prefix, sourceArn, state]);
    const replays = [...this.#replays.values()]
      .filter((r) => prefix === undefined || r.name.startsWith(prefix))
      .filter((r) => state === undefined || r.state === state)
      .filter((r) => sourceArn === undefined || r.sourceArn === sourceArn);
    const { items, nextToken: next } = page(replays, nextToken, limit, {
      filter: JSON.stringify(['ListReplays', prefix, sourceArn, state]),
      key: (r) => r.name,
    });
    return {
      Replays: items.map((r) => ({
        ReplayName: r.name,
        EventSourceArn: r.sourceArn,
        State: r.state,
        ...(r.stateReason !== undefined ? { StateReason: r.stateReason } : {}),
        EventStartTime: epochSeconds(r.eventStartTime),
        EventEndTime: epochSeconds(r.eventEndTime),
        ...(r.eventLastReplayedTime !== undefined
          ? { EventLastReplayedTime: epochSeconds(r.eventLastReplayedTime) }
          : {}),
        ReplayStartTime: epochSeconds(r.replayStartTime),
        ...(r.replayEndTime !== undefined ? { ReplayEndTime: epochSeconds(r.replayEndTime) } : {}),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  cancelReplay(body: JsonObject): JsonObject {
    const replay = this.#replayNamed(body);
    if (replay.state !== 'STARTING' && replay.state !== 'RUNNING') {
      throw new EventBridgeApiError(
        'IllegalStatusException',
        `Replay ${replay.name} is not in a valid state for this operation.`,
      );
    }
    replay.state = 'CANCELLING';
    this.#saveIndex();
    return { ReplayArn: replay.arn, State: 'CANCELLING' };
  }

  // ---- persistence ----

  /** Where an archive's events are kept: on disk in segments with a dataDir, else in memory. */
  #eventsOf(incarnation: string): ArchiveEvents {
    if (!this.#dir) return new MemoryArchiveEvents();
    return new SegmentedArchiveEvents(this.writer, this.#eventsDir(incarnation));
  }

  /**
   * The directory of an archive's segments, named by its incarnation only: a name would not do, as `.` and `..` are
   * archive names, `orders.jsonl` would be the file an archive `orders` kept before segments, and a file system
   * that ignores case would merge `Orders` with `orders`.
   */
  #eventsDir(incarnation: string): string {
    return join(this.#dir ?? '', 'archives', EVENTS_DIR, incarnation);
  }

  #saveIndex(): void {
    if (!this.#dir) return;
    this.writer.replace(join(this.#dir, 'archives.json'), () => {
      const saved: SavedArchive[] = [...this.#archives.values()].map((a) => ({
        name: a.name,
        sourceArn: a.sourceArn,
        busName: a.busName,
        ...(a.description !== undefined ? { description: a.description } : {}),
        ...(a.eventPattern !== undefined ? { eventPattern: a.eventPattern } : {}),
        ...(a.kmsKeyIdentifier !== undefined ? { kmsKeyIdentifier: a.kmsKeyIdentifier } : {}),
        retentionDays: a.retentionDays,
        creationTime: a.creationTime,
        incarnation: a.incarnation,
        state: a.state,
        ...(a.stateReason !== undefined ? { stateReason: a.stateReason } : {}),
        managedRule: a.managedRule,
      }));
      // A replay's progress (EventLastReplayedTime) is written with whatever change comes next, not per batch.
      const replays: SavedReplay[] = [...this.#replays.values()].map(({ arn: _arn, ...r }) => r);
      return JSON.stringify({ archives: saved, replays }, null, 1);
    });
  }

  /** A saved archive's pattern compiled, or the error that stops the start naming the file and the archive. */
  #savedPattern(saved: SavedArchive): { compiled?: CompiledPattern } {
    if (saved.eventPattern === undefined) return {};
    try {
      const compiled = compileArchivePattern(saved.eventPattern);
      return compiled ? { compiled } : {};
    } catch (error) {
      throw cannotRead(join(this.#dir ?? '', 'archives.json'), `archive ${saved.name}: ${reasonOf(error)}`);
    }
  }

  /**
   * A saved archive's events. A line a crash cut short is left out, and its segment rewritten without it (or with
   * the newline it lacks), so that the next event is not appended to the broken line. Events in the one file of
   * versions before segments (`archives/NAME.jsonl`) move into segments, once.
   */
  #loadEvents(name: string, incarnation: string, creationTime: number): SegmentedArchiveEvents {
    const dir = this.#eventsDir(incarnation);
    const legacy = join(this.#dir ?? '', 'archives', `${name}.jsonl`);
    const hasLegacy = isFile(legacy);
    if (hasLegacy && existsSync(dir)) return this.#segmentsAndLegacy(name, dir, legacy, creationTime);
    if (hasLegacy) {
      // Moved before anything else runs, written directly and whole into a directory of their own, which takes the
      // segments' place in one rename; the old file is removed only then. A move the disk refuses stops the start
      // with the old file intact; a crash before the rename leaves the old file to move again.
      const old = readArchivedEvents(legacy);
      const moving = `${dir}.moving`;
      try {
        rmSync(moving, { recursive: true, force: true });
        writeSegments(moving, old.events);
        renameSync(moving, dir);
        rmSync(legacy);
      } catch (error) {
        try {
          rmSync(moving, { recursive: true, force: true });
        } catch {
          // Left for the sweep of directories no archive names, at the next start.
        }
        throw new Error(
          `[eventbridge] cannot move the events of archive ${name} from ${legacy} into ${dir}: ${reasonOf(error)} ` +
            '(the file is left as it was)',
          { cause: error },
        );
      }
      if (old.skipped > 0) {
        this.logger.warn(
          `[eventbridge] archive ${name}: skipped ${old.skipped} unreadable line(s) in ${legacy}`,
        );
      }
    }
    return this.#segments(name, dir);
  }

  #segments(name: string, dir: string): SegmentedArchiveEvents {
    const events = new SegmentedArchiveEvents(this.writer, dir);
    if (events.skipped > 0) {
      this.logger.warn(
        `[eventbridge] archive ${name}: skipped ${events.skipped} unreadable line(s) in ${dir}`,
      );
    }
    return events;
  }

  /**
   * An archive with segments and a file of versions before segments too. The file is one a move left behind when a
   * stop came right after the segments were in place (its events are in them), or one an older version's
   * DeleteArchive left (its events are an earlier archive's of the name, ingested before this one was made), or
   * one an older version wrote to when it was started on this directory (bisecting, say): it cannot see segments,
   * and archives there what it ingests. Those last events, ingested since the archive was made and not in the
   * segments, are added to them, and the file is removed once they are on disk. Before (upgrade review,
   * 2026-12-06), the file was removed at once and with no word: the events the older version archived were lost.
   */
  #segmentsAndLegacy(
    name: string,
    dir: string,
    legacy: string,
    creationTime: number,
  ): SegmentedArchiveEvents {
    const events = this.#segments(name, dir);
    const old = readArchivedEvents(legacy);
    const later = notIn(
      events,
      old.events.filter((event) => event.ingestedAt >= creationTime),
    );
    if (later.length === 0) {
      rmSync(legacy);
      return events;
    }
    const asked = this.writer.asked;
    for (const event of later) events.add(event);
    this.writer.follow(
      this.writer.written(asked).then((behind) => {
        if (behind.length === 0) this.writer.remove(legacy);
      }),
    );
    this.logger.warn(
      `[eventbridge] archive ${name}: ${later.length} event(s) that an older version archived in ${legacy}, not in its segments, added to them`,
    );
    return events;
  }

  /**
   * Events no archive reads: those of archives deleted while a removal was on its way (a crash), and the one files of
   * versions before segments that no archive owns (an older version's DeleteArchive cut short), which a later
   * archive of that name would otherwise take for its own.
   */
  #removeStaleEvents(): void {
    const archives = join(this.#dir ?? '', 'archives');
    const root = join(archives, EVENTS_DIR);
    if (existsSync(root)) {
      const live = new Set([...this.#archives.values()].map((a) => a.incarnation));
      for (const entry of readdirSync(root)) if (!live.has(entry)) this.writer.remove(join(root, entry));
    }
    if (existsSync(archives)) {
      for (const entry of readdirSync(archives)) {
        const name = entry.endsWith('.jsonl') ? entry.slice(0, -'.jsonl'.length) : undefined;
        if (name !== undefined && !this.#archives.has(name)) this.writer.remove(join(archives, entry));
      }
    }
  }

  #load(): void {
    if (!this.#dir) return;
    // A start that cannot read it stops rather than start without the archives (and rewrite the file without them).
    const saved: { archives?: SavedArchive[]; replays?: SavedReplay[] } | undefined = readStateFile(
      join(this.#dir, 'archives.json'),
      { archives: ['sourceArn', 'busName'], replays: ['sourceArn', 'state'] },
    );
    if (!saved) return;
    let unnamed = false;
    for (const s of saved.archives ?? []) {
      // Files of versions before incarnations were kept lack one: it is derived from the archive's name and creation
      // time, so that a start killed before archives.json is rewritten with it finds the same segments again. One
      // edited by hand into something else would name another directory (and lose the archive's events to the sweep
      // of directories no archive names): the start stops instead, naming the file and the archive.
      if (
        s.incarnation !== undefined &&
        (typeof s.incarnation !== 'string' || !INCARNATION.test(s.incarnation))
      ) {
        throw cannotRead(
          join(this.#dir, 'archives.json'),
          `archive ${s.name}: incarnation ${JSON.stringify(s.incarnation)} is not one the server wrote`,
        );
      }
      unnamed ||= s.incarnation === undefined;
      const incarnation = s.incarnation ?? derivedIncarnation(s.name, s.creationTime);
      const archive: Archive = {
        name: s.name,
        arn: archiveArn(this.#scope, s.name),
        incarnation,
        sourceArn: s.sourceArn,
        busName: s.busName,
        ...(s.description !== undefined ? { description: s.description } : {}),
        ...(s.eventPattern !== undefined ? { eventPattern: s.eventPattern } : {}),
        ...this.#savedPattern(s),
        ...(s.kmsKeyIdentifier !== undefined ? { kmsKeyIdentifier: s.kmsKeyIdentifier } : {}),
        retentionDays: s.retentionDays,
        creationTime: s.creationTime,
        events: this.#loadEvents(s.name, incarnation, s.creationTime),
        nextPruneAt: 0,
        state: s.state ?? 'ENABLED',
        ...(s.stateReason !== undefined ? { stateReason: s.stateReason } : {}),
        managedRule: s.managedRule ?? 'whole',
      };
      this.#archives.set(s.name, archive);
      this.#prune(archive);
    }
    this.#removeStaleEvents();
    if (unnamed) this.#saveIndex();
    let interrupted = 0;
    for (const r of saved.replays ?? []) {
      const replay: Replay = { ...r, arn: replayArn(this.#scope, r.name) };
      // A replay the process stopped in the middle of does not go on: one being cancelled is cancelled, one
      // running failed (a stop() in the middle cancels it and says so; this is a crash's).
      if (replay.state === 'CANCELLING' || replay.state === 'STARTING' || replay.state === 'RUNNING') {
        interrupted++;
        if (replay.state === 'CANCELLING') replay.state = 'CANCELLED';
        else {
          replay.state = 'FAILED';
          replay.stateReason = 'The embedded EventBridge stopped during the replay.';
        }
        replay.replayEndTime = Date.now();
      }
      this.#replays.set(replay.name, replay);
    }
    if (interrupted > 0) this.#saveIndex();
  }
}

/** ListArchives and ListReplays take one of NamePrefix, EventSourceArn and State (AWS's words, recorded). */
function atMostOneFilter(operation: string, filters: readonly unknown[]): void {
  if (filters.filter((f) => f !== undefined).length > 1) {
    throw validationError(
      `At most one filter is allowed for ${operation}. Use either : State, EventSourceArn, or NamePrefix.`,
    );
  }
}

const archiveRuleName = (archive: string): string => `${ARCHIVE_RULE_PREFIX}${archive}`;

const nonEmpty = (value: string | undefined): string | undefined => (value === '' ? undefined : value);

const isFile = (path: string): boolean => existsSync(path) && statSync(path).isFile();

/**
 * Those of `candidates` whose text is in none of the events of `events` ingested since the earliest of them (read
 * from disk: an old file beside segments is met once, after a crash or a downgrade). By text, not by ingestion time:
 * an older version whose clock was behind archives events that look older than the segments' last.
 */
function notIn(events: SegmentedArchiveEvents, candidates: readonly ArchivedEvent[]): ArchivedEvent[] {
  if (candidates.length === 0 || events.count === 0) return [...candidates];
  const missing = new Set(candidates.map((event) => event.json));
  let earliest = Number.POSITIVE_INFINITY;
  for (const event of candidates) earliest = Math.min(earliest, event.ingestedAt);
  const selecting = events.select(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, earliest);
  let selection: ArchiveSelection | undefined;
  while (!selection) selection = selecting.step(Number.POSITIVE_INFINITY);
  try {
    for (let i = 0; i < selection.length && missing.size > 0; i++) {
      const event = selection.at(i);
      if (event) missing.delete(event.json);
    }
  } finally {
    selection.close();
  }
  return candidates.filter((event) => missing.has(event.json));
}

/** An incarnation for an archive saved without one, the same at every start: UUID-shaped, from a hash. */
function derivedIncarnation(name: string, creationTime: number): string {
  const hex = createHash('sha256').update(`${name}\u0000${creationTime}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** CreateArchive's refusal when the managed rule's name is taken (AWS's code and text, recorded). */
const ruleCollision = (archive: string): EventBridgeApiError =>
  alreadyExists(
    `A rule with the pattern '${archiveRuleName(archive)}' already exists. Please choose a different archive name or delete your rule, then, try again.`,
  );

/**
 * What an archive takes, judged as its managed rule judges (archiveRulePattern): by the archive's pattern less any
 * top-level `replay-name`, which the rule overrides (replayed events never reach an archive). Undefined when
 * nothing else is left: every event. The pattern is refused as PutRule refuses it, whole. Before (2026-12-05) the
 * `replay-name` member was kept, so `{"replay-name": [{"exists": true}], "source": ["x"]}` archived nothing while
 * its managed rule showed `{"replay-name":[{"exists":false}],"source":["x"]}`.
 */
function compileArchivePattern(pattern: string): CompiledPattern | undefined {
  const compiled = compileRulePattern(pattern);
  const spans = new Map<JsonNode, Span>();
  const { root } = readJsonPrefix(pattern, spans);
  if (root?.kind !== 'object' || !root.entries.some(([key]) => key === 'replay-name')) return compiled;
  // The other members as written: read again, `12345678901234567890` or `1e10` would change (JSON.parse rounds
  // them), and the matcher compares such numbers by their text.
  const rest = root.entries
    .filter(([key]) => key !== 'replay-name')
    .map(([key, value]) => {
      const span = spans.get(value) as Span;
      return `${JSON.stringify(key)}:${pattern.slice(span.at, span.end)}`;
    });
  return rest.length === 0 ? undefined : compileRulePattern(`{${rest.join(',')}}`);
}

/**
 * The managed rule's pattern as AWS writes it (recorded): compact JSON, the exclusion of replayed events
 * first (it overrides any `replay-name` of the archive's pattern), then the archive's pattern members.
 */
function archiveRulePattern(pattern: string | undefined): string {
  const fields = pattern === undefined ? {} : (JSON.parse(pattern) as Record<string, unknown>);
  const { 'replay-name': _replaced, ...rest } = fields;
  return JSON.stringify({ 'replay-name': [{ exists: false }], ...rest });
}

/** Replayed events carry `replay-name` right after `region`, where AWS puts it. */
function withReplayName(event: Record<string, unknown>, name: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'replay-name') continue;
    out[key] = value;
    if (key === 'region') out['replay-name'] = name;
  }
  if (!('replay-name' in out)) out['replay-name'] = name;
  return out;
}

/**
 * Same as withReplayName on the JSON text, keeping the detail text (and its numbers) as archived. The text may be
 * a bus target's template, in any key order and spacing, with `region` or `resources` keys inside its detail: only
 * the top level counts.
 */
function withReplayNameJson(json: string, name: string): string {
  const at = topLevelValueEnd(json, 'region');
  if (at < 0 || topLevelValueEnd(json, 'replay-name') >= 0) {
    return JSON.stringify(withReplayName(JSON.parse(json) as Record<string, unknown>, name));
  }
  return `${json.slice(0, at)},"replay-name":${JSON.stringify(name)}${json.slice(at)}`;
}

/**
 * Where the value of the top-level `key` of an object's JSON text ends (the index of the `,` or `}` after it), or -1
 * when the object has no such key written plainly (a key spelled with escapes is not found).
 */
function topLevelValueEnd(json: string, key: string): number {
  const quoted = JSON.stringify(key);
  let depth = 0;
  let inKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; i < json.length && json.charCodeAt(i) !== 0x22; i++) if (json.charCodeAt(i) === 0x5c) i++;
      if (depth === 1 && !inKey && json.startsWith(quoted, start) && i + 1 - start === quoted.length) {
        let next = i + 1;
        while (next < json.length && /\s/.test(json.charAt(next))) next++;
        inKey = json.charAt(next) === ':';
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 1 && inKey) return i;
      depth--;
    } else if (c === 0x2c && depth === 1 && inKey) return i;
  }
  return -1;
}
