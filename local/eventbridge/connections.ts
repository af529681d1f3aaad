// Connections and API destinations: the operations on them, held to AWS's model and its recorded answers, and
// the HTTP call an API destination target makes (api-destination-call.ts). With a dataDir they are kept in
// connections.json, secrets included: nothing here has a Secrets Manager to keep them in.
import { randomBytes, randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CallResult,
  callEndpoint,
  type HttpParameterList,
  requestToken,
} from './api-destination-call.js';
import { type AccountScope, apiDestinationArn, connectionArn, partitionOf } from './arns.js';
import {
  type DeliveredEvent,
  DeliveryFailureError,
  epochSeconds,
  type HttpParameters,
  type Logger,
} from './delivery.js';
import { alreadyExists, limitExceeded, notFound, validationError } from './errors.js';
import { type CoalescingWriter, readStateFile, removeStaleTemporaries } from './persistence.js';
import {
  isObject,
  type JsonObject,
  KMS_KEY_FIELD,
  NAME_PATTERN,
  NAME_PATTERN_TEXT,
  page,
  RequestReader,
} from './request.js';
import { unitsPrefix } from './text.js';

/** AWS's default quotas: 3,000 connections and 3,000 API destinations per account and region. */
export const MAX_CONNECTIONS = 3_000;
export const MAX_API_DESTINATIONS = 3_000;
/** InvocationRateLimitPerSecond when none is given (recorded). */
const DEFAULT_RATE_LIMIT = 300;

const AUTHORIZATION_TYPES = ['BASIC', 'OAUTH_CLIENT_CREDENTIALS', 'API_KEY'] as const;
type AuthorizationType = (typeof AUTHORIZATION_TYPES)[number];
const CONNECTION_STATES = [
  'CREATING',
  'UPDATING',
  'DELETING',
  'AUTHORIZED',
  'DEAUTHORIZED',
  'AUTHORIZING',
  'DEAUTHORIZING',
  'ACTIVE',
  'FAILED_CONNECTIVITY',
] as const;
type ConnectionState = (typeof CONNECTION_STATES)[number];
/** In the order AWS's validation message lists them (recorded). */
const HTTP_METHODS = ['HEAD', 'POST', 'PATCH', 'DELETE', 'PUT', 'GET', 'OPTIONS'] as const;

const NAME_FIELD = {
  required: true,
  min: 1,
  max: 64,
  pattern: NAME_PATTERN,
  patternText: NAME_PATTERN_TEXT,
} as const;
const DESCRIPTION_FIELD = { max: 512 } as const;
const CONNECTION_ARN_FIELD = {
  min: 1,
  max: 1600,
  pattern:
    /^arn:aws([a-z]|-)*:events:([a-z]|\d|-)*:([0-9]{12})?:connection\/[.\-_A-Za-z0-9]+\/[-A-Za-z0-9]+$/,
  patternText:
    '^arn:aws([a-z]|\\-)*:events:([a-z]|\\d|\\-)*:([0-9]{12})?:connection\\/[\\.\\-_A-Za-z0-9]+\\/[\\-A-Za-z0-9]+$',
} as const;
const ENDPOINT_FIELD = {
  min: 1,
  max: 2048,
  pattern: /^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@&=+$,A-Za-z0-9])+)([).!';/?:,])?$/,
  patternText: "^((%[0-9A-Fa-f]{2}|[-()_.!~*';/?:@\\x26=+$,A-Za-z0-9])+)([).!';/?:,])?$",
} as const;
/** Username, password, API key name and value, client id and secret. */
const AUTH_HEADER_FIELD = {
  min: 1,
  max: 512,
  ...modelPattern('^[ \\t]*[^\\x00-\\x1F:\\x7F]+([ \\t]+[^\\x00-\\x1F:\\x7F]+)*[ \\t]*$'),
} as const;
const RESOURCE_CONFIGURATION_FIELD = {
  min: 0,
  max: 2048,
  pattern:
    /^(?:^arn:[a-z0-9-]+:vpc-lattice:[a-zA-Z0-9-]+:\d{12}:resourceconfiguration\/rcfg-[0-9a-z]{17}$|^$)/,
  patternText:
    '^(?:^arn:[a-z0-9\\-]+:vpc-lattice:[a-zA-Z0-9\\-]+:\\d{12}:resourceconfiguration/rcfg-[0-9a-z]{17}$|^$)',
} as const;
/**
 * A pattern of AWS's model, matched against the whole value as AWS does, from the text its messages print (built
 * from text: the patterns name control characters, which a regular expression literal should not hold).
 */
function modelPattern(text: string): { readonly pattern: RegExp; readonly patternText: string } {
  return { pattern: new RegExp(`^(?:${text})$`), patternText: text };
}

/** Header and query string keys and values, as AWS's model holds them (a connection's lists, a target's maps). */
export const HEADER_KEY_FIELD = {
  max: 512,
  // `+-.` is a range, as in the model's (Java) pattern.
  pattern: /^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$/,
  patternText: "^[!#$%&'*+-.^_`|~0-9a-zA-Z]+$",
} as const;
export const HEADER_VALUE_FIELD = {
  max: 512,
  ...modelPattern('^[ \\t]*[\\x20-\\x7E]+([ \\t]+[\\x20-\\x7E]+)*[ \\t]*$'),
} as const;
export const QUERY_KEY_FIELD = {
  max: 512,
  ...modelPattern('[^\\x00-\\x1F\\x7F]+'),
} as const;
export const QUERY_VALUE_FIELD = {
  max: 512,
  ...modelPattern('[^\\x00-\\x09\\x0B\\x0C\\x0E-\\x1F\\x7F]+'),
} as const;
/** A connection's header, query and body parameters, by list (ConnectionHttpParameters in AWS's model). */
const PARAMETER_LISTS = {
  HeaderParameters: { key: HEADER_KEY_FIELD, value: HEADER_VALUE_FIELD },
  QueryStringParameters: { key: QUERY_KEY_FIELD, value: QUERY_VALUE_FIELD },
  BodyParameters: { key: {}, value: {} },
} as const;
type ParameterListName = keyof typeof PARAMETER_LISTS;
type ConnectionHttpParameters = Partial<Record<ParameterListName, HttpParameterList>>;

