// The whole bus on one machine: DynamoDB Local, the embedded EventBridge, the Lambda handlers of functions/
// (unchanged, in this process) and the HTTP front door. The handlers are configured exactly as in Lambda,
// through environment variables, so one process hosts one runtime.
import './log-level.js';
import { chmodSync, existsSync, readdirSync, readFileSync, rmdirSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateArchiveCommand,
  CreateEventBusCommand,
  EventBridgeClient,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-eventbridge';
import {
  type ApiThrottle,
  DEFAULT_ARCHIVE_RETENTION_DAYS,
  DELIVER_RETRY_ATTEMPTS,
} from '../functions/routes.js';
import { generateApiKey, hashApiKey } from '../functions/shared/api-keys.js';
import { createBus, createRegistry } from '../functions/shared/clients.js';
import { ENV } from '../functions/shared/config.js';
import { ContractResolver } from '../functions/shared/contract-resolver.js';
import { RegistryConflictError } from '../functions/shared/registry/registry.js';
import { ensureTable } from '../functions/shared/registry/table.js';
import { SchemaValidator } from '../functions/shared/schema-validator.js';
import { reconcileRules } from '../functions/subscriptions/subscriptions.js';
import { cannotBeWritten, DataDirUnusableError, diskIsFull, lockDataDir, openToOthers } from './data-lock.js';
import { type DemoKeys, seedDemo } from './demo.js';
import {
  type DynamoDbLocal,
  DynamoDbLocalPortTakenError,
  DynamoDbLocalStartError,
  startDynamoDbLocal,
} from './dynamodb/launcher.js';
import { DeliveryFailureError } from './eventbridge/delivery.js';
import { writeWholeNow } from './eventbridge/persistence.js';
import { type EmbeddedEventBridge, REFUSED_UNWRITABLE, startEventBridge } from './eventbridge/server.js';
import { refuseUnreadableFormat } from './eventbridge/state-format.js';
import { type FrontDoor, startFrontDoor } from './front-door.js';
import { heapLimit } from './heap.js';
import { invokeJson, LOCAL_CONCURRENCY, loadHandlers, localFunctionArn } from './lambda/invoker.js';
import { portState } from './net.js';
import { deliveryConcurrency, openFileLimit } from './open-files.js';
import { checkAdminKey, readSettings, SettingError } from './settings.js';

// What callers of the runtime took from here before settings.ts held it.
export { DEFAULT_PORTS, MIN_GIVEN_ADMIN_KEY_LENGTH, PORT_VARIABLES, SettingError } from './settings.js';

const REGION = 'us-east-1';
const ACCOUNT = '000000000000';

export interface SharebusOptions {
  /** @default 4510, or SHAREBUS_PORT; 0 picks a free port */
  readonly apiPort?: number;
  /** @default 4511, or SHAREBUS_EVENTBRIDGE_PORT */
  readonly eventBridgePort?: number;
  /** @default 4512, or SHAREBUS_DYNAMODB_PORT */
  readonly dynamoDbPort?: number;
  /** Keep nothing: DynamoDB Local in memory, no files written. @default false */
  readonly inMemory?: boolean;
  /** Where state persists between starts. @default SHAREBUS_DATA_DIR, else `.sharebus` in the working directory */
  readonly dataDir?: string;
  /** @default SHAREBUS_ADMIN_KEY, else the key kept in the data directory, else a new one */
  readonly adminKey?: string;
  /** Register the demo departments, systems and contracts. @default true */
  readonly seedDemo?: boolean;
  /** Scales the embedded EventBridge's retry delays, Lambda's retries of the deliver function included (tests use a small value). @default 1 */
  readonly delayScale?: number;
  /**
   * Rules the sharebus bus may hold, one per subscription: AWS's quota "Rules per event bus", which an AWS account
   * raises on request. @default SHAREBUS_EVENTBRIDGE_MAX_RULES, else AWS's default of 300
   */
  readonly maxRulesPerBus?: number;
  /**
   * The most the embedded EventBridge's local queues (the delivery dead letters among them) hold in memory, in MiB:
   * past it their oldest messages move to disk (are removed with --in-memory), with a warning. @default SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB, else
   * defaultQueueBytes() (an eighth of the heap Node may take, at most 1 GiB)
   */
  readonly maxQueueMegabytes?: number;
  /**
   * The most the deliver function's queue (invocations waiting, running or waiting for a retry) holds in memory, in
   * MiB: at it the bus refuses events bound for it (ThrottlingException), so publish answers 503, until deliveries
   * catch up. @default SHAREBUS_LAMBDA_QUEUE_MAX_MB, else defaultQueueBytes()
   */
  readonly maxLambdaQueueMegabytes?: number;
  /**
   * The HTTP API's throttle, as API Gateway's stage applies it (429 past it); `false` takes every request.
   * @default SHAREBUS_API_THROTTLE (`<rate>/<burst>` or `off`), else DEFAULT_API_THROTTLE, as deployed
   */
  readonly apiThrottle?: ApiThrottle | false;
  /**
   * Host names the HTTP API and the embedded EventBridge answer besides loopback, in Host and Origin: a reverse
   * proxy's public name, say (see local/loopback-host.ts). @default SHAREBUS_ALLOWED_HOSTS (comma-separated), else none
   */
  readonly allowedHosts?: readonly string[];
}

/** Names at most this many deleted rules in the start's output; the rest are counted. */
export const RULES_REMOVED_NAMED = 10;

/**
 * What the start says of the subscription rules it deleted (RunningSharebus.rulesRemoved): said, not done silently,
 * since the user may have made one by hand (newcomer walkthrough, 2026-12-06). No lines when none was deleted.
 */
export function rulesRemovedLines(names: readonly string[]): string[] {
  if (names.length === 0) return [];
  const named = names.slice(0, RULES_REMOVED_NAMED).join(', ');
  const more = names.length > RULES_REMOVED_NAMED ? ` and ${names.length - RULES_REMOVED_NAMED} more` : '';
  return [
    `  Rules deleted: ${named}${more} (named as subscription rules, but no subscription has`,
    '  them: the registry decides the sharebus-sub-* rules; give your own rules other names)',
  ];
}

export interface RunningSharebus {
  readonly apiUrl: string;
  readonly eventBridgeEndpoint: string;
  readonly dynamoDbEndpoint: string;
  /** The bus and the registry's table, as SHAREBUS_BUS_NAME and SHAREBUS_TABLE_NAME name them (`sharebus`). */
  readonly busName: string;
  readonly tableName: string;
  /** Why DynamoDB Local listens on every interface rather than the runtime's host; undefined when it does not. */
  readonly dynamoDbUnbound: string | undefined;
  /**
   * The state directory and its permission bits, when users other than its owner may enter it (one made by an
   * earlier version, or given); undefined when they may not, or nothing is kept.
   */
  readonly stateOpenToOthers: { readonly dir: string; readonly mode: string } | undefined;
  /**
   * What keeps the deliveries run at once below LOCAL_CONCURRENCY (see deliveryConcurrency): the open-file limit, the
   * heap Node may take (MiB), or both, each with the deliveries it alone leaves room for; undefined when neither does.
   */
  readonly deliveriesLimited:
    | {
        readonly deliveries: number;
        readonly openFiles?: { readonly limit: number; readonly allows: number };
        readonly heap?: { readonly mebibytes: number; readonly allows: number };
      }
    | undefined;
  /** Demo contracts not registered, each with why (a type someone else registered first, say). */
  readonly demoSkipped: readonly string[];
  /** Demo systems that exist but whose key this data directory does not hold (see seedDemo). */
  readonly demoLost: readonly string[];
  /**
   * Rules named as subscription rules (`sharebus-sub-…`) that no subscription has, deleted at the start: the registry
   * decides those rules (reconcileRules).
   */
  readonly rulesRemoved: readonly string[];
  readonly adminKey: string;
  /** `department/system` → API key of the demo systems whose key is known. */
  readonly demoKeys: DemoKeys;
  readonly eventBridge: EmbeddedEventBridge;
  /**
   * Settles, with why, if DynamoDB Local ends without stop(): the registry is then gone, and every call but the
   * health check would fail. Never settles otherwise. `npm start` stops, saying why.
   */
  readonly lost: Promise<string>;
  stop(): Promise<void>;
}

/** A port sharebus was told to use is held by another process. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

function setDefault(name: string, value: string): void {
  if (!process.env[name]) process.env[name] = value;
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new SettingError(`${file} is not JSON (${(error as Error).message}): repair or delete it.`);
  }
}

export async function startSharebus(options: SharebusOptions = {}): Promise<RunningSharebus> {
  const host = '127.0.0.1';
  // Every setting read and checked before anything starts (npm start also reads them before it loads the runtime).
  const {
    dataDir,
    rulesQuota,
    queueLimit,
    lambdaQueueLimit,
    apiThrottle,
    allowedHosts,
    given,
    ports,
    variables,
  } = readSettings(options);
  const openFiles = openFileLimit();
  const deliveries = deliveryConcurrency(openFiles);
  // The admin key kept beside the state, checked before anything starts too.
  const keyFile = dataDir ? join(dataDir, 'admin-key') : undefined;
  const keptKey = keyFile && existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined;
  const kept =
    keptKey === undefined || given !== undefined
      ? undefined
      : checkAdminKey(keptKey, keyFile as string, 'repair it, or delete the file for a new key');
  // Before anything starts: another sharebus on this state would lose writes to ours (and DynamoDB Local would
  // open its database files twice); a taken port would be found only after DynamoDB Local's seconds of start-up.
  const stops: Array<() => Promise<void>> = [];
  // A start refused (a taken port, say) takes back the directories it made for the lock, when they hold nothing.
  const madeDir = dataDir && firstMissing(dataDir);
  if (dataDir) {
    const unlock = lockDataDir(dataDir, 'sharebus');
    stops.push(async () => unlock());
  }
  const openMode = dataDir ? openToOthers(dataDir) : undefined;
  const stateOpenToOthers = dataDir && openMode ? { dir: dataDir, mode: openMode } : undefined;
  // Deliveries left unfinished by the last run resume as soon as the bus listens, before the handlers are
  // loaded: they wait for them (a failed invocation would spend a retry, or dead-letter the invocation).
  const loading = deferred<Awaited<ReturnType<typeof loadHandlers>>>();
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    stops.length = 0;
  };

  // Set once DynamoDB Local listens: a start that fails after that may have failed because it ended (see below).
  let dynamoDbStarted: DynamoDbLocal | undefined;
  try {
    // All three at once: one try tells which to move, rather than one refusal per port.
    const taken: Array<readonly [number, string]> = [];
    for (const [port, variable] of variables) {
      if (port === 0) continue;
      const state = await portState(host, port);
      if (state === 'denied') {
        throw new PortInUseError(
          `port ${port} on ${host} needs privileges this process lacks (ports below 1024 need root or CAP_NET_BIND_SERVICE): set ${variable} to another port (0 picks a free one).`,
        );
      }
      if (state === 'in-use') taken.push([port, variable]);
    }
    const [one] = taken;
    if (one !== undefined && taken.length === 1) {
      throw new PortInUseError(
        `port ${one[0]} on ${host} is in use (another sharebus?): stop what holds it, or set ${one[1]} to another port (0 picks a free one).`,
      );
    }
    if (taken.length > 1) {
      const named = taken.map(([port, variable]) => `${port} (${variable})`).join(', ');
      throw new PortInUseError(
        `ports ${named} on ${host} are in use (another sharebus?): stop what holds them, or set those variables to other ports (0 picks a free one).`,
      );
    }
    if (dataDir) for (const folder of ['dynamodb', 'eventbridge']) closeToOthers(join(dataDir, folder));
    // Before DynamoDB Local opens the registry: state a later version wrote is refused before anything touches it.
    if (dataDir) refuseUnreadableFormat(join(dataDir, 'eventbridge'));
    const dynamodb: DynamoDbLocal = await startDynamoDbLocal({
      host,
      port: ports.dynamoDb,
      allowedHosts,
      ...(dataDir ? { dbPath: join(dataDir, 'dynamodb') } : {}),
    });
    stops.push(() => dynamodb.stop());
    dynamoDbStarted = dynamodb;

    // The standard AWS environment is all the handlers read. Fixed credentials: DynamoDB Local keeps one
    // database per access key unless it runs with -sharedDb (our launcher does), and takes only letters and digits.
    process.env.AWS_REGION = REGION;
    process.env.AWS_ACCESS_KEY_ID = 'sharebuslocal';
    process.env.AWS_SECRET_ACCESS_KEY = 'sharebuslocal';
    delete process.env.AWS_SESSION_TOKEN;
    delete process.env.AWS_PROFILE;
    // The endpoints below are the local servers whatever the shell or the shared config says: `true` here or
    // `ignore_configured_endpoint_urls` in ~/.aws/config sent the handlers' calls to AWS itself (before 2026-12-05).
    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'false';
    // Nor may the shell or the shared config ask for FIPS or dual-stack endpoints (`AWS_USE_FIPS_ENDPOINT=true`, or
    // `use_fips_endpoint = true` in ~/.aws/config, as a government account's profile may): with the local endpoints
    // below, every call failed "Invalid Configuration: FIPS and custom endpoint are not supported", and the start too.
    process.env.AWS_USE_FIPS_ENDPOINT = 'false';
    process.env.AWS_USE_DUALSTACK_ENDPOINT = 'false';
    process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb.endpoint;
    setDefault(ENV.tableName, 'sharebus');
    setDefault(ENV.busName, 'sharebus');
    const deliverArn = localFunctionArn('deliver', REGION, ACCOUNT);
    const deliveryDlqArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:sharebus-delivery-dlq`;
    process.env[ENV.deliverFunctionArn] = deliverArn;
    process.env[ENV.deliveryDlqArn] = deliveryDlqArn;
    setDefault(ENV.endpointPolicy, 'allow-http');
    // Node 20 is what these machines run; the SDK's notice about its 2027 plans is not for our users.
    setDefault('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED', 'true');

    const eventBridge = await startEventBridge({
      host,
      port: ports.eventBridge,
      region: REGION,
      accountId: ACCOUNT,
      delayScale: options.delayScale ?? 1,
      allowedHosts,
      ...rulesQuota,
      ...queueLimit,
      ...lambdaQueueLimit,
      ...(dataDir ? { dataDir: join(dataDir, 'eventbridge') } : {}),
      // As the stack deploys the deliver function: invoked asynchronously, so a webhook that fails is retried by
      // Lambda's rules (DELIVER_RETRY_ATTEMPTS) and then goes to the delivery DLQ as Lambda sends it there.
      asyncFunctions: {
        [deliverArn]: {
          maximumRetryAttempts: DELIVER_RETRY_ATTEMPTS,
          deadLetterArn: deliveryDlqArn,
          concurrency: deliveries,
        },
      },
      invokeLambda: async (functionArn, payload, requestId) => {
        // A function that does not exist is not retried: its events go straight to the DLQ, as in AWS.
        if (functionArn !== deliverArn) {
          throw new DeliveryFailureError('NO_RESOURCE', `Function not found: ${functionArn}`, false);
        }
        // Its turns are the embedded Lambda's (asyncFunctions' concurrency above): none is waited for here.
        // Under the invocation's request id, as Lambda runs each attempt: the function's lines then name the id of
        // the terminal's "asynchronous invocation" lines and of the dead letter.
        await invokeJson(
          await loading.promise,
          'deliver',
          payload,
          requestId === undefined ? {} : { requestId },
        );
      },
    });
    stops.push(() => eventBridge.stop());
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = eventBridge.endpoint;

    const tableName = process.env[ENV.tableName]!;
    const ddb = new DynamoDBClient({});
    try {
      await ensureTable(ddb, tableName);
    } catch (error) {
      // SQLite's native library does not load on this system (Alpine's musl, say): every request fails with an HTML
      // 500, which the SDK reported as "Unexpected token '<'" with its stack.
      const native = dynamodb.nativeLibraryFailure();
      if (native !== undefined) {
        throw new DynamoDbLocalStartError(
          `DynamoDB Local cannot load SQLite's native library (${native}). It unpacks it into Java's temporary ` +
            'directory (under TMPDIR, unless SHAREBUS_DYNAMODB_JAVA_OPTS sets java.io.tmpdir): make that a directory ' +
            'that is writable and not mounted noexec. Its jar has builds for glibc Linux, macOS and Windows only: on ' +
            'Alpine or another musl Linux, run sharebus on a glibc distribution or container.',
          { cause: error },
        );
      }
      // A database file SQLite cannot read (truncated, not SQLite's, not ours to read): DynamoDB Local answers only
      // InternalFailure, and logs why. Said in a line, with what to do, rather than the SDK's stack.
      const complaint = dynamodb.databaseComplaint();
      if (dataDir === undefined || complaint === undefined) throw error;
      throw registryUnusable(dataDir, complaint, error);
    } finally {
      ddb.destroy();
    }
    const eventBridgeClient = new EventBridgeClient({});
    const busName = process.env[ENV.busName]!;
    const exists = (error: unknown) => {
      if (!(error instanceof ResourceAlreadyExistsException)) throw error;
    };
    try {
      const bus = await eventBridgeClient
        .send(new CreateEventBusCommand({ Name: busName }))
        .then((created) => created.EventBusArn, exists);
      // As the CDK stack does (SharebusEventBus) by default: every event of the bus archived 30 days, for replays.
      // Named after the bus here; the stack's archive has a name CloudFormation makes (its ArchiveArn output).
      await eventBridgeClient
        .send(
          new CreateArchiveCommand({
            // Archive names are at most 48 characters; bus names up to 256.
            ArchiveName: `${busName.slice(0, 40)}-archive`,
            EventSourceArn: bus ?? `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${busName}`,
            Description: `Every event on the ${busName} bus, for replay`,
            EventPattern: JSON.stringify({ account: [ACCOUNT] }),
            RetentionDays: DEFAULT_ARCHIVE_RETENTION_DAYS,
          }),
        )
        .catch(exists);
    } finally {
      eventBridgeClient.destroy();
    }

    const handlers = await loadHandlers();
    const registry = createRegistry();
    const validator = new SchemaValidator();
    const now = () => new Date();

    const adminKey = given ?? kept ?? generateApiKey();
    // A key rotated in the table since the file was written (npm run admin-key) is not put back: the rotation was
    // made to retire the kept one.
    const current = await registry.adminKeyHash();
    if (given === undefined && kept !== undefined && current !== undefined && current !== hashApiKey(kept)) {
      throw new SettingError(
        `the admin key in ${keyFile} is no longer the registry's (replaced by SHAREBUS_ADMIN_KEY at an earlier start, or rotated with npm run admin-key): set SHAREBUS_ADMIN_KEY to the current one, or delete the file for a new one.`,
      );
    }
    try {
      await registry.putAdminKey(hashApiKey(adminKey));
    } catch (error) {
      if (!(error instanceof RegistryConflictError) || error.entity !== 'apiKey') throw error;
      throw new SettingError("the admin key given is a system's API key: choose another one.");
    }
    if (keyFile && given === undefined) writeWholeNow(keyFile, adminKey);

    let demoKeys: DemoKeys = {};
    let demoSkipped: string[] = [];
    let demoLost: string[] = [];
    if (options.seedDemo ?? true) {
      const demoKeyFile = dataDir ? join(dataDir, 'demo-keys.json') : undefined;
      const known = (demoKeyFile && readJson<DemoKeys>(demoKeyFile)) || {};
      const keep = (keys: DemoKeys) => {
        if (demoKeyFile) writeWholeNow(demoKeyFile, `${JSON.stringify(keys, null, 2)}\n`);
      };
      const seeded = await seedDemo({ registry, validator, now }, known, keep);
      demoKeys = seeded.keys;
      demoSkipped = seeded.skipped;
      demoLost = seeded.lost;
    }

    // The registry is the truth for subscription rules: with --in-memory the bus starts empty, and with a dataDir
    // its kept rules may lag the registry (a crash between the two writes), so put what it says and drop the rest.
    const reconciled = await reconcileRules({
      registry,
      bus: createBus(),
      contracts: new ContractResolver(registry),
    });
    // Only now may the deliveries the last run left resume: 1,000 at once of them, each a registry read and a webhook
    // POST, left the start's own calls to the bus (PutRule, PutTargets) silent past the rules client's 2 s cut, three
    // times over, and the start failed with BusBusyError, at one restart in two after a kill -9 under load (crash
    // review, 2026-12-07). Until then they wait for their turn, as they do while the handlers load.
    loading.resolve(handlers);

    const frontDoor: FrontDoor = await startFrontDoor({
      handlers,
      host,
      port: ports.api,
      throttle: apiThrottle,
      allowedHosts,
    });
    stops.push(() => frontDoor.stop());

    return {
      apiUrl: frontDoor.url,
      eventBridgeEndpoint: eventBridge.endpoint,
      dynamoDbEndpoint: dynamodb.endpoint,
      busName,
      tableName,
      dynamoDbUnbound: dynamodb.whyUnbound,
      stateOpenToOthers,
      deliveriesLimited: deliveriesLimited(openFiles, deliveries),
      demoSkipped,
      demoLost,
      rulesRemoved: reconciled.removed,
      adminKey,
      demoKeys,
      eventBridge,
      lost: dynamodb.ended.then((why) => (stopping ? new Promise<string>(() => {}) : why)),
      stop: stopAll,
    };
  } catch (error) {
    // DynamoDB Local ending (killed, out of memory) while the start still needed it surfaces as a refused
    // connection from whichever call came next: say what ended rather than that call's stack.
    const gone =
      dynamoDbStarted && (await endedBy(dynamoDbStarted.ended, connectionFailure(error) ? 2_000 : 0));
    await stopAll();
    // Only once the bus has stopped: deliveries it resumed wait for the handlers, and would take this error as their
    // function's, spending a retry or dead-lettering an invocation that never ran (comment review, 2026-12-05).
    // Stopped, the bus ignores their outcome and keeps them for the next start.
    loading.reject(error);
    if (madeDir) removeIfEmpty(madeDir);
    if (gone) throw new DynamoDbLocalStartError(`${gone}, while sharebus was starting`);
    if (dataDir !== undefined && !(error instanceof DataDirUnusableError)) {
      const refused = refusedByDisk(dataDir, error, dynamoDbStarted?.databaseComplaint());
      if (refused) throw refused;
    }
    throw takenMeanwhile(error, host, ports.dynamoDb, variables) ?? error;
  }
}

/**
 * A PortInUseError naming the variable to change, when `error` is a server's failure to listen on a port it was
 * given: seen free before anything started, a port can still be taken in the seconds before its server listens
 * (by another sharebus starting at the same moment, say). Before, the start printed Node's EADDRINUSE stack, or
 * DynamoDB Local's whole log and Java's.
 */
function takenMeanwhile(
  error: unknown,
  host: string,
  dynamoDbPort: number,
  variables: ReadonlyArray<readonly [number, string]>,
): PortInUseError | undefined {
  const listen = error as (NodeJS.ErrnoException & { port?: number }) | undefined;
  const port =
    error instanceof DynamoDbLocalPortTakenError
      ? dynamoDbPort
      : listen?.code === 'EADDRINUSE'
        ? listen.port
        : undefined;
  const variable = variables.find(([given]) => given !== 0 && given === port)?.[1];
  if (variable === undefined) return undefined;
  return new PortInUseError(
    `port ${port} on ${host} was taken while sharebus was starting (another sharebus starting at the same time?): stop what holds it, or set ${variable} to another port (0 picks a free one).`,
    { cause: error },
  );
}

/** The outermost of `dir` and its parents that does not exist yet, or undefined when `dir` exists. */
function firstMissing(dir: string): string | undefined {
  let missing: string | undefined;
  for (let at = dir; !existsSync(at) && dirname(at) !== at; at = dirname(at)) missing = at;
  return missing;
}

/**
 * Removes `dir` if it holds no file, in it or in any folder of it: a start that got that far left no state. Folder by
 * folder with rmdir, which refuses one not empty, so that a file another start wrote meanwhile is never removed.
 */
function removeIfEmpty(dir: string): void {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) removeIfEmpty(join(dir, entry.name));
    }
    rmdirSync(dir);
  } catch {
    // Not empty, gone already, or not ours to read: left as it is.
  }
}

