// The embedded Amazon EventBridge: an HTTP server speaking EventBridge's awsJson1.1 protocol, so the AWS
// SDK and CLI work against it unchanged, plus local-only endpoints under /_local/ for dead letters and queues.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { lockDataDir } from '../data-lock.js';
import { type WebPageRefusal, webPageRefusal } from '../loopback-host.js';
import { ArchiveStore } from './archives.js';
import { busArn } from './arns.js';
import { ConnectionStore } from './connections.js';
import { ControlPlane, defaultMaxRulesPerBus, MAX_WILDCARD_RULES_PER_BUS } from './control-plane.js';
import {
  type DeliveryRule,
  type DeliveryTarget,
  Dispatcher,
  type InvocationSource,
  type InvokeLambda,
  type Logger,
} from './delivery.js';
import { EventBridgeApiError } from './errors.js';
import { AsyncInvocations, type AsyncInvokeConfig, isSource } from './lambda-async.js';
import { CoalescingWriter, DEFAULT_LINGER_MS, MAX_TIMER_MS } from './persistence.js';
import type { OverflowUsage } from './queue-overflow.js';
import {
  defaultQueueBytes,
  isFunctionOrigin,
  isTargetOrigin,
  type QueueMessage,
  QueueStore,
  type Restored,
  type TargetOrigin,
} from './queue-store.js';
import { type JsonObject, page, parseBody } from './request.js';
import { RetryJournal } from './retry-journal.js';
import { Scheduler } from './schedule.js';
import { claimStateFormat } from './state-format.js';
import { unitsPrefix } from './text.js';

/**
 * The largest delayScale. The longest wait the bus keeps on one timer is a delivery's retry, which comes within its
 * event's age (24 hours at most) or not at all: scaled by 20, 20 days, within setTimeout's 2^31 - 1 ms (24.8 days).
 * Past that Node fires the timer after 1 ms, so a scale of 1e5 made every retry at once where it was to slow them
 * (configuration review, 2026-12-06). Rate schedules take longer waits in hops, and are not bound by it.
 */
export const MAX_DELAY_SCALE = 20;

export interface EmbeddedEventBridgeOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /**
   * The address listened on. Only requests naming loopback, or one of allowedHosts, in Host are answered (see
   * loopback-host.ts), so another address would be reached but refused. @default '127.0.0.1'
   */
  readonly host?: string;
  /** Host names answered besides loopback, in Host and Origin (see parseAllowedHosts in loopback-host.ts). @default none */
  readonly allowedHosts?: ReadonlySet<string>;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /**
   * Runs a Lambda function in process; throwing/rejecting means the invocation failed. `payload` is the target
   * input text. For a function of `asyncFunctions`, it is Lambda that retries a failure; for any other, the rule
   * target's RetryPolicy (a difference from AWS, kept for tests of the retry policy).
   */
  readonly invokeLambda: InvokeLambda;
  /**
   * The Lambda functions invoked as AWS invokes a Lambda target, by ARN: asynchronously. The delivery succeeds
   * once the invocation is queued; a function error is retried by Lambda's rules (its event invoke config) and
   * then sent to the function's dead-letter queue with Lambda's attributes. @default {} (none)
   */
  readonly asyncFunctions?: Readonly<Record<string, AsyncInvokeConfig>>;
  /**
   * Multiplies every retry/backoff delay, the event age limit, rate(...) schedule periods and how often retention is
   * applied while the server is idle (each minute); tests use e.g. 0.001. @default 1
   */
  readonly delayScale?: number;
  /** The clock schedules run on (epoch ms); cron(...) fires at its whole UTC minutes. @default Date.now */
  readonly now?: () => number;
  /** Largest total PutEvents entry size, computed as AWS documents it. @default 262_144 */
  readonly maxEntrySizeBytes?: number;
  /**
   * Rules a bus may hold (archives' managed rules aside): AWS's quota "Rules per event bus", adjustable there
   * on request. PutRule of one more answers LimitExceededException. @default AWS's default for `region`: 100 in
   * af-south-1 and eu-south-1, 300 elsewhere
   */
  readonly maxRulesPerBus?: number;
  /**
   * Rules whose patterns use `wildcard` one bus may hold. AWS's quota is 30 and cannot be raised; only benchmarks
   * and tests need more. @default 30
   */
  readonly maxWildcardRulesPerBus?: number;
  /**
   * When set, buses, rules, targets, archives, replays, queues (dead letters included), deliveries and asynchronous
   * Lambda invocations not finished persist here across restarts; else in memory.
   */
  readonly dataDir?: string;
  /**
   * How long, in ms, the dataDir's logs keep a line past their state (an event delivered, a Lambda invocation
   * finished, a queue message deleted) before they are rewritten without it (longer for a large log: 100 KB of it a
   * second), so that a quiet server does not keep delivered events on disk for months: the archive keeps them as long
   * as its retention says. At most 2^31 - 1 (a timer's longest). @default 600_000 (10 minutes)
   */
  readonly journalLingerMs?: number;
  /** How long an API destination (or an OAuth token endpoint) has to answer, in ms, as in AWS. @default 5_000 */
  readonly apiDestinationTimeoutMs?: number;
  /**
   * The most the local queues (DLQs, dropped deliveries, queues rules target) hold, in bytes of memory as counted
   * for each message (its body's and attributes' UTF-8 and 700 for the rest): past it their oldest messages move to
   * disk (`queue-overflow.ts`; removed, with the reason, without a dataDir or when the disk refuses them), with a
   * warning; a warning at 80% says so first. A message stays for its 14 days, in memory or on disk.
   * @default defaultQueueBytes(): an eighth of the heap Node may take, at most 1 GiB
   */
  readonly maxQueueBytes?: number;
  /** How those warnings name the limit's setting. @default 'maxQueueBytes' */
  readonly maxQueueBytesSetting?: string;
  /**
   * The most the queues of the `asyncFunctions` (invocations queued, running or waiting for a retry) hold, in bytes of
   * memory as counted for each (its payload's UTF-8 and 700 for the rest): at it, PutEvents fails the entries that
   * would invoke one of them with ThrottlingException, and a warning says so, until they catch up. AWS's Lambda has no
   * such limit; here every invocation waiting is in the heap. @default defaultQueueBytes()
   */
  readonly maxLambdaQueueBytes?: number;
  /** How those refusals and warnings name the limit's setting. @default 'maxLambdaQueueBytes' */
  readonly maxLambdaQueueBytesSetting?: string;
  /**
   * Without a dataDir, the most the archives hold in memory, in bytes of their events' JSON: past it their oldest
   * events are dropped, with a warning (see ArchiveStore). With a dataDir they are on disk, and this is not used.
   * @default defaultQueueBytes(): an eighth of the heap Node may take, at most 1 GiB
   */
  readonly maxArchiveMemoryBytes?: number;
  /** Where warnings (failed deliveries, dropped events, schedules that fail to fire) go. @default console */
  readonly logger?: Logger;
}