/** Each authorization type's block in AuthParameters. */
const AUTH_BLOCKS = {
  BASIC: 'BasicAuthParameters',
  API_KEY: 'ApiKeyAuthParameters',
  OAUTH_CLIENT_CREDENTIALS: 'OAuthParameters',
} as const satisfies Record<AuthorizationType, string>;

interface BasicAuth {
  Username?: string;
  Password?: string;
}
interface ApiKeyAuth {
  ApiKeyName?: string;
  ApiKeyValue?: string;
}
interface OAuth {
  ClientParameters?: { ClientID?: string; ClientSecret?: string };
  AuthorizationEndpoint?: string;
  HttpMethod?: 'GET' | 'POST' | 'PUT';
  OAuthHttpParameters?: ConnectionHttpParameters;
}
/** AuthParameters as a connection keeps them: the request's, merged by updates, secrets included. */
interface AuthParameters {
  BasicAuthParameters?: BasicAuth;
  ApiKeyAuthParameters?: ApiKeyAuth;
  OAuthParameters?: OAuth;
  InvocationHttpParameters?: ConnectionHttpParameters;
}

interface Connection {
  readonly name: string;
  readonly arn: string;
  description?: string;
  authorizationType: AuthorizationType;
  /** Empty once deauthorized: "De-authorizing a connection removes all authorization parameters." */
  auth: AuthParameters;
  /** Where the secret would be: gone with the authorization parameters. */
  secretArn: string | undefined;
  kmsKeyIdentifier?: string;
  state: ConnectionState;
  stateReason?: string;
  readonly creationTime: number;
  lastModifiedTime: number;
  lastAuthorizedTime?: number;
}

interface ApiDestination {
  readonly name: string;
  readonly arn: string;
  description?: string;
  connectionArn: string;
  invocationEndpoint: string;
  httpMethod: (typeof HTTP_METHODS)[number];
  invocationRateLimitPerSecond: number;
  readonly creationTime: number;
  lastModifiedTime: number;
}

/** An OAuth connection's access token, kept in memory only: a restart fetches a new one. */
interface Token {
  readonly header: string;
  /**
   * When it expires, on the monotonic clock (performance.now()): on the wall clock, one set back an hour kept an
   * expired token in use (clock review, 2026-12-07).
   */
  readonly expiresAt: number;
}

/** A token this close to expiring is refreshed before a call (AWS's guide: within 60 seconds). */
const TOKEN_REFRESH_MS = 60_000;
const FILE = 'connections.json';

export interface ConnectionStoreOptions {
  readonly scope: AccountScope;
  readonly writer: CoalescingWriter;
  readonly dataDir: string | undefined;
  readonly logger: Logger;
  /** Scales the spacing InvocationRateLimitPerSecond puts between calls, as it scales retry delays. */
  readonly delayScale: number;
  /** How long an API destination or token endpoint has to answer (AWS: 5 seconds). */
  readonly httpTimeoutMs: number;
  /**
   * Sends an event EventBridge itself emits (source `aws.events`) to the default bus: the connection and API
   * destination state events of AWS's events reference.
   */
  readonly emit?: (detailType: string, resources: string[], detail: JsonObject) => void;
}

export class ConnectionStore {
  readonly #connections = new Map<string, Connection>();
  readonly #destinations = new Map<string, ApiDestination>();
  readonly #tokens = new Map<string, Token>();
  /** Per API destination ARN: when its next call may start (performance.now()), to keep to InvocationRateLimitPerSecond. */
  readonly #nextSlot = new Map<string, number>();
  /** OAuth token exchanges under way (CreateConnection, UpdateConnection): idle() waits for them. */
  readonly #authorizing = new Set<Promise<void>>();
  /** Per OAuth connection ARN, the token request under way: the calls that need a token share it. */
  readonly #tokenRequests = new Map<string, Promise<Token>>();
  /** Calls waiting their turn under InvocationRateLimitPerSecond, so that stop() can end them. */
  readonly #waits = new Set<{ readonly timer: NodeJS.Timeout; readonly cancel: () => void }>();
  /** Aborts the HTTP requests in flight at stop(). */
  readonly #stopping = new AbortController();

  constructor(private readonly options: ConnectionStoreOptions) {
    // One listener for each call in flight, each removed when its call ends: past Node's 10 by design, not a leak (its
    // warning was printed at every start of a bus with more than 10 API destination calls at once; crash review).
    setMaxListeners(0, this.#stopping.signal);
    // What a crash while connections.json was rewritten left beside it.
    if (options.dataDir !== undefined) removeStaleTemporaries(join(options.dataDir, FILE));
    this.#load();
  }

  get busy(): boolean {
    return this.#authorizing.size > 0;
  }

  async idle(): Promise<void> {
    while (this.#authorizing.size > 0) await Promise.all(this.#authorizing);
  }

  /** Ends the calls and token requests under way; nothing is written after (a later start may own the files). */
  stop(): void {
    this.#stopping.abort(new Error('The embedded EventBridge stopped.'));
    for (const wait of this.#waits) {
      clearTimeout(wait.timer);
      wait.cancel();
    }
    this.#waits.clear();
  }

  get #stopped(): boolean {
    return this.#stopping.signal.aborted;
  }

  /**
   * Runs a request with a signal aborted after the timeout (a TimeoutError, as AbortSignal.timeout's), or at
   * stop(). Not AbortSignal.any over the server's own signal: on Node 20 each such signal stays referenced from
   * it, some 50 bytes a call for the server's life (nodejs/node#55351).
   */
  async #withSignal<T>(request: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    const stopping = this.#stopping.signal;
    const onStop = (): void => controller.abort(stopping.reason);
    const timer = setTimeout(
      () => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      this.options.httpTimeoutMs,
    );
    if (stopping.aborted) onStop();
    else stopping.addEventListener('abort', onStop, { once: true });
    try {
      return await request(controller.signal);
    } finally {
      clearTimeout(timer);
      stopping.removeEventListener('abort', onStop);
    }
  }

