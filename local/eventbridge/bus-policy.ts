// A bus's resource policy (PutPermission, RemovePermission, DescribeEventBus's Policy): kept and shown as AWS
// builds it. Nothing here enforces it: one process is one account, so no other account ever calls.
import { EventBridgeApiError, validationError } from './errors.js';
import { isObject, type JsonObject, type RequestReader } from './request.js';

/** "The permission policy on the event bus cannot exceed 10 KB in size" (PutPermission's reference). */
export const MAX_POLICY_BYTES = 10_240;

export interface PolicyDocument extends JsonObject {
  readonly Version?: string;
  readonly Statement?: JsonObject[];
}

/** A statement's id, as PutPermission and RemovePermission take it (AWS's model). */
export const STATEMENT_ID_FIELD = {
  min: 1,
  max: 64,
  pattern: /^[a-zA-Z0-9-_]+$/,
  patternText: '[a-zA-Z0-9-_]+',
} as const;

/** What a PutPermission request asks for: a whole policy, or one statement to add (or replace) by its Sid. */
export type PermissionRequest =
  | { readonly policy: PolicyDocument }
  | { readonly statement: JsonObject & { readonly Sid: string } };

/**
 * Reads PutPermission's members (held to AWS's model at `req.check()`, which the caller runs); a principal account
 * is named in the bus's partition.
 */
export function readPermission(req: RequestReader, partition: string): () => PermissionRequest {
  const action = req.string('Action', {
    min: 1,
    max: 64,
    pattern: /^events:[a-zA-Z]+$/,
    patternText: 'events:[a-zA-Z]+',
  });
  const principal = req.string('Principal', {
    min: 1,
    max: 12,
    pattern: /^(\d{12}|\*)$/,
    patternText: '(\\d{12}|\\*)',
  });
  const statementId = req.string('StatementId', STATEMENT_ID_FIELD);
  const condition = req.member('Condition');
  const type = condition?.string('Type', { required: true });
  const key = condition?.string('Key', { required: true });
  const value = condition?.string('Value', { required: true });
  const policy = req.string('Policy');
  // The checks past the model's run once the request has passed it, so its messages come first.
  return () => {
    if (policy !== undefined) return { policy: parsePolicy(policy) };
    // The words below are those other emulators answer (moto, recorded from AWS by its authors); AWS documents none.
    if (action !== 'events:PutEvents') {
      throw validationError("Provided value in parameter 'action' is not supported.");
    }
    if (principal === undefined) throw validationError('Parameter Principal must be specified.');
    if (statementId === undefined) throw validationError('Parameter StatementId must be specified.');
    if (condition && principal !== '*') {
      throw validationError(
        "Value of the parameter 'principal' must be '*' when the parameter 'condition' is set.",
      );
    }
    return {
      statement: {
        Sid: statementId,
        Effect: 'Allow',
        Principal: principal === '*' ? '*' : { AWS: `arn:${partition}:iam::${principal}:root` },
        Action: 'events:PutEvents',
        ...(condition ? { Condition: { [type ?? '']: { [key ?? '']: value ?? '' } } } : {}),
      },
    };
  };
}

function parsePolicy(text: string): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validationError('This policy contains invalid Json');
  }
  if (!isObject(parsed)) throw validationError('This policy contains invalid Json');
  // Statements are added and removed by their Sid later, so the list must be one (the words are ours).
  const statements = parsed.Statement;
  if (statements !== undefined && !(Array.isArray(statements) && statements.every(isObject))) {
    throw validationError('The policy is not valid: its Statement must be a list of statements.');
  }
  return parsed as PolicyDocument;
}

/** The bus's policy once the request is applied, or PolicyLengthExceededException past 10 KB. */
export function applyPermission(
  current: PolicyDocument | undefined,
  request: PermissionRequest,
  busArn: string,
): PolicyDocument {
  let next: PolicyDocument;
  if ('policy' in request) next = request.policy;
  else {
    // A statement given again under its Sid replaces the one before (as Lambda's and SNS's permissions do).
    const statement = { ...request.statement, Resource: busArn };
    const others = (current?.Statement ?? []).filter((s) => s.Sid !== statement.Sid);
    next = { Version: current?.Version ?? '2012-10-17', ...current, Statement: [...others, statement] };
  }
  if (Buffer.byteLength(JSON.stringify(next)) > MAX_POLICY_BYTES) {
    throw new EventBridgeApiError(
      'PolicyLengthExceededException',
      `The event bus policy would be longer than ${MAX_POLICY_BYTES} bytes.`,
    );
  }
  return next;
}

/**
 * The policy without the statement `sid`, undefined once no statement is left; AWS's words when there is none, with
 * or without a policy (recorded by LocalStack's AWS-validated test_remove_permission_non_existing_sid).
 */
export function removeStatement(
  current: PolicyDocument | undefined,
  sid: string,
): PolicyDocument | undefined {
  const statements = current?.Statement ?? [];
  const kept = statements.filter((s) => s.Sid !== sid);
  if (kept.length === statements.length) {
    throw new EventBridgeApiError(
      'ResourceNotFoundException',
      'Statement with the provided id does not exist.',
    );
  }
  return kept.length === 0 ? undefined : { ...current, Statement: kept };
}
