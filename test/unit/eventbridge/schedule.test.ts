import { jest } from '@jest/globals';
import fc from 'fast-check';
import {
  type CronSchedule,
  nextCronTime,
  parseScheduleExpression,
  Scheduler,
} from '../../../local/eventbridge/schedule.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

function cron(expression: string): CronSchedule {
  const schedule = parseScheduleExpression(expression);
  if (schedule?.kind !== 'cron') throw new Error(`not a valid cron expression: ${expression}`);
  return schedule;
}

/** The next `count` fire times after `from`, as ISO strings. */
function fires(expression: string, from: string, count: number): Array<string | undefined> {
  const schedule = cron(expression);
  const times: Array<string | undefined> = [];
  let after = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextCronTime(schedule, after);
    times.push(iso(next));
    if (next === undefined) break;
    after = next;
  }
  return times;
}

const quietLogger = { warn: () => {}, error: () => {} };

describe('schedule expressions: what PutRule accepts', () => {
  it.each([
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(1 day)',
    'rate(7 days)',
    'cron(0 10 * * ? *)',
    'cron(15 12 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0/15 * ? * MON-FRI *)',
    'cron(0/10 * ? * MON-FRI *)',
    'cron(0/5 8-17 ? * MON-FRI *)',
    'cron(0 9 ? * 2#1 *)',
    'cron(1/10 * * * ? *)',
    'cron(*/5 * * * ? *)',
    'cron(0 12 L * ? *)',
    'cron(0 12 LW * ? *)',
    'cron(0 8 1W * ? *)',
    'cron(15 10 ? * 6L *)',
    'cron(15 10 ? * FRIL *)',
    'cron(0 10 ? * 6#3 *)',
    'cron(0 10 ? * FRI#3 2024-2030)',
    'cron(0 0 1 JAN,JUL ? *)',
    'cron(0 22-2 * * ? *)',
    'cron(0 0 ? * L *)',
    'cron(0 0 1 1 ? 2020)',
    // Beyond AWS's documentation, as recorded against AWS:
    'cron(0 0 1 1 ? 1969)',
    'cron(0 0 1 1 ? 2200)',
    'cron(0 0 1 1 ? 0)',
    'cron(0 0 1 1 ? 2147483647)',
    'cron(0 0 ? * 1/2 *)',
    'cron(0 0 1-5W * ? *)',
    'cron(0 0 L-3 * ? *)',
    'cron(0/0 * * * ? *)',
    'cron(0 0 1/0 * ? *)',
    'cron(0/60 * * * ? *)',
    'cron(0/61 * * * ? *)',
    'cron(0x 0 * * ? *)',
    'cron(0 0 ? * MONDAY *)',
    'cron(0 0 ? jan mon *)',
    'rate(01 minute)',
    'rate(02 minutes)',
    'rate(2147483647 days)',
  ])('accepts %s', (expression) => {
    // Act
    const schedule = parseScheduleExpression(expression);
    // Assess
    expect(schedule).toBeDefined();
  });

  it.each([
    ['soon', 'neither rate nor cron'],
    ['rate(1 minutes)', 'plural unit for 1'],
    ['rate(5 minute)', 'singular unit above 1'],
    ['rate(0 minutes)', 'a value that is not positive'],
    ['rate(1.5 hours)', 'a fraction'],
    ['rate(1 second)', 'a unit AWS does not list'],
    ['rate(5)', 'no unit'],
    ['rate(1 week)', 'weeks'],
    ['cron(0 10 * * *)', 'five fields'],
    ['cron(0 10 * * ? * *)', 'seven fields'],
    ['cron(0 10 * * * *)', 'both day fields given'],
    ['cron(0 10 ? * ? *)', 'both day fields `?`'],
    ['cron(60 10 * * ? *)', 'minute 60'],
    ['cron(0 24 * * ? *)', 'hour 24'],
    ['cron(0 0 32 * ? *)', 'day 32'],
    ['cron(0 0 0 * ? *)', 'day 0'],
    ['cron(0 0 1 13 ? *)', 'month 13'],
    ['cron(0 0 ? * 0 *)', 'day of week 0 (Sunday is 1)'],
    ['cron(0 0 ? * 8 *)', 'day of week 8'],
    ['cron(0 0 1 * ? -1)', 'a negative year'],
    ['cron(0 0 1 * ? 2147483648)', 'a year past 32 bits'],
    ['cron(0 0 1 * ? 2030-2020)', 'a backwards year range'],
    ['cron(0 0 ? * 3#1,6#3 *)', 'two # expressions'],
    ['cron(0 0 ? * 3#6 *)', 'a sixth week'],
    ['cron(0 0 ? * MON#0 *)', 'a zeroth week'],
    ['cron(0 0 1,L * ? *)', 'L in a list'],
    ['cron(0 0 0W * ? *)', 'the weekday nearest day 0'],
    ['cron(0 0 32W * ? *)', 'the weekday nearest day 32'],
    ['cron(0 0 L-31 * ? *)', 'an L offset past 30'],
    ['cron(0/-1 * * * ? *)', 'a negative step'],
    ['cron(*/0 * * * ? *)', 'a zero step on *'],
    ['cron(0L * * * ? *)', 'L after a minute'],
    ['cron(? 10 * * ? *)', '? in minutes'],
    ['CRON(0 0 * * ? *)', 'an upper-case cron'],
    ['RATE(1 minute)', 'an upper-case rate'],
    ['rate(1 MINUTE)', 'an upper-case unit'],
    ['rate(+1 minute)', 'a sign'],
    ['rate(01 minutes)', 'a plural unit for 01'],
    ['rate(2147483648 minutes)', 'a value past 32 bits'],
    ['cron(0  0 * * ? *)', 'two spaces between fields'],
    ['cron(0\t0 * * ? *)', 'a tab between fields'],
    ['cron(0\n0 * * ? *)', 'a newline between fields'],
    ['cron(0\u00a00 * * ? *)', 'a no-break space between fields'],
    ['cron( 0 0 * * ? * )', 'spaces inside the parentheses'],
    [' cron(0 0 * * ? *) ', 'spaces around the expression'],
    ['cron (0 0 * * ? *)', 'a space before the parenthesis'],
    ['rate(1  minute)', 'two spaces in a rate'],
    ['rate( 1 minute )', 'spaces inside a rate'],
    ['at(2028-01-01T00:00:00)', 'an at() expression (EventBridge Scheduler only)'],
    ['', 'nothing'],
    ['cron(0 10 * FOO ? *)', 'an unknown month name'],
    ['cron(0,,5 10 * * ? *)', 'an empty list item'],
    ['cron()', 'nothing at all'],
  ])('refuses %j (%s)', (expression) => {
    // Act
    const schedule = parseScheduleExpression(expression);
    // Assess
    expect(schedule).toBeUndefined();
  });

  it('reads rate periods in their unit', () => {
    // Act
    const periods = ['rate(1 minute)', 'rate(2 hours)', 'rate(3 days)'].map((e) => {
      const schedule = parseScheduleExpression(e);
      return schedule?.kind === 'rate' ? schedule.periodMs : undefined;
    });
    // Assess
    expect(periods).toEqual([60_000, 7_200_000, 259_200_000]);
  });
});

