// The settings of the local runtime (`startSharebus`'s options and the environment variables npm start honours), read
// and checked with nothing started and little loaded: `npm start` reads them before it loads the runtime, so that a
// wrong one is refused at once, not after the handlers and the SDK have loaded (a second or more).
import { resolve } from 'node:path';
import {
  type ApiThrottle,
  DEFAULT_API_THROTTLE,
  DELIVERY_RETRY_BOUNDS,
  WEBHOOK_TIMEOUT_BOUNDS_MS,
} from '../functions/routes.js';
import { ENV } from '../functions/shared/config.js';
import { NAME_PATTERN } from './eventbridge/request.js';
import { parseAllowedHosts } from './loopback-host.js';
import type { SharebusOptions } from './runtime.js';

export const DEFAULT_PORTS = { api: 4510, eventBridge: 4511, dynamoDb: 4512 } as const;
/** The variable that sets each port. */
export const PORT_VARIABLES = {
  api: 'SHAREBUS_PORT',
  eventBridge: 'SHAREBUS_EVENTBRIDGE_PORT',
  dynamoDb: 'SHAREBUS_DYNAMODB_PORT',
} as const;

/** A setting (an environment variable or an option) that cannot be used: its message says which and why. */
export class SettingError extends Error {
  override name = 'SettingError';
}

function portFrom(option: number | undefined, variable: string, fallback: number): number {
  if (option !== undefined) return option;
  const value = process.env[variable];
  if (value === undefined || value === '') return fallback;
  const port = Number(value);
  // Digits only: Number() would take ' 4510', '0x11A6' and '4.51e3' too.
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new SettingError(`${variable}=${JSON.stringify(value)} is not a TCP port (0-65535)`);
  }
  return port;
}

/** An admin key a request can send as `Authorization: Bearer <key>`: printable ASCII, no spaces. */
const SENDABLE_KEY = /^[\x21-\x7e]+$/;

/**
 * The fewest characters a given admin key may have: the key opens every department's data, and one like `admin` is
 * guessed (newcomer walkthrough, 2026-12-06: `SHAREBUS_ADMIN_KEY=short` was taken). Generated keys have 47.
 */
export const MIN_GIVEN_ADMIN_KEY_LENGTH = 16;

/** `key`, or a SettingError naming where it came from (`from`) and what to do (`fix`). */
export function checkAdminKey(key: string, from: string, fix: string): string {
  if (!SENDABLE_KEY.test(key)) {
    const why = key === '' ? 'it is empty' : 'a key is printable ASCII without spaces';
    throw new SettingError(`${from} holds an admin key no request can send (${why}): ${fix}.`);
  }
  return key;
}

/** A given key: also long enough not to be guessed. */
function checkGivenAdminKey(key: string, from: string): string {
  checkAdminKey(key, from, 'set another');
  if (key.length < MIN_GIVEN_ADMIN_KEY_LENGTH) {
    throw new SettingError(
      `${from} holds an admin key of ${key.length} characters, which could be guessed: give one of at least ` +
        `${MIN_GIVEN_ADMIN_KEY_LENGTH}, or none for a generated one.`,
    );
  }
  return key;
}