/**
 * A failed delivery kept for inspection and redrive (in a DLQ, or among dropped deliveries): an event a rule's
 * target did not take, or an asynchronous invocation of a function that kept failing.
 */
export type DeadLetter = TargetDeadLetter | FunctionDeadLetter;

interface DeadLetterBase {
  readonly id: string;
  /** The SQS ARN of the DLQ, or `local:dropped-deliveries` when the target or function had none. */
  readonly queueArn: string;
  /** The event (or, of a function, the invocation's payload) as JSON text: what AWS puts in the message body. */
  readonly body: string;
  readonly errorCode: string;
  readonly errorMessage: string;
  /** Retries made before it was dead-lettered. */
  readonly retryAttempts: number;
  /** ISO time it was dead-lettered. */
  readonly failedAt: string;
}

/** An event a rule's target did not take; `errorCode` is EventBridge's ERROR_CODE. */
export interface TargetDeadLetter extends DeadLetterBase {
  readonly kind: 'target';
  readonly ruleArn: string;
  readonly targetId: string;
  readonly targetArn: string;
  readonly exhaustedRetryCondition?: string;
}

/**
 * An asynchronous invocation whose retries ran out, as Lambda dead-letters it: `errorCode` is its ErrorCode
 * attribute (the invocation's HTTP status, 200 for a function error), `requestId` its RequestID.
 */
export interface FunctionDeadLetter extends DeadLetterBase {
  readonly kind: 'function';
  readonly functionArn: string;
  readonly requestId: string;
  /** The rule and target whose event the invocation was (none in one dead-lettered before 2026-12-07). */
  readonly ruleArn?: string;
  readonly targetId?: string;
}

export interface RedriveResult {
  /** Ids handed back to their target (delivery is asynchronous; await idle() to see it land). */
  readonly redriven: string[];
  /** Ids that stay dead letters, with why (e.g. the rule or target was removed). */
  readonly failed: Array<{ readonly id: string; readonly reason: string }>;
}

export interface DeadLetters {
  list(): DeadLetter[];
  /**
   * Re-delivers the given dead letters (all when `ids` is omitted): an event to its original rule target, an
   * invocation to its function (queued again, with a new request id).
   */
  redrive(ids?: readonly string[]): RedriveResult;
}

export interface LocalQueues {
  /** Messages in a local queue (by SQS ARN), left in place. */
  peek(queueArn: string): QueueMessage[];
  /** Takes every message out of a local queue. */
  receive(queueArn: string): QueueMessage[];
  /** ARNs of the queues holding messages. */
  list(): string[];
  /** The memory the queues hold, as counted against maxQueueBytes, and that limit (bytes). */
  usage(): { readonly heldBytes: number; readonly maxBytes: number };
  /** The messages moved out of memory past maxQueueBytes, kept on disk (with a dataDir) until restored. */
  overflow(): OverflowUsage;
  /** Puts the messages kept on disk back in their queues, as far as there is room (QueueStore.restore). */
  restore(): Restored;
}

