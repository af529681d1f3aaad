// Errors of the embedded EventBridge: each carries the AWS error code (`__type`) and HTTP status that
// Amazon EventBridge answers with, so the AWS SDK raises the same exception class it would against AWS.

/** An API error answered to the client as `{"__type": code, "message": ...}`. */
export class EventBridgeApiError extends Error {
  override name = 'EventBridgeApiError';
  constructor(
    /** AWS error code, e.g. `ResourceNotFoundException`. */
    readonly code: string,
    message: string,
    readonly statusCode = 400,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const validationError = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('ValidationException', message);

export const notFound = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('ResourceNotFoundException', message);

export const alreadyExists = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('ResourceAlreadyExistsException', message);

export const limitExceeded = (message = 'The requested resource exceeds the maximum number allowed.') =>
  new EventBridgeApiError('LimitExceededException', message);

export const serializationError = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('SerializationException', message);
