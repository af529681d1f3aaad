// Flattens an event into (dotted path, leaf value, array membership) triples, the shape AWS's matcher sees.
// Membership records, for every array whose object/array elements the value sits inside, which element it is;
// values of two conditions may only be combined when they agree on the arrays they share.

import { eventEntries, type JsonNode } from './json-text.js';
import { type Leaf, numberLeaf } from './leaf-match.js';

/** Pairs [arrayId, index, arrayId, index, ...]; undefined when the value is inside no array of objects. */
export type Membership = readonly number[] | undefined;

export interface EventField {
  readonly path: string;
  readonly leaf: Leaf;
  readonly membership: Membership;
}

export function leafOfNode(node: JsonNode): Leaf | undefined {
  switch (node.kind) {
    case 'string':
      return node.value;
    case 'number':
      return numberLeaf(node.text);
    case 'true':
      return true;
    case 'false':
      return false;
    case 'null':
      return null;
    default:
      return undefined;
  }
}

/** All leaves of an event object. A non-object event has none. */
export function flattenEvent(root: JsonNode): EventField[] {
  const out: EventField[] = [];
  if (root.kind !== 'object') return out;
  let nextArrayId = 0;
  // The root has no path (undefined), so that below an empty key "" the path is ".a", as AWS reads it.
  const visit = (node: JsonNode, path: string | undefined, membership: Membership): void => {
    if (node.kind === 'object') {
      for (const [key, child] of eventEntries(node)) {
        visit(child, path === undefined ? key : `${path}.${key}`, membership);
      }
      return;
    }
    if (node.kind === 'array') {
      const id = nextArrayId++;
      node.items.forEach((item, index) => {
        // Scalars in an array carry no membership of that array, as in AWS; nested structures do.
        const inner =
          item.kind === 'object' || item.kind === 'array' ? [...(membership ?? []), id, index] : membership;
        visit(item, path, inner);
      });
      return;
    }
    out.push({ path: path ?? '', leaf: leafOfNode(node) as Leaf, membership });
  };
  visit(root, undefined, undefined);
  return out;
}

/** Combined membership if a and b agree on every array they share, otherwise null. */
export function mergeMembership(a: Membership, b: Membership): Membership | null {
  if (a === undefined) return b;
  if (b === undefined) return a;
  let merged: number[] | undefined;
  for (let j = 0; j < b.length; j += 2) {
    const id = b[j] as number;
    let found = false;
    for (let i = 0; i < a.length; i += 2) {
      if (a[i] === id) {
        if (a[i + 1] !== b[j + 1]) return null;
        found = true;
        break;
      }
    }
    if (!found) {
      merged ??= [...a];
      merged.push(id, b[j + 1] as number);
    }
  }
  return merged ?? a;
}
