// An RFC 3339 time of the years 0 to 99 is that year, whichever separator it is written with: new Date(text) read
// "0005-02-28 10:00:00Z" (a space for T, which RFC 3339 allows) with its legacy parser, as 2028-05-02.
import { rfc3339Time } from '../../../local/eventbridge/request.js';

describe('rfc3339Time', () => {
  it.each([
    ['0000-02-29T00:00:00Z', '0000-02-29T00:00:00.000Z'],
    ['0005-02-28 10:00:00Z', '0005-02-28T10:00:00.000Z'],
    ['0099-12-31 23:59:59Z', '0099-12-31T23:59:59.000Z'],
    ['0001-01-01t00:30:00+01:00', '0000-12-31T23:30:00.000Z'],
    ['2024-01-01T10:00:00.58Z', '2024-01-01T10:00:00.580Z'],
    ['2024-01-01 10:00:00.1239-05:30', '2024-01-01T15:30:00.123Z'],
  ])('reads %s as %s', (text, instant) => {
    expect(rfc3339Time(text)?.toISOString()).toBe(instant);
  });
});
