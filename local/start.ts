// `npm start`: the whole bus on this machine until Ctrl-C. `npm start -- --in-memory` keeps nothing.
import './log-level.js';
import { parseArgs } from 'node:util';
import {
  DEFAULT_API_THROTTLE,
  DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
  DELIVERY_RETRY_BOUNDS,
  WEBHOOK_TIMEOUT_BOUNDS_MS,
} from '../functions/routes.js';
import { ENV } from '../functions/shared/config.js';
import { MAX_DELAY_SCALE } from './eventbridge/server.js';
import {
  DEFAULT_PORTS,
  MIN_GIVEN_ADMIN_KEY_LENGTH,
  PORT_VARIABLES,
  readSettings,
  SettingError,
} from './settings.js';

const options = {
  'in-memory': { type: 'boolean', default: false },
  'no-demo': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Every SHAREBUS_* variable anything in this repository reads: another is most likely a misspelt one
 * (SHAREBUS_API_THROTLE), which would otherwise be ignored without a word.
 */
const KNOWN_VARIABLES = new Set([
  ...Object.values(ENV),
  'SHAREBUS_PORT',
  'SHAREBUS_EVENTBRIDGE_PORT',
  'SHAREBUS_DYNAMODB_PORT',
  'SHAREBUS_ADMIN_KEY',
  'SHAREBUS_DATA_DIR',
  'SHAREBUS_EVENTBRIDGE_DELAY_SCALE',
  'SHAREBUS_EVENTBRIDGE_MAX_RULES',
  'SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB',
  'SHAREBUS_LAMBDA_QUEUE_MAX_MB',
  'SHAREBUS_API_THROTTLE',
  'SHAREBUS_ALLOWED_HOSTS',
  'SHAREBUS_DYNAMODB_LOCAL_DIR',
  'SHAREBUS_DYNAMODB_JAVA_OPTS',
  'SHAREBUS_CONFORMANCE_DIR',
]);
const unknownVariables = Object.keys(process.env).filter(
  // SHAREBUS_TEST_*: the test suite's own (test/global-setup.mjs).
  (name) => name.startsWith('SHAREBUS_') && !name.startsWith('SHAREBUS_TEST_') && !KNOWN_VARIABLES.has(name),
);
if (unknownVariables.length > 0) {
  console.error(
    `sharebus: warning: ${unknownVariables.join(', ')} ${unknownVariables.length === 1 ? 'is' : 'are'} not a setting of sharebus, so ignored (npm start -- --help lists them)`,
  );
}
// The deployed stack gives the functions these; locally the runtime does, naming its own deliver function and
// dead-letter queue, so a value from the shell would be ignored without a word.
// Empty is unset, as for every other setting.
const setByStart = [ENV.deliverFunctionArn, ENV.deliveryDlqArn].filter((name) => process.env[name]);
if (setByStart.length > 0) {
  console.error(
    `sharebus: warning: ${setByStart.join(', ')} ${setByStart.length === 1 ? 'is' : 'are'} set by npm start itself (the local deliver function and its dead-letter queue), so ignored`,
  );
}

let parsed: ReturnType<typeof parseArgs<{ options: typeof options }>>;
try {
  parsed = parseArgs({ options });
} catch (error) {
  // A mistyped flag (--inmemory): the message and where to look, not a stack.
  console.error(`sharebus: ${(error as Error).message} (npm start -- --help lists the options)`);
  process.exit(2);
}
// `npm start --in-memory`, without the `--`, is npm's option, not ours: npm warns ("Unknown cli config") and
// passes it on only as npm_config_in_memory=true (and --no-demo as npm_config_demo=""). Taken as meant, rather
// than keep the state the user asked to drop.
const viaNpm = {
  inMemory: process.env.npm_config_in_memory === 'true',
  noDemo: process.env.npm_config_demo === '',
};
const values = {
  ...parsed.values,
  'in-memory': parsed.values['in-memory'] || viaNpm.inMemory,
  'no-demo': parsed.values['no-demo'] || viaNpm.noDemo,
};

if (values.help) {
  // The figures from what enforces them, so that the help cannot drift from the code.
  const [{ DEFAULT_JAVA_OPTS }, { DEFAULT_MAX_RULES_PER_BUS }, { defaultQueueBytes }] = await Promise.all([
    import('./dynamodb/launcher.js'),
    import('./eventbridge/control-plane.js'),
    import('./eventbridge/queue-store.js'),
  ]);
  const { maxRetries, maxEventAgeSeconds } = DELIVERY_RETRY_BOUNDS;
  const throttle = `${DEFAULT_API_THROTTLE.rateLimit}/${DEFAULT_API_THROTTLE.burstLimit}`;
  console.log(`Usage: npm start -- [--in-memory] [--no-demo]

  --in-memory   keep nothing: new keys and a fresh demo catalogue at every start (default: state persists)
  --no-demo     do not register the demo departments, systems and contracts

Environment (README, "Quick start", says more):
  SHAREBUS_PORT (${DEFAULT_PORTS.api}), SHAREBUS_EVENTBRIDGE_PORT (${DEFAULT_PORTS.eventBridge}), SHAREBUS_DYNAMODB_PORT (${DEFAULT_PORTS.dynamoDb}): 0 picks free ones
  SHAREBUS_ADMIN_KEY                 the platform admin key, ${MIN_GIVEN_ADMIN_KEY_LENGTH} characters or more (generated, kept and
                                     printed when unset)
  SHAREBUS_DATA_DIR                  where state persists (.sharebus)
  SHAREBUS_EVENTBRIDGE_DELAY_SCALE   multiplies every delay of the bus, Lambda's retries included, above 0 to ${MAX_DELAY_SCALE} (1)
  SHAREBUS_EVENTBRIDGE_MAX_RULES     rules, so subscriptions, the bus may hold (AWS's default quota, ${DEFAULT_MAX_RULES_PER_BUS})
  SHAREBUS_EVENTBRIDGE_QUEUE_MAX_MB  MiB of memory the bus's queues, dead letters included, may hold; past it the
                                     oldest move to disk (${Math.round(defaultQueueBytes() / 2 ** 20)} here)
  SHAREBUS_LAMBDA_QUEUE_MAX_MB       MiB of memory the deliver function's queue may hold; at it publishing answers
                                     503 until deliveries catch up (${Math.round(defaultQueueBytes() / 2 ** 20)} here)
  SHAREBUS_API_THROTTLE              requests a second/burst each route of the HTTP API takes (${throttle}, or off)
  SHAREBUS_ALLOWED_HOSTS             host names answered besides 127.0.0.1 and localhost, comma-separated: a
                                     reverse proxy's public name (none)
  SHAREBUS_BUS_NAME                  the bus (sharebus)
  SHAREBUS_TABLE_NAME                the registry's table (sharebus)
  SHAREBUS_ENDPOINT_POLICY           webhook addresses allowed: allow-http or https-only (allow-http)
  SHAREBUS_DELIVERY_MAX_RETRIES      each subscription's target retry attempts, ${maxRetries.min} to ${maxRetries.max} (${maxRetries.max})
  SHAREBUS_DELIVERY_MAX_EVENT_AGE_SECONDS
                                     each subscription's target event age limit, ${maxEventAgeSeconds.min} to ${maxEventAgeSeconds.max} (${maxEventAgeSeconds.max})
  SHAREBUS_DELIVERY_TIMEOUT_MS       the webhook timeout, ${WEBHOOK_TIMEOUT_BOUNDS_MS.min} to ${WEBHOOK_TIMEOUT_BOUNDS_MS.max} (${DEFAULT_WEBHOOK_TIMEOUT_SECONDS * 1000})
  SHAREBUS_DYNAMODB_LOCAL_DIR        where DynamoDB Local's jar is (.dynamodb-local)
  SHAREBUS_DYNAMODB_JAVA_OPTS        the flags its Java runs with, instead of the defaults
                                     (${DEFAULT_JAVA_OPTS})`);
  process.exit(0);
}

// Every setting is checked before the runtime loads (half a second or more: the handlers, the AWS SDK): a wrong one is
// refused at once. startSharebus checks them again, as it does for any caller.
let delayScale: number;
try {
  delayScale = delayScaleSetting();
  readSettings({ inMemory: values['in-memory'] });
} catch (error) {
  if (!(error instanceof SettingError)) throw error;
  console.error(`sharebus: ${error.message}`);
  process.exit(1);
}
const { DataDirInUseError, DataDirUnusableError } = await import('./data-lock.js');
const { DynamoDbLocalStartError, JavaNotFoundError } = await import('./dynamodb/launcher.js');
const { LOCAL_CONCURRENCY } = await import('./lambda/invoker.js');
const { byteSize } = await import('./eventbridge/queue-store.js');
const { StateFormatError } = await import('./eventbridge/state-format.js');
const { PortInUseError, rulesRemovedLines, startSharebus } = await import('./runtime.js');

const started = Date.now();
try {
  const bus = await startSharebus({
    inMemory: values['in-memory'],
    seedDemo: !values['no-demo'],
    delayScale,
  });
  // Dead letters an earlier run left (a data directory keeps them 14 days) waited unseen (terminal review).
  const deadLetters = bus.eventBridge.deadLetters.list().length;
  // And those the queue limit moved to disk, which the list leaves out: after a restart they waited unseen, the
  // banner silent when every dead letter was there (upgrade review, session 62).
  const onDisk = bus.eventBridge.queues.overflow();
  const lines = [
    '',
    `  HTTP API            ${bus.apiUrl}`,
    `  EventBridge         ${bus.eventBridgeEndpoint}   (aws --endpoint-url ${bus.eventBridgeEndpoint} events list-rules --event-bus-name ${bus.busName})`,
    `  DynamoDB Local      ${bus.dynamoDbEndpoint}   (table: ${bus.tableName})`,
    `  Dead letters        ${bus.eventBridgeEndpoint}/_local/dead-letters${deadLetters > 0 ? `   (${deadLetters} waiting: POST …/redrive sends them again)` : ''}`,
    ...(onDisk.bytes > 0
      ? [
          `  Queues on disk      ${onDisk.files} file${onDisk.files === 1 ? '' : 's'}, ${byteSize(onDisk.bytes)} moved out past the queue limit, not listed: POST …/_local/queues/restore puts them back`,
        ]
      : []),
    `  State               ${values['in-memory'] ? 'in memory (nothing kept)' : process.env.SHAREBUS_DATA_DIR || '.sharebus/'}`,
    `  AWS CLI             export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=${bus.eventBridge.region}`,
    '',
    // A key the user gave is not echoed into the output (a service's journal, a CI log): they have it already.
    `  Admin API key       ${process.env.SHAREBUS_ADMIN_KEY ? '(the one given in SHAREBUS_ADMIN_KEY)' : bus.adminKey}`,
  ];
  const demo = Object.entries(bus.demoKeys);
  if (demo.length > 0) {
    lines.push('  Demo system API keys:');
    for (const [system, key] of demo) lines.push(`    ${system.padEnd(42)} ${key}`);
  }
  for (const skipped of bus.demoSkipped) lines.push(`  Demo contract not registered: ${skipped}`);
  if (bus.demoLost.length > 0) {
    lines.push(
      `  Demo systems whose key is not known: ${bus.demoLost.join(', ')} (not in demo-keys.json, or not`,
      '  theirs in this table: removed, kept for another SHAREBUS_TABLE_NAME, or an earlier start stopped before',
      '  keeping them; keys are shown only once, so start with an empty SHAREBUS_DATA_DIR for a fresh demo catalogue)',
    );
  }
  lines.push(...rulesRemovedLines(bus.rulesRemoved));
  if (bus.dynamoDbUnbound !== undefined) {
    lines.push(
      '',
      `  Warning: DynamoDB Local listens on every interface (${bus.dynamoDbUnbound}), and answers web pages`,
      '  (DNS rebinding). A Java 17 with its compiler lets it listen on 127.0.0.1 alone and refuse them (Debian:',
      '  apt-get install openjdk-17-jre-headless, or any JDK 17); until then keep its port closed to other hosts,',
      '  and browse no untrusted site on this machine while sharebus runs.',
    );
  }
  if (bus.deliveriesLimited !== undefined) {
    // Each bound with the count it alone allows: with both, raising one alone does not give the full count.
    const { openFiles, heap } = bus.deliveriesLimited;
    const more = openFiles && heap ? 'For more deliveries' : 'For the full count';
    if (openFiles)
      lines.push(
        '',
        `  Warning: this process may hold ${openFiles.limit} open files (ulimit -n), so webhooks get at most ${openFiles.allows}`,
        `  deliveries at once, not ${LOCAL_CONCURRENCY}: slow webhooks then hold up the others sooner.`,
        `  ${more}, raise it in the shell that runs npm start (ulimit -n 65536).`,
      );
    if (heap)
      lines.push(
        '',
        `  Warning: Node's heap here is ${heap.mebibytes} MiB at most (V8's limit, which --max-old-space-size and the`,
        `  machine's memory set), so webhooks get at most ${heap.allows} deliveries at once, not ${LOCAL_CONCURRENCY}: slow`,
        `  webhooks then hold up the others sooner. ${more}, give Node more heap if the machine has the`,
        `  memory (NODE_OPTIONS=--max-old-space-size=1536 is enough for ${LOCAL_CONCURRENCY}).`,
      );
  }
  if (bus.stateOpenToOthers !== undefined) {
    const { dir, mode } = bus.stateOpenToOthers;
    lines.push(
      '',
      `  Warning: other users of this machine may enter ${dir} (mode ${mode}), which holds the events waiting,`,
      `  dead-lettered and archived, and the registry with its webhook URLs. To keep it yours: chmod 700 ${dir}`,
    );
  }
  lines.push('', `sharebus ready in ${Date.now() - started} ms — Ctrl-C to stop`);
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping sharebus…`);
    await bus.stop();
    process.exit(0);
  };
  // Serving on without the registry would answer 500 to every call but /health: stop, and say why.
  void bus.lost.then(async (why) => {
    if (stopping) return;
    stopping = true;
    console.error(`\nsharebus: ${why}. Stopping: the registry is gone (start again to carry on).`);
    await bus.stop();
    process.exit(1);
  });
  // SIGHUP: the terminal closed. Stopped as by Ctrl-C, so that the locks go and deliveries not finished are kept;
  // what is printed meanwhile goes nowhere, and a failed write to the gone terminal must not end the process first.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
} catch (error) {
  // Errors that say what to do get their message alone; anything else, its stack too.
  if (error instanceof DataDirInUseError) {
    // The ports a second sharebus would next find taken: those left at their defaults, or set to them.
    const defaultPorts = (['api', 'eventBridge', 'dynamoDb'] as const)
      .map((part) => [PORT_VARIABLES[part], String(DEFAULT_PORTS[part])] as const)
      .filter(([name, port]) => !process.env[name] || process.env[name] === port)
      .map(([name]) => name);
    const ports =
      defaultPorts.length === 0
        ? ''
        : `; a second sharebus also needs other ports: ${defaultPorts.join(', ')}, 0 picking free ones`;
    // The message's last full stop after the parenthesis, which would otherwise follow a path (the lock's).
    const refusal = error.message.replace(/\.$/, '');
    console.error(`sharebus: ${refusal} (SHAREBUS_DATA_DIR names another, --in-memory uses none${ports}).`);
  } else if (error instanceof StateFormatError) {
    // It names <state>/eventbridge, which npm start has no setting for: the state directory is what to change.
    console.error(
      `sharebus: ${error.message.replace(/\.$/, '')} (SHAREBUS_DATA_DIR names another state directory, --in-memory uses none).`,
    );
  } else if (
    error instanceof DataDirUnusableError ||
    error instanceof DynamoDbLocalStartError ||
    error instanceof JavaNotFoundError ||
    error instanceof PortInUseError ||
    error instanceof SettingError
  ) {
    console.error(`sharebus: ${error.message}`);
  } else {
    console.error('sharebus: could not start:', error);
  }
  process.exit(1);
}

/** SHAREBUS_EVENTBRIDGE_DELAY_SCALE, checked: 1 when unset. */
function delayScaleSetting(): number {
  const scaleText = process.env.SHAREBUS_EVENTBRIDGE_DELAY_SCALE || '1';
  const delayScale = Number(scaleText);
  // A decimal number (0.001, .5, 1e-3; not 0x10, which Number() takes as 16), and no more than MAX_DELAY_SCALE, past
  // which a retry's scaled wait could be longer than setTimeout can wait, and Node would fire it after 1 ms.
  if (
    !/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(scaleText) ||
    !(delayScale > 0) ||
    delayScale > MAX_DELAY_SCALE
  ) {
    throw new SettingError(
      `SHAREBUS_EVENTBRIDGE_DELAY_SCALE must be a number above 0 and at most ${MAX_DELAY_SCALE} (0.001 makes retries a thousand times faster); got ${scaleText}`,
    );
  }
  return delayScale;
}
