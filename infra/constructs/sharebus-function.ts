// One sharebus Lambda function: a handler file bundled locally by esbuild into an ES module, on the newest
// Node.js runtime, with its own log group, X-Ray tracing unless turned off, and a role that holds no managed policy.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * The newest Node.js runtime this aws-cdk-lib knows. cdk-nag's AwsSolutions-L1 compares against the newest
 * entry of `Runtime.ALL`, so this must move when aws-cdk-lib adds a runtime.
 */
export const SHAREBUS_RUNTIME = Runtime.NODEJS_24_X;

// esbuild writes one ES module; a CommonJS dependency bundled into it still calls `require`, which an ES
// module lacks, so the bundle makes one.
const CREATE_REQUIRE_BANNER =
  "import { createRequire as __sharebusCreateRequire } from 'node:module'; const require = __sharebusCreateRequire(import.meta.url);";

export interface SharebusFunctionProps {
  /** Absolute path of the handler file; it exports `handler`. */
  readonly entry: string;
  /** Directory that holds package.json and package-lock.json. */
  readonly projectRoot: string;
  readonly environment: Readonly<Record<string, string>>;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default Duration.seconds(10) */
  readonly timeout?: Duration;
  /** @default RetentionDays.THREE_MONTHS */
  readonly logRetention?: RetentionDays;
  /** Queue for asynchronous invocations that failed after their retries. @default - none */
  readonly deadLetterQueue?: IQueue;
  /** Retries of a failed asynchronous invocation. @default 2 (the Lambda default) */
  readonly retryAttempts?: number;
  /** How long an asynchronous invocation may wait to run before Lambda drops it. @default 6 hours (the Lambda default) */
  readonly maxEventAge?: Duration;
  /** Concurrent executions reserved for (and the most allowed to) the function. @default - none reserved */
  readonly reservedConcurrentExecutions?: number;
  /** @default `sharebus <id>` */
  readonly description?: string;
  /**
   * Whether the log group stays when the deploy that created it is rolled back. It always stays when the stack is
   * deleted. @default false: a failed first deploy leaves no empty log groups behind
   */
  readonly keepLogsOfFailedCreate?: boolean;
  /** Lambda's active X-Ray tracing (see SharebusStackProps.tracing). @default true */
  readonly tracing?: boolean;
}

export class SharebusFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: SharebusFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.THREE_MONTHS,
      // Kept when the stack is deleted, but not when the deploy that created it is rolled back (RetainExceptOnCreate):
      // a failed first deploy must not leave empty log groups behind (deploy-time review, 2026-12-06).
      removalPolicy: props.keepLogsOfFailedCreate
        ? RemovalPolicy.RETAIN
        : RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    // Our own role instead of the default one: the default attaches the managed
    // AWSLambdaBasicExecutionRole, which lets the function write to every log group in the account.
    // This role may write only to the function's own log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the sharebus ${id} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      runtime: SHAREBUS_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      description: props.description ?? `sharebus ${id}`,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      tracing: (props.tracing ?? true) ? Tracing.ACTIVE : Tracing.DISABLED,
      // No --enable-source-maps: with it Node decodes the whole map at the first stack any error shows, in each
      // instance: on Node 24 (Lambda's) 40 to 50 ms and some 45 MB more RSS (publish, 79 to 125 MiB), at the first
      // failed webhook of a deliver function that has 256 MB; on Node 20 it also cost each cold start 10 to 20 ms
      // (cold-start review, session 63; npm run bench:coldstart). Stack traces name functions and classes anyway
      // (keepNames); index.mjs.map, in the asset and cdk.out, maps a logged line:column back to the TypeScript offline.
      environment: { ...props.environment },
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.retryAttempts === undefined ? {} : { retryAttempts: props.retryAttempts }),
      ...(props.maxEventAge === undefined ? {} : { maxEventAge: props.maxEventAge }),
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: CREATE_REQUIRE_BANNER,
        minify: true,
        // Class and function names survive minification, so stack traces in the logs stay readable.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
        // The AWS SDK is bundled too, at the version the tests and the local runtime run (package-lock.json),
        // not taken from the Lambda runtime, whose copy AWS may change under a deployed function.
        externalModules: [],
        logLevel: LogLevel.WARNING,
      },
    });
    if (props.tracing ?? true) {
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only for xray:PutTraceSegments and xray:PutTelemetryRecords, added by Tracing.ACTIVE: these X-Ray ' +
          'actions support no resource-level permissions, so IAM accepts only "*" for them.',
      });
    }
  }
}