describe('cron schedules: the next fire time (UTC)', () => {
  it('fires every 15 minutes on weekdays and skips the weekend', () => {
    // Act: Friday 1 March 2024, 23:50
    const times = fires('cron(0/15 * ? * MON-FRI *)', '2024-03-01T23:50:00Z', 3);
    // Assess
    expect(times).toEqual([
      '2024-03-04T00:00:00.000Z',
      '2024-03-04T00:15:00.000Z',
      '2024-03-04T00:30:00.000Z',
    ]);
  });

  it('fires strictly after the given instant, at a whole minute', () => {
    // Act
    const fromOnTheMinute = fires('cron(0/15 * ? * MON-FRI *)', '2024-03-04T10:15:00Z', 1);
    const fromMidMinute = fires('cron(* * * * ? *)', '2024-03-04T10:15:30.500Z', 1);
    // Assess
    expect(fromOnTheMinute).toEqual(['2024-03-04T10:30:00.000Z']);
    expect(fromMidMinute).toEqual(['2024-03-04T10:16:00.000Z']);
  });

  it('fires on the last day of each month with L, leap years included', () => {
    // Act
    const times = fires('cron(0 12 L * ? *)', '2024-02-10T00:00:00Z', 3);
    const nonLeap = fires('cron(0 12 L * ? *)', '2023-02-01T00:00:00Z', 1);
    // Assess
    expect(times).toEqual([
      '2024-02-29T12:00:00.000Z',
      '2024-03-31T12:00:00.000Z',
      '2024-04-30T12:00:00.000Z',
    ]);
    expect(nonLeap).toEqual(['2023-02-28T12:00:00.000Z']);
  });

  it('fires on the third Friday of the month with 6#3', () => {
    // Act
    const times = fires('cron(0 10 ? * 6#3 *)', '2024-03-01T00:00:00Z', 2);
    // Assess
    expect(times).toEqual(['2024-03-15T10:00:00.000Z', '2024-04-19T10:00:00.000Z']);
  });

  it('skips a month without a fifth Monday for 2#5', () => {
    // Act: April and July 2024 have five Mondays (1 ... 29), May and June only four
    const times = fires('cron(0 0 ? * 2#5 *)', '2024-04-01T00:00:00Z', 2);
    // Assess
    expect(times).toEqual(['2024-04-29T00:00:00.000Z', '2024-07-29T00:00:00.000Z']);
  });

  it('moves 1W to the nearest weekday without leaving the month', () => {
    // Act: 1 March 2024 is a Friday, 1 June a Saturday, 1 September a Sunday
    const march = fires('cron(0 8 1W * ? *)', '2024-02-15T00:00:00Z', 1);
    const june = fires('cron(0 8 1W * ? *)', '2024-05-15T00:00:00Z', 1);
    const september = fires('cron(0 8 1W * ? *)', '2024-08-15T00:00:00Z', 1);
    // Assess
    expect(march).toEqual(['2024-03-01T08:00:00.000Z']);
    expect(june).toEqual(['2024-06-03T08:00:00.000Z']);
    expect(september).toEqual(['2024-09-02T08:00:00.000Z']);
  });

  it('moves 31W back to Friday when the 31st is a Sunday, and skips months without a 31st', () => {
    // Act: 31 March 2024 is a Sunday; April has 30 days
    const times = fires('cron(0 8 31W * ? *)', '2024-03-01T00:00:00Z', 2);
    // Assess
    expect(times).toEqual(['2024-03-29T08:00:00.000Z', '2024-05-31T08:00:00.000Z']);
  });

  it('finds the last weekday (LW) and the last Friday (6L) of the month', () => {
    // Act: 30 and 31 March 2024 are a weekend
    const lastWeekday = fires('cron(0 8 LW * ? *)', '2024-03-01T00:00:00Z', 1);
    const lastFriday = fires('cron(15 10 ? * 6L *)', '2024-03-01T00:00:00Z', 1);
    // Assess
    expect(lastWeekday).toEqual(['2024-03-29T08:00:00.000Z']);
    expect(lastFriday).toEqual(['2024-03-29T10:15:00.000Z']);
  });

  it('runs a range over midnight, such as hours 22-2', () => {
    // Act
    const times = fires('cron(0 22-2 * * ? *)', '2024-03-01T21:00:00Z', 5);
    // Assess
    expect(times).toEqual([
      '2024-03-01T22:00:00.000Z',
      '2024-03-01T23:00:00.000Z',
      '2024-03-02T00:00:00.000Z',
      '2024-03-02T01:00:00.000Z',
      '2024-03-02T02:00:00.000Z',
    ]);
  });

  it('never fires again when its years are past, or on a day that does not exist', () => {
    // Act
    const past = fires('cron(0 0 1 1 ? 2020)', '2024-01-01T00:00:00Z', 1);
    const february30 = fires('cron(0 0 30 2 ? *)', '2024-01-01T00:00:00Z', 1);
    // Assess
    expect(past).toEqual([undefined]);
    expect(february30).toEqual([undefined]);
  });

  it('fires what AWS fired on Tuesday 15 September 2026 at 22:33 UTC, and not the rule for the 16th', () => {
    // Recorded against AWS (radkawar/stackd, scheduled_delivery.json): ten rules put at 22:32:59.
    const from = '2026-09-15T22:32:59Z';
    const firedThen = [
      'cron(33 22 * * ? *)',
      'cron(33x 22 * * ? *)',
      'cron(33/0 22 * * ? *)',
      'cron(33/61 22 * * ? *)',
      'cron(33 22 15W * ? *)',
      'cron(33 22 1-31W * ? *)',
      'cron(33 22 ? * TUE#3 *)',
      'cron(33 22 L-15 * ? *)',
      'cron(33 22 ? * TUESDAY *)',
    ];
    // Act
    const firsts = firedThen.map((expression) => fires(expression, from, 1)[0]);
    const sixteenth = fires('cron(33 22 16 * ? *)', from, 1)[0];
    // Assess
    expect(firsts).toEqual(firedThen.map(() => '2026-09-15T22:33:00.000Z'));
    expect(sixteenth).toBe('2026-09-16T22:33:00.000Z');
  });

  it('reads the undocumented forms AWS accepts as Quartz does', () => {
    // Act: 1 March 2024 is a Friday
    const from = '2024-03-01T00:00:00Z';
    const times = {
      trailingLetters: fires('cron(0x 9 * * ? *)', from, 1),
      longDayName: fires('cron(0 9 ? * MONDAY *)', from, 1),
      weekdayOnRange: fires('cron(0 9 2-4W * ? *)', from, 3),
      zeroStep: fires('cron(10/0 9 * * ? *)', from, 2),
      stepPastTheField: fires('cron(10/61 9 * * ? *)', from, 2),
      zeroDayStep: fires('cron(0 9 5/0 * ? *)', from, 2),
      dayBeforeLast: fires('cron(0 9 L-3 * ? *)', from, 2),
      weekDayStep: fires('cron(0 9 ? * 1/3 *)', from, 3),
      yearList: fires('cron(0 0 1 1 ? 2027,2028-2032/2)', from, 5),
    };
    // Assess
    expect(times).toEqual({
      trailingLetters: ['2024-03-01T09:00:00.000Z'],
      longDayName: ['2024-03-04T09:00:00.000Z'],
      weekdayOnRange: ['2024-03-02T09:00:00.000Z', '2024-03-03T09:00:00.000Z', '2024-03-04T09:00:00.000Z'],
      zeroStep: ['2024-03-01T09:10:00.000Z', '2024-03-02T09:10:00.000Z'],
      stepPastTheField: ['2024-03-01T09:10:00.000Z', '2024-03-02T09:10:00.000Z'],
      zeroDayStep: ['2024-03-05T09:00:00.000Z', '2024-04-05T09:00:00.000Z'],
      dayBeforeLast: ['2024-03-28T09:00:00.000Z', '2024-04-27T09:00:00.000Z'],
      // 1/3 is Sunday, Wednesday and Saturday
      weekDayStep: ['2024-03-02T09:00:00.000Z', '2024-03-03T09:00:00.000Z', '2024-03-06T09:00:00.000Z'],
      yearList: [
        '2027-01-01T00:00:00.000Z',
        '2028-01-01T00:00:00.000Z',
        '2030-01-01T00:00:00.000Z',
        '2032-01-01T00:00:00.000Z',
        undefined,
      ],
    });
  });

  it('gives accepted years far ahead their date, and never fires past years or past the clock', () => {
    // Act
    const from = '2024-01-01T00:00:00Z';
    const years = ['0', '1969', '9999', '10000', '275760', '2147483647'].map(
      (year) => fires(`cron(0 0 1 1 ? ${year})`, from, 1)[0],
    );
    // Assess
    expect(years).toEqual([
      undefined,
      undefined,
      '9999-01-01T00:00:00.000Z',
      '+010000-01-01T00:00:00.000Z',
      undefined,
      undefined,
    ]);
  });

  it('finds a year 400 after the start year, the start year having no fire left', () => {
    // Prepare: 2026 has passed its only fire by June; 2426 holds the same place in the 400-year calendar.
    const from = '2026-06-01T00:00:00Z';
    // Act
    const next = fires('cron(0 0 1 1 ? 2026,2426)', from, 1)[0];
    // Assess
    expect(next).toBe('2426-01-01T00:00:00.000Z');
  });

  it('finds no fire time for a day that never comes, whatever the years', () => {
    // Act
    const never = ['cron(* * 31 FEB ? *)', 'cron(0 0 31 2,4,6,9,11 ? */3)', 'cron(0 0 L-30 2 ? *)'].map(
      (expression) => fires(expression, '2024-01-01T00:00:00Z', 1)[0],
    );
    // Assess
    expect(never).toEqual([undefined, undefined, undefined]);
  });

  it('matches a brute-force minute-by-minute reading for simple expressions', () => {
    // A reference interpreter for lists of minutes, hours and week days, walked a minute at a time.
    const list = (max: number, min: number) =>
      fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(
        list(59, 0),
        list(23, 0),
        list(7, 1),
        fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2026-12-31T00:00:00Z') }),
        (minutes, hours, weekDays, from) => {
          const expression = `cron(${minutes.join(',')} ${hours.join(',')} ? * ${weekDays.join(',')} *)`;
          const expected = (() => {
            for (let t = Math.floor(from / 60_000) * 60_000 + 60_000; ; t += 60_000) {
              const d = new Date(t);
              if (
                minutes.includes(d.getUTCMinutes()) &&
                hours.includes(d.getUTCHours()) &&
                weekDays.includes(d.getUTCDay() + 1)
              ) {
                return t;
              }
            }
          })();
          expect(nextCronTime(cron(expression), from)).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('cron schedules against a reference reading of every field', () => {
  it('matches a day-by-day reference for lists, ranges, steps, names, L, W and #', () => {
    fc.assert(
      fc.property(
        fc.array(itemArb(MINUTE_FIELD), { minLength: 1, maxLength: 3 }),
        fc.array(itemArb(HOUR_FIELD), { minLength: 1, maxLength: 3 }),
        dayArb,
        fc.array(itemArb(MONTH_FIELD), { minLength: 1, maxLength: 3 }),
        yearArb,
        fc.integer({ min: at('2024-01-01T00:00:00Z'), max: at('2027-12-31T00:00:00Z') }),
        (minutes, hours, day, months, year, from) => {
          const expression = `cron(${render(minutes)} ${render(hours)} ${day.dom} ${render(months)} ${day.dow} ${year.text})`;
          const expected = referenceNext(
            from,
            (y, m, d) => year.holds(y) && months.some((i) => holds(i, MONTH_FIELD, m)) && day.holds(y, m, d),
            (h, min) =>
              hours.some((i) => holds(i, HOUR_FIELD, h)) && minutes.some((i) => holds(i, MINUTE_FIELD, min)),
          );
          const actual = nextCronTime(cron(expression), from);
          // Beyond the reference's horizon it only knows that nothing came earlier.
          if (expected === undefined) expect(actual === undefined || actual > from + HORIZON_MS).toBe(true);
          else expect(iso(actual)).toBe(iso(expected));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('Scheduler', () => {
  it('fires a cron schedule at its whole minute on the injected clock, then waits for the next', async () => {
    // Prepare: a clock frozen 20 ms before 10:00 on the third Friday of March 2024
    const fired: Array<{ key: string; at: string | undefined }> = [];
    const scheduler = new Scheduler({
      delayScale: 1,
      now: () => at('2024-03-15T09:59:59.980Z'),
      logger: quietLogger,
      fire: (key, scheduledAt) => fired.push({ key, at: iso(scheduledAt) }),
    });
    // Act
    scheduler.set('rule/report', cron('cron(0 10 ? * 6#3 *)'));
    await waitFor(() => fired.length > 0);
    // Assess
    expect(fired).toEqual([{ key: 'rule/report', at: '2024-03-15T10:00:00.000Z' }]);
    expect(iso(scheduler.nextFire('rule/report'))).toBe('2024-04-19T10:00:00.000Z');
    scheduler.stop();
  });

  it('fires a rate schedule one scaled period after it starts, and again each period', async () => {
    // Prepare: rate(1 minute) at delayScale 0.0005 is every 30 ms
    const fired: number[] = [];
    const scheduler = new Scheduler({
      delayScale: 0.0005,
      logger: quietLogger,
      fire: (_key, scheduledAt) => fired.push(scheduledAt),
    });
    const startedAt = Date.now();
    // Act
    scheduler.set('tick', rate('rate(1 minute)'));
    await waitFor(() => fired.length >= 3);
    scheduler.stop();
    // Assess: planned instants are whole periods from the start. A stalled event loop skips fires, so a gap
    // may be several periods, never a fraction of one.
    const period = 60_000 * 0.0005;
    const [first, second, third] = fired as [number, number, number];
    expect(first - startedAt).toBeGreaterThanOrEqual(period - 1);
    for (const gap of [second - first, third - second]) {
      const periods = gap / period;
      expect(Math.round(periods)).toBeGreaterThanOrEqual(1);
      expect(periods).toBeCloseTo(Math.round(periods), 6);
    }
  });

  it('arms nothing for a schedule that can never fire, and keeps working for the others', () => {
    // Prepare: timers faked, so that those armed can be counted and run
    jest.useFakeTimers();
    const fired: string[] = [];
    const scheduler = new Scheduler({
      delayScale: 1,
      now: () => at('2024-03-04T10:00:00Z'),
      logger: quietLogger,
      fire: (key) => fired.push(key),
    });
    let armedForNever: number;
    let next: Array<string | undefined>;
    let armed: number;
    try {
      // Act
      scheduler.set('february-31', cron('cron(0 0 31 FEB ? *)'));
      scheduler.set('past-year', cron('cron(0 0 1 1 ? 1969)'));
      scheduler.set('past-the-clock', rate('rate(2147483647 days)'));
      armedForNever = jest.getTimerCount();
      scheduler.set('daily', cron('cron(0 12 * * ? *)'));
      next = ['february-31', 'past-year', 'past-the-clock', 'daily'].map((key) =>
        iso(scheduler.nextFire(key)),
      );
      jest.advanceTimersByTime(1_000);
      armed = jest.getTimerCount();
    } finally {
      scheduler.stop();
      jest.useRealTimers();
    }
    // Assess: no timer for a schedule with no next fire (one of NaN ms would try to fire it every millisecond)
    expect({ armedForNever, armed, fired }).toEqual({ armedForNever: 0, armed: 1, fired: [] });
    expect(next).toEqual([undefined, undefined, undefined, '2024-03-04T12:00:00.000Z']);
  });

  it('keeps the timing when the same expression is set again, and restarts it for another', () => {
    // Prepare
    let now = at('2024-03-04T10:00:00Z');
    const scheduler = new Scheduler({ delayScale: 1, now: () => now, logger: quietLogger, fire: () => {} });
    scheduler.set('tick', rate('rate(5 minutes)'));
    // Act
    now += 60_000;
    scheduler.set('tick', rate('rate(5 minutes)'));
    const kept = iso(scheduler.nextFire('tick'));
    scheduler.set('tick', rate('rate(10 minutes)'));
    const restarted = iso(scheduler.nextFire('tick'));
    scheduler.stop();
    // Assess
    expect(kept).toBe('2024-03-04T10:05:00.000Z');
    expect(restarted).toBe('2024-03-04T10:11:00.000Z');
  });

  it('waits one period per fire on a clock a test froze, not one more each time', () => {
    // Prepare: rate(1 minute) at delayScale 0.001 is every 60 ms of a clock that never moves.
    jest.useFakeTimers();
    const fired: number[] = [];
    const frozen = at('2024-03-04T10:00:00Z');
    const scheduler = new Scheduler({
      delayScale: 0.001,
      now: () => frozen,
      logger: quietLogger,
      fire: (_key, scheduledAt) => fired.push(scheduledAt - frozen),
    });
    try {
      scheduler.set('tick', rate('rate(1 minute)'));
      // Act: five periods of timer time.
      jest.advanceTimersByTime(5 * 60);
    } finally {
      scheduler.stop();
      jest.useRealTimers();
    }
    // Assess: before, the waits grew (60, 120, 180 ms...) and only two had fired.
    expect(fired).toEqual([60, 120, 180, 240, 300]);
  });

  it('skips the fires a stalled process missed rather than bunching them up', () => {
    // Prepare: rate(1 minute) at delayScale 0.001 is every 60 ms of a clock the test moves.
    jest.useFakeTimers();
    const start = at('2024-03-04T10:00:00Z');
    let now = start;
    const fired: number[] = [];
    const scheduler = new Scheduler({
      delayScale: 0.001,
      now: () => now,
      logger: quietLogger,
      fire: (_key, scheduledAt) => fired.push(scheduledAt - start),
    });
    try {
      scheduler.set('tick', rate('rate(1 minute)'));
      // Act: the clock runs on eleven periods while the first timer waits (a stalled event loop), then two
      // periods of timer time pass.
      now += 11 * 60;
      jest.advanceTimersByTime(2 * 60);
    } finally {
      scheduler.stop();
      jest.useRealTimers();
    }
    // Assess: the late first fire, then the next one after the clock's now, none of the ten in between.
    expect(fired).toEqual([60, 720]);
  });

  it('waits out a fire further away than one timer can wait (24.8 days) in hops, and fires it once, at its time', () => {
    // Prepare: on a frozen clock, a yearly schedule whose next fire is some 300 days away.
    jest.useFakeTimers();
    const now = at('2024-03-04T10:00:00Z');
    const due = at('2025-01-01T00:00:00Z');
    const fired: Array<string | undefined> = [];
    const scheduler = new Scheduler({
      delayScale: 1,
      now: () => now,
      logger: quietLogger,
      fire: (_key, scheduledAt) => fired.push(iso(scheduledAt)),
    });
    let early: Array<string | undefined>;
    try {
      scheduler.set('new-year', cron('cron(0 0 1 1 ? *)'));
      // Act: timer time up to a millisecond before the fire, then that millisecond.
      jest.advanceTimersByTime(due - now - 1);
      early = [...fired];
      jest.advanceTimersByTime(1);
    } finally {
      scheduler.stop();
      jest.useRealTimers();
    }
    // Assess
    expect(early).toEqual([]);
    expect(fired).toEqual(['2025-01-01T00:00:00.000Z']);
  });

  it('logs a fire that throws, and fires again the next period', () => {
    // Prepare: rate(1 minute) at delayScale 0.001 is every 60 ms of timer time; the first fire throws.
    jest.useFakeTimers();
    const errors: string[] = [];
    const fired: number[] = [];
    const scheduler = new Scheduler({
      delayScale: 0.001,
      now: () => at('2024-03-04T10:00:00Z'),
      logger: { warn: () => {}, error: (message: string) => errors.push(message) },
      fire: (_key, scheduledAt) => {
        fired.push(scheduledAt);
        if (fired.length === 1) throw new Error('target gone');
      },
    });
    try {
      scheduler.set('tick', rate('rate(1 minute)'));
      // Act
      jest.advanceTimersByTime(2 * 60);
    } finally {
      scheduler.stop();
      jest.useRealTimers();
    }
    // Assess
    expect(fired).toHaveLength(2);
    expect(errors).toEqual(['[eventbridge] schedule tick failed to fire:']);
  });

  it('counts a rate from the time it is given as its start, as a restored rule does', () => {
    // Prepare
    const now = at('2024-03-04T10:00:00Z');
    const scheduler = new Scheduler({ delayScale: 1, now: () => now, logger: quietLogger, fire: () => {} });
    // Act: a schedule that became active seven minutes ago, and one that starts now.
    scheduler.set('restored', rate('rate(5 minutes)'), now - 7 * 60_000);
    scheduler.set('new', rate('rate(5 minutes)'));
    scheduler.set('past-the-clock', rate('rate(5 minutes)'), 1e300);
    const keys = ['restored', 'new', 'past-the-clock'];
    const next = keys.map((key) => iso(scheduler.nextFire(key)));
    const since = [...keys, 'unknown'].map((key) => scheduler.since(key));
    scheduler.stop();
    // Assess: a start time past the clock's range counts as now.
    expect(next).toEqual([
      '2024-03-04T10:03:00.000Z',
      '2024-03-04T10:05:00.000Z',
      '2024-03-04T10:05:00.000Z',
    ]);
    expect(since).toEqual([now - 7 * 60_000, now, now, undefined]);
  });

  it('fires nothing once removed or stopped', async () => {
    // Prepare
    const fired: string[] = [];
    const scheduler = new Scheduler({
      delayScale: 0.0002,
      logger: quietLogger,
      fire: (key) => fired.push(key),
    });
    scheduler.set('removed', rate('rate(1 minute)'));
    scheduler.set('stopped', rate('rate(1 minute)'));
    // Act
    scheduler.remove('removed');
    scheduler.stop();
    scheduler.set('after-stop', rate('rate(1 minute)'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Assess
    expect(fired).toEqual([]);
    expect(scheduler.nextFire('stopped')).toBeUndefined();
  });

  describe('a cron on the wall clock, when the clock is set while it waits (NTP, a VM resumed)', () => {
    /** The scheduled times fired, each with the clock's reading when it fired. */
    const daily = (): { fired: string[]; scheduler: Scheduler } => {
      const fired: string[] = [];
      // No `now`: the wall clock, here jest's, which setSystemTime moves without running timers.
      const scheduler = new Scheduler({
        delayScale: 1,
        logger: quietLogger,
        fire: (_key, scheduledAt) =>
          fired.push(`${new Date(scheduledAt).toISOString()} at ${new Date().toISOString()}`),
      });
      scheduler.set('daily', cron('cron(0 9 * * ? *)'));
      return { fired, scheduler };
    };

    it('fires no earlier by the clock when it is set back an hour', () => {
      // Prepare
      jest.useFakeTimers({ now: at('2024-03-04T08:00:00Z') });
      const { fired, scheduler } = daily();
      try {
        // Act: set back an hour, then the hour the timer was set for passes
        jest.setSystemTime(at('2024-03-04T07:00:00Z'));
        jest.advanceTimersByTime(60 * 60_000);
        const early = [...fired];
        jest.advanceTimersByTime(60 * 60_000);
        // Assess: before, it fired at 08:00 by the clock, with an event timed 09:00
        expect(early).toEqual([]);
        expect(fired).toEqual(['2024-03-04T09:00:00.000Z at 2024-03-04T09:00:00.000Z']);
      } finally {
        scheduler.stop();
        jest.useRealTimers();
      }
    });

    it('fires within a minute when it is set forward past the fire', () => {
      // Prepare
      jest.useFakeTimers({ now: at('2024-03-04T08:00:00Z') });
      const { fired, scheduler } = daily();
      try {
        // Act: set forward past 09:00, then a minute passes
        jest.setSystemTime(at('2024-03-04T09:30:00Z'));
        jest.advanceTimersByTime(60_000);
        // Assess: before, it fired at 10:00 by the clock, the hour the timer was set for
        expect(fired).toEqual(['2024-03-04T09:00:00.000Z at 2024-03-04T09:31:00.000Z']);
        expect(scheduler.nextFire('daily')).toBe(at('2024-03-05T09:00:00Z'));
      } finally {
        scheduler.stop();
        jest.useRealTimers();
      }
    });
  });
});

function rate(expression: string) {
  const schedule = parseScheduleExpression(expression);
  if (schedule?.kind !== 'rate') throw new Error(`not a valid rate expression: ${expression}`);
  return schedule;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ---- a reference reading of cron fields, by membership rather than by listing values ----

interface Field {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MINUTE_FIELD: Field = { min: 0, max: 59 };
const HOUR_FIELD: Field = { min: 0, max: 23 };
const DAY_FIELD: Field = { min: 1, max: 31 };
const MONTH_FIELD: Field = {
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
};
const WEEK_DAY_FIELD: Field = { min: 1, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] };

/** One list item: `*`, `v` or `a-b` (wrapping when b < a), with an optional step (0 keeps the start). */
interface Item {
  readonly from?: number;
  readonly to?: number;
  readonly step?: number;
  readonly text: string;
}

function itemArb(field: Field): fc.Arbitrary<Item> {
  const value = fc.integer({ min: field.min, max: field.max });
  const step = fc.integer({ min: 0, max: field.max + 5 });
  const name = (v: number, lower: boolean): string => {
    const text = field.names?.[v - 1] ?? String(v);
    return lower ? text.toLowerCase() : text;
  };
  const shown = fc.tuple(value, fc.boolean(), fc.boolean()).map(([v, useName, lower]) => ({
    v,
    text: useName && field.names ? name(v, lower) : String(v),
  }));
  return fc.oneof(
    fc.constant({ text: '*' }),
    fc.integer({ min: 1, max: field.max + 5 }).map((s) => ({ step: s, text: `*/${s}` })),
    fc.tuple(shown, fc.option(step, { nil: undefined })).map(([a, s]) => ({
      from: a.v,
      ...(s === undefined ? { to: a.v } : { step: s }),
      text: s === undefined ? a.text : `${a.text}/${s}`,
    })),
    fc.tuple(shown, shown, fc.option(step, { nil: undefined })).map(([a, b, s]) => ({
      from: a.v,
      to: b.v,
      ...(s === undefined ? {} : { step: s }),
      text: s === undefined ? `${a.text}-${b.text}` : `${a.text}-${b.text}/${s}`,
    })),
  );
}

const render = (items: readonly Item[]): string => items.map((i) => i.text).join(',');

/** Whether `x` is one of the item's values. */
function holds(item: Item, field: Field, x: number): boolean {
  const span = field.max - field.min + 1;
  const mod = (n: number): number => ((n % span) + span) % span;
  const from = item.from ?? field.min;
  const to = item.to ?? field.max;
  if (item.step === 0) return x === from;
  const distance = mod(x - from);
  return distance <= mod(to - from) && distance % (item.step ?? 1) === 0;
}

/** Day-of-month and Day-of-week together: one of them is `?`. */
interface DayRule {
  readonly dom: string;
  readonly dow: string;
  readonly holds: (year: number, month: number, day: number) => boolean;
}

const monthLength = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
const weekDayOf = (year: number, month: number, day: number): number =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
const isWeekday = (year: number, month: number, day: number): boolean => {
  const w = weekDayOf(year, month, day);
  return w >= 2 && w <= 6;
};

const dayArb: fc.Arbitrary<DayRule> = fc.oneof(
  fc.array(itemArb(DAY_FIELD), { minLength: 1, maxLength: 3 }).map((items) => ({
    dom: render(items),
    dow: '?',
    holds: (_y: number, _m: number, d: number) => items.some((i) => holds(i, DAY_FIELD, d)),
  })),
  fc.integer({ min: 0, max: 30 }).map((n) => ({
    dom: n === 0 ? 'L' : `L-${n}`,
    dow: '?',
    holds: (y: number, m: number, d: number) => d === monthLength(y, m) - n,
  })),
  fc.constant({
    dom: 'LW',
    dow: '?',
    holds: (y: number, m: number, d: number) => {
      if (!isWeekday(y, m, d)) return false;
      for (let later = d + 1; later <= monthLength(y, m); later++) if (isWeekday(y, m, later)) return false;
      return true;
    },
  }),
  // Month ends and starts are where W has to stay inside the month, so they come up often.
  fc.oneof(fc.integer({ min: 1, max: 31 }), fc.constantFrom(1, 28, 29, 30, 31)).map((n) => ({
    dom: `${n}W`,
    dow: '?',
    // The weekday of the month closest to day n (there is never a tie), if the month has a day n.
    holds: (y: number, m: number, d: number) => {
      const length = monthLength(y, m);
      if (n > length || !isWeekday(y, m, d)) return false;
      for (let e = 1; e <= length; e++)
        if (isWeekday(y, m, e) && Math.abs(e - n) < Math.abs(d - n)) return false;
      return true;
    },
  })),
  fc.array(itemArb(WEEK_DAY_FIELD), { minLength: 1, maxLength: 3 }).map((items) => ({
    dom: '?',
    dow: render(items),
    holds: (y: number, m: number, d: number) =>
      items.some((i) => holds(i, WEEK_DAY_FIELD, weekDayOf(y, m, d))),
  })),
  fc.constant({ dom: '?', dow: 'L', holds: (y: number, m: number, d: number) => weekDayOf(y, m, d) === 7 }),
  fc.integer({ min: 1, max: 7 }).map((w) => ({
    dom: '?',
    dow: `${w}L`,
    holds: (y: number, m: number, d: number) => weekDayOf(y, m, d) === w && d + 7 > monthLength(y, m),
  })),
  fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([w, k]) => ({
    dom: '?',
    dow: `${WEEK_DAY_FIELD.names?.[w - 1]}#${k}`,
    holds: (y: number, m: number, d: number) => weekDayOf(y, m, d) === w && Math.ceil(d / 7) === k,
  })),
);

const yearArb: fc.Arbitrary<{ text: string; holds: (year: number) => boolean }> = fc.oneof(
  fc.constant({ text: '*', holds: () => true }),
  fc.tuple(fc.integer({ min: 2020, max: 2032 }), fc.integer({ min: 0, max: 4 })).map(([from, length]) => ({
    text: `${from}-${from + length}`,
    holds: (year: number) => year >= from && year <= from + length,
  })),
);

/** How far the reference looks ahead: eight years, day by day. */
const HORIZON_MS = 8 * 366 * 86_400_000;

/** The first whole minute after `from`, within the horizon, on a matching day at a matching time. */
function referenceNext(
  from: number,
  dayMatches: (year: number, month: number, day: number) => boolean,
  timeMatches: (hour: number, minute: number) => boolean,
): number | undefined {
  const firstMinute = Math.floor(from / 60_000) * 60_000 + 60_000;
  const DAY_MS = 86_400_000;
  for (let day = Math.floor(firstMinute / DAY_MS) * DAY_MS; day <= from + HORIZON_MS; day += DAY_MS) {
    const date = new Date(day);
    if (!dayMatches(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate())) continue;
    for (let t = Math.max(day, firstMinute); t < day + DAY_MS; t += 60_000) {
      if (timeMatches(Math.floor((t - day) / 3_600_000), ((t - day) / 60_000) % 60)) return t;
    }
  }
  return undefined;
}