export interface EmbeddedEventBridge {
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  readonly deadLetters: DeadLetters;
  readonly queues: LocalQueues;
  /** Resolves when no delivery, replay or disk write is pending. For tests. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

type Operation = (body: JsonObject) => JsonObject | Promise<JsonObject>;

const CONTENT_TYPE = 'application/x-amz-json-1.1';
const LOCAL_PREFIX = '/_local/';
/**
 * How often archives' and queues' retention is applied while nothing else asks (each also prunes at most once a minute
 * when used), before delayScale.
 */
const RETENTION_SWEEP_MS = 60_000;

export async function startEventBridge(options: EmbeddedEventBridgeOptions): Promise<EmbeddedEventBridge> {
  const lingerMs = options.journalLingerMs ?? DEFAULT_LINGER_MS;
  if (!(Number.isSafeInteger(lingerMs) && lingerMs >= 0 && lingerMs <= MAX_TIMER_MS)) {
    throw new RangeError(`journalLingerMs must be a whole number from 0 to ${MAX_TIMER_MS}, got ${lingerMs}`);
  }
  for (const name of ['maxQueueBytes', 'maxLambdaQueueBytes', 'maxArchiveMemoryBytes'] as const) {
    const bytes = options[name];
    if (bytes !== undefined && !(Number.isSafeInteger(bytes) && bytes > 0)) {
      throw new RangeError(`${name} must be a whole number of bytes above 0, got ${bytes}`);
    }
  }
  // Before anything is read: a second server on the same files would rewrite them from its own view.
  const unlock =
    options.dataDir === undefined ? () => {} : lockDataDir(options.dataDir, 'embedded EventBridge');
  const writer = new CoalescingWriter({ lingerMs, logger: options.logger ?? console });
  try {
    const server = await start(options, writer);
    return {
      ...server,
      async stop() {
        try {
          await server.stop();
        } finally {
          unlock();
        }
      },
    };
  } catch (error) {
    // A start refused (a state file it cannot read, say) ends its writes first: the stores read before may have
    // rewritten theirs, and a caller cleaning up the dataDir must not race them.
    await writer.flush();
    writer.close();
    unlock();
    throw error;
  }
}

async function start(
  options: EmbeddedEventBridgeOptions,
  writer: CoalescingWriter,
): Promise<EmbeddedEventBridge> {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const delayScale = options.delayScale ?? 1;
  const logger = options.logger ?? console;
  // Before any file of the dataDir is read: one of a later format would be misread.
  if (options.dataDir !== undefined) claimStateFormat(options.dataDir);
  if (!(delayScale > 0 && delayScale <= MAX_DELAY_SCALE)) {
    throw new RangeError(
      `delayScale must be a number above 0 and at most ${MAX_DELAY_SCALE}, got ${delayScale}`,
    );
  }
  const scope = { region, accountId };
  const queueLimit = {
    bytes: options.maxQueueBytes ?? defaultQueueBytes(),
    setting: options.maxQueueBytesSetting ?? 'maxQueueBytes',
  };
  // Its limit applied once the cut-short redrives below have taken their dead letters.
  const queues = new QueueStore(writer, options.dataDir, { limit: queueLimit, logger, limitAtStart: false });
  const journal =
    options.dataDir !== undefined ? new RetryJournal(writer, options.dataDir, logger) : undefined;
  const connections = new ConnectionStore({
    scope,
    writer,
    dataDir: options.dataDir,
    logger,
    delayScale,
    httpTimeoutMs: options.apiDestinationTimeoutMs ?? 5_000,
    // Connections change state only on requests and calls, after `control` exists.
    emit: (detailType, resources, detail) => control.putServiceEvent(detailType, resources, detail),
  });
  const lambda = new AsyncInvocations({
    run: options.invokeLambda,
    functions: options.asyncFunctions ?? {},
    queues,
    delayScale,
    logger,
    writer,
    dataDir: options.dataDir,
    limit: {
      bytes: options.maxLambdaQueueBytes ?? defaultQueueBytes(),
      setting: options.maxLambdaQueueBytesSetting ?? 'maxLambdaQueueBytes',
    },
  });
  /**
   * Takes redriven dead letters out of their queues, and once that is on disk forgets them in the journals that keep
   * their new deliveries (`redrive-marks.ts`). Answers how many were still there to take.
   */
  const finishRedrives = (ids: ReadonlySet<string>): number => {
    const { taken, durable } = queues.takeDurably(ids);
    writer.follow(
      durable.then((landed) => {
        if (!landed) return;
        journal?.landRedrives(ids);
        lambda.landRedrives(ids);
      }),
    );
    return taken;
  };
  // What the last run left unfinished, and which of it a dead letter took over: before the cut-short redrives below
  // take their dead letters, since one of those may be the dead letter of a delivery whose end never landed.
  const unfinished = journal?.saved() ?? [];
  const deadLettered = unfinished.length > 0 || lambda.resuming ? queues.deadLettered() : new Set<string>();
  // A redrive a stop cut short: its deliveries are kept, its dead letters may not have left their queues.
  const cutShort = new Set([...(journal?.redrives.pending ?? []), ...lambda.redrives.pending]);
  if (cutShort.size > 0) {
    const taken = finishRedrives(cutShort);
    const one = taken === 1;
    if (taken > 0)
      logger.warn(
        `[eventbridge] took ${taken} dead ${one ? 'letter' : 'letters'} out of ${one ? 'its queue' : 'their queues'}: ` +
          `the last run stopped after redriving ${one ? 'it' : 'them'}, before ${one ? 'it' : 'they'} left`,
      );
  }
  queues.keepWithinLimit();
  const dispatcher = new Dispatcher({
    invokeLambda: options.invokeLambda,
    acceptLambda: (arn, payload, deliveryId, source) =>
      lambda.handles(arn) ? lambda.accept(arn, payload, { deliveryId, source }) : undefined,
    // Deliveries start after the request that queued them, so `control` exists by then.
    forwardToBus: (busName, payload, event, from) => control.forwardEvent(busName, payload, event, from),
    callApiDestination: (arn, payload, event, http, deadline) =>
      connections.call(arn, payload, event, http, deadline),
    busArnPrefix: busArn(scope, ''),
    queues,
    delayScale,
    logger,
    ...(journal ? { journal } : {}),
    currentTarget: (
      busName,
      ruleName,
      targetId,
    ): { rule: DeliveryRule; target: DeliveryTarget } | undefined =>
      control.findTarget(busName, ruleName, targetId),
  });
  const scheduler = new Scheduler({
    delayScale,
    ...(options.now ? { now: options.now } : {}),
    logger,
    // Schedules fire on timers, so `control` exists by then (restored rules included).
    fire: (ruleArn, scheduledAt) => control.fireScheduledRule(ruleArn, scheduledAt),
  });
  const control = new ControlPlane({
    scope,
    dispatcher,
    maxEntrySizeBytes: options.maxEntrySizeBytes ?? 262_144,
    maxRulesPerBus: options.maxRulesPerBus ?? defaultMaxRulesPerBus(scope.region),
    maxWildcardRulesPerBus: options.maxWildcardRulesPerBus ?? MAX_WILDCARD_RULES_PER_BUS,
    logger,
    scheduler,
    lambdaQueues: lambda,
    ...(options.dataDir !== undefined ? { persistence: { writer, dataDir: options.dataDir } } : {}),
  });
  const archives = new ArchiveStore(
    control,
    writer,
    options.dataDir,
    delayScale,
    logger,
    (busName, event, only) => control.replayHold(busName, event, only),
    options.maxArchiveMemoryBytes ?? defaultQueueBytes(),
  );
  control.restore();

  const operations: Record<string, Operation> = {
    CreateEventBus: (b) => control.createEventBus(b),
    DescribeEventBus: (b) => control.describeEventBus(b),
    UpdateEventBus: (b) => control.updateEventBus(b),
    PutPermission: (b) => control.putPermission(b),
    RemovePermission: (b) => control.removePermission(b),
    ListEventBuses: (b) => control.listEventBuses(b),
    DeleteEventBus: (b) => control.deleteEventBus(b),
    PutRule: (b) => control.putRule(b),
    DescribeRule: (b) => control.describeRule(b),
    ListRules: (b) => control.listRules(b),
    DeleteRule: (b) => control.deleteRule(b),
    EnableRule: (b) => control.enableRule(b),
    DisableRule: (b) => control.disableRule(b),
    PutTargets: (b) => control.putTargets(b),
    RemoveTargets: (b) => control.removeTargets(b),
    ListTargetsByRule: (b) => control.listTargetsByRule(b),
    ListRuleNamesByTarget: (b) => control.listRuleNamesByTarget(b),
    PutEvents: (b) => control.putEvents(b),
    TestEventPattern: (b) => control.testEventPattern(b),
    TagResource: (b) => control.tagResource(b),
    UntagResource: (b) => control.untagResource(b),
    ListTagsForResource: (b) => control.listTagsForResource(b),
    CreateArchive: (b) => archives.createArchive(b),
    DescribeArchive: (b) => archives.describeArchive(b),
    ListArchives: (b) => archives.listArchives(b),
    UpdateArchive: (b) => archives.updateArchive(b),
    DeleteArchive: (b) => archives.deleteArchive(b),
    StartReplay: (b) => archives.startReplay(b),
    DescribeReplay: (b) => archives.describeReplay(b),
    ListReplays: (b) => archives.listReplays(b),
    CancelReplay: (b) => archives.cancelReplay(b),
    CreateConnection: (b) => connections.createConnection(b),
    DescribeConnection: (b) => connections.describeConnection(b),
    UpdateConnection: (b) => connections.updateConnection(b),
    DeleteConnection: (b) => connections.deleteConnection(b),
    DeauthorizeConnection: (b) => connections.deauthorizeConnection(b),
    ListConnections: (b) => connections.listConnections(b),
    CreateApiDestination: (b) => connections.createApiDestination(b),
    DescribeApiDestination: (b) => connections.describeApiDestination(b),
    UpdateApiDestination: (b) => connections.updateApiDestination(b),
    DeleteApiDestination: (b) => connections.deleteApiDestination(b),
    ListApiDestinations: (b) => connections.listApiDestinations(b),
  };

  /** Set once stop() begins: a redrive then would take dead letters out of their queues and deliver nothing. */
  let stopping = false;
  /**
   * Dead letters redriven whose new delivery or invocation is not on disk yet: they leave their queue only then (the
   * writer may write the two files in either order, and a crash between them lost the dead letter: review,
   * 2026-12-04), and are not listed or redriven meanwhile.
   */
  const redriving = new Set<string>();
  const listedDeadLetters = (): QueueMessage[] =>
    redriving.size === 0
      ? queues.deadLetters()
      : queues.deadLetters().filter((m) => !redriving.has(m.messageId));
  const deadLetters: DeadLetters = {
    list: () => listedDeadLetters().map(toDeadLetter),
    redrive: (ids) => {
      const all = listedDeadLetters();
      if (stopping) {
        const reason = 'the embedded EventBridge is stopping';
        return { redriven: [], failed: (ids ?? all.map((m) => m.messageId)).map((id) => ({ id, reason })) };
      }
      const wanted = ids ? new Set(ids) : new Set(all.map((m) => m.messageId));
      const known = new Set(all.map((m) => m.messageId));
      const redriven: string[] = [];
      const failed: Array<{ id: string; reason: string }> = [];
      for (const id of wanted) {
        if (known.has(id)) continue;
        failed.push({
          id,
          reason: redriving.has(id) ? 'being redriven already' : 'no dead letter with this id',
        });
      }
      const going: Array<{
        message: QueueMessage;
        found: NonNullable<ReturnType<typeof control.findTarget>>;
        origin: TargetOrigin;
      }> = [];
      const invoking: Array<{ message: QueueMessage; functionArn: string; source?: InvocationSource }> = [];
      // Those bound for a function invoked asynchronously are taken while its queue has room (see
      // AsyncInvocations.admission): a redrive of every dead letter of a webhook still not answering would fill it past.
      const admit = lambda.admission();
      const roomFor = (message: QueueMessage, functionArn: string) => {
        const reason = admit(functionArn, message.body);
        if (reason !== undefined) failed.push({ id: message.messageId, reason });
        return reason === undefined;
      };
      for (const message of all) {
        if (!wanted.has(message.messageId) || !message.deadLetter) continue;
        const origin = message.deadLetter;
        if (isFunctionOrigin(origin)) {
          if (lambda.handles(origin.functionArn)) {
            // Counted against its rule target again (see AsyncInvocations.refusal).
            const source = isSource(origin.source) ? origin.source : undefined;
            if (roomFor(message, origin.functionArn))
              invoking.push({ message, functionArn: origin.functionArn, ...(source ? { source } : {}) });
          } else
            failed.push({
              id: message.messageId,
              reason: `function ${origin.functionArn} is not one this server invokes asynchronously`,
            });
          continue;
        }
        // An origin of neither shape (a kind a later version adds): it was taken for a target's, named "target
        // undefined of rule undefined" (rollback review, 2026-12-06). Kept in its queue, as any letter not redriven.
        if (!isTargetOrigin(origin)) {
          failed.push({
            id: message.messageId,
            reason: 'its origin is of a kind this version does not know (a later version wrote it?)',
          });
          continue;
        }
        const found = control.findTarget(origin.busName, origin.ruleName, origin.targetId);
        if (!found) {
          failed.push({
            id: message.messageId,
            reason: `target ${origin.targetId} of rule ${origin.ruleArn} no longer exists`,
          });
          continue;
        }
        const { arn } = found.target;
        if (lambda.handles(arn) && !roomFor(message, arn)) continue;
        going.push({ message, found, origin });
      }
      // Back to their targets (in the retry journal first), then out of their queues in one pass (one per message
      // made redriving n dead letters cost n^2), once those writes are on disk.
      const since = writer.asked;
      for (const { message, found, origin } of going) {
        const event = JSON.parse(message.body) as Record<string, unknown>;
        const from = origin.forwardedFrom;
        const again = {
          event,
          json: message.body,
          ingestedAt: Date.now(),
          ...(from ? { forwardedFrom: from } : {}),
        };
        dispatcher.deliver(again, found.rule, found.target, message.messageId);
        redriven.push(message.messageId);
      }
      // Invoked again as a new asynchronous invocation, with a fresh retry budget.
      for (const { message, functionArn, source } of invoking) {
        lambda.accept(functionArn, message.body, { redriveOf: message.messageId, source });
        redriven.push(message.messageId);
      }
      const leaving = new Set([...going, ...invoking].map(({ message }) => message.messageId));
      if (leaving.size === 0) return { redriven, failed };
      for (const id of leaving) redriving.add(id);
      queues.pin(leaving);
      const finish = (written: boolean): void => {
        for (const id of leaving) redriving.delete(id);
        if (written) finishRedrives(leaving);
        queues.unpin(leaving);
      };
      // A write that failed leaves them in their queue until the writer has caught up, or the server stops first: the
      // journals name them still, so the next start takes them then. Meanwhile they are not redriven again.
      writer.onceWritten(
        writer.written(since).then((behind) => behind.length === 0),
        finish,
      );
      return { redriven, failed };
    },
  };

  const localQueues: LocalQueues = {
    peek: (arn) => queues.peek(arn),
    receive: (arn) => queues.receive(arn),
    list: () => queues.queueArns(),
    usage: () => queues.usage(),
    overflow: () => queues.overflow(),
    restore: () => queues.restore(),
  };

  const server = createServer((req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const refusal = webPageRefusal(req.headers, 'The embedded EventBridge', options.allowedHosts);
    if (refusal !== undefined) {
      refuseWebPage(req, res, requestId, refusal);
      return;
    }
    try {
      const text = await readBody(req);
      // Only the local endpoints need the URL parsed; EventBridge's operations all POST to / (hot path).
      if (req.url?.startsWith(LOCAL_PREFIX)) {
        await handleLocal(req.method ?? 'GET', new URL(req.url, 'http://localhost'), text, res);
        return;
      }
      if (text === undefined) {
        res.writeHead(413, { 'content-length': 0, connection: 'close', 'x-amzn-requestid': requestId });
        res.end();
        return;
      }
      const target = req.headers['x-amz-target'];
      const operationName =
        typeof target === 'string' && target.startsWith('AWSEvents.') ? target.slice(10) : '';
      if (req.method !== 'POST') {
        throw new EventBridgeApiError('UnknownOperationException', 'EventBridge operations are POSTed to /.');
      }
      // Own members only: `constructor` or `toString` must not reach Object.prototype's.
      const operation = Object.hasOwn(operations, operationName) ? operations[operationName] : undefined;
      if (!operation) {
        throw new EventBridgeApiError(
          'UnknownOperationException',
          operationName
            ? `Operation ${operationName} is not supported by the embedded EventBridge.`
            : 'Missing or unknown X-Amz-Target header.',
        );
      }
      if (writer.unwritten && !READS.test(operationName)) await refuseWhileUnwritten();
      const asked = writer.asked;
      const output = await operation(parseBody(text));
      // A change is answered once it is on disk (with a dataDir), so that one acknowledged survives the process
      // being killed; the changes of one turn of the event loop share the write.
      if (writer.asked !== asked) {
        const behind = await writer.written(asked);
        if (behind.length > 0) throw notWritten(behind);
      }
      send(res, 200, requestId, output);
      // Start the deliveries this request queued now that it is answered, rather than after every other
      // request read in this turn of the event loop: under a burst those would each wait for all the others.
      dispatcher.flush();
    } catch (error) {
      // Nobody is left to answer, and nothing was done: not an internal error.
      if (error instanceof ClientGone) return;
      if (error instanceof EventBridgeApiError) {
        send(res, error.statusCode, requestId, { __type: error.code, message: error.message });
      } else {
        logger.error('[eventbridge] internal error:', error);
        send(res, 500, requestId, {
          __type: 'InternalException',
          message: 'Internal error in the embedded EventBridge.',
        });
      }
    }
  }

  /**
   * Refuses a change, before making it, while a write the disk refused has not landed since (a full disk, a
   * read-only remount): made, it would be answered 500 "made but not written", which the SDK and the publish
   * function try again, each time made anew (disk-full review, 2026-12-06: one publish reached its webhook five
   * times, and the caller was told to send it again). The files are tried again first, at most once a second, so the
   * first change after space is freed goes through rather than waiting out a backoff of up to a minute.
   */
  async function refuseWhileUnwritten(): Promise<void> {
    const unwritten = await writer.retryUnwritten();
    if (unwritten.length > 0) throw notWritable(unwritten);
  }

  /** The local endpoints answer as sharebus's own API does: JSON, or problem+json with a stable code. */
  async function handleLocal(
    method: string,
    url: URL,
    text: string | undefined,
    res: ServerResponse,
  ): Promise<void> {
    let answer: LocalAnswer;
    let json: string;
    try {
      const request = localRequest(method, url, text);
      // A redrive, like EventBridge's changes, is refused unmade while the disk refuses writes: once it is known to
      // be one, so that a wrong route, method or body is still told as such.
      const unwritten =
        typeof request === 'function' && writer.unwritten ? await writer.retryUnwritten() : [];
      const asked = writer.asked;
      answer =
        typeof request !== 'function'
          ? request
          : unwritten.length > 0
            ? problem(503, 'data_dir_unwritable', notWritable(unwritten).message)
            : request();
      // A redrive is answered once its new deliveries are on disk, as EventBridge's own changes are: a process
      // killed after a 200 would otherwise leave the dead letters where they were (review, 2026-12-05).
      if (writer.asked !== asked) {
        const behind = await writer.written(asked);
        if (behind.length > 0) answer = problem(500, 'not_written', notWritten(behind).message);
      }
      json = JSON.stringify(answer.body);
    } catch (error) {
      logger.error('[eventbridge] internal error:', error);
      answer = problem(
        500,
        'internal_error',
        'Internal error in the embedded EventBridge; it has been logged.',
      );
      json = JSON.stringify(answer.body);
    }
    const { status, body, allow } = answer;
    const type = 'code' in body ? 'application/problem+json' : 'application/json';
    res.writeHead(status, {
      'content-type': type,
      ...(allow ? { allow } : {}),
      // The rest of a body too large was not read: the connection cannot carry another request.
      ...(status === 413 ? { connection: 'close' } : {}),
      // A change refused while the disk refuses writes, whose files are tried again at most once a second.
      ...(status === 503 ? { 'retry-after': '1' } : {}),
    });
    res.end(json);
  }

  /** The answer to a local request, or, for a valid change (a redrive), what makes it and answers. */
  function localRequest(
    method: string,
    url: URL,
    text: string | undefined,
  ): LocalAnswer | (() => LocalAnswer) {
    const path = url.pathname.slice(LOCAL_PREFIX.length).replace(/\/$/, '');
    // Own names only: `constructor` or `__proto__` is no endpoint.
    const endpoint = Object.hasOwn(LOCAL_ENDPOINTS, path) ? LOCAL_ENDPOINTS[path] : undefined;
    if (endpoint === undefined) {
      const known = Object.keys(LOCAL_ENDPOINTS).map((name) => `${LOCAL_PREFIX}${name}`);
      return problem(
        404,
        'route_not_found',
        `No local endpoint ${url.pathname}; there are ${known.join(', ')}.`,
      );
    }
    if (method !== endpoint.method) {
      return {
        ...problem(
          405,
          'method_not_allowed',
          `${url.pathname} takes ${endpoint.method} only, not ${method}.`,
        ),
        allow: endpoint.method,
      };
    }
    if (text === undefined) {
      return problem(413, 'body_too_large', `The body is over ${MAX_REQUEST_BYTES} bytes.`);
    }
    // A parameter misspelt would otherwise be ignored: a filter or a limit the caller thinks applied.
    const unknown = [...new Set(url.searchParams.keys())].filter((name) => !endpoint.query.includes(name));
    if (unknown.length > 0) {
      const takes = endpoint.query.length > 0 ? `it takes ${endpoint.query.join(', ')}` : 'it takes none';
      const message = `is not a query parameter of ${url.pathname}: ${takes}`;
      // Named as a parameter in the detail: the field "" (`?=x`) would read as the body.
      return problem(
        400,
        'invalid_request',
        `${url.pathname} has no query parameter ${JSON.stringify(unknown[0])}: ${takes}.`,
        unknown.map((field) => ({ field, message })),
      );
    }
    const repeated = endpoint.query.filter((name) => url.searchParams.getAll(name).length > 1);
    if (repeated.length > 0) {
      return queryProblem(repeated.map((name) => ({ field: name, message: 'is given more than once' })));
    }
    if (path === 'dead-letters') {
      return deadLetterPage(listedDeadLetters(), url.searchParams, localQueues.overflow());
    }
    if (path === 'dead-letters/redrive') {
      const asked = redriveIds(text);
      if ('problem' in asked) return asked.problem;
      return () => ({ status: 200, body: deadLetters.redrive(asked.ids) });
    }
    if (path === 'queues/restore') {
      if (text.trim() !== '')
        return invalid([{ field: '', message: 'must be empty: a restore takes no body' }]);
      return () => restoreAnswer(localQueues.restore());
    }
    if (path === 'invocations') return { status: 200, body: lambda.status() };
    const arn = url.searchParams.get('arn');
    if (arn === null) {
      return {
        status: 200,
        body: { queues: localQueues.list(), ...localQueues.usage(), overflow: localQueues.overflow() },
      };
    }
    return { status: 200, body: { messages: localQueues.peek(arn) } };
  }

  // Retention runs on a clock of its own, not only when a request or a delivery comes: an idle server kept expired
  // archived events and dead letters on disk for as long as it stayed idle.
  const retention = setInterval(() => {
    queues.prune();
    archives.prune();
  }, RETENTION_SWEEP_MS * delayScale);
  retention.unref();

  /** Stops every part that runs on its own, and the HTTP server if it listens; the disk writes are the caller's. */
  async function halt(): Promise<void> {
    stopping = true;
    clearInterval(retention);
    scheduler.stop();
    archives.stop();
    // The dispatcher first: the calls connections.stop() ends then fail without a retry or a dead letter.
    dispatcher.stop();
    lambda.stop();
    connections.stop();
    queues.flushWarnings();
    if (!server.listening) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    // Deliveries the last run left unfinished go on, to the targets as they are now, once the server is up.
    for (const saved of unfinished) {
      // Lambda, or a dead letter, took it over before a crash could write its end: not to be made twice.
      if (lambda.tookOver(saved.id) || deadLettered.has(saved.id)) {
        journal?.end(saved.id);
        continue;
      }
      const found = saved.targetRemoved
        ? undefined
        : control.findTarget(saved.busName, saved.ruleName, saved.targetId);
      if (found) dispatcher.resume(saved, found.rule, found.target);
      else dispatcher.abandon(saved);
    }
    lambda.resume(deadLettered);
  } catch (error) {
    // The port is taken, say: the restored schedules and archives must not run on in a server that never started.
    await halt();
    throw error;
  }
  // Node's 5 s default closes pooled SDK sockets while clients still reuse them (ECONNRESET under load);
  // a local server can keep idle connections much longer. stop() closes them all anyway.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const port = (server.address() as AddressInfo).port;
  const displayHost = host.includes(':') ? `[${host}]` : host;

  return {
    endpoint: `http://${displayHost}:${port}`,
    port,
    region,
    accountId,
    deadLetters,
    queues: localQueues,
    async idle() {
      // Deliveries can start replays' follow-ups and disk writes; loop until all of them are quiet together.
      for (;;) {
        await dispatcher.idle();
        await lambda.idle();
        await archives.idle();
        await connections.idle();
        await writer.flush();
        if (
          dispatcher.pending === 0 &&
          lambda.pending === 0 &&
          !archives.busy &&
          !connections.busy &&
          !writer.pending
        )
          return;
      }
    },
    async stop() {
      await halt();
      // With the writes that follow others (deliveries ended once what took them over is on disk, and the like).
      await writer.flush();
      writer.close();
    },
  };
}

/** Dead letters a page of `GET /_local/dead-letters` holds unless its `limit` says otherwise, and at most. */
const DEAD_LETTER_PAGE = 1_000;
const DEAD_LETTER_PAGE_MOST = 10_000;
/**
 * The most of their bodies' text a page of dead letters holds (it always holds one): 10,000 dead letters of 256 KB
 * would be an answer of 2.5 GB. A page of 1,844 dead letters of 20 KB (38 MiB) took 135 MB of heap to answer, at a
 * 256 MB heap (exhaustion run, 2026-12-07).
 */
const DEAD_LETTER_PAGE_CHARS = 8 * 2 ** 20;

/** The local endpoints under /_local/: the method each takes, and its query parameters. */
const LOCAL_ENDPOINTS: Readonly<Record<string, { method: string; query: readonly string[] }>> = {
  'dead-letters': { method: 'GET', query: ['limit', 'nextToken'] },
  'dead-letters/redrive': { method: 'POST', query: [] },
  queues: { method: 'GET', query: ['arn'] },
  'queues/restore': { method: 'POST', query: [] },
  invocations: { method: 'GET', query: [] },
};

/** What a local endpoint answers: its status, its body (a problem's has a `code`), and `Allow` for a 405. */
interface LocalAnswer {
  status: number;
  body: object;
  allow?: string;
}

/**
 * A request a web page could have sent (see loopback-host.ts), unread: the local endpoints answer problem+json as ever,
 * EventBridge's operations AccessDeniedException in EventBridge's own shape. The connection is closed, since the body
 * was not read.
 */
function refuseWebPage(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  { message, field }: WebPageRefusal,
): void {
  const local = req.url?.startsWith(LOCAL_PREFIX) === true;
  const body = JSON.stringify(
    local
      ? problem(403, 'host_not_allowed', message, [field]).body
      : { __type: 'AccessDeniedException', message },
  );
  res.writeHead(403, {
    'content-type': local ? 'application/problem+json' : CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': requestId,
    connection: 'close',
  });
  res.end(body);
}

/** An RFC 9457 problem, shaped as sharebus's API shapes them (functions/shared/problem.ts). */
function problem(
  status: number,
  code: string,
  detail: string,
  errors?: readonly { field: string; message: string }[],
): LocalAnswer {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    413: 'Content Too Large',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return {
    status,
    body: {
      type: `urn:sharebus:problem:${code}`,
      title: titles[status] ?? 'Error',
      status,
      code,
      detail: cut(detail),
      ...(errors ? { errors: listed(errors) } : {}),
    },
  };
}

/** A 400 naming the fields at fault: query parameters by name, the body's members by JSON Pointer. */
function invalid(
  errors: readonly { field: string; message: string }[],
  code = 'invalid_request',
): LocalAnswer {
  const first = errors[0]!;
  return problem(
    400,
    code,
    `${first.field === '' ? 'The request body' : first.field}: ${first.message}`,
    errors,
  );
}

/**
 * The most fields a problem lists, and the characters a field, message or detail keeps: a body of 200,000 ids or of
 * keys a megabyte long is not echoed back whole (diff review, 2026-12-05: a 14 MB answer). The API's problems are
 * bounded alike (functions/shared/problem.ts), and end their list the same way.
 */
const MOST_LISTED = 100;
const MOST_CHARS = 512;

function listed(errors: readonly { field: string; message: string }[]): { field: string; message: string }[] {
  const shown = errors
    .slice(0, MOST_LISTED)
    .map(({ field, message }) => ({ field: cut(field), message: cut(message) }));
  const rest = errors.length - shown.length;
  return rest > 0 ? [...shown, { field: '', message: `and ${rest} more not listed` }] : shown;
}

function cut(text: string): string {
  if (text.length <= MOST_CHARS) return text;
  const kept = unitsPrefix(text, MOST_CHARS);
  return `${kept}... (${text.length - kept.length} more characters)`;
}

/**
 * The dead letters a redrive's body names: `{"ids": [...]}`, or no body at all for every one (`ids` undefined);
 * else why not. Redriving cannot be undone (each target is called again), so a body that does not say `ids` (a misspelt
 * member, `{}`, `null`, a list) is refused rather than taken for "all".
 */
function redriveIds(text: string): { ids: string[] | undefined } | { problem: LocalAnswer } {
  if (text.trim() === '') return { ids: undefined };
  const usage = 'the body is {"ids": ["<dead-letter id>", ...]}, or none to redrive every dead letter';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: invalid([{ field: '', message: `is not JSON: ${usage}` }], 'malformed_json') };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { problem: invalid([{ field: '', message: `is not a JSON object: ${usage}` }]) };
  }
  const unknown = Object.keys(parsed).filter((key) => key !== 'ids');
  if (unknown.length > 0) {
    return {
      problem: invalid(unknown.map((key) => ({ field: pointer(key), message: `is not a member: ${usage}` }))),
    };
  }
  const { ids } = parsed as { ids?: unknown };
  if (ids === undefined) return { problem: invalid([{ field: '/ids', message: `is required: ${usage}` }]) };
  if (!Array.isArray(ids)) {
    return { problem: invalid([{ field: '/ids', message: 'must be a list of dead-letter ids (strings)' }]) };
  }
  const notText = ids.flatMap((id, i) =>
    typeof id === 'string' ? [] : [{ field: `/ids/${i}`, message: 'must be a dead-letter id (a string)' }],
  );
  if (notText.length > 0) return { problem: invalid(notText) };
  return { ids: ids as string[] };
}