  #connection(name: string | undefined): Connection {
    const connection = this.#connections.get(name ?? '');
    // Recorded (DescribeConnection); AWS's words for the other operations are not recorded.
    if (!connection)
      throw notFound(`Failed to describe the connection(s). Connection '${name}' does not exist.`);
    return connection;
  }

  #destination(name: string | undefined): ApiDestination {
    const destination = this.#destinations.get(name ?? '');
    if (!destination) {
      throw notFound(
        `Failed to describe the api-destination(s). An api-destination '${name}' does not exist.`,
      );
    }
    return destination;
  }

  // ---- connections ----

  createConnection(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD) ?? '';
    const description = req.string('Description', DESCRIPTION_FIELD);
    const type = req.enumValue('AuthorizationType', AUTHORIZATION_TYPES);
    const given = readAuthParameters(req.member('AuthParameters'), true);
    req.require('AuthorizationType');
    req.require('AuthParameters');
    const kmsKey = req.string('KmsKeyIdentifier', KMS_KEY_FIELD);
    readConnectivity(req.member('InvocationConnectivityParameters'));
    req.check();
    refusePrivateConnectivity(body);
    if (this.#connections.has(name)) throw alreadyExists(`Connection ${name} already exists.`);
    if (this.#connections.size >= MAX_CONNECTIONS) throw limitExceeded();
    const authorizationType = type as AuthorizationType;
    const auth = completeAuth(authorizationType, {}, given ?? {});
    const now = Date.now();
    const connection: Connection = {
      name,
      arn: connectionArn(this.options.scope, name, randomUUID()),
      ...(description !== undefined ? { description } : {}),
      authorizationType,
      auth,
      secretArn: this.#newSecretArn(name),
      ...(kmsKey ? { kmsKeyIdentifier: kmsKey } : {}),
      // Until #authorize below, which starts its authorization (and says so).
      state: 'CREATING',
      creationTime: now,
      lastModifiedTime: now,
    };
    this.#connections.set(name, connection);
    this.#announce(connection, 'Creation Started');
    this.#authorize(connection);
    this.#save();
    return {
      ConnectionArn: connection.arn,
      ConnectionState: connection.state,
      CreationTime: epochSeconds(connection.creationTime),
      LastModifiedTime: epochSeconds(connection.lastModifiedTime),
    };
  }

  /** `events!connection/NAME/UUID-XXXXXX`, as AWS names a connection's secret (recorded). */
  #newSecretArn(name: string): string {
    const { region, accountId } = this.options.scope;
    const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6);
    return `arn:${partitionOf(region)}:secretsmanager:${region}:${accountId}:secret:events!connection/${name}/${randomUUID()}-${suffix}`;
  }

  /**
   * Basic and API key connections are authorized at once (recorded: CreateConnection answers AUTHORIZED); an
   * OAuth connection is AUTHORIZING until its token endpoint answers, then AUTHORIZED or DEAUTHORIZED.
   */
  #authorize(connection: Connection): void {
    this.#tokens.delete(connection.arn);
    this.#tokenRequests.delete(connection.arn);
    delete connection.stateReason;
    if (connection.authorizationType !== 'OAUTH_CLIENT_CREDENTIALS') {
      this.#changeState(connection, () => {
        connection.state = 'AUTHORIZED';
        connection.lastAuthorizedTime = Date.now();
      });
      return;
    }
    this.#changeState(connection, () => {
      connection.state = 'AUTHORIZING';
    });
    // AWS shows a LastAuthorizedTime while the first authorization is under way too (recorded).
    connection.lastAuthorizedTime ??= Date.now();
    const exchange = this.#token(connection)
      .then(
        () => undefined,
        () => undefined, // #fetchToken has deauthorized the connection and said why.
      )
      .finally(() => {
        this.#authorizing.delete(exchange);
        this.#save();
      });
    this.#authorizing.add(exchange);
  }

  /** The connection's token request under way, or a new one. */
  #token(connection: Connection): Promise<Token> {
    const pending = this.#tokenRequests.get(connection.arn);
    if (pending) return pending;
    const request = this.#fetchToken(connection).finally(() => {
      if (this.#tokenRequests.get(connection.arn) === request) this.#tokenRequests.delete(connection.arn);
    });
    this.#tokenRequests.set(connection.arn, request);
    return request;
  }

  /** Asks the connection's token endpoint for a token; on failure the connection is deauthorized, as in AWS. */
  async #fetchToken(connection: Connection): Promise<Token> {
    const oauth = connection.auth.OAuthParameters ?? {};
    try {
      const token = await this.#withSignal((signal) =>
        requestToken(
          {
            endpoint: oauth.AuthorizationEndpoint ?? '',
            method: oauth.HttpMethod ?? 'POST',
            clientId: oauth.ClientParameters?.ClientID ?? '',
            clientSecret: oauth.ClientParameters?.ClientSecret ?? '',
            parameters: oauth.OAuthHttpParameters ?? {},
          },
          signal,
        ),
      );
      // Still the same connection, with the same credentials: a token for replaced ones is not kept.
      if (
        this.#connections.get(connection.name) !== connection ||
        connection.auth.OAuthParameters !== oauth
      ) {
        throw new Error('The connection changed while its token was requested.');
      }
      const kept = { header: token.header, expiresAt: token.expiresAt };
      this.#tokens.set(connection.arn, kept);
      this.#changeState(connection, () => {
        connection.state = 'AUTHORIZED';
        connection.lastAuthorizedTime = Date.now();
        delete connection.stateReason;
      });
      return kept;
    } catch (error) {
      if (
        !this.#stopped &&
        this.#connections.get(connection.name) === connection &&
        connection.auth.OAuthParameters === oauth
      ) {
        this.#changeState(connection, () => {
          connection.state = 'DEAUTHORIZED';
          // ConnectionStateReason holds at most 512 characters in AWS's model; the endpoint's words could be more.
          // Cut on a character's boundary, should they ever hold more than ASCII (today they cannot).
          connection.stateReason = unitsPrefix(
            `The OAuth token request failed: ${error instanceof Error ? error.message : String(error)}`,
            512,
          );
        });
        this.options.logger.warn(`[eventbridge] connection ${connection.name}: ${connection.stateReason}`);
      }
      throw error;
    }
  }

  describeConnection(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD);
    req.check();
    const c = this.#connection(name);
    const auth = publicAuth(c.auth);
    return {
      ConnectionArn: c.arn,
      Name: c.name,
      ...(c.description !== undefined ? { Description: c.description } : {}),
      ConnectionState: c.state,
      ...(c.stateReason !== undefined ? { StateReason: c.stateReason } : {}),
      AuthorizationType: c.authorizationType,
      ...(c.secretArn !== undefined ? { SecretArn: c.secretArn } : {}),
      ...(c.kmsKeyIdentifier !== undefined ? { KmsKeyIdentifier: c.kmsKeyIdentifier } : {}),
      ...(Object.keys(auth).length > 0 ? { AuthParameters: auth } : {}),
      CreationTime: epochSeconds(c.creationTime),
      LastModifiedTime: epochSeconds(c.lastModifiedTime),
      ...(c.lastAuthorizedTime !== undefined
        ? { LastAuthorizedTime: epochSeconds(c.lastAuthorizedTime) }
        : {}),
    };
  }

  updateConnection(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD);
    const description = req.string('Description', DESCRIPTION_FIELD);
    const type = req.enumValue('AuthorizationType', AUTHORIZATION_TYPES);
    const given = readAuthParameters(req.member('AuthParameters'), false);
    const kmsKey = req.string('KmsKeyIdentifier', KMS_KEY_FIELD);
    readConnectivity(req.member('InvocationConnectivityParameters'));
    req.check();
    refusePrivateConnectivity(body);
    const c = this.#connection(name);
    const reauthorize = type !== undefined || given !== undefined;
    // Checked whole before anything changes: a refused update leaves the connection as it was.
    const authorizationType = type ?? c.authorizationType;
    // Another type's blocks go with a change of type; the invocation parameters, which belong to no type, stay.
    const invocation = c.auth.InvocationHttpParameters;
    const kept =
      authorizationType === c.authorizationType
        ? c.auth
        : invocation
          ? { InvocationHttpParameters: invocation }
          : {};
    const auth = reauthorize ? completeAuth(authorizationType, kept, given ?? {}) : c.auth;
    if (description !== undefined) c.description = description;
    if (kmsKey !== undefined) {
      if (kmsKey) c.kmsKeyIdentifier = kmsKey;
      else delete c.kmsKeyIdentifier;
    }
    c.lastModifiedTime = Date.now();
    this.#announce(c, 'Update Started');
    if (reauthorize) {
      c.authorizationType = authorizationType;
      c.auth = auth;
      c.secretArn ??= this.#newSecretArn(c.name);
      this.#authorize(c);
    }
    this.#save();
    return this.#connectionChange(c, c.state);
  }

  /** What UpdateConnection, DeleteConnection and DeauthorizeConnection answer. */
  #connectionChange(c: Connection, state: ConnectionState): JsonObject {
    return {
      ConnectionArn: c.arn,
      ConnectionState: state,
      CreationTime: epochSeconds(c.creationTime),
      LastModifiedTime: epochSeconds(c.lastModifiedTime),
      ...(c.lastAuthorizedTime !== undefined
        ? { LastAuthorizedTime: epochSeconds(c.lastAuthorizedTime) }
        : {}),
    };
  }

  /**
   * Deleted at once, answering DELETING as AWS does (recorded). Its API destinations stay and go INACTIVE: AWS's
   * model lists no error for a connection in use.
   */
  deleteConnection(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD);
    req.check();
    const c = this.#connection(name);
    this.#announce(c, 'Deletion Started');
    this.#changeState(c, () => this.#connections.delete(c.name), false);
    this.#tokens.delete(c.arn);
    this.#save();
    return this.#connectionChange(c, 'DELETING');
  }

  /** Removes the authorization parameters (and the secret); the connection answers DEAUTHORIZING, then is DEAUTHORIZED. */
  deauthorizeConnection(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD);
    req.check();
    const c = this.#connection(name);
    this.#announce(c, 'Deauthorization Started');
    c.auth = {};
    c.secretArn = undefined;
    this.#changeState(c, () => {
      c.state = 'DEAUTHORIZED';
      c.stateReason = 'The authorization parameters were removed by DeauthorizeConnection.';
    });
    c.lastModifiedTime = Date.now();
    this.#tokens.delete(c.arn);
    this.#save();
    return this.#connectionChange(c, 'DEAUTHORIZING');
  }

  listConnections(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const prefix = req.string('NamePrefix', { ...NAME_FIELD, required: false });
    const state = req.enumValue('ConnectionState', CONNECTION_STATES);
    const { nextToken, limit } = req.paging();
    req.check();
    const matching = [...this.#connections.values()].filter(
      (c) =>
        (prefix === undefined || c.name.startsWith(prefix)) && (state === undefined || c.state === state),
    );
    const { items, nextToken: next } = page(matching, nextToken, limit, {
      filter: JSON.stringify(['ListConnections', prefix, state]),
      key: (c) => c.name,
    });
    return {
      // AWS's Connection shape: no description, parameters or secret (recorded).
      Connections: items.map((c) => ({
        ConnectionArn: c.arn,
        Name: c.name,
        ConnectionState: c.state,
        ...(c.stateReason !== undefined ? { StateReason: c.stateReason } : {}),
        AuthorizationType: c.authorizationType,
        CreationTime: epochSeconds(c.creationTime),
        LastModifiedTime: epochSeconds(c.lastModifiedTime),
        ...(c.lastAuthorizedTime !== undefined
          ? { LastAuthorizedTime: epochSeconds(c.lastAuthorizedTime) }
          : {}),
      })),
      ...(next ? { NextToken: next } : {}),
    };
  }

  /** Sends AWS's connection state event `Connection <status>` for the connection as it is now. */
  #announce(c: Connection, status: string): void {
    this.options.emit?.(`Connection ${status}`, [c.arn], {
      ConnectionName: c.name,
      ...(c.stateReason !== undefined ? { StateReason: c.stateReason } : {}),
      Timestamp: eventTimestamp(Date.now()),
    });
  }

  /**
   * Runs a change to a connection, then sends the state events of what it changed: the connection's new state
   * (unless `announce` is false, or the state stayed), and each of its API destinations it turned ACTIVE or INACTIVE.
   */
  #changeState(c: Connection, change: () => void, announce = true): void {
    const destinations = [...this.#destinations.values()].filter((d) => d.connectionArn === c.arn);
    const before = { state: c.state, destinations: destinations.map((d) => this.#stateOf(d)) };
    change();
    if (announce && c.state !== before.state) {
      const status = CONNECTION_STATUS_EVENTS[c.state];
      if (status !== undefined) this.#announce(c, status);
    }
    destinations.forEach((d, i) => {
      const now = this.#stateOf(d);
      if (now === before.destinations[i]) return;
      this.options.emit?.(
        now === 'ACTIVE' ? 'API Destination Activated' : 'API Destination Deactivated',
        [d.arn],
        { ApiDestinationName: d.name, Timestamp: eventTimestamp(Date.now()) },
      );
    });
  }

  // ---- API destinations ----

  /** ACTIVE while its connection is authorized (AWS: an API destination on an unauthorized connection is INACTIVE). */
  #stateOf(d: ApiDestination): 'ACTIVE' | 'INACTIVE' {
    const c = byArn(this.#connections, d.connectionArn);
    return c?.state === 'AUTHORIZED' ? 'ACTIVE' : 'INACTIVE';
  }

  #existingConnection(arn: string): void {
    if (byArn(this.#connections, arn)) return;
    const name = /connection\/([^/]+)\//.exec(arn)?.[1] ?? arn;
    throw notFound(`Failed to describe the connection(s). Connection '${name}' does not exist.`);
  }

  createApiDestination(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD) ?? '';
    const description = req.string('Description', DESCRIPTION_FIELD);
    const connection = req.string('ConnectionArn', { required: true, ...CONNECTION_ARN_FIELD }) ?? '';
    const endpoint = req.string('InvocationEndpoint', { required: true, ...ENDPOINT_FIELD }) ?? '';
    const method = req.enumValue('HttpMethod', HTTP_METHODS);
    req.require('HttpMethod');
    const rate = req.integer('InvocationRateLimitPerSecond', { min: 1 });
    req.check();
    if (this.#destinations.has(name)) throw alreadyExists(`An api-destination '${name}' already exists.`);
    this.#existingConnection(connection);
    checkEndpoint(endpoint, 'InvocationEndpoint');
    if (this.#destinations.size >= MAX_API_DESTINATIONS) throw limitExceeded();
    const now = Date.now();
    const d: ApiDestination = {
      name,
      arn: apiDestinationArn(this.options.scope, name, randomUUID()),
      ...(description !== undefined ? { description } : {}),
      connectionArn: connection,
      invocationEndpoint: endpoint,
      httpMethod: method ?? 'POST',
      invocationRateLimitPerSecond: rate ?? DEFAULT_RATE_LIMIT,
      creationTime: now,
      lastModifiedTime: now,
    };
    this.#destinations.set(name, d);
    this.#save();
    return this.#destinationChange(d);
  }

  #destinationChange(d: ApiDestination): JsonObject {
    return {
      ApiDestinationArn: d.arn,
      ApiDestinationState: this.#stateOf(d),
      CreationTime: epochSeconds(d.creationTime),
      LastModifiedTime: epochSeconds(d.lastModifiedTime),
    };
  }

  /** AWS's ApiDestination shape, which ListApiDestinations shows: DescribeApiDestination adds the description. */
  #destinationSummary(d: ApiDestination): JsonObject {
    return {
      ApiDestinationArn: d.arn,
      Name: d.name,
      ApiDestinationState: this.#stateOf(d),
      ConnectionArn: d.connectionArn,
      InvocationEndpoint: d.invocationEndpoint,
      HttpMethod: d.httpMethod,
      InvocationRateLimitPerSecond: d.invocationRateLimitPerSecond,
      CreationTime: epochSeconds(d.creationTime),
      LastModifiedTime: epochSeconds(d.lastModifiedTime),
    };
  }

  describeApiDestination(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD);
    req.check();
    const d = this.#destination(name);
    const { ApiDestinationArn, Name, ...rest } = this.#destinationSummary(d);
    return {
      ApiDestinationArn,
      Name,
      ...(d.description !== undefined ? { Description: d.description } : {}),
      ...rest,
    };
  }

  updateApiDestination(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD);
    const description = req.string('Description', DESCRIPTION_FIELD);
    const connection = req.string('ConnectionArn', CONNECTION_ARN_FIELD);
    const endpoint = req.string('InvocationEndpoint', ENDPOINT_FIELD);
    const method = req.enumValue('HttpMethod', HTTP_METHODS);
    const rate = req.integer('InvocationRateLimitPerSecond', { min: 1 });
    req.check();
    const d = this.#destination(name);
    if (connection !== undefined) this.#existingConnection(connection);
    if (endpoint !== undefined) checkEndpoint(endpoint, 'InvocationEndpoint');
    // What is left out stays (recorded: an update without a rate kept it).
    if (description !== undefined) d.description = description;
    if (connection !== undefined) d.connectionArn = connection;
    if (endpoint !== undefined) d.invocationEndpoint = endpoint;
    if (method !== undefined) d.httpMethod = method;
    if (rate !== undefined) d.invocationRateLimitPerSecond = rate;
    d.lastModifiedTime = Date.now();
    this.#save();
    return this.#destinationChange(d);
  }

  deleteApiDestination(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const name = req.string('Name', NAME_FIELD);
    req.check();
    const d = this.#destination(name);
    this.#destinations.delete(d.name);
    this.#nextSlot.delete(d.arn);
    this.#save();
    return {};
  }

  listApiDestinations(body: JsonObject): JsonObject {
    const req = new RequestReader(body);
    const prefix = req.string('NamePrefix', { ...NAME_FIELD, required: false });
    const connection = req.string('ConnectionArn', CONNECTION_ARN_FIELD);
    const { nextToken, limit } = req.paging();
    req.check();
    const matching = [...this.#destinations.values()].filter(
      (d) =>
        (prefix === undefined || d.name.startsWith(prefix)) &&
        (connection === undefined || d.connectionArn === connection),
    );
    const { items, nextToken: next } = page(matching, nextToken, limit, {
      filter: JSON.stringify(['ListApiDestinations', prefix, connection]),
      key: (d) => d.name,
    });
    return {
      ApiDestinations: items.map((d) => this.#destinationSummary(d)),
      ...(next ? { NextToken: next } : {}),
    };
  }

  // ---- calls ----

  /**
   * Calls an API destination target with one event's input, as EventBridge does: at most
   * InvocationRateLimitPerSecond calls a second (later ones wait their turn), the connection's authorization and
   * parameters over the target's, and AWS's retry rules for the answer (api-destination-call.ts).
   */
  async call(
    arn: string,
    payload: string,
    event: DeliveredEvent,
    http: HttpParameters | undefined,
    deadline: number,
  ): Promise<void> {
    // Before waiting a turn: a call that cannot be made takes none.
    const waiting = this.#resolve(arn);
    refuseUnauthorized(waiting.connection);
    // An OAuth token in hand before the turn is taken: calls that took theirs and then waited for one token would
    // all go out the moment it came, past the rate (comment review, 2026-12-05).
    const credentials = waiting.connection.auth;
    const header = await this.#authorizationHeader(waiting.connection);
    await this.#waitForSlot(waiting.destination, deadline);
    // Again after the wait: the API destination or its connection may have been changed or deleted meanwhile.
    const { destination, connection } = this.#resolve(arn);
    // The credentials this call is made with: an answer to them says nothing of others given since.
    const auth = connection.auth;
    refuseUnauthorized(connection);
    // The header got before the turn, unless the credentials were changed or the token ran out during the wait.
    const token = this.#tokens.get(connection.arn);
    const authorization =
      auth === credentials && (token === undefined || token.expiresAt > performance.now())
        ? header
        : await this.#authorizationHeader(connection);
    const result = await this.#withSignal((signal) =>
      callEndpoint(
        {
          endpoint: destination.invocationEndpoint,
          method: destination.httpMethod,
          payload,
          event: event.event,
          target: http,
          connection: auth.InvocationHttpParameters ?? {},
          authorization,
        },
        signal,
        this.options.httpTimeoutMs,
      ),
    );
    this.#afterCall(connection, auth, result);
  }

  /** An API destination target's destination and connection, or a failure when either is gone. */
  #resolve(arn: string): { destination: ApiDestination; connection: Connection } {
    const destination = byArn(this.#destinations, arn);
    if (!destination)
      throw new DeliveryFailureError('NO_RESOURCE', `API destination ${arn} does not exist.`, false);
    const connection = byArn(this.#connections, destination.connectionArn);
    if (!connection) {
      throw new DeliveryFailureError(
        'NO_RESOURCE',
        `The connection ${destination.connectionArn} of API destination ${destination.name} does not exist.`,
        false,
      );
    }
    return { destination, connection };
  }

  /** The Authorization (or API key) header for a call, or a failure when the connection cannot authorize it. */
  async #authorizationHeader(c: Connection): Promise<[string, string]> {
    refuseUnauthorized(c);
    const { BasicAuthParameters: basic, ApiKeyAuthParameters: key } = c.auth;
    if (c.authorizationType === 'BASIC') {
      const pair = Buffer.from(`${basic?.Username ?? ''}:${basic?.Password ?? ''}`).toString('base64');
      return ['authorization', `Basic ${pair}`];
    }
    if (c.authorizationType === 'API_KEY') return [key?.ApiKeyName ?? '', key?.ApiKeyValue ?? ''];
    const cached = this.#tokens.get(c.arn);
    if (cached && cached.expiresAt - performance.now() > TOKEN_REFRESH_MS)
      return ['authorization', cached.header];
    try {
      return ['authorization', (await this.#token(c)).header];
    } catch (error) {
      // A request for credentials an update has replaced since fails without deauthorizing: a retry uses the new.
      const replaced = !this.#stopped && this.#connections.get(c.name) === c && c.state !== 'DEAUTHORIZED';
      throw new DeliveryFailureError(
        'NO_PERMISSIONS',
        replaced
          ? 'The connection changed while its token was requested.'
          : (c.stateReason ?? 'The OAuth token request failed.'),
        replaced,
        { cause: error },
      );
    } finally {
      // Authorized again (LastAuthorizedTime) or deauthorized.
      this.#save();
    }
  }

  /**
   * A 401 or 407: AWS deauthorizes a Basic or API key connection ("EventBridge receives a 401 (UnAuthorize) or 407
   * (Proxy_Authentication_required) error code"), and refreshes an OAuth connection's token at the next call.
   */
  #afterCall(c: Connection, auth: AuthParameters, result: CallResult): void {
    if (result.ok) return;
    // Only if the connection is still there with the credentials the call used, and the store running.
    const current = !this.#stopped && this.#connections.get(c.name) === c && c.auth === auth;
    if ((result.status === 401 || result.status === 407) && current) {
      if (c.authorizationType === 'OAUTH_CLIENT_CREDENTIALS') this.#tokens.delete(c.arn);
      else {
        this.#changeState(c, () => {
          c.state = 'DEAUTHORIZED';
          c.stateReason = `The endpoint answered HTTP ${result.status} to the connection's credentials.`;
        });
        this.options.logger.warn(`[eventbridge] connection ${c.name} deauthorized: ${c.stateReason}`);
        this.#save();
      }
    }
    throw result.failure;
  }

  /**
   * Waits for the destination's next turn. A turn past the event's age limit is not taken: the call fails as
   * throttled, asking for a retry after the wait, which the age limit then refuses (AWS: "if you set the invocation
   * rate maximum to a value lower the rate necessary ... some events may not be delivered within the 24-hour retry
   * window").
   */
  async #waitForSlot(d: ApiDestination, deadline: number): Promise<void> {
    // Turns are counted on the monotonic clock: on the wall clock, one set back an hour (NTP, a VM resumed) put every
    // destination called in the hour before an hour from its next turn, and a call waited that long in a timer the
    // clock's being put right did not shorten (clock review, 2026-12-06). The deadline is the event's, on the wall
    // clock: compared as the time left to it.
    const now = performance.now();
    const interval = (1000 / d.invocationRateLimitPerSecond) * this.options.delayScale;
    const slot = Math.max(now, this.#nextSlot.get(d.arn) ?? 0);
    if (slot - now > deadline - Date.now()) {
      throw new DeliveryFailureError(
        'THROTTLING',
        `API destination ${d.name} is at its InvocationRateLimitPerSecond (${d.invocationRateLimitPerSecond}).`,
        true,
        { retryAfterMs: (slot - now) / this.options.delayScale },
      );
    }
    this.#nextSlot.set(d.arn, slot + interval);
    if (slot <= now) return;
    await new Promise<void>((resolve, reject) => {
      const wait = {
        timer: setTimeout(() => {
          this.#waits.delete(wait);
          resolve();
        }, slot - now),
        cancel: () =>
          reject(new DeliveryFailureError('INTERNAL_ERROR', 'The embedded EventBridge stopped.', false)),
      };
      this.#waits.add(wait);
    });
  }

  // ---- kept across restarts (dataDir) ----

  #save(): void {
    const dir = this.options.dataDir;
    if (dir === undefined || this.#stopped) return;
    this.options.writer.replace(join(dir, FILE), () =>
      JSON.stringify(
        { connections: [...this.#connections.values()], apiDestinations: [...this.#destinations.values()] },
        null,
        1,
      ),
    );
  }

  #load(): void {
    const dir = this.options.dataDir;
    if (dir === undefined) return;
    const saved: { connections?: Connection[]; apiDestinations?: ApiDestination[] } | undefined =
      readStateFile(join(dir, FILE), {
        connections: ['arn', 'authorizationType', 'state'],
        apiDestinations: ['arn', 'connectionArn', 'invocationEndpoint', 'httpMethod'],
      });
    if (!saved) return;
    // Written readable by all before 3ea99ae, and only rewritten when a connection changes: closed at once.
    chmodSync(join(dir, FILE), 0o600);
    for (const c of saved.connections ?? []) {
      this.#connections.set(c.name, c);
      // A token exchange the last process did not finish is done again; an authorized connection's token (kept in
      // memory only) is fetched at its first call.
      if (c.authorizationType === 'OAUTH_CLIENT_CREDENTIALS' && c.state === 'AUTHORIZING') this.#authorize(c);
    }
    for (const d of saved.apiDestinations ?? []) this.#destinations.set(d.name, d);
  }
}

