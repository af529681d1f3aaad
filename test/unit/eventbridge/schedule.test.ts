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
    ['cron(0 0 1 * ? 1969)', 'a year before 1970'],
    ['cron(0 0 1 * ? 2200)', 'a year after 2199'],
    ['cron(0 0 1 * ? 2030-2020)', 'a backwards year range'],
    ['cron(0 0 ? * 3#1,6#3 *)', 'two # expressions'],
    ['cron(0 0 ? * 3#6 *)', 'a sixth week'],
    ['cron(0 0 ? * MON/2 *)', '/ in day of week'],
    ['cron(0 0 1,L * ? *)', 'L in a list'],
    ['cron(0 0 1-5W * ? *)', 'W on a range'],
    ['cron(0 0 L-3 * ? *)', 'an L offset AWS does not document'],
    ['cron(0/0 * * * ? *)', 'a zero step'],
    ['cron(0/60 * * * ? *)', 'a step larger than the field'],
    ['cron(? 10 * * ? *)', '? in minutes'],
    ['cron(0 10 * FOO ? *)', 'an unknown month name'],
    ['cron(0,,5 10 * * ? *)', 'an empty list item'],
    ['cron()', 'nothing at all'],
  ])('refuses %s (%s)', (expression) => {
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
    // Assess: planned instants are whole periods from the start
    const [first, second, third] = fired as [number, number, number];
    expect(first - startedAt).toBeGreaterThanOrEqual(29);
    expect(second - first).toBeCloseTo(30, 5);
    expect(third - second).toBeCloseTo(30, 5);
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
