// RFC 9457 problem documents, the body of every error answer.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type FieldProblem, SharebusError } from './errors.js';

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

/** `text`, or its first MAX_TEXT_CHARS characters and how many more there were. */
export function shortened(text: string): string {
  return text.length <= MAX_TEXT_CHARS
    ? text
    : `${text.slice(0, MAX_TEXT_CHARS)}... (${text.length - MAX_TEXT_CHARS} more characters)`;
}

function listed(fields: readonly FieldProblem[]): FieldProblem[] {
  const out: FieldProblem[] = [];
  let chars = 0;
  for (const problem of fields) {
    const field = shortened(problem.field);
    const message = shortened(problem.message);
    chars += field.length + message.length;
    if (out.length === MAX_ANSWER_PROBLEMS || chars > MAX_ANSWER_PROBLEM_CHARS) break;
    out.push({ field, message });
  }
  const rest = fields.length - out.length;
  if (rest > 0) out.push({ field: '/', message: `and ${rest} more not listed` });
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
