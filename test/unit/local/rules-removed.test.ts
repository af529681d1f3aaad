// What `npm start` says of the sharebus-sub-* rules it deleted because no subscription has them.
import { RULES_REMOVED_NAMED, rulesRemovedLines } from '../../../local/runtime.js';

const names = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `sharebus-sub-${String(i + 1).padStart(2, '0')}`);

describe('rulesRemovedLines', () => {
  it('says nothing when no rule was deleted', () => {
    // Act
    const lines = rulesRemovedLines([]);
    // Assess
    expect(lines).toEqual([]);
  });

  it('names every rule when there are at most ten', () => {
    // Act
    const lines = rulesRemovedLines(names(RULES_REMOVED_NAMED));
    // Assess
    expect(RULES_REMOVED_NAMED).toBe(10);
    expect(lines).toEqual([
      '  Rules deleted: sharebus-sub-01, sharebus-sub-02, sharebus-sub-03, sharebus-sub-04, sharebus-sub-05, ' +
        'sharebus-sub-06, sharebus-sub-07, sharebus-sub-08, sharebus-sub-09, sharebus-sub-10 (named as ' +
        'subscription rules, but no subscription has',
      '  them: the registry decides the sharebus-sub-* rules; give your own rules other names)',
    ]);
  });

  it('names the first ten of more and counts the rest', () => {
    // Act
    const [first] = rulesRemovedLines(names(12));
    // Assess
    expect(first).toBe(
      '  Rules deleted: sharebus-sub-01, sharebus-sub-02, sharebus-sub-03, sharebus-sub-04, sharebus-sub-05, ' +
        'sharebus-sub-06, sharebus-sub-07, sharebus-sub-08, sharebus-sub-09, sharebus-sub-10 and 2 more (named ' +
        'as subscription rules, but no subscription has',
    );
  });
});
