// RFC 9457 problem documents, the body of every error answer.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type FieldProblem, fitting, SharebusError } from './errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors?: readonly { field: string; message: string }[];
  readonly [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/**
 * An answer stays far below Lambda's 6 MB (past it API Gateway answers a bare 500), whatever the request: it names
 * at most MAX_ANSWER_PROBLEMS fields, in at most MAX_ANSWER_PROBLEM_CHARS, each field, message and the detail
 * shortened past MAX_TEXT_CHARS (a field is the request's own key, which may be a megabyte long), and counts the rest.
 */
export const MAX_ANSWER_PROBLEMS = 1_000;
export const MAX_ANSWER_PROBLEM_CHARS = 512 * 1024;
export const MAX_TEXT_CHARS = 2_048;

/**
 * `text`, or its first MAX_TEXT_CHARS characters (fewer, rather than half a surrogate pair or half of a JSON
 * Pointer's `~0`/`~1`) and how many more there were.
 */
export function shortened(text: string): string {
  return text.length <= MAX_TEXT_CHARS ? text : cut(text, MAX_TEXT_CHARS);
}

/**
 * `text` shortened as `shortened` does, but to MAX_TEXT_CHARS characters in all, "... (N more characters)" included,
 * so that an answer shortening it again leaves it as it is: for a list of problems fitted before it reaches the
 * answer (an event's faults). Shortened twice by `shortened`, a 200 KB fault's message said "(28 more characters)".
 */
export function shortenedWhole(text: string): string {
  if (text.length <= MAX_TEXT_CHARS) return text;
  return cut(text, MAX_TEXT_CHARS - `... (${text.length} more characters)`.length);
}

/** The first `keep` characters of `text` (fewer, rather than half a surrogate pair or of `~0`/`~1`), and a count. */
function cut(text: string, keep: number): string {
  let end = keep;
  while (end > 0 && /[\uD800-\uDBFF~]/.test(text.charAt(end - 1))) end--;
  return `${text.slice(0, end)}... (${text.length - end} more characters)`;
}

/**
 * The fields an answer names, and a last line counting the faults left out: one per field, or, for a line that
 * itself counts faults (an event's "and 50 more not listed"), its count. The whole body is the JSON Pointer "".
 */
function listed(fields: readonly FieldProblem[]): FieldProblem[] {
  function* shown() {
    for (const { field, message } of fields) yield { field: shortened(field), message: shortened(message) };
  }
  const out = fitting(shown(), MAX_ANSWER_PROBLEMS, MAX_ANSWER_PROBLEM_CHARS);
  const left = fields.slice(out.length);
  if (left.length === 0) return out;
  const counted = left.some((problem) => problem.unlisted !== undefined);
  const rest = left.reduce((sum, problem) => sum + (problem.unlisted ?? 1), 0);
  out.push({
    field: '',
    message: `and ${rest} more not listed${counted ? ' (as the validator counts)' : ''}`,
  });
  return out;
}

export function problemOf(error: unknown): Problem {
  if (error instanceof SharebusError && error.expose) {
    return {
      ...error.extensions,
      type: `urn:sharebus:problem:${error.code}`,
      title: TITLES[error.status] ?? 'Error',
      status: error.status,
      code: error.code,
      detail: shortened(error.message),
      ...(error.fields.length > 0 ? { errors: listed(error.fields) } : {}),
    };
  }
  return {
    type: 'urn:sharebus:problem:internal_error',
    title: TITLES[500]!,
    status: 500,
    code: 'internal_error',
    detail: 'The request could not be completed because of an internal error; it has been logged.',
  };
}

export function problemResponse(problem: Problem): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(problem),
  };
}
