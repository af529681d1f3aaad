// Scheduled rules: parses EventBridge's rate(...) and cron(...) expressions as AWS accepts them (recorded),
// computes when a cron expression next matches (UTC, minute precision), and keeps one unref'd timer per rule.
import type { Logger } from './delivery.js';
import { MAX_TIMER_MS } from './persistence.js';
import { utcDay } from './request.js';

export interface RateSchedule {
  readonly kind: 'rate';
  readonly expression: string;
  /** The period at real speed, before delayScale. */
  readonly periodMs: number;
}

/** A cron expression as sets of matching values; each list is sorted ascending and never empty. */
export interface CronSchedule {
  readonly kind: 'cron';
  readonly expression: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: readonly number[];
  /** Years are kept as ranges: AWS accepts any year up to 2,147,483,647, too many to list. */
  readonly years: readonly ValueRange[];
  readonly days: DaySpec;
}

/** The values `from`, `from + step`, ... up to `to`; in small fields `to` below `from` runs over the end. */
export interface ValueRange {
  readonly from: number;
  readonly to: number;
  readonly step: number;
}

/** Which days of a month match: exactly one of Day-of-month and Day-of-week is `?`, so one spec decides. */
export type DaySpec =
  | { readonly kind: 'monthDays'; readonly days: readonly number[] }
  | { readonly kind: 'lastDayOfMonth'; readonly offset: number }
  | { readonly kind: 'lastWeekdayOfMonth' }
  | { readonly kind: 'nearestWeekday'; readonly day: number }
  | { readonly kind: 'weekDays'; readonly weekDays: readonly number[] }
  | { readonly kind: 'lastWeekDayOfMonth'; readonly weekDay: number }
  | { readonly kind: 'nthWeekDay'; readonly weekDay: number; readonly nth: number };

export type Schedule = RateSchedule | CronSchedule;

const MINUTE_MS = 60_000;
const UNIT_MS = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS } as const;
/** AWS reads rate values, years and steps as 32-bit integers: 2147483647 is accepted, 2147483648 refused. */
const INT32_MAX = 2_147_483_647;

/**
 * Parses a ScheduleExpression; `undefined` means PutRule answers "Parameter ScheduleExpression is not valid.".
 * Everything accepted here can be computed by {@link nextCronTime}; some accepted expressions never fire
 * (30 February, a year before 1970), as in AWS, which accepts them too.
 *
 * What AWS accepts and refuses is taken from a recording against AWS (test/fixtures/eventbridge/
 * schedule-expressions.json): lower-case `rate`/`cron` and units only, one ASCII space between parts and
 * none inside the parentheses or around the expression.
 */
export function parseScheduleExpression(text: string): Schedule | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)(s?)\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as keyof typeof UNIT_MS;
    // AWS: singular for 1, plural above ("rate(1 hours)" and "rate(5 hour)" are not valid); 0 is not positive.
    // The value is read as a number, so "rate(01 minute)" is singular and "rate(01 minutes)" refused.
    if (value < 1 || value > INT32_MAX || (value === 1) !== (rate[3] === '')) return undefined;
    return { kind: 'rate', expression: text, periodMs: value * UNIT_MS[unit] };
  }
  const cron = /^cron\(([^ ]+(?: [^ ]+){5})\)$/.exec(text);
  return cron ? parseCron(text, (cron[1] ?? '').split(' ')) : undefined;
}

