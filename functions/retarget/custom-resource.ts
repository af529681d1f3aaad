// The CloudFormation side of a Lambda-backed custom resource: the request CloudFormation sends, and the answer it
// waits for at the request's ResponseURL (a presigned S3 URL), since it never reads the function's own result.
import * as z from 'zod';

/** The fields of CloudFormation's request this function reads. */
export const CustomResourceRequest = z.object({
  RequestType: z.enum(['Create', 'Update', 'Delete']),
  ResponseURL: z.url({ protocol: /^https?$/ }),
  StackId: z.string().min(1),
  RequestId: z.string().min(1),
  LogicalResourceId: z.string().min(1),
  PhysicalResourceId: z.string().min(1).optional(),
  ResourceProperties: z.record(z.string(), z.unknown()),
  /** On an Update: the properties as they were. */
  OldResourceProperties: z.record(z.string(), z.unknown()).optional(),
});
export type CustomResourceRequest = z.infer<typeof CustomResourceRequest>;

export interface CustomResourceAnswer {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason?: string;
  readonly PhysicalResourceId: string;
  readonly Data?: Readonly<Record<string, string | number>>;
}

/** CloudFormation's limit on the whole answer. */
export const MAX_ANSWER_BYTES = 4096;

/**
 * What XML 1.0 cannot carry, or should not (controls but tab, line feed and carriage return; U+FFFE, U+FFFF; a half
 * of a surrogate pair alone). CloudFormation answers DescribeStackEvents in XML: a reason holding one (an error
 * message quoting what it met, an ANSI colour) made every later DescribeStackEvents of the stack fail with "The
 * response contains control characters or otherwise invalid characters", the console's events and `cdk deploy`'s
 * progress too, until enough events had passed (aws-cloudformation/cloudformation-coverage-roadmap#1601).
 */
const NOT_IN_XML = /(?![\t\n\r])\p{Cc}|\p{Cs}|[\ufffe\uffff]/gu;

/**
 * The answer's body: the request's identifiers copied as they came, and the reason with what XML cannot carry
 * replaced by U+FFFD, shortened to fit 4,096 bytes.
 */
export function answerBody(request: CustomResourceRequest, answer: CustomResourceAnswer): string {
  const reason = answer.Reason?.replace(NOT_IN_XML, '\ufffd');
  const body = (said: string | undefined) =>
    JSON.stringify({
      Status: answer.Status,
      ...(said === undefined ? {} : { Reason: said }),
      PhysicalResourceId: answer.PhysicalResourceId,
      StackId: request.StackId,
      RequestId: request.RequestId,
      LogicalResourceId: request.LogicalResourceId,
      ...(answer.Data === undefined ? {} : { Data: answer.Data }),
    });
  const whole = body(reason);
  if (reason === undefined || Buffer.byteLength(whole) <= MAX_ANSWER_BYTES) return whole;
  // The most whole code points of the reason (no half of a surrogate pair left to be escaped) that fit, then a mark.
  const points = [...reason];
  const cut = (keep: number) => body(`${points.slice(0, keep).join('')}…`);
  let [fits, over] = [0, points.length];
  while (over - fits > 1) {
    const middle = Math.floor((fits + over) / 2);
    if (Buffer.byteLength(cut(middle)) <= MAX_ANSWER_BYTES) fits = middle;
    else over = middle;
  }
  return cut(fits);
}

/** How long one PUT of the answer may take. */
export const ANSWER_ATTEMPT_TIMEOUT_MS = 5_000;

export interface SendOptions {
  /** @default 3 */
  readonly attempts?: number;
  /** Wait before the second attempt, doubled for each after it. @default 1000 */
  readonly backoffMs?: number;
}

/**
 * PUTs the answer to the request's ResponseURL. The presigned URL was signed with no content type, so the request
 * must send an empty one. Tried again on a network error or a 5xx; CloudFormation waits for the answer until the
 * resource's ServiceTimeout, so an answer lost here is a deploy stuck that long.
 */
export async function sendAnswer(
  request: CustomResourceRequest,
  answer: CustomResourceAnswer,
  options: SendOptions = {},
): Promise<void> {
  const body = answerBody(request, answer);
  const attempts = options.attempts ?? 3;
  let wait = options.backoffMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    try {
      const response = await fetch(request.ResponseURL, {
        method: 'PUT',
        headers: { 'content-type': '' },
        body,
        signal: AbortSignal.timeout(ANSWER_ATTEMPT_TIMEOUT_MS),
      });
      await response.arrayBuffer();
      if (response.ok) return;
      failure = `HTTP ${response.status}`;
      if (response.status < 500) throw new CustomResourceAnswerError(failure, attempt);
    } catch (error) {
      if (error instanceof CustomResourceAnswerError) throw error;
      failure = (error as Error).message;
    }
    if (attempt >= attempts) throw new CustomResourceAnswerError(failure, attempt);
    await new Promise((resolve) => setTimeout(resolve, wait));
    wait *= 2;
  }
}

export class CustomResourceAnswerError extends Error {
  override name = 'CustomResourceAnswerError';
  constructor(failure: string, attempts: number) {
    super(`CloudFormation's response URL did not take the answer after ${attempts} attempt(s): ${failure}`);
  }
}