/**
 * A connection or API destination by its ARN (`.../NAME/UUID`): by name, then only if it is the one of that ARN (one
 * made again under the name has another UUID).
 */
function byArn<T extends { readonly arn: string }>(
  items: ReadonlyMap<string, T>,
  arn: string,
): T | undefined {
  const name = /^arn:[^:]+:events:[^:]*:[^:]*:(?:connection|api-destination)\/([^/]+)\//.exec(arn)?.[1];
  const item = name === undefined ? undefined : items.get(name);
  return item?.arn === arn ? item : undefined;
}

/** A call over a connection that is not authorized fails: retried while OAuth is still authorizing, else not. */
function refuseUnauthorized(c: Connection): void {
  if (c.state === 'AUTHORIZED') return;
  if (c.state === 'AUTHORIZING') {
    throw new DeliveryFailureError(
      'NO_PERMISSIONS',
      `The connection ${c.name} is still being authorized.`,
      true,
    );
  }
  throw new DeliveryFailureError(
    'NO_PERMISSIONS',
    `The connection ${c.name} is ${c.state}${c.stateReason ? `: ${c.stateReason}` : ''}`,
    false,
  );
}

/** AuthParameters as DescribeConnection shows them: no password, key value, client secret, nor secret values. */
function publicAuth(auth: AuthParameters): JsonObject {
  const out: JsonObject = {};
  const { BasicAuthParameters: basic, ApiKeyAuthParameters: key, OAuthParameters: oauth } = auth;
  if (basic) out.BasicAuthParameters = { Username: basic.Username };
  if (key) out.ApiKeyAuthParameters = { ApiKeyName: key.ApiKeyName };
  if (oauth) {
    out.OAuthParameters = {
      ClientParameters: { ClientID: oauth.ClientParameters?.ClientID },
      AuthorizationEndpoint: oauth.AuthorizationEndpoint,
      HttpMethod: oauth.HttpMethod,
      ...(oauth.OAuthHttpParameters
        ? { OAuthHttpParameters: publicParameters(oauth.OAuthHttpParameters) }
        : {}),
    };
  }
  if (auth.InvocationHttpParameters)
    out.InvocationHttpParameters = publicParameters(auth.InvocationHttpParameters);
  return out;
}