/** Every setting of a start, read from `options` and the environment, each checked: a SettingError names a wrong one. */
export function readSettings(options: SharebusOptions) {
  // Absolute, since DynamoDB Local runs in its own folder and would read a relative path from there.
  const givenDir = process.env.SHAREBUS_DATA_DIR;
  if (!options.inMemory && options.dataDir === undefined && givenDir && givenDir.trim() !== givenDir) {
    // ' ' or '.sharebus ' made a new directory of that name, with new keys, without a word.
    throw new SettingError(
      `SHAREBUS_DATA_DIR=${JSON.stringify(givenDir)} begins or ends with a space: give the directory without it`,
    );
  }
  const dataDir = options.inMemory ? undefined : resolve(options.dataDir ?? (givenDir || '.sharebus'));
  checkFunctionSettings();
  const rulesQuota = maxRulesOption(options.maxRulesPerBus);
  const queueLimit = maxQueueOption(options.maxQueueMegabytes);
  const lambdaQueueLimit = maxLambdaQueueOption(options.maxLambdaQueueMegabytes);
  const apiThrottle = options.apiThrottle ?? apiThrottleFromEnv();
  const allowedHosts = allowedHostsSetting(options.allowedHosts);
  const givenKey = options.adminKey ?? (process.env.SHAREBUS_ADMIN_KEY || undefined);
  const given =
    givenKey === undefined
      ? undefined
      : checkGivenAdminKey(
          givenKey,
          options.adminKey !== undefined ? 'the adminKey option' : 'SHAREBUS_ADMIN_KEY',
        );
  const ports = {
    dynamoDb: portFrom(options.dynamoDbPort, PORT_VARIABLES.dynamoDb, DEFAULT_PORTS.dynamoDb),
    eventBridge: portFrom(options.eventBridgePort, PORT_VARIABLES.eventBridge, DEFAULT_PORTS.eventBridge),
    api: portFrom(options.apiPort, PORT_VARIABLES.api, DEFAULT_PORTS.api),
  };
  /** Each port with the variable that sets it. */
  const variables = (['dynamoDb', 'eventBridge', 'api'] as const).map(
    (part) => [ports[part], PORT_VARIABLES[part]] as const,
  );
  for (const [i, [port, variable]] of variables.entries()) {
    const twin = variables.slice(i + 1).find(([other]) => other === port && port !== 0);
    if (twin !== undefined) {
      throw new SettingError(
        `${variable} and ${twin[1]} are both ${port}: each server needs a port of its own (0 picks a free one).`,
      );
    }
  }
  return {
    dataDir,
    rulesQuota,
    queueLimit,
    lambdaQueueLimit,
    apiThrottle,
    allowedHosts,
    given,
    ports,
    variables,
  };
}

/**
 * The variables the functions read that `npm start` honours (the stack sets them in AWS, within the bounds it checks):
 * a wrong one is refused here, rather than met later as a 500 at every subscription or a policy silently other than
 * the one meant.
 */
function checkFunctionSettings(): void {
  const policy = process.env[ENV.endpointPolicy];
  if (policy && policy !== 'allow-http' && policy !== 'https-only') {
    throw new SettingError(`${ENV.endpointPolicy} must be allow-http or https-only; got ${policy}`);
  }
  const { maxRetries, maxEventAgeSeconds } = DELIVERY_RETRY_BOUNDS;
  wholeNumberSetting(ENV.deliveryMaxRetries, 'retries', maxRetries);
  wholeNumberSetting(ENV.deliveryMaxEventAgeSeconds, 'seconds', maxEventAgeSeconds);
  wholeNumberSetting(ENV.deliveryTimeoutMs, 'milliseconds', WEBHOOK_TIMEOUT_BOUNDS_MS);
  // Names the start itself creates: one AWS refuses would stop it with the SDK's stack, after DynamoDB Local started.
  nameSetting(ENV.tableName, 'a DynamoDB table name', { min: 3, max: 255 });
  nameSetting(ENV.busName, 'an event bus name', { min: 1, max: 256 });
  // As the stack refuses it (infra/constructs/sharebus-event-bus.ts): 'default' is the account's own bus.
  if (process.env[ENV.busName] === 'default') {
    throw new SettingError(
      `${ENV.busName} must name a custom event bus, not the account's default one; got default`,
    );
  }
}

/** A name of AWS's usual letters (NAME_PATTERN: DynamoDB's tables and EventBridge's buses take the same), if set. */
function nameSetting(
  variable: string,
  what: string,
  length: { readonly min: number; readonly max: number },
): void {
  const raw = process.env[variable];
  if (!raw) return;
  if (raw.length < length.min || raw.length > length.max || !NAME_PATTERN.test(raw)) {
    throw new SettingError(
      `${variable} must be ${what}, ${length.min} to ${length.max} of a-z, A-Z, 0-9, '_', '-' and '.'; got ${raw}`,
    );
  }
}

/**
 * A whole-number setting as given by `option`, else by `variable` in the environment: undefined when neither gives it
 * (empty is unset), else its text and its value, NaN unless a whole number (a text in digits only: Number() also takes
 * `1e3`, `0x10` and ` 5`).
 */
function wholeNumberGiven(
  option: number | undefined,
  variable: string,
): { readonly text: string; readonly value: number } | undefined {
  const raw = option ?? process.env[variable];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  const whole = Number.isSafeInteger(value) && (typeof raw === 'number' || /^\d+$/.test(raw));
  return { text: String(raw), value: whole ? value : Number.NaN };
}

