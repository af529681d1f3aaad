// The authorizer's cache of known keys: bounded, so a warm function's memory does not grow with every key ever used.
import { KeyCache } from '../../../functions/authorizer/authorize.js';
import type { AuthorizerContext } from '../../../functions/shared/http.js';

const system = (id: string): AuthorizerContext => ({ kind: 'system', departmentId: 'tax', systemId: id });

// Mutation review, 2026-12-07: removing the bound passed every test.
describe('KeyCache', () => {
  it('lets go of what it holds once past 10,000 keys, and keeps what comes after', () => {
    // Prepare
    const cache = new KeyCache();
    for (let i = 0; i <= 10_000; i++) cache.set(`hash-${i}`, system(`s${i}`), 1_000);
    const heldAtTheBound = cache.get('hash-0', 0);
    // Act
    cache.set('hash-next', system('next'), 1_000);
    // Assess
    expect(heldAtTheBound).toEqual(system('s0'));
    expect(cache.get('hash-0', 0)).toBeUndefined();
    expect(cache.get('hash-10000', 0)).toBeUndefined();
    expect(cache.get('hash-next', 0)).toEqual(system('next'));
  });

  it('answers nothing for an entry past its time, and reads it as gone', () => {
    // Prepare
    const cache = new KeyCache();
    cache.set('hash', system('s'), 1_000);
    // Act
    const before = cache.get('hash', 999);
    const at = cache.get('hash', 1_000);
    // Assess
    expect(before).toEqual(system('s'));
    expect(at).toBeUndefined();
  });
});