/** A parameter marked IsValueSecret is shown without its value (AWS keeps those values in the secret). */
function publicParameters(parameters: ConnectionHttpParameters): JsonObject {
  return Object.fromEntries(
    Object.entries(parameters).map(([list, items]) => [
      list,
      (items ?? []).map(({ Key, Value, IsValueSecret }) =>
        IsValueSecret ? { Key, IsValueSecret } : { Key, Value, IsValueSecret: IsValueSecret ?? false },
      ),
    ]),
  );
}

/**
 * A connection's auth blocks after a create or update: `given` over `kept` (an update names only what changes),
 * then held to the authorization type: its block, complete, and no other type's.
 */
function completeAuth(type: AuthorizationType, kept: AuthParameters, given: AuthParameters): AuthParameters {
  const wanted = AUTH_BLOCKS[type];
  for (const other of Object.values(AUTH_BLOCKS)) {
    if (other !== wanted && given[other] !== undefined) {
      throw validationError(`Parameter(s) ${other} cannot be used with AuthorizationType ${type}.`);
    }
  }
  const merged: AuthParameters = {
    ...(kept.InvocationHttpParameters ? { InvocationHttpParameters: kept.InvocationHttpParameters } : {}),
    ...(given.InvocationHttpParameters ? { InvocationHttpParameters: given.InvocationHttpParameters } : {}),
  };
  const missing = (members: string[]): never => {
    throw validationError(
      `Parameter(s) ${members.join(', ')} must be specified in ${wanted} for AuthorizationType ${type}.`,
    );
  };
  if (type === 'BASIC') {
    const basic = { ...kept.BasicAuthParameters, ...given.BasicAuthParameters };
    const absent = (['Username', 'Password'] as const).filter((k) => basic[k] === undefined);
    if (absent.length > 0) missing(absent);
    merged.BasicAuthParameters = basic;
  } else if (type === 'API_KEY') {
    const key = { ...kept.ApiKeyAuthParameters, ...given.ApiKeyAuthParameters };
    const absent = (['ApiKeyName', 'ApiKeyValue'] as const).filter((k) => key[k] === undefined);
    if (absent.length > 0) missing(absent);
    merged.ApiKeyAuthParameters = key;
  } else {
    const before = kept.OAuthParameters ?? {};
    const now = given.OAuthParameters ?? {};
    const oauth: OAuth = {
      ...before,
      ...now,
      ClientParameters: { ...before.ClientParameters, ...now.ClientParameters },
    };
    const absent = [
      ...(oauth.ClientParameters?.ClientID === undefined ? ['ClientParameters.ClientID'] : []),
      ...(oauth.ClientParameters?.ClientSecret === undefined ? ['ClientParameters.ClientSecret'] : []),
      ...(oauth.AuthorizationEndpoint === undefined ? ['AuthorizationEndpoint'] : []),
      ...(oauth.HttpMethod === undefined ? ['HttpMethod'] : []),
    ];
    if (absent.length > 0) missing(absent);
    checkEndpoint(oauth.AuthorizationEndpoint ?? '', 'AuthorizationEndpoint');
    merged.OAuthParameters = oauth;
  }
  return merged;
}