/** What `ended` settles with, if it does within `graceMs` (0: only if it already has), else undefined. */
async function endedBy(ended: Promise<string>, graceMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), graceMs);
  });
  try {
    return await Promise.race([ended, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The codes of a connection refused or cut: what a server that ended causes. */
const CONNECTION_FAILURES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

/** Whether `error` (the AWS SDK's or Node's), or one it was caused by, is a connection refused or cut. */
function connectionFailure(error: unknown): boolean {
  for (let cause: unknown = error, depth = 0; cause instanceof Error && depth < 5; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_FAILURES.has(code)) return true;
    if (cause instanceof AggregateError && cause.errors.some(connectionFailure)) return true;
    cause = cause.cause;
  }
  return false;
}

/** What keeps the deliveries run at once below LOCAL_CONCURRENCY, if anything does (see deliveryConcurrency). */
function deliveriesLimited(
  openFiles: number | undefined,
  deliveries: number,
): RunningSharebus['deliveriesLimited'] {
  if (deliveries >= LOCAL_CONCURRENCY) return undefined;
  const heap = heapLimit();
  const byHeap = deliveryConcurrency(undefined, heap);
  const byFiles = deliveryConcurrency(openFiles, Number.POSITIVE_INFINITY);
  return {
    deliveries,
    ...(openFiles !== undefined && byFiles < LOCAL_CONCURRENCY
      ? { openFiles: { limit: openFiles, allows: byFiles } }
      : {}),
    ...(byHeap < LOCAL_CONCURRENCY
      ? { heap: { mebibytes: Math.round(heap / 2 ** 20), allows: byHeap } }
      : {}),
  };
}

/** A promise with its resolve and reject (Promise.withResolvers, which Node 20 lacks). */
function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A start that fails rejects it, once the bus that may be waiting on it has stopped.
  promise.catch(() => {});
  return { promise, resolve, reject };
}

/**
 * The registry's database could not be used at start, SQLite said why (`complaint`): said in a line, with what to do.
 * A full disk is not a database that cannot be read: moving the registry aside, as said for that, would lose its keys
 * and subscriptions for nothing (disk-full review, 2026-12-06: a start with a few KB free said so).
 */
export function registryUnusable(dataDir: string, complaint: string, cause: unknown): Error {
  if (SQLITE_FULL.test(complaint)) return cannotBeWritten(dataDir, diskIsFull(`SQLite: ${complaint}`), cause);
  return new DynamoDbLocalStartError(
    `DynamoDB Local cannot read the registry's database in ${join(dataDir, 'dynamodb')} (SQLite: ${complaint}). ` +
      'Move that directory aside to start with an empty registry, or put back a copy that reads.',
    { cause },
  );
}

/** SQLite's words for a full disk (SQLITE_FULL), as DynamoDB Local logs them. */
const SQLITE_FULL = /disk is full/i;

/** Below this much free space on the state directory's disk, a start that fails says so (see diskNearlyFull). */
const NEARLY_FULL_BYTES = 1024 * 1024;

/**
 * A start that failed because the state directory's disk refused its writes, said in a line with what to do; or
 * undefined. Whichever call came next failed: a registry call with DynamoDB Local's InternalFailure (its log, read by
 * now since it has stopped, says why only at times: the disk itself is asked too), or the embedded EventBridge's
 * own bus or archive, refused while its files cannot be written (a few KB free took the lock file but not those).
 */
function refusedByDisk(dataDir: string, error: unknown, complaint: string | undefined): Error | undefined {
  if (complaint !== undefined && SQLITE_FULL.test(complaint))
    return registryUnusable(dataDir, complaint, error);
  if (error instanceof Error && error.message.startsWith(REFUSED_UNWRITABLE)) {
    return cannotBeWritten(
      dataDir,
      " (the embedded EventBridge's files could not be; see above): free some space there, or name another",
      error,
    );
  }
  const free = freeBytes(dataDir);
  return free !== undefined && free < NEARLY_FULL_BYTES ? diskNearlyFull(dataDir, free, error) : undefined;
}

/** The bytes this user may still write on the disk `dir` is on (its nearest existing parent's), if it can be told. */
function freeBytes(dir: string): number | undefined {
  const missing = firstMissing(dir);
  try {
    const { bavail, bsize } = statfsSync(missing === undefined ? dir : dirname(missing));
    return bavail * bsize;
  } catch {
    return undefined;
  }
}

/**
 * A start failed with the state directory's disk all but full: said first, since it is the likely cause. DynamoDB
 * Local's log often hides it (disk-full review, 2026-12-06: with 16 KB free its only words were SQLite's "cannot
 * rollback - no transaction is active", and the start ended in InternalFailure and the SDK's stack).
 */
export function diskNearlyFull(dataDir: string, free: number, cause: unknown): DataDirUnusableError {
  const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  const kb = Math.floor(free / 1024).toLocaleString('en-US');
  return cannotBeWritten(dataDir, `${diskIsFull(`${kb} KB free`)} (the start failed with ${what})`, cause);
}

/**
 * Makes the registry's or the bus's folder its owner's alone. Their files are 0600 since 2026-12-06 (DynamoDB Local's
 * database aside: Java writes it 0644 whatever is asked), and their folders made 0700; one an earlier version made is
 * 0755, its files 0644 until each is next rewritten, and mkdir leaves it as it is: closed here at once.
 */
function closeToOthers(folder: string): void {
  try {
    chmodSync(folder, 0o700);
  } catch {
    // Not there yet (it will be made 0700), or not ours to change: the warning about the state directory stands.
  }
}
