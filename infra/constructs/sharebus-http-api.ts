// The HTTP API in front of the functions, built from the route list in functions/routes.ts. The API-key
// authorizer labels each request and never denies: handlers answer 401 themselves, as problem+json.
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CfnAuthorizer,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_API_THROTTLE, type FunctionName, type Route } from '../../functions/routes.js';

export interface SharebusHttpApiProps {
  readonly routes: readonly Route[];
  /** The function behind each route, by the name the route gives. */
  readonly functions: Readonly<Record<FunctionName, IFunction>>;
  /** The function that resolves the API key of requests to routes with `authorized: true`. */
  readonly authorizer: IFunction;
  /**
   * Throttling of the default stage: the default route limits, which each route has on its own (not one bucket for the
   * whole API).
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ThrottleSettings;
  /** @default RetentionDays.THREE_MONTHS */
  readonly accessLogRetention?: RetentionDays;
}

/** Construct ID of the authorizer, and its name in API Gateway. */
export const API_KEY_AUTHORIZER_ID = 'ApiKeyAuthorizer';

export class SharebusHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: SharebusHttpApiProps) {
    super(scope, id);
    // The default stage is made below rather than by HttpApi, which cannot give it access logs.
    this.api = new HttpApi(this, 'Api', {
      description: 'sharebus: departments, contracts, events and subscriptions',
      createDefaultStage: false,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.THREE_MONTHS,
      // As the function log groups: kept on delete, not left behind by a failed first deploy.
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? DEFAULT_API_THROTTLE,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            // Who called, as the authorizer labelled the request (AuthorizerContext in functions/shared/http.ts).
            caller: '$context.authorizer.kind',
            department: '$context.authorizer.departmentId',
            system: '$context.authorizer.systemId',
            authError: '$context.authorizer.authError',
          }),
        ),
      },
    });

    // No identity source: with one, API Gateway itself answers a request that lacks the header with a bare
    // 401 before the authorizer runs, and that answer cannot be problem+json. Without an identity source
    // API Gateway requires the result cache to be off.
    const authorizer = new HttpLambdaAuthorizer(API_KEY_AUTHORIZER_ID, props.authorizer, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });

    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${route.function}Integration`,
          props.functions[route.function],
        );
        integrations.set(route.function, integration);
      }
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(route.authorized ? { authorizer } : {}),
      });
      if (!route.authorized && httpRoute) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            `${route.routeKey} is declared public in functions/routes.ts (authorized: false); a route is ` +
            'public only when it serves no registry data, like the /health liveness probe.',
        });
      }
    }

    // HttpLambdaAuthorizer renders an empty identity source as `[]`; leave the property out altogether,
    // which is what API Gateway documents for a REQUEST authorizer with caching off.
    const cfnAuthorizer = this.api.node.tryFindChild(API_KEY_AUTHORIZER_ID)?.node.defaultChild;
    if (cfnAuthorizer instanceof CfnAuthorizer) cfnAuthorizer.addPropertyDeletionOverride('IdentitySource');
  }

  /** The URL of the default stage, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }
}
