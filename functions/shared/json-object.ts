// The zod schema of a free-form JSON object taken as parsed: a contract's schema, a subscription's filter.
import * as z from 'zod';
import { isJsonObject } from './json-text.js';

/**
 * A JSON object, taken as parsed. zod's `record` copies an object key by key, and the copy's assignment of a key
 * named `__proto__` sets its prototype instead, so a filter or schema would silently lose that key; this keeps the
 * parsed object (where `__proto__` is an own key), for the checks after it to see every key.
 */
export const jsonObject = (error: string) => z.custom<Record<string, unknown>>(isJsonObject, { error });