/** An endpoint must be a URL an HTTP request can go to: AWS's model pattern lets through text that is none. */
function checkEndpoint(endpoint: string, member: 'InvocationEndpoint' | 'AuthorizationEndpoint'): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw validationError(
      `Parameter ${endpoint} is not valid. Reason: the endpoint must be an https:// URL.`,
    );
  }
  // AWS calls only HTTPS endpoints; here http:// is taken too, for receivers on this machine.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw validationError(
      `Parameter ${endpoint} is not valid. Reason: the endpoint must be an https:// URL.`,
    );
  }
  // Credentials belong in the connection, not written in the URL (browsers' fetch refuses them; we refuse them too).
  if (url.username !== '' || url.password !== '') {
    // Not quoted: what it would quote is a password.
    throw validationError(
      `Parameter ${member} is not valid. Reason: the endpoint must not hold credentials; a connection holds them.`,
    );
  }
}

/**
 * AuthParameters held to AWS's model (CreateConnectionAuthRequestParameters, or on update its copy whose members
 * are all optional), read as given: undefined when the request has none.
 */
function readAuthParameters(req: RequestReader | undefined, create: boolean): AuthParameters | undefined {
  if (!req) return undefined;
  const field = { required: create, ...AUTH_HEADER_FIELD };
  const secret = { ...field, sensitive: true };
  const out: AuthParameters = {};
  const basic = req.member('BasicAuthParameters');
  if (basic) {
    out.BasicAuthParameters = defined({
      Username: basic.string('Username', field),
      Password: basic.string('Password', secret),
    });
  }
  const key = req.member('ApiKeyAuthParameters');
  if (key) {
    out.ApiKeyAuthParameters = defined({
      ApiKeyName: key.string('ApiKeyName', field),
      ApiKeyValue: key.string('ApiKeyValue', secret),
    });
  }
  const oauth = req.member('OAuthParameters');
  if (oauth) {
    const client = oauth.member('ClientParameters');
    if (create) oauth.require('ClientParameters');
    const endpoint = oauth.string('AuthorizationEndpoint', { required: create, ...ENDPOINT_FIELD });
    const method = oauth.enumValue('HttpMethod', ['GET', 'POST', 'PUT'] as const);
    if (create) oauth.require('HttpMethod');
    const parameters = readHttpParameters(oauth.member('OAuthHttpParameters'));
    out.OAuthParameters = defined({
      ClientParameters: client
        ? defined({
            ClientID: client.string('ClientID', field),
            ClientSecret: client.string('ClientSecret', secret),
          })
        : undefined,
      AuthorizationEndpoint: endpoint,
      HttpMethod: method,
      OAuthHttpParameters: parameters,
    });
  }
  const invocation = readHttpParameters(req.member('InvocationHttpParameters'));
  if (invocation) out.InvocationHttpParameters = invocation;
  readConnectivity(req.member('ConnectivityParameters'));
  return out;
}

