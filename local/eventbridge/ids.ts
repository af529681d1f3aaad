// Ids the embedded EventBridge makes and may hold for days: a dead letter's message id, an invocation's request id,
// a delivery's id, an event's id.
import { randomUUID } from 'node:crypto';

/**
 * A random UUID, as `crypto.randomUUID()`, held as one flat string. Node builds its UUID by joining 20 pieces, and
 * V8 keeps such a join as a tree of them until the text is first read: 491 bytes of heap for 36 characters, against
 * 67 once flat (test/unit/eventbridge/held-memory.test.ts measures both). A dead letter held its message id that way
 * for its 14 days: 423 of the 2,251 bytes a dead letter of a 1 KB event held (measured 2026-12-07; its request id
 * was flat already, read when the payload was written). It is copied into a new string from its bytes, which V8 makes
 * flat whatever its version: reading a character (`charCodeAt(0)`, until session 63) flattened it in place on Node 20,
 * but on Node 24 (Lambda's nodejs24.x) not once the call is optimized, and its ids held 150 to 290 bytes each.
 */
export function newId(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}
