// Tags on buses and rules, the only EventBridge resources that take them: kept and shown as AWS does
// (CreateEventBus, PutRule, TagResource, UntagResource, ListTagsForResource); nothing here acts on them.
import { validationError } from './errors.js';
import type { JsonObject, RequestReader } from './request.js';

/** "You can associate as many as 50 tags with a resource" (TagResource's reference). */
export const MAX_TAGS = 50;

export type Tags = Map<string, string>;

/** A request's `Tags` list, each Tag's Key and Value held to AWS's model (checked at `req.check()`). */
export function readTags(req: RequestReader, required = false): Array<readonly [string, string]> | undefined {
  const list = req.array('Tags', { required });
  if (list === undefined) return undefined;
  return list.map((tag, i) => {
    const member = req.listMember(tag, 'Tags', i);
    const key = member.string('Key', { required: true, min: 1, max: 128 });
    const value = member.string('Value', { required: true, max: 256 });
    return [key ?? '', value ?? ''] as const;
  });
}

/**
 * `added` merged into `tags` (a key given again takes its new value, as TagResource documents), or a
 * ValidationException, changing nothing, for more than 50 keys or a key AWS reserves. Neither refusal is recorded;
 * the words are ours, and the code is the one EventBridge gives bad input (TagResource's reference lists no other).
 */
export function addTags(tags: Tags, added: ReadonlyArray<readonly [string, string]>): void {
  refuseReservedKeys(added.map(([key]) => key));
  const keys = new Set(tags.keys());
  for (const [key] of added) keys.add(key);
  if (keys.size > MAX_TAGS) {
    throw validationError(
      `A resource can have at most ${MAX_TAGS} tags; this request would leave ${keys.size}.`,
    );
  }
  for (const [key, value] of added) tags.set(key, value);
}

/** "The aws: prefix is prohibited for tags; it's reserved for AWS use" (AWS's tagging guide), in any case. */
export function refuseReservedKeys(keys: readonly string[]): void {
  const reserved = keys.find((key) => /^aws:/i.test(key));
  if (reserved !== undefined) {
    throw validationError(`Tag key ${reserved} is not valid: the aws: prefix is reserved for AWS's use.`);
  }
}

/** Tags as ListTagsForResource answers them, in the order they were first given. */
export const tagList = (tags: Tags): JsonObject[] => [...tags].map(([Key, Value]) => ({ Key, Value }));
