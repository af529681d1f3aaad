// Public face of the embedded Amazon EventBridge used by `npm start`, tests and demos.

export { DeliveryFailureError } from './delivery.js';
export { EventBridgeApiError } from './errors.js';
export type { AsyncInvokeConfig } from './lambda-async.js';
export {
  DROPPED_DELIVERIES,
  defaultQueueBytes,
  type MessageAttribute,
  type QueueMessage,
} from './queue-store.js';
export {
  type DeadLetter,
  type DeadLetters,
  type EmbeddedEventBridge,
  type EmbeddedEventBridgeOptions,
  type FunctionDeadLetter,
  type LocalQueues,
  MAX_DELAY_SCALE,
  type RedriveResult,
  startEventBridge,
  type TargetDeadLetter,
} from './server.js';
