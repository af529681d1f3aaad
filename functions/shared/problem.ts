// RFC 9457 problem documents, the body of every error answer.
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { SharebusError } from './errors.js';

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

export function problemOf(error: unknown): Problem {
  if (error instanceof SharebusError && error.expose) {
    return {
      ...error.extensions,
      type: `urn:sharebus:problem:${error.code}`,
      title: TITLES[error.status] ?? 'Error',
      status: error.status,
      code: error.code,
      detail: error.message,
      ...(error.fields.length > 0 ? { errors: error.fields } : {}),
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
