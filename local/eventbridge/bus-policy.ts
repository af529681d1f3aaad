// A bus's resource policy (PutPermission, RemovePermission, DescribeEventBus's Policy): kept and shown as AWS
// builds it. Nothing here enforces it: one process is one account, so no other account ever calls.
import { EventBridgeApiError, validationError } from './errors.js';
import { isObject, type JsonObject, type RequestReader } from './request.js';

/**
 * "The permission policy on the event bus cannot exceed 10 KB in size" (PutPermission's reference), counted in
 * characters: "Event bus policy size ... 10,240 ... Maximum policy size, in characters" (AWS's quotas page). UTF-16
 * units, as Java's String.length() counts them; before (2026-12-08) UTF-8 bytes were counted, which refused a
 * policy with non-ASCII text well short of the quota.
 */
export const MAX_POLICY_CHARACTERS = 10_240;

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
 * is named in the bus's partition. `lenient` (replaying a journal) skips the checks added on 2026-12-03 (the
 * condition's type and key, a policy's statements and resources), which an earlier version's log may not pass.
 */
export function readPermission(
  req: RequestReader,
  partition: string,
  lenient = false,
): () => PermissionRequest {
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
    if (policy !== undefined) return { policy: parsePolicy(policy, lenient) };
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
    // "Currently the only supported value is StringEquals" and "the only supported key is aws:PrincipalOrgID"
    // (the Condition reference); the words of the refusal are ours, in the style of the action's above.
    if (condition && !lenient && type !== 'StringEquals') {
      throw validationError(
        "Provided value in parameter 'condition.type' is not supported: the only supported type is StringEquals.",
      );
    }
    if (condition && !lenient && key !== 'aws:PrincipalOrgID') {
      throw validationError(
        "Provided value in parameter 'condition.key' is not supported: the only supported key is aws:PrincipalOrgID.",
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

function parsePolicy(text: string, lenient: boolean): PolicyDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validationError('This policy contains invalid Json');
  }
  if (!isObject(parsed)) throw validationError('This policy contains invalid Json');
  // IAM's grammar takes one statement or a list of them; kept as a list, which later statements join and leave by
  // their Sid. A policy needs one (the words of both refusals are ours: AWS's are not recorded).
  const given = parsed.Statement;
  // Replaying a journal: one statement is made a list of one all the same (later statements join it), while a
  // policy the checks below would refuse is kept as it was.
  if (lenient && isObject(given)) return { ...parsed, Statement: [given] } as PolicyDocument;
  if (lenient && !(Array.isArray(given) && given.every(isObject))) return parsed as PolicyDocument;
  if (given === undefined || given === null)
    throw validationError('The policy is not valid: it has no Statement.');
  const statements = Array.isArray(given) ? given : [given];
  if (!statements.every(isObject)) {
    throw validationError('The policy is not valid: each of its statements must be an object.');
  }
  return { ...parsed, Statement: statements } as PolicyDocument;
}

/**
 * Refuses a policy naming another bus as a Resource (another bus's ARN, or a custom bus's on the default bus when
 * EventBusName is left out), in the words AWS answered (hashicorp/terraform-provider-aws#27976,
 * aws/aws-cdk#14371). `*` and ARNs of other kinds of resource (the bus's rules) pass.
 */
function refuseOtherBuses(policy: PolicyDocument, busArn: string): void {
  for (const statement of policy.Statement ?? []) {
    const given = statement.Resource;
    for (const resource of Array.isArray(given) ? given : [given]) {
      if (typeof resource !== 'string' || resource === busArn) continue;
      const relative = /^arn:[^:]+:events:[^:]*:[^:]*:(event-bus\/.+)$/.exec(resource)?.[1];
      if (relative === undefined) continue;
      if (!busArn.endsWith(`:${relative}`))
        throw validationError(`The relative-id "${relative}" is invalid for ARN "${resource}"`);
      // This bus's name in another account or region: AWS's answer is not recorded, and its words above would
      // call a right relative-id wrong.
      throw validationError(`The Resource ${resource} is not this event bus, ${busArn}.`);
    }
  }
}

/** The bus's policy once the request is applied, or PolicyLengthExceededException past 10,240 characters. */
export function applyPermission(
  current: PolicyDocument | undefined,
  request: PermissionRequest,
  busArn: string,
  lenient = false,
): PolicyDocument {
  let next: PolicyDocument;
  if ('policy' in request) {
    if (!lenient) refuseOtherBuses(request.policy, busArn);
    next = request.policy;
  } else {
    // A statement given again under its Sid replaces the one before (as Lambda's and SNS's permissions do).
    const statement = { ...request.statement, Resource: busArn };
    const others = (current?.Statement ?? []).filter((s) => s.Sid !== statement.Sid);
    next = { Version: current?.Version ?? '2012-10-17', ...current, Statement: [...others, statement] };
  }
  if (JSON.stringify(next).length > MAX_POLICY_CHARACTERS) {
    throw new EventBridgeApiError(
      'PolicyLengthExceededException',
      `The event bus policy would be longer than ${MAX_POLICY_CHARACTERS} characters.`,
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