/**
 * What `POST /_local/queues/restore` answers: what it put back, dropped and left, or, when files could not be read, a
 * 500 naming the first, with the same counts (what was read from the others stays put back).
 */
function restoreAnswer(restored: Restored): LocalAnswer {
  const { durable: _, unreadable, ...done } = restored;
  if (unreadable.length === 0) return { status: 200, body: done };
  const more = unreadable.length > 1 ? ` and ${unreadable.length - 1} more file(s)` : '';
  return {
    status: 500,
    body: {
      ...problem(
        500,
        'overflow_unreadable',
        `Put ${done.restored} message(s) back, but could not read ${unreadable[0]}${more}; they are left where they are, and the next restore tries them again.`,
      ).body,
      ...done,
      unreadable,
    },
  };
}

/** A member's JSON Pointer (RFC 6901): `~` and `/` in its name escaped. */
function pointer(key: string): string {
  return `/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

/**
 * A page of dead letters, oldest first (by when they failed, then id), through page() as EventBridge's list
 * operations page: the token names the last dead letter of its page, so redriving those already read does not shift
 * the next page. Only the page is turned into DeadLetter answers. Before (2026-12-03) the answer held every dead
 * letter: 431 MB in 9.2 s with 260,000 of them (soak review).
 */
function deadLetterPage(
  messages: QueueMessage[],
  query: URLSearchParams,
  /** What the queues moved to disk past their limit: said on each page while any is there, as it is not listed. */
  onDisk: OverflowUsage,
): LocalAnswer {
  const limitText = query.get('limit') ?? String(DEAD_LETTER_PAGE);
  const limit = Number(limitText);
  if (!/^\d+$/.test(limitText) || limit < 1 || limit > DEAD_LETTER_PAGE_MOST) {
    return queryProblem([
      { field: 'limit', message: `must be a whole number from 1 to ${DEAD_LETTER_PAGE_MOST}` },
    ]);
  }
  try {
    const { items, nextToken } = page(messages, query.get('nextToken') ?? undefined, limit, {
      key: (m) => `${m.sentAt}\u0000${m.messageId}`,
      filter: 'GET /_local/dead-letters',
      budget: { weight: (m) => m.body.length, most: DEAD_LETTER_PAGE_CHARS },
    });
    return {
      status: 200,
      body: {
        deadLetters: items.map(toDeadLetter),
        ...(nextToken ? { nextToken } : {}),
        ...(onDisk.files > 0 ? { onDisk } : {}),
      },
    };
  } catch (error) {
    if (!(error instanceof EventBridgeApiError)) throw error;
    return queryProblem(
      [{ field: 'nextToken', message: 'is not one this endpoint gave' }],
      'invalid_next_token',
    );
  }
}

/** A 400 for query parameters' values, the first named as a parameter in the detail (a body's field by its pointer). */
function queryProblem(
  errors: readonly { field: string; message: string }[],
  code = 'invalid_request',
): LocalAnswer {
  const first = errors[0]!;
  return problem(400, code, `Query parameter ${JSON.stringify(first.field)} ${first.message}.`, errors);
}

function toDeadLetter(message: QueueMessage): DeadLetter {
  const attr = (name: string): string | undefined => message.attributes[name]?.StringValue;
  const origin = message.deadLetter;
  if (origin && isFunctionOrigin(origin)) {
    return {
      kind: 'function',
      id: message.messageId,
      queueArn: message.queueArn,
      body: message.body,
      functionArn: origin.functionArn,
      requestId: origin.requestId,
      ...(isSource(origin.source)
        ? { ruleArn: origin.source.ruleArn, targetId: origin.source.targetId }
        : {}),
      errorCode: attr('ErrorCode') ?? '',
      errorMessage: attr('ErrorMessage') ?? '',
      retryAttempts: origin.retryAttempts,
      failedAt: message.sentAt,
    };
  }
  const exhausted = attr('EXHAUSTED_RETRY_CONDITION');
  return {
    kind: 'target',
    id: message.messageId,
    queueArn: message.queueArn,
    body: message.body,
    ruleArn: origin?.ruleArn ?? attr('RULE_ARN') ?? '',
    targetId: origin?.targetId ?? '',
    targetArn: origin?.targetArn ?? attr('TARGET_ARN') ?? '',
    errorCode: attr('ERROR_CODE') ?? '',
    errorMessage: attr('ERROR_MESSAGE') ?? '',
    ...(exhausted !== undefined ? { exhaustedRetryCondition: exhausted } : {}),
    retryAttempts: Number(attr('RETRY_ATTEMPTS') ?? 0),
    failedAt: message.sentAt,
  };
}

/**
 * Largest request body read. AWS's front end answers a body too large with a bare HTTP 413 (recorded in
 * boto/boto3#3411; its threshold is not documented). This one is above any request of the sizes AWS takes: the
 * largest, five Redshift targets of forty 100,000-character statements (about 20 MB), or a PutEvents whose entries
 * total 1 MB (the most the entry size limit can be raised to, for the whole request) with every character escaped.
 */
export const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/** The request body as text, or `undefined` when it is over `MAX_REQUEST_BYTES` (the rest is read and dropped). */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes <= MAX_REQUEST_BYTES) chunks.push(chunk);
      else chunks.length = 0;
    });
    req.on('end', () =>
      resolve(bytes > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks).toString('utf8')),
    );
    req.on('error', () => reject(new ClientGone()));
  });
}

/**
 * A change made in memory that the dataDir does not hold: the disk refused the write (full, read-only). The writer
 * keeps trying, so the change may yet land; until then a restart would lose it. A 500, as AWS answers when the
 * outcome is unknown: the SDK tries again (a PutEvents entry may then arrive twice, as AWS's delivery is at least
 * once; a Create answers that the resource exists, which in memory it does).
 */
function notWritten(behind: readonly string[]): EventBridgeApiError {
  return new EventBridgeApiError(
    'InternalException',
    `The change was made but could not be written to ${behind.join(', ')} (see the server's log); a restart before the write succeeds loses it.`,
    500,
  );
}

/** The operations that change nothing (the rest are refused while the disk refuses writes: see notWritable). */
const READS = /^(?:Describe|List|Test)/;

/** How the message of a change refused by notWritable begins. */
export const REFUSED_UNWRITABLE = 'This request was refused, not made: the data directory cannot be written';

/** A change refused, unmade, because the disk has been refusing the data directory's writes (see refuseWhileUnwritten). */
function notWritable(unwritten: readonly string[]): EventBridgeApiError {
  return new EventBridgeApiError(
    'InternalException',
    `${REFUSED_UNWRITABLE} (${unwritten.join(', ')} could not be; see the server's log), and changes are refused until the disk takes writes again. An earlier try answered "The change was made but could not be written" was made.`,
    500,
  );
}

/** The client went away before its request was read whole (an SDK timeout or abort, a killed process). */
class ClientGone extends Error {}

function send(res: ServerResponse, status: number, requestId: string, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}
