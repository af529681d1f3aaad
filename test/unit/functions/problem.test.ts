import {
  BadRequestError,
  BusUnavailableError,
  NotFoundError,
  SharebusError,
  UnprocessableError,
} from '../../../functions/shared/errors.js';
import { PROBLEM_CONTENT_TYPE, problemOf, problemResponse } from '../../../functions/shared/problem.js';

const GENERIC_500 = {
  type: 'urn:sharebus:problem:internal_error',
  title: 'Internal Server Error',
  status: 500,
  code: 'internal_error',
  detail: 'The request could not be completed because of an internal error; it has been logged.',
};

describe('problemOf', () => {
  it('shows a client error’s code, message and fields', () => {
    // Prepare
    const error = new UnprocessableError('invalid_data', 'The data does not match.', {
      fields: [{ field: '/data/companyId', message: 'is required' }],
    });
    // Act
    const problem = problemOf(error);
    // Assess
    expect(problem).toEqual({
      type: 'urn:sharebus:problem:invalid_data',
      title: 'Unprocessable Content',
      status: 422,
      code: 'invalid_data',
      detail: 'The data does not match.',
      errors: [{ field: '/data/companyId', message: 'is required' }],
    });
  });

  it('leaves errors out when no field is at fault', () => {
    // Act
    const problem = problemOf(new NotFoundError('unknown_contract', 'No such contract.'));
    // Assess
    expect(problem).not.toHaveProperty('errors');
    expect(problem.status).toBe(404);
  });

  it.each([
    { case: 'an unexpected error', error: new Error('connection to 10.0.0.7 refused') },
    {
      case: 'a server-side SharebusError',
      error: new SharebusError(500, 'db_down', 'table sharebus missing'),
    },
    { case: 'a thrown non-error', error: 'boom' },
  ])('hides the details of $case behind a generic 500', ({ error }) => {
    // Act
    const problem = problemOf(error);
    // Assess
    expect(problem).toEqual(GENERIC_500);
  });

  it('shows bus_unavailable with the accepted and failed events, though it is a 503', () => {
    // Prepare
    const error = new BusUnavailableError('The bus did not accept 1 of 2 events.', {
      extensions: { accepted: ['a'], failed: [{ eventId: 'b', code: 'InternalFailure', message: 'busy' }] },
    });
    // Act
    const problem = problemOf(error);
    // Assess
    expect(problem).toEqual({
      type: 'urn:sharebus:problem:bus_unavailable',
      title: 'Service Unavailable',
      status: 503,
      code: 'bus_unavailable',
      detail: 'The bus did not accept 1 of 2 events.',
      accepted: ['a'],
      failed: [{ eventId: 'b', code: 'InternalFailure', message: 'busy' }],
    });
  });

  it('does not let an extension overwrite the standard members', () => {
    // Prepare
    const error = new BadRequestError('invalid_request', 'Bad.', {
      extensions: { status: 200, code: 'ok', type: 'urn:x', extra: 1 },
    });
    // Act
    const problem = problemOf(error);
    // Assess
    expect(problem).toMatchObject({
      status: 400,
      code: 'invalid_request',
      type: 'urn:sharebus:problem:invalid_request',
    });
    expect(problem.extra).toBe(1);
  });
});

describe('problemResponse', () => {
  it('answers the problem’s status as application/problem+json', () => {
    // Prepare
    const problem = problemOf(new BadRequestError('malformed_json', 'Not JSON.'));
    // Act
    const response = problemResponse(problem);
    // Assess
    expect(response).toEqual({
      statusCode: 400,
      headers: { 'content-type': PROBLEM_CONTENT_TYPE },
      body: JSON.stringify(problem),
    });
    expect(PROBLEM_CONTENT_TYPE).toBe('application/problem+json');
  });
});
