import { jest } from '@jest/globals';
import { humanText } from '../../../functions/shared/human-text.js';

/** The message humanText(max) gives a text one character too long. */
const tooLong = (max: number): string | undefined =>
  humanText(max).safeParse('x'.repeat(max + 1)).error?.issues[0]?.message;

describe('humanText', () => {
  // Cold-start review, session 63: the bound's message was written with toLocaleString('en-US') when the module
  // loaded, and a process's first toLocaleString loads ICU's number formatting (some 18 ms of the departments' and
  // contracts' cold starts). The message must read as it did.
  it.each([
    [1, '1'],
    [200, '200'],
    [999, '999'],
    [2_000, '2,000'],
    [65_536, '65,536'],
    [1_234_567, '1,234,567'],
  ])('names a bound of %i as %s characters', (max, written) => {
    // Act
    const message = tooLong(max);
    // Assess
    expect(message).toBe(`must be at most ${written} characters`);
    expect(written).toBe(max.toLocaleString('en-US'));
  });

  it('writes its bound without toLocaleString, which loads ICU at module load', () => {
    // Prepare: the messages above read the same either way, so only this catches the call coming back
    const localeCalls = jest.spyOn(Number.prototype, 'toLocaleString');
    try {
      // Act
      humanText(2_000);
      // Assess
      expect(localeCalls).not.toHaveBeenCalled();
    } finally {
      localeCalls.mockRestore();
    }
  });
});