interface FieldRange {
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Ranges like 22-2 run over the end (as in Quartz, whose syntax AWS's follows); not for years. */
  readonly wraps: boolean;
}

const MINUTES: FieldRange = { min: 0, max: 59, wraps: true };
const HOURS: FieldRange = { min: 0, max: 23, wraps: true };
const MONTH_DAYS: FieldRange = { min: 1, max: 31, wraps: true };
const MONTHS: FieldRange = {
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  wraps: true,
};
const WEEK_DAYS: FieldRange = {
  min: 1,
  max: 7,
  names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
  wraps: true,
};
/** AWS documents 1970-2199 but accepts 0 to 2147483647 (recorded); years before 1970 simply never come. */
const YEARS: FieldRange = { min: 0, max: INT32_MAX, wraps: false };

function parseCron(expression: string, fields: string[]): CronSchedule | undefined {
  // Names and L/W are matched without regard to case (AWS accepts "jan" and "mon"); only ASCII letters are
  // folded, so no other character can turn into one.
  const [minuteText, hourText, dayText, monthText, weekDayText, yearText] = fields.map((f) =>
    f.replace(/[a-z]/g, (c) => c.toUpperCase()),
  ) as [string, string, string, string, string, string];
  // AWS: one of Day-of-month and Day-of-week must be `?`, never both.
  if ((dayText === '?') === (weekDayText === '?')) return undefined;
  const minutes = expand(parseList(minuteText, MINUTES), MINUTES);
  const hours = expand(parseList(hourText, HOURS), HOURS);
  const months = expand(parseList(monthText, MONTHS), MONTHS);
  const years = parseList(yearText, YEARS);
  const days = dayText === '?' ? parseWeekDays(weekDayText) : parseMonthDays(dayText);
  if (!minutes || !hours || !months || !years || !days) return undefined;
  return { kind: 'cron', expression, minutes, hours, months, years, days };
}

/**
 * Day-of-month: `, - * /` lists, or alone `L` (last day), `L-n` (n days before it, n up to 30, as in Quartz;
 * AWS accepts L-3 and fires L-15 on the 15th of a 30-day month), `LW` (last weekday), `nW` (the weekday
 * nearest day n, 1-31).
 */
function parseMonthDays(text: string): DaySpec | undefined {
  if (text === 'L') return { kind: 'lastDayOfMonth', offset: 0 };
  if (text === 'LW') return { kind: 'lastWeekdayOfMonth' };
  const beforeLast = /^L-(\d+)$/.exec(text);
  if (beforeLast) {
    const offset = Number(beforeLast[1]);
    return offset <= 30 ? { kind: 'lastDayOfMonth', offset } : undefined;
  }
  const weekday = /^(\d+)W$/.exec(text);
  if (weekday) {
    const day = Number(weekday[1]);
    return day >= 1 && day <= 31 ? { kind: 'nearestWeekday', day } : undefined;
  }
  const days = expand(parseList(text, MONTH_DAYS), MONTH_DAYS);
  return days ? { kind: 'monthDays', days } : undefined;
}

/**
 * Day-of-week (1-7 or SUN-SAT, 1 = Sunday): `, - * /` lists (AWS accepts `1/2`, though it documents no `/`
 * here), or alone `L` (Saturday, the week's last day), `nL` (the month's last day n) or `n#k` (the k-th day
 * n of the month, k 1-5; AWS allows one such expression only).
 */
function parseWeekDays(text: string): DaySpec | undefined {
  if (text === 'L') return { kind: 'weekDays', weekDays: [7] };
  const last = /^(\d+|[A-Z]{3})L$/.exec(text);
  if (last) {
    const weekDay = parseValue(last[1] ?? '', WEEK_DAYS);
    return weekDay === undefined ? undefined : { kind: 'lastWeekDayOfMonth', weekDay };
  }
  const nth = /^(\d+|[A-Z]{3})#(\d+)$/.exec(text);
  if (nth) {
    const weekDay = parseValue(nth[1] ?? '', WEEK_DAYS);
    const n = Number(nth[2]);
    return weekDay === undefined || n < 1 || n > 5 ? undefined : { kind: 'nthWeekDay', weekDay, nth: n };
  }
  const weekDays = expand(parseList(text, WEEK_DAYS), WEEK_DAYS);
  return weekDays ? { kind: 'weekDays', weekDays } : undefined;
}

/**
 * A `, - * /` list. Items: `*`, `v`, `a-b`, each optionally `/step`; `v/step` runs from v to the field's end.
 * Where AWS's documentation is silent the recording shows Quartz's reading, which we follow:
 * - a step may exceed the field (`0/60` is minute 0 only), and a zero step after a value or range keeps
 *   only its start (`0/0` is minute 0: AWS fired `33/0` at minute 33); `*` needs a step of at least 1;
 * - letters after a value or range are ignored: AWS accepts `0x` (fired `33x` at minute 33), `MONDAY`
 *   (fired `TUESDAY` on a Tuesday) and `1-5W` (days 1-5; fired `1-31W` on a Tuesday the 15th). After a
 *   single value they may not start with L or W, which mean something (refused where they do not apply).
 */
function parseList(text: string, range: FieldRange): ValueRange[] | undefined {
  const value = range.names ? '(\\d+|[A-Z]{3})' : '(\\d+)';
  const itemPattern = new RegExp(`^(?:(\\*)|${value}(?:-${value})?)(?:\\/(\\d+)|([A-Z]+))?$`);
  const items: ValueRange[] = [];
  for (const item of text.split(',')) {
    const match = itemPattern.exec(item);
    if (!match) return undefined;
    const [, star, fromText, toText, stepText, ignored] = match;
    const step = stepText === undefined ? undefined : Number(stepText);
    if (step !== undefined && step > INT32_MAX) return undefined;
    if (star !== undefined) {
      if (ignored !== undefined || step === 0) return undefined;
      items.push({ from: range.min, to: range.max, step: step ?? 1 });
      continue;
    }
    const from = parseValue(fromText ?? '', range);
    if (from === undefined) return undefined;
    if (toText === undefined) {
      if (ignored !== undefined && /^[LW]/.test(ignored)) return undefined;
      if (step === undefined || step === 0) items.push({ from, to: from, step: 1 });
      else items.push({ from, to: range.max, step });
      continue;
    }
    const to = parseValue(toText, range);
    if (to === undefined || (from > to && !range.wraps)) return undefined;
    items.push(step === 0 ? { from, to: from, step: 1 } : { from, to, step: step ?? 1 });
  }
  return items;
}

/** The sorted values of a small field's ranges; a range whose end is below its start runs over the end. */
function expand(items: readonly ValueRange[] | undefined, range: FieldRange): number[] | undefined {
  if (!items) return undefined;
  const span = range.max - range.min + 1;
  const values = new Set<number>();
  for (const { from, to, step } of items) {
    const count = (((to - from) % span) + span) % span;
    for (let offset = 0; offset <= count; offset += step) {
      values.add(range.min + ((from - range.min + offset) % span));
    }
  }
  return [...values].sort((a, b) => a - b);
}

function parseValue(text: string, range: FieldRange): number | undefined {
  const named = range.names?.indexOf(text) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= range.min && value <= range.max ? value : undefined;
}

/** The first year at or after `year` that the ranges hold, if any. */
function nextYear(ranges: readonly ValueRange[], year: number): number | undefined {
  let best: number | undefined;
  for (const { from, to, step } of ranges) {
    const candidate = year <= from ? from : from + Math.ceil((year - from) / step) * step;
    if (candidate <= to && (best === undefined || candidate < best)) best = candidate;
  }
  return best;
}

/** The last year whose every minute the clock (epoch ms up to 8.64e15, in September 275760) can hold. */
const LAST_YEAR = 275_759;
/** The Gregorian calendar repeats every 400 years, weekdays included (146,097 days = 20,871 weeks). */
const CALENDAR_CYCLE_YEARS = 400;

/**
 * The first minute strictly after `afterMs` (epoch ms) that a cron schedule matches, in UTC; `undefined`
 * when it never matches again (e.g. its years are past, or it names 30 February).
 */
export function nextCronTime(cron: CronSchedule, afterMs: number): number | undefined {
  const start = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const startYear = start.getUTCFullYear();
  // A year with no match proves every year of its place in the 400-year cycle has none, so an expression
  // that can never match (31 February, any year) is recognised after at most 400 years, not 270,000.
  const emptyInCycle = new Set<number>();
  for (
    let year = nextYear(cron.years, startYear);
    year !== undefined && year <= LAST_YEAR;
    year = nextYear(cron.years, year + 1)
  ) {
    const place = year % CALENDAR_CYCLE_YEARS;
    if (emptyInCycle.has(place)) continue;
    const found = firstInYear(cron, year, year === startYear ? start : undefined);
    if (found !== undefined) return found;
    if (year !== startYear) {
      emptyInCycle.add(place);
      if (emptyInCycle.size === CALENDAR_CYCLE_YEARS) return undefined;
    }
  }
  return undefined;
}

/** The first matching minute of `year`, at or after `start` when given (a moment in that year). */
function firstInYear(cron: CronSchedule, year: number, start: Date | undefined): number | undefined {
  const startMonth = start ? start.getUTCMonth() + 1 : 0;
  const startDay = start?.getUTCDate() ?? 0;
  const startHour = start?.getUTCHours() ?? 0;
  const startMinute = start?.getUTCMinutes() ?? 0;
  // Walk the fields from the largest down; a field is held at or after the start only while every larger
  // field still equals the start's, so the first hit is the earliest.
  for (const month of cron.months) {
    if (month < startMonth) continue;
    const inStartMonth = month === startMonth;
    for (const day of matchingDays(cron.days, year, month)) {
      if (inStartMonth && day < startDay) continue;
      const onStartDay = inStartMonth && day === startDay;
      for (const hour of cron.hours) {
        if (onStartDay && hour < startHour) continue;
        const inStartHour = onStartDay && hour === startHour;
        for (const minute of cron.minutes) {
          if (inStartHour && minute < startMinute) continue;
          return utcDay(year, month, day) + hour * 3_600_000 + minute * MINUTE_MS;
        }
      }
    }
  }
  return undefined;
}

/** Days of `month` (1-12) of `year` that match, ascending. */
export function matchingDays(spec: DaySpec, year: number, month: number): number[] {
  const length = new Date(utcDay(year, month + 1, 0)).getUTCDate();
  const firstWeekDay = new Date(utcDay(year, month, 1)).getUTCDay();
  // Day of the week as cron numbers it: 1 = Sunday ... 7 = Saturday.
  const weekDayOf = (day: number): number => ((firstWeekDay + day - 1) % 7) + 1;
  const isWeekday = (day: number): boolean => weekDayOf(day) >= 2 && weekDayOf(day) <= 6;
  switch (spec.kind) {
    case 'monthDays':
      return spec.days.filter((d) => d <= length);
    case 'lastDayOfMonth':
      return length - spec.offset >= 1 ? [length - spec.offset] : [];
    case 'lastWeekdayOfMonth': {
      let day = length;
      while (!isWeekday(day)) day--;
      return [day];
    }
    case 'nearestWeekday': {
      // The weekday nearest to the day, never crossing into another month (AWS: "3W ... the weekday
      // closest to the third day of the month"); a day the month does not have never matches.
      const { day } = spec;
      if (day > length) return [];
      const weekDay = weekDayOf(day);
      if (weekDay === 7) return [day === 1 ? 3 : day - 1];
      if (weekDay === 1) return [day === length ? day - 2 : day + 1];
      return [day];
    }
    case 'weekDays': {
      const days: number[] = [];
      for (let day = 1; day <= length; day++) if (spec.weekDays.includes(weekDayOf(day))) days.push(day);
      return days;
    }
    case 'lastWeekDayOfMonth': {
      let day = length;
      while (weekDayOf(day) !== spec.weekDay) day--;
      return [day];
    }
    case 'nthWeekDay': {
      const first = 1 + ((spec.weekDay - weekDayOf(1) + 7) % 7);
      const day = first + 7 * (spec.nth - 1);
      return day <= length ? [day] : [];
    }
  }
}

// ---- the scheduler ----

/** The latest instant a Date can hold (epoch ms). */
const MAX_CLOCK_MS = 8.64e15;

/**
 * On the wall clock (no `now` given), how often a cron schedule's wait looks at it again. A timer counts elapsed
 * time, not the clock's: with one timer for the whole wait, a clock set back an hour (NTP, a VM resumed) had a daily
 * cron(0 9 ...) fire at 08:00 by the clock, and one set forward an hour had it fire at 10:00 (clock review,
 * 2026-12-06). Rates count periods, so they keep one timer.
 */
const WALL_RECHECK_MS = 60_000;

export interface SchedulerOptions {
  /** Multiplies rate periods (not cron times, which are wall-clock minutes). */
  readonly delayScale: number;
  /** The clock schedules are computed against (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** Called when a schedule fires; `scheduledAt` is the planned instant on the `now` clock. */
  readonly fire: (key: string, scheduledAt: number) => void;
  readonly logger: Logger;
}

interface Entry {
  readonly schedule: Schedule;
  /** Rate schedules count whole periods from here (when the schedule became active). */
  readonly anchor: number;
  next: number | undefined;
  timer?: NodeJS.Timeout;
}

/** One timer per active schedule; timers are unref'd so they never keep the process alive. */
export class Scheduler {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;
  /** Whether `now` is the real wall clock (not one a test froze or moves by hand). */
  readonly #wallClock: boolean;
  #stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.#now = options.now ?? Date.now;
    this.#wallClock = options.now === undefined;
  }

