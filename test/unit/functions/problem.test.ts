import {
  BadRequestError,
  BusUnavailableError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  SharebusError,
  UnprocessableError,
  UnsupportedMediaTypeError,
} from '../../../functions/shared/errors.js';
import {
  MAX_ANSWER_PROBLEM_CHARS,
  PROBLEM_CONTENT_TYPE,
  problemOf,
  problemResponse,
} from '../../../functions/shared/problem.js';

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

  it("keeps an answer far below Lambda's 6 MB: at most 1,000 fields, 512 KB of them, each shortened", () => {
    // Prepare: 100 events of a batch, each with 101 faults named by a 13,000-character key (as a batch may carry)
    const key = '~1'.repeat(6_500);
    const fields = Array.from({ length: 100 * 101 }, (_, i) => ({
      field: `/events/${Math.floor(i / 101)}/data/${key}`,
      message: 'must be string',
    }));
    const error = new UnprocessableError(
      'invalid_data',
      `The data does not match: ${fields[0]?.field} must be string.`,
      {
        fields,
      },
    );
    // Act
    const problem = problemOf(error);
    // Assess
    const errors = problem.errors ?? [];
    expect(JSON.stringify(problem).length).toBeLessThan(600 * 1024);
    expect(errors.at(-1)).toEqual({
      field: '',
      message: `and ${fields.length - (errors.length - 1)} more not listed`,
    });
    // Cut before the ~ of a ~1 at the 2,048th character, so that what is shown is still a JSON Pointer
    const full = `/events/0/data/${key}`;
    expect(errors[0]).toEqual({
      field: `${full.slice(0, 2_047)}... (${full.length - 2_047} more characters)`,
      message: 'must be string',
    });
    expect(problem.detail).toMatch(
      /^The data does not match: \/events\/0\/data\/~1~1.*\.\.\. \(\d+ more characters\)$/,
    );
    // Under the cap, everything is named as it was
    expect(
      problemOf(new UnprocessableError('invalid_data', 'x', { fields: fields.slice(0, 3) })).errors,
    ).toHaveLength(3);
  });

  it('keeps a detail, field and message of exactly 2,048 characters whole', () => {
    // Prepare
    const text = `/${'a'.repeat(2_047)}`;
    const error = new BadRequestError('invalid_request', text, { fields: [{ field: text, message: text }] });
    // Act
    const problem = problemOf(error);
    // Assess
    expect(problem.detail).toBe(text);
    expect(problem.errors).toEqual([{ field: text, message: text }]);
  });

  it("counts the faults an event's own count line stands for among those it leaves out", () => {
    // Prepare: 20 events, each with 100 faults named and a line counting 50 more
    const fields = Array.from({ length: 20 }, (_, event) => [
      ...Array.from({ length: 100 }, (_, i) => ({
        field: `/events/${event}/data/${i}`,
        message: 'must be string',
      })),
      {
        field: `/events/${event}/data`,
        message: 'and 50 more not listed (as the validator counts)',
        unlisted: 50,
      },
    ]).flat();
    // Act
    const errors = problemOf(new UnprocessableError('invalid_data', 'x', { fields })).errors ?? [];
    // Assess: 1,000 named (9 events and 91 faults of the 10th); left: 9 faults and 50 of the 10th, 150 of each other
    expect(errors).toHaveLength(1_001);
    expect(errors.at(-1)).toEqual({
      field: '',
      message: 'and 1559 more not listed (as the validator counts)',
    });
    expect(errors[100]).toEqual({
      field: '/events/0/data',
      message: 'and 50 more not listed (as the validator counts)',
    });
  });

  it('lists faults taking exactly 512 KB of fields and messages whole, and counts one character more as left out', () => {
    // Prepare: 128 faults of 2,048 + 2,048 characters, 512 KB in all, then a 129th of 3
    const fault = { field: `/${'a'.repeat(2_047)}`, message: 'm'.repeat(2_048) };
    const exactly = Array.from({ length: 128 }, () => fault);
    expect(exactly.length * (fault.field.length + fault.message.length)).toBe(MAX_ANSWER_PROBLEM_CHARS);
    // Act
    const whole = problemOf(new UnprocessableError('invalid_data', 'x', { fields: exactly })).errors ?? [];
    const over =
      problemOf(
        new UnprocessableError('invalid_data', 'x', { fields: [...exactly, { field: '/b', message: 'c' }] }),
      ).errors ?? [];
    // Assess
    expect(whole).toEqual(exactly);
    expect(over).toEqual([...exactly, { field: '', message: 'and 1 more not listed' }]);
  });

  it.each([
    ['BadRequestError', 'Bad Request', new BadRequestError('c', 'm')],
    ['ForbiddenError', 'Forbidden', new ForbiddenError('c', 'm')],
    ['NotFoundError', 'Not Found', new NotFoundError('c', 'm')],
    ['ConflictError', 'Conflict', new ConflictError('c', 'm')],
    ['PayloadTooLargeError', 'Content Too Large', new PayloadTooLargeError('c', 'm')],
    ['UnsupportedMediaTypeError', 'Unsupported Media Type', new UnsupportedMediaTypeError('c', 'm')],
    ['UnprocessableError', 'Unprocessable Content', new UnprocessableError('c', 'm')],
  ])('titles a %s with its status’s name in RFC 9110, %s', (_, title, error) => {
    // Act
    const problem = problemOf(error);
    // Assess
    expect(problem.title).toBe(title);
  });

  it('never cuts a surrogate pair in half', () => {
    // Prepare: an emoji whose first half is the 2,048th character
    const text = `${'a'.repeat(2_047)}\u{1F600}${'b'.repeat(10)}`;
    // Act
    const problem = problemOf(new BadRequestError('invalid_request', text));
    // Assess
    expect(problem.detail).toBe(`${'a'.repeat(2_047)}... (12 more characters)`);
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