/** ConnectionHttpParameters: up to 100 headers, query strings and body parameters, each `{Key, Value, IsValueSecret}`. */
function readHttpParameters(req: RequestReader | undefined): ConnectionHttpParameters | undefined {
  if (!req) return undefined;
  const out: ConnectionHttpParameters = {};
  for (const [list, rules] of Object.entries(PARAMETER_LISTS) as Array<
    [ParameterListName, (typeof PARAMETER_LISTS)[ParameterListName]]
  >) {
    // Their values are secrets (below): a list too long is named, not printed.
    const items = req.array(list, { min: 0, max: 100, sensitive: true });
    if (!items) continue;
    out[list] = items.map((item, i) => {
      const member = req.listMember(item, list, i);
      const key = member.string('Key', rules.key);
      // Every parameter value is a secret in AWS's model (HeaderValueSensitive, ...), not only IsValueSecret ones.
      const value = member.string('Value', { ...rules.value, sensitive: true });
      const secret = member.boolean('IsValueSecret');
      return {
        Key: key ?? '',
        Value: value ?? '',
        ...(secret !== undefined ? { IsValueSecret: secret } : {}),
      };
    });
  }
  return out;
}

/** The private-API parameters (VPC Lattice), read for their constraints; refused after (refusePrivateConnectivity). */
function readConnectivity(req: RequestReader | undefined): void {
  req
    ?.member('ResourceParameters')
    ?.string('ResourceConfigurationArn', { required: true, ...RESOURCE_CONFIGURATION_FIELD });
  req?.require('ResourceParameters');
}

function refusePrivateConnectivity(body: JsonObject): void {
  const auth = isObject(body.AuthParameters) ? body.AuthParameters : {};
  if (body.InvocationConnectivityParameters !== undefined || auth.ConnectivityParameters !== undefined) {
    throw validationError(
      'Connections to private APIs (InvocationConnectivityParameters, ConnectivityParameters) are not supported by the embedded EventBridge.',
    );
  }
}

/** The object without its undefined members (exactOptionalPropertyTypes). */
function defined<T extends object>(value: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The `Connection <status>` event AWS sends when a connection reaches a state (its events reference). */
const CONNECTION_STATUS_EVENTS: Partial<Record<ConnectionState, string>> = {
  AUTHORIZED: 'Authorized',
  AUTHORIZING: 'Authorization Started',
  DEAUTHORIZED: 'Deauthorized',
};

/** The `Timestamp` of AWS's connection and API destination events: `2024-10-24 09:26:35 +0000 UTC`. */
function eventTimestamp(epochMs: number): string {
  const iso = new Date(epochMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
