// The whole of sharebus in AWS: the bus and its archive, the registry table, one function per entry of
// FUNCTIONS, the HTTP API over ROUTES, and the dead-letter queue for deliveries.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ArnFormat,
  CfnOutput,
  CustomResource,
  Duration,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type { ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { CfnEventBus, EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import {
  DEFAULT_WEBHOOK_TIMEOUT_SECONDS,
  DELIVER_RETRY_ATTEMPTS,
  DELIVER_TIMEOUT_MARGIN_SECONDS,
  DELIVERY_RETRY_BOUNDS,
  FUNCTION_MEMORY_MB,
  FUNCTION_TIMEOUT_SECONDS,
  FUNCTIONS,
  type FunctionName,
  functionTimeoutMs,
  REGISTRY_ACCESS,
  ROUTES,
  SUBSCRIPTION_RULE_PREFIX,
  WEBHOOK_TIMEOUT_BOUNDS_MS,
} from '../functions/routes.js';
import { subscriptionTargetShape } from '../functions/shared/bus.js';
import { ENV } from '../functions/shared/config.js';
import { DeliveryDeadLetterQueue } from './constructs/delivery-dead-letter-queue.js';
import { RegistryTable } from './constructs/registry-table.js';
import { SavedQueries } from './constructs/saved-queries.js';
import { SharebusEventBus } from './constructs/sharebus-event-bus.js';
import { SharebusFunction, type SharebusFunctionProps } from './constructs/sharebus-function.js';
import { SharebusHttpApi } from './constructs/sharebus-http-api.js';

export interface SharebusStackProps extends StackProps {
  /**
   * Fixed once deployed: the subscriptions' rules and the archive are on the bus it names, so a deploy that changes it
   * while subscriptions exist is refused (the SubscriptionTargets resource fails, finding none of their rules on the
   * new bus) and rolled back.
   * @default 'sharebus'
   */
  readonly busName?: string;
  /** @default Duration.days(30) */
  readonly archiveRetention?: Duration;
  /**
   * A customer managed key for the archive (every event, so every department's records, for `archiveRetention`):
   * its use is then in CloudTrail, and disabling it makes the archive unreadable.
   * @default - `busKey` if given, else an AWS owned key
   */
  readonly archiveKey?: IKey;
  /**
   * A customer managed key for the bus itself: the events on it, the subscription rules' patterns and their targets'
   * input transformers. The subscriptions and retarget roles are given kms:Decrypt under this bus's encryption
   * context (EventBridge asks it of PutRule, PutTargets and ListTargetsByRule callers), and the bus dead-letters the
   * events it cannot encrypt or decrypt into the delivery dead-letter queue. @default - an AWS owned key
   */
  readonly busKey?: IKey;
  /** Retention of every function's log group and of the API access log. @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /** Requests a second and in a burst, for each route on its own. @default { rateLimit: 100, burstLimit: 200 } */
  readonly apiThrottle?: ThrottleSettings;
  /**
   * Timeout of one webhook POST. The deliver function may run this plus 20 seconds, rounded up to whole seconds.
   * @default Duration.seconds(10)
   */
  readonly webhookTimeout?: Duration;
  /** Retries EventBridge makes to hand an event to the deliver function. @default - the subscriptions handler's default */
  readonly deliveryMaxRetries?: number;
  /** How long EventBridge keeps trying to hand over an event. @default - the subscriptions handler's default */
  readonly deliveryMaxEventAge?: Duration;
  /**
   * Concurrent executions reserved for the deliver function, which is also its ceiling: slow webhooks then cannot
   * take the account's whole concurrency from the API's functions (throttled deliveries are retried by Lambda for
   * up to 6 hours). Reserving needs the account's unreserved concurrency to stay at 100 or more, so new accounts
   * (limited to 10) cannot. @default - none reserved
   */
  readonly deliverConcurrency?: number;
  /** @default true */
  readonly tableDeletionProtection?: boolean;
  /**
   * An SNS topic every alarm of the stack notifies, going into alarm and back to OK. Its key, if it is encrypted,
   * must let CloudWatch use it (an AWS managed `aws/sns` key does not). Without one the alarms notify nobody: watch
   * them in the console. @default - no action
   */
  readonly alarmTopic?: ITopic;
  /**
   * Lambda's active X-Ray tracing on every function. Lambda records its own segments (initialization, invocation,
   * overhead); the AWS SDK sends the invocation's trace header with each call, and EventBridge hands a PutEvents'
   * header on to the rule targets, so a publish's trace continues into its deliveries: how long a record took to reach
   * each subscriber (by EventBridge's guide and the SDK's code; not seen on a deployment from here). The authorizer's
   * invocation is a trace of its own (HTTP APIs pass no trace header), and the SDK calls are not recorded as
   * subsegments. X-Ray bills $5 a million traces recorded past its free 100,000 a month, and at a low rate Lambda
   * records nearly every request (one a second and 5% of the rest): about two traces a publish, some $10 a million
   * events, close to half of a small deployment's bill (cost review, 2026-12-06). Off, no function's role holds
   * anything on "*".
   * @default true
   */
  readonly tracing?: boolean;
}

export class SharebusStackError extends Error {
  override name = 'SharebusStackError';
}

interface FunctionWiring
  extends Pick<
    SharebusFunctionProps,
    | 'memorySize'
    | 'timeout'
    | 'retryAttempts'
    | 'maxEventAge'
    | 'reservedConcurrentExecutions'
    | 'keepLogsOfFailedCreate'
  > {
  readonly description: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** Failed asynchronous invocations go to the delivery dead-letter queue. */
  readonly deadLetters?: boolean;
}

/**
 * How long CloudFormation waits for the SubscriptionTargets resource's answer: the retarget function's timeout, and
 * a minute in which its invocation may wait in Lambda's queue (its maxEventAge).
 */
const RETARGET_WAIT_SECONDS = FUNCTION_TIMEOUT_SECONDS.retarget + 60;

const DEFAULT_PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export class SharebusStack extends Stack {
  readonly bus: EventBus;
  readonly busName: string;
  readonly registry: RegistryTable;
  readonly deliveryDlq: Queue;
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  readonly httpApi: SharebusHttpApi;
  /** ARN pattern of every rule the subscriptions function manages. */
  readonly subscriptionRuleArnPattern: string;

  constructor(scope: Construct, id: string, props: SharebusStackProps = {}) {
    super(scope, id, props);
    const webhookTimeout = props.webhookTimeout ?? Duration.seconds(DEFAULT_WEBHOOK_TIMEOUT_SECONDS);
    if (webhookTimeout.toMilliseconds() < WEBHOOK_TIMEOUT_BOUNDS_MS.min) {
      throw new SharebusStackError(
        `webhookTimeout ${webhookTimeout.toHumanString()} must be at least 1 second`,
      );
    }
    // The deliver function runs for the webhook timeout plus its margin, and Lambda allows 900 s at most: past that
    // the stack would synthesize and then fail in CloudFormation.
    const longestWebhookMs = WEBHOOK_TIMEOUT_BOUNDS_MS.max;
    if (webhookTimeout.toMilliseconds() > longestWebhookMs) {
      throw new SharebusStackError(
        `webhookTimeout ${webhookTimeout.toHumanString()} must be at most ${longestWebhookMs / 1000} seconds (Lambda's 900 s, less the deliver function's ${DELIVER_TIMEOUT_MARGIN_SECONDS} s margin)`,
      );
    }
    // EventBridge's bounds for a target's retry policy: past them every POST /subscriptions would fail at PutTargets.
    const retries = props.deliveryMaxRetries;
    const { maxRetries, maxEventAgeSeconds } = DELIVERY_RETRY_BOUNDS;
    if (
      retries !== undefined &&
      !(Number.isInteger(retries) && retries >= maxRetries.min && retries <= maxRetries.max)
    ) {
      throw new SharebusStackError(
        `deliveryMaxRetries ${retries} must be a whole number from ${maxRetries.min} to ${maxRetries.max}`,
      );
    }
    const maxAge = props.deliveryMaxEventAge;
    if (
      maxAge !== undefined &&
      !(maxAge.toSeconds() >= maxEventAgeSeconds.min && maxAge.toSeconds() <= maxEventAgeSeconds.max)
    ) {
      throw new SharebusStackError(
        `deliveryMaxEventAge ${maxAge.toHumanString()} must be from 60 seconds to 24 hours`,
      );
    }
    const concurrency = props.deliverConcurrency;
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
      throw new SharebusStackError(`deliverConcurrency ${concurrency} must be a whole number of 1 or more`);
    }
    // API Gateway's own bounds, checked at synth like the others rather than met at deploy: a rate of requests a
    // second and a burst of whole requests, neither negative (0 lets nothing through, which is allowed).
    const throttle = props.apiThrottle;
    if (
      throttle !== undefined &&
      !(
        (throttle.rateLimit === undefined ||
          (Number.isFinite(throttle.rateLimit) && throttle.rateLimit >= 0)) &&
        (throttle.burstLimit === undefined ||
          (Number.isInteger(throttle.burstLimit) && throttle.burstLimit >= 0))
      )
    ) {
      throw new SharebusStackError(
        `apiThrottle ${JSON.stringify(throttle)} must have a rateLimit of 0 or more and a whole burstLimit of 0 or more`,
      );
    }
    const projectRoot = DEFAULT_PROJECT_ROOT;

    const events = new SharebusEventBus(this, 'EventBus', {
      ...(props.busName === undefined ? {} : { busName: props.busName }),
      ...(props.archiveRetention === undefined ? {} : { archiveRetention: props.archiveRetention }),
      ...(props.archiveKey === undefined ? {} : { archiveKey: props.archiveKey }),
      ...(props.busKey === undefined ? {} : { busKey: props.busKey }),
    });
    this.bus = events.bus;
    this.busName = events.busName;
    this.subscriptionRuleArnPattern = this.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: `${this.busName}/${SUBSCRIPTION_RULE_PREFIX}*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.registry = new RegistryTable(this, 'Registry', {
      ...(props.tableDeletionProtection === undefined
        ? {}
        : { deletionProtection: props.tableDeletionProtection }),
    });
    const table = this.registry.table;

    const deadLetters = new DeliveryDeadLetterQueue(this, 'DeliveryDeadLetters', {
      ruleArnPattern: this.subscriptionRuleArnPattern,
      ...(events.busKey === undefined ? {} : { busArn: events.busArn }),
    });
    this.deliveryDlq = deadLetters.queue;
    // A bus on a customer managed key sends the events it cannot encrypt or decrypt for good (the key disabled, or its
    // policy changed) to its own dead-letter queue, else they are lost (EventBridge user guide, "Using dead-letter
    // queues to capture encrypted event errors"): the delivery one, whose alarm then fires.
    if (events.busKey !== undefined) {
      const cfnBus = this.bus.node.defaultChild as CfnEventBus;
      cfnBus.deadLetterConfig = { arn: this.deliveryDlq.queueArn };
      // The queue admits the bus before the bus names it.
      if (deadLetters.policy !== undefined) cfnBus.node.addDependency(deadLetters.policy);
    }
    this.#alarms.push(deadLetters.alarm);

    // What each function needs beyond the common defaults. Keyed by FunctionName, so a function added to
    // FUNCTIONS does not compile until it is wired here.
    const wiring: Record<FunctionName, FunctionWiring> = {
      authorizer: {
        description: 'Resolves the API key of a request to a principal, or labels why it cannot',
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.authorizer),
      },
      health: {
        description: 'Answers the liveness probe',
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.health),
      },
      departments: {
        description: 'Registers departments and their systems',
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.departments),
      },
      contracts: {
        description: 'Registers and lists event contracts',
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.contracts),
      },
      publish: {
        description: 'Validates events against their contract and puts them on the bus',
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.publish),
      },
      subscriptions: {
        description: 'Creates, lists and deletes subscriptions and their EventBridge rules',
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.subscriptions),
        environment: {
          ...(props.deliveryMaxRetries === undefined
            ? {}
            : { [ENV.deliveryMaxRetries]: String(props.deliveryMaxRetries) }),
          ...(props.deliveryMaxEventAge === undefined
            ? {}
            : { [ENV.deliveryMaxEventAgeSeconds]: String(props.deliveryMaxEventAge.toSeconds()) }),
        },
      },
      deliver: {
        description: 'POSTs an event to a subscriber webhook',
        environment: { [ENV.deliveryTimeoutMs]: String(webhookTimeout.toMilliseconds()) },
        // Whole seconds (functionTimeoutMs rounds up): a webhook timeout of 1.5 s made 21.5 s, which CDK refused to
        // synthesize (AWS review, 2026-12-05).
        timeout: Duration.millis(functionTimeoutMs('deliver', webhookTimeout.toMilliseconds())),
        deadLetters: true,
        retryAttempts: DELIVER_RETRY_ATTEMPTS,
        ...(props.deliverConcurrency === undefined
          ? {}
          : { reservedConcurrentExecutions: props.deliverConcurrency }),
      },
      retarget: {
        description: 'Puts every subscription target again with the deployed delivery settings, at a deploy',
        timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS.retarget),
        // CloudFormation invokes it asynchronously and waits RETARGET_WAIT_SECONDS from then. A run may start no
        // later than it could still answer within that wait, and is never tried again (a retry would come after
        // CloudFormation stopped waiting): no run outlives the deploy that asked for it, to put its settings over
        // those of a rollback that followed.
        retryAttempts: 0,
        maxEventAge: Duration.seconds(RETARGET_WAIT_SECONDS - FUNCTION_TIMEOUT_SECONDS.retarget),
        // It runs during the deploy itself: if it fails the first one, its log says why, so a rollback keeps it.
        keepLogsOfFailedCreate: true,
      },
    };
    const commonEnvironment = {
      [ENV.tableName]: table.tableName,
      [ENV.busName]: this.busName,
      [ENV.endpointPolicy]: 'https-only',
      POWERTOOLS_SERVICE_NAME: 'sharebus',
    };

    const made = {} as Record<FunctionName, SharebusFunction>;
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const { description, environment, deadLetters, ...sizing } = wiring[name];
      const fn = new SharebusFunction(this, pascalCase(name), {
        entry: join(projectRoot, FUNCTIONS[name]),
        projectRoot,
        description,
        environment: { ...commonEnvironment, ...environment },
        memorySize: FUNCTION_MEMORY_MB[name],
        ...sizing,
        ...(props.logRetention === undefined ? {} : { logRetention: props.logRetention }),
        ...(props.tracing === undefined ? {} : { tracing: props.tracing }),
        ...(deadLetters ? { deadLetterQueue: this.deliveryDlq } : {}),
      });
      // Each function gets the DynamoDB actions its registry calls send, on the table and, if it queries it, the
      // GSI by name (REGISTRY_ACCESS). Not grantReadData/grantReadWriteData: those add Scan (every key hash and
      // webhook URL in one call), the batch and stream actions and every index, and the GSI holds every
      // subscription under one key, so a function that needs no query of it must not page through it.
      const access = REGISTRY_ACCESS[name];
      // The table's own items by their partition keys; an index's queries apart, since there the leading key is the
      // index's partition key (a collection's name), not the item's.
      if (access?.leadingKeys !== undefined) {
        fn.function.addToRolePolicy(
          new PolicyStatement({
            sid: 'RegistryItems',
            actions: [...access.actions],
            resources: [table.tableArn],
            conditions: {
              'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...access.leadingKeys] },
            },
          }),
        );
      }
      if (access !== undefined && access.indexes.length > 0) {
        fn.function.addToRolePolicy(
          new PolicyStatement({
            sid: 'RegistryIndexes',
            // Of its actions, those an index takes
            actions: access.actions.filter((action) => action === 'dynamodb:Query'),
            resources: access.indexes.map((index) => `${table.tableArn}/index/${index}`),
          }),
        );
      }
      made[name] = fn;
    }
    this.functions = {
      authorizer: made.authorizer.function,
      health: made.health.function,
      departments: made.departments.function,
      contracts: made.contracts.function,
      publish: made.publish.function,
      subscriptions: made.subscriptions.function,
      deliver: made.deliver.function,
      retarget: made.retarget.function,
    };
    const { publish, subscriptions, deliver, retarget } = this.functions;
    new SavedQueries(this, 'SavedQueries', {
      functionLogGroups: Object.values(made).map((fn) => fn.logGroup),
      deliverLogGroup: made.deliver.logGroup,
    });

    this.bus.grantPutEventsTo(publish);

    // A failed deliver invocation Lambda could not put on the dead-letter queue is lost, and the queue's own alarm
    // never sees it: Lambda counts it in DeadLetterErrors.
    this.#alarmOnAny(
      'DeliverDeadLetterErrorsAlarm',
      'A failed delivery could not be put on the dead-letter queue: that event is lost',
      deliver.metric('DeadLetterErrors', { period: Duration.minutes(1), statistic: 'Sum' }),
    );

    // An event EventBridge could not put on its target's dead-letter queue (a queue deleted, its policy changed, an
    // event too large) is lost, and only EventBridge's InvocationsFailedToBeSentToDlq counts it, per rule. The
    // subscription rules are made at runtime, so a Metrics Insights query sums it over every rule of the bus: rules
    // on a custom bus report with EventBusName and RuleName (EventBridge's docs), and the query takes any series
    // that names the bus, whatever its other dimensions. Not seen firing in AWS yet: no account here.
    this.#alarmOnAny(
      'BusDeadLetterFailuresAlarm',
      `An event on the ${this.busName} bus could not be put on its dead-letter queue: that event is lost`,
      new MathExpression({
        expression: `SELECT SUM(InvocationsFailedToBeSentToDlq) FROM "AWS/Events" WHERE EventBusName = '${this.busName}'`,
        label: 'Events not put on a dead-letter queue',
        period: Duration.minutes(1),
      }),
    );

    // A throttled deliver invocation is not an error: Lambda keeps it in its asynchronous queue and tries again for up
    // to 6 hours before it reaches the dead-letter queue, and no other alarm sees it meanwhile (deliverConcurrency
    // reached, or the account's concurrency spent). A webhook that is merely down ages an event by its two retries'
    // waits (about 3 minutes) and two attempts, each up to the function's timeout when the webhook hangs: the
    // threshold is past that, 10 minutes at least, so it means a backlog, not a webhook down (diff review, 2026-12-06:
    // a flat 10 minutes fired for a hanging webhook once its timeout was 3.5 minutes or more).
    const deliverTimeoutMs = (deliver.timeout ?? Duration.seconds(3)).toMilliseconds();
    const backlogMs = Math.max(10 * 60_000, 2 * deliverTimeoutMs + 4 * 60_000);
    this.#alarms.push(
      new Alarm(this, 'DeliverBacklogAlarm', {
        alarmDescription: `Deliveries waited over ${backlogMs / 60_000} minutes in Lambda's queue (deliver throttled, or its concurrency spent): see docs/deploy.md, "When an alarm fires"`,
        metric: deliver.metric('AsyncEventAge', { period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: backlogMs,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );

    // DynamoDB throttling outlasting the retries answers 503 registry_busy (logged as a warning, "registry busy") and
    // fails the authorizer (500): the 5xx alarm says that something failed, this one says what. Not ThrottledRequests,
    // which DynamoDB reports only with an Operation dimension, so an alarm naming the table alone never fires; the
    // query takes the table's series and its index's (both name the table).
    for (const kind of ['Read', 'Write'] as const) {
      this.#alarmOnAny(
        `Registry${kind}ThrottlesAlarm`,
        `The registry table throttled ${kind.toLowerCase()}s: callers may get 503 registry_busy, authorized routes 500`,
        new MathExpression({
          expression: `SELECT SUM(${kind}ThrottleEvents) FROM "AWS/DynamoDB" WHERE TableName = '${table.tableName}'`,
          label: `${kind} throttle events of the registry`,
          period: Duration.minutes(1),
        }),
      );
    }

    // Every subscription rule targets the deliver function. Granting the rule ARN pattern once here means
    // the subscriptions function never changes the deliver function's policy at runtime.
    deliver.addPermission('InvokeFromSubscriptionRules', {
      principal: new ServicePrincipal('events.amazonaws.com'),
      sourceArn: this.subscriptionRuleArnPattern,
      sourceAccount: this.account,
    });

    subscriptions.addEnvironment(ENV.deliverFunctionArn, deliver.functionArn);
    subscriptions.addEnvironment(ENV.deliveryDlqArn, this.deliveryDlq.queueArn);
    // No grant method exists for managing the rules of a bus, so the statements are written out, scoped to
    // the rules that carry the subscription prefix on this bus: no other rule can be touched. Their one target is
    // the deliver function (events:TargetArn): these rules match every department's records, so a bug or a stolen
    // role must not be able to send them anywhere else.
    subscriptions.addToRolePolicy(
      new PolicyStatement({
        sid: 'ManageSubscriptionRules',
        actions: ['events:PutRule', 'events:DeleteRule', 'events:RemoveTargets'],
        resources: [this.subscriptionRuleArnPattern],
      }),
    );
    // events:TargetArn holds one ARN per target of the request (ArrayOfARN): every one must be the deliver
    // function's (ForAllValues), and there must be some (Null false), since ForAllValues holds of none.
    const targetAtDeliverOnly = () =>
      new PolicyStatement({
        sid: 'TargetSubscriptionRulesAtDeliver',
        actions: ['events:PutTargets'],
        resources: [this.subscriptionRuleArnPattern],
        conditions: {
          'ForAllValues:ArnEquals': { 'events:TargetArn': deliver.functionArn },
          Null: { 'events:TargetArn': 'false' },
        },
      });
    subscriptions.addToRolePolicy(targetAtDeliverOnly());
    // A subscription's target is put when the subscription is made, with the delivery settings of that day. At a
    // deploy that changes them (the properties below), CloudFormation calls the retarget function, which puts every
    // existing subscription's target again with them: only targets, only to the deliver function, never a rule.
    // It runs after the subscriptions function has its new settings, so a subscription made meanwhile has them too.
    retarget.addToRolePolicy(
      new PolicyStatement({
        sid: 'ReadSubscriptionTargets',
        actions: ['events:ListTargetsByRule'],
        resources: [this.subscriptionRuleArnPattern],
      }),
    );
    retarget.addToRolePolicy(targetAtDeliverOnly());
    // On a bus with a customer managed key EventBridge needs its caller's kms:Decrypt for PutRule, PutTargets and
    // ListTargetsByRule (EventBridge user guide, "AWS KMS key permissions for event bus actions"), under the bus's
    // encryption context, which EventBridge uses in all its KMS operations for the bus. Not publish: PutEvents is not
    // among those actions, EventBridge encrypts events with its own grant in the key policy. Not deliver: EventBridge
    // hands a Lambda target the event decrypted.
    if (events.busKey !== undefined) {
      for (const fn of [subscriptions, retarget]) {
        fn.addToRolePolicy(
          new PolicyStatement({
            sid: 'DecryptBusRules',
            actions: ['kms:Decrypt'],
            resources: [events.busKey.keyArn],
            conditions: { StringEquals: { 'kms:EncryptionContext:aws:events:event-bus:arn': events.busArn } },
          }),
        );
      }
    }
    const targets = new CustomResource(this, 'SubscriptionTargets', {
      serviceToken: retarget.functionArn,
      resourceType: 'Custom::SharebusSubscriptionTargets',
      serviceTimeout: Duration.seconds(RETARGET_WAIT_SECONDS),
      properties: {
        BusName: this.busName,
        DeliverFunctionArn: deliver.functionArn,
        DeadLetterArn: this.deliveryDlq.queueArn,
        ...(props.deliveryMaxRetries === undefined ? {} : { MaxRetries: props.deliveryMaxRetries }),
        ...(props.deliveryMaxEventAge === undefined
          ? {}
          : { MaxEventAgeSeconds: props.deliveryMaxEventAge.toSeconds() }),
        // Changes whenever sharebus writes subscription targets differently, so that a deploy of it rewrites them.
        TargetShape: subscriptionTargetShape(),
      },
    });
    // After the subscriptions function has its new settings; and after retarget's permissions and its async settings
    // (EventInvokeConfig, a child of the function): a first deploy must not invoke it under Lambda's retry defaults.
    targets.node.addDependency(subscriptions, made.retarget.role, retarget);
    for (const role of [made.subscriptions.role, made.retarget.role]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:rule/${this.busName}/${SUBSCRIPTION_RULE_PREFIX}*]`,
        reason:
          `Subscription rules are created at runtime, one per subscription, so only their name prefix ` +
          `(${SUBSCRIPTION_RULE_PREFIX} on the ${this.busName} bus) is known here; no other rule matches it.`,
      });
    }

    this.httpApi = new SharebusHttpApi(this, 'HttpApi', {
      routes: ROUTES,
      functions: this.functions,
      authorizer: this.functions.authorizer,
      ...(props.apiThrottle === undefined ? {} : { throttle: props.apiThrottle }),
      ...(props.logRetention === undefined ? {} : { accessLogRetention: props.logRetention }),
    });
    // The API's own failures: an authorizer that errs fails every authorized route, and a 5xx is a request the
    // caller could not have avoided (a function error or timeout).
    this.#alarmOnAny(
      'AuthorizerErrorsAlarm',
      'The authorizer failed: every authorized route answers 500 meanwhile',
      this.functions.authorizer.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }),
    );
    this.#alarmOnAny(
      'ApiServerErrorsAlarm',
      'The HTTP API answered 5xx',
      this.httpApi.api.metricServerError({ period: Duration.minutes(1), statistic: 'Sum' }),
    );
    // A throttled authorizer (the account's concurrency spent, by slow webhooks, say) fails requests too, and
    // Lambda counts that in Throttles, not Errors (AWS review, 2026-12-05).
    this.#alarmOnAny(
      'AuthorizerThrottlesAlarm',
      'The authorizer was throttled: authorized routes fail meanwhile',
      this.functions.authorizer.metricThrottles({ period: Duration.minutes(1), statistic: 'Sum' }),
    );
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of this.#alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the sharebus HTTP API',
      value: this.httpApi.url,
    });
    new CfnOutput(this, 'BusName', { description: 'The sharebus event bus', value: this.bus.eventBusName });
    new CfnOutput(this, 'TableName', { description: 'The registry table', value: table.tableName });
    // What `aws events start-replay --event-source-arn` names (docs/deploy.md).
    new CfnOutput(this, 'ArchiveArn', {
      description: 'The archive of every event on the bus, to replay from',
      value: events.archive.archiveArn,
    });
    new CfnOutput(this, 'DeliveryDlqUrl', {
      description: 'Dead-letter queue of failed deliveries',
      value: this.deliveryDlq.queueUrl,
    });
    // What a redrive of the dead letters invokes (docs/deploy.md, "Redriving dead letters").
    new CfnOutput(this, 'DeliverFunctionName', {
      description: 'The deliver function, to invoke again for a dead letter',
      value: deliver.functionName,
    });
  }

  /** Every alarm of the stack, for alarmTopic. */
  readonly #alarms: Alarm[] = [];

  /** An alarm that goes to ALARM in any minute `metric` (a Sum) counts one or more. */
  #alarmOnAny(id: string, description: string, metric: IMetric): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: description,
      metric,
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.#alarms.push(alarm);
    return alarm;
  }
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
