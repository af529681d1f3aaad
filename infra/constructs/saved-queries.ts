// Logs Insights queries saved with the stack, so that an operator answering an alarm finds them in the console's
// "Saved queries", under the stack's name, over the right log groups (docs/deploy.md, "When an alarm fires"),
// rather than typing them from the guide. No cost until one is run.
import { Stack } from 'aws-cdk-lib';
import { type ILogGroup, QueryDefinition, QueryString } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface SavedQueriesProps {
  /** Every function's log group. */
  readonly functionLogGroups: readonly ILogGroup[];
  /** The deliver function's. */
  readonly deliverLogGroup: ILogGroup;
}

/**
 * Each query as the guide prints it (`SAVED_QUERIES`), so the two cannot drift. The field names are those the
 * functions' JSON lines carry (functions/shared/logger.ts, functions/deliver/handler.ts).
 */
export const SAVED_QUERIES = {
  /**
   * What the warnings and errors are, over every function: the 5xx alarm's first question. An error a handler throws
   * out is written by the Lambda runtime, whose JSON record holds the error as an object in `message`
   * (`{ errorType, errorMessage, stackTrace }`, aws-lambda-nodejs-runtime-interface-client's formatJsonMessage):
   * such records have no `message` text to group by, so their `message.errorType` names them.
   */
  warningsAndErrors: new QueryString({
    filterStatements: ['level in ["WARN", "ERROR"]'],
    statsStatements: ['count(*) as lines by message, message.errorType, error.code, routeKey'],
    sort: 'lines desc',
  }),
  /** Which subscriptions' webhooks fail, and how: the dead-letter alarm's first question. */
  failedDeliveriesBySubscription: new QueryString({
    filterStatements: ['message = "delivery attempt failed"'],
    statsStatements: ['count(*) as attempts, latest(reason) as lastReason by subscriptionId, status'],
    sort: 'attempts desc',
  }),
  /** One event's way, by the id its publisher got: replace EVENT-ID. */
  traceEvent: new QueryString({
    fields: ['@timestamp', '@log', 'level', 'message', 'subscriptionId', 'status', 'reason'],
    filterStatements: ['@message like "EVENT-ID"'],
    sort: '@timestamp asc',
  }),
} as const;

export class SavedQueries extends Construct {
  constructor(scope: Construct, id: string, props: SavedQueriesProps) {
    super(scope, id);
    const folder = Stack.of(this).stackName;
    new QueryDefinition(this, 'WarningsAndErrors', {
      queryDefinitionName: `${folder}/warnings and errors by message`,
      queryString: SAVED_QUERIES.warningsAndErrors,
      logGroups: [...props.functionLogGroups],
    });
    new QueryDefinition(this, 'FailedDeliveries', {
      queryDefinitionName: `${folder}/failed deliveries by subscription`,
      queryString: SAVED_QUERIES.failedDeliveriesBySubscription,
      logGroups: [props.deliverLogGroup],
    });
    new QueryDefinition(this, 'TraceEvent', {
      queryDefinitionName: `${folder}/trace an event (replace EVENT-ID)`,
      queryString: SAVED_QUERIES.traceEvent,
      logGroups: [...props.functionLogGroups],
    });
  }
}
