// Runs the Lambda handlers of functions/ in this process, unchanged: each is imported from its entry file
// (the same file CDK bundles) and called with an event and a Lambda-shaped context.
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionName } from '../../functions/routes.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export type LocalHandler = (event: unknown, context: Context) => Promise<unknown>;
export type LocalHandlers = Readonly<Record<FunctionName, LocalHandler>>;

/** Local function names mirror the deployed ones: `sharebus-<name>`. */
export function localFunctionName(name: FunctionName): string {
  return `sharebus-${name}`;
}

export function localFunctionArn(name: FunctionName, region: string, accountId: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${localFunctionName(name)}`;
}

/**
 * Imports every handler. Call only after the environment (endpoints, table and bus names) is set: the
 * handlers create their SDK clients at module scope, as they do in Lambda.
 */
export async function loadHandlers(): Promise<LocalHandlers> {
  const entries = await Promise.all(
    (Object.keys(FUNCTIONS) as FunctionName[]).map(async (name) => {
      const file = join(root, FUNCTIONS[name]);
      const module = (await import(pathToFileURL(file).href)) as { handler: LocalHandler };
      return [name, module.handler] as const;
    }),
  );
  return Object.fromEntries(entries) as LocalHandlers;
}

/** A Lambda context good enough for middy and Powertools: name, request id, remaining time. */
export function lambdaContext(name: FunctionName, timeoutMs = 30_000): Context {
  const deadline = Date.now() + timeoutMs;
  const functionName = localFunctionName(name);
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(name, process.env.AWS_REGION ?? 'us-east-1', '000000000000'),
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function invoke(handlers: LocalHandlers, name: FunctionName, event: unknown): Promise<unknown> {
  return handlers[name](event, lambdaContext(name));
}