function wholeNumberSetting(
  variable: string,
  unit: string,
  bounds: { readonly min: number; readonly max: number },
): void {
  const given = wholeNumberGiven(undefined, variable);
  if (given && !(given.value >= bounds.min && given.value <= bounds.max)) {
    throw new SettingError(
      `${variable} must be a whole number of ${unit} from ${bounds.min} to ${bounds.max}; got ${given.text}`,
    );
  }
}

/** The rules quota asked for, by option or SHAREBUS_EVENTBRIDGE_MAX_RULES; none means the embedded default. */
function maxRulesOption(option: number | undefined): { maxRulesPerBus?: number } {
  const given = wholeNumberGiven(option, 'SHAREBUS_EVENTBRIDGE_MAX_RULES');
  if (given === undefined) return {};
  if (!(given.value >= 1)) {
    throw new SettingError(
      `SHAREBUS_EVENTBRIDGE_MAX_RULES must be a whole number of rules, 1 or more; got ${given.text}`,
    );
  }
  return { maxRulesPerBus: given.value };
}

/** Bounds of the MiB limits below: 1 MiB to 1 TiB (a heap that large is the user's to give Node). */
const MEMORY_MB_BOUNDS = { min: 1, max: 1_048_576 } as const;

/**
 * A memory limit asked for in MiB, by option or `variable`: its bytes (none means the default), and its setting's
 * name for the warnings, the variable's also for the default, since the embedded bus's option is no setting of npm
 * start.
 */
function megabytesOption(
  option: number | undefined,
  variable: string,
): { readonly bytes?: number; readonly setting: string } {
  const given = wholeNumberGiven(option, variable);
  if (given === undefined) return { setting: variable };
  const { min, max } = MEMORY_MB_BOUNDS;
  if (!(given.value >= min && given.value <= max)) {
    throw new SettingError(
      `${variable} must be a whole number of MiB from ${min} to ${max}; got ${given.text}`,
    );
  }
  return { bytes: given.value * 2 ** 20, setting: variable };
}

/** The local queues' limit, by option or SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB. */
function maxQueueOption(option: number | undefined): {
  maxQueueBytes?: number;
  maxQueueBytesSetting: string;
} {
  const { bytes, setting } = megabytesOption(option, 'SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB');
  return { ...(bytes !== undefined ? { maxQueueBytes: bytes } : {}), maxQueueBytesSetting: setting };
}

/** The deliver function's queue limit, by option or SHAREBUS_LAMBDA_QUEUE_MAX_MB. */
function maxLambdaQueueOption(option: number | undefined): {
  maxLambdaQueueBytes?: number;
  maxLambdaQueueBytesSetting: string;
} {
  const { bytes, setting } = megabytesOption(option, 'SHAREBUS_LAMBDA_QUEUE_MAX_MB');
  return {
    ...(bytes !== undefined ? { maxLambdaQueueBytes: bytes } : {}),
    maxLambdaQueueBytesSetting: setting,
  };
}

/** The allowedHosts option, or SHAREBUS_ALLOWED_HOSTS: checked before anything starts. */
function allowedHostsSetting(given: readonly string[] | undefined): ReadonlySet<string> {
  try {
    return given === undefined
      ? parseAllowedHosts(process.env.SHAREBUS_ALLOWED_HOSTS, 'SHAREBUS_ALLOWED_HOSTS')
      : parseAllowedHosts(given.join(','), 'the allowedHosts option');
  } catch (error) {
    throw new SettingError((error as Error).message);
  }
}

function apiThrottleFromEnv(): ApiThrottle | false {
  const raw = process.env.SHAREBUS_API_THROTTLE;
  if (raw === undefined || raw === '') return DEFAULT_API_THROTTLE;
  if (raw === 'off') return false;
  const [rate, burst] = /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(raw)?.slice(1).map(Number) ?? [];
  if (rate === undefined || burst === undefined || rate <= 0 || burst < 1) {
    throw new SettingError(
      `SHAREBUS_API_THROTTLE must be <requests per second>/<burst>, as 100/200, or off; got ${raw}`,
    );
  }
  return { rateLimit: rate, burstLimit: burst };
}