  /**
   * Starts (or keeps) the schedule under `key`. The same expression again keeps its timing, as a rule put
   * again unchanged; another expression starts afresh. A rate counts its periods from `since` (when the schedule
   * became active: "A rate expression starts when you create the scheduled event rule"), by default now; a
   * restored rule passes the time it had, so that restarts do not move its fires.
   */
  set(key: string, schedule: Schedule, since?: number): void {
    if (this.#stopped) return;
    const existing = this.#entries.get(key);
    if (existing?.schedule.expression === schedule.expression) return;
    this.remove(key);
    const now = this.#now();
    // A time past what the clock holds (a journal edited by hand) would leave the periods no precision: now instead.
    const anchor = since !== undefined && Math.abs(since) <= MAX_CLOCK_MS ? since : now;
    const entry: Entry = { schedule, anchor, next: undefined };
    this.#entries.set(key, entry);
    this.#arm(key, entry, now);
  }

  /** When the schedule under `key` became active (what `set` takes as `since`), if it is active. */
  since(key: string): number | undefined {
    return this.#entries.get(key)?.anchor;
  }

  remove(key: string): void {
    const entry = this.#entries.get(key);
    if (entry?.timer) clearTimeout(entry.timer);
    this.#entries.delete(key);
  }

  /** When the schedule under `key` fires next, on the `now` clock; `undefined` if never or unknown. */
  nextFire(key: string): number | undefined {
    return this.#entries.get(key)?.next;
  }

  /** Clears every timer; nothing fires afterwards. */
  stop(): void {
    this.#stopped = true;
    for (const key of [...this.#entries.keys()]) this.remove(key);
  }

  #arm(key: string, entry: Entry, after: number): void {
    entry.next = this.#nextAfter(entry, after);
    if (entry.next === undefined) return;
    this.#wait(key, entry, entry.next, after);
  }

  /**
   * Fires at `at` on the `now` clock, which has reached `reached` at least: a clock a test froze (or moves by hand)
   * still waits one period per fire, not one more each time.
   */
  #wait(key: string, entry: Entry, at: number, reached: number): void {
    // A cron on the wall clock waits for the clock to reach its minute, however the clock moved meanwhile.
    const wall = this.#wallClock && entry.schedule.kind === 'cron';
    const from = wall ? this.#now() : Math.max(reached, this.#now());
    const delay = Math.max(0, at - from);
    const hop = Math.min(delay, wall ? WALL_RECHECK_MS : MAX_TIMER_MS);
    entry.timer = setTimeout(() => {
      if (this.#entries.get(key) !== entry) return;
      // Not yet: a wait longer than one timer's, or a cron whose clock was set back, or not yet reached by a timer
      // that counts time apart from it.
      if (wall ? this.#now() < at : hop < delay) {
        this.#wait(key, entry, at, from + hop);
        return;
      }
      try {
        this.options.fire(key, at);
      } catch (error) {
        this.options.logger.error(`[eventbridge] schedule ${key} failed to fire:`, error);
      }
      // A stalled process skips the fires it missed rather than bunching them up, as AWS does not backfill.
      if (this.#entries.get(key) === entry) this.#arm(key, entry, Math.max(at, this.#now()));
    }, hop);
    entry.timer.unref();
  }

  #nextAfter(entry: Entry, after: number): number | undefined {
    const { schedule } = entry;
    if (schedule.kind === 'cron') return nextCronTime(schedule, after);
    const period = schedule.periodMs * this.options.delayScale;
    const next = entry.anchor + (Math.floor((after - entry.anchor) / period) + 1) * period;
    // AWS accepts rate(2147483647 days), some 5.9 million years: past what the clock can hold, so never.
    return next <= MAX_CLOCK_MS ? next : undefined;
  }
}
