// Scheduled rules: parses EventBridge's rate(...) and cron(...) expressions as AWS documents them, computes
// when a cron expression next matches (UTC, minute precision), and keeps one unref'd timer per active rule.
import type { Logger } from './delivery.js';

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
  readonly years: readonly number[];
  readonly days: DaySpec;
}

/** Which days of a month match: exactly one of Day-of-month and Day-of-week is `?`, so one spec decides. */
export type DaySpec =
  | { readonly kind: 'monthDays'; readonly days: readonly number[] }
  | { readonly kind: 'lastDayOfMonth' }
  | { readonly kind: 'lastWeekdayOfMonth' }
  | { readonly kind: 'nearestWeekday'; readonly day: number }
  | { readonly kind: 'weekDays'; readonly weekDays: readonly number[] }
  | { readonly kind: 'lastWeekDayOfMonth'; readonly weekDay: number }
  | { readonly kind: 'nthWeekDay'; readonly weekDay: number; readonly nth: number };

export type Schedule = RateSchedule | CronSchedule;

const MINUTE_MS = 60_000;
const UNIT_MS = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS } as const;

/**
 * Parses a ScheduleExpression; `undefined` means PutRule answers "Parameter ScheduleExpression is not valid.".
 * Everything accepted here can be computed by {@link nextFireTime}.
 */
export function parseScheduleExpression(text: string): Schedule | undefined {
  const rate = /^rate\(\s*(\d+)\s+(minute|hour|day)(s?)\s*\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2] as keyof typeof UNIT_MS;
    // AWS: singular for 1, plural above ("rate(1 hours)" and "rate(5 hour)" are not valid); 0 is not positive.
    if (value < 1 || (value === 1) !== (rate[3] === '')) return undefined;
    return { kind: 'rate', expression: text, periodMs: value * UNIT_MS[unit] };
  }
  const cron = /^cron\((.*)\)$/s.exec(text);
  return cron ? parseCron(text, cron[1] ?? '') : undefined;
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
const YEARS: FieldRange = { min: 1970, max: 2199, wraps: false };

function parseCron(expression: string, body: string): CronSchedule | undefined {
  // Names and L/W are matched without regard to case, as Quartz (the syntax AWS documents) does.
  const fields = body.trim().toUpperCase().split(/\s+/);
  if (fields.length !== 6) return undefined;
  const [minuteText, hourText, dayText, monthText, weekDayText, yearText] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  // AWS: one of Day-of-month and Day-of-week must be `?`, never both.
  if ((dayText === '?') === (weekDayText === '?')) return undefined;
  const minutes = parseList(minuteText, MINUTES);
  const hours = parseList(hourText, HOURS);
  const months = parseList(monthText, MONTHS);
  const years = parseList(yearText, YEARS);
  const days = dayText === '?' ? parseWeekDays(weekDayText) : parseMonthDays(dayText);
  if (!minutes || !hours || !months || !years || !days) return undefined;
  return { kind: 'cron', expression, minutes, hours, months, years, days };
}

/** Day-of-month: `, - * /` lists, or alone `L` (last day), `LW` (last weekday), `nW` (weekday nearest n). */
function parseMonthDays(text: string): DaySpec | undefined {
  if (text === 'L') return { kind: 'lastDayOfMonth' };
  if (text === 'LW') return { kind: 'lastWeekdayOfMonth' };
  const weekday = /^(\d{1,2})W$/.exec(text);
  if (weekday) {
    const day = Number(weekday[1]);
    return day >= 1 && day <= 31 ? { kind: 'nearestWeekday', day } : undefined;
  }
  const days = parseList(text, MONTH_DAYS);
  return days ? { kind: 'monthDays', days } : undefined;
}

/**
 * Day-of-week (1-7 or SUN-SAT, 1 = Sunday): `, - *` lists, or alone `L` (Saturday, the week's last day),
 * `nL` (the month's last day n) or `n#k` (the k-th day n of the month; AWS allows one such expression only).
 * AWS lists no `/` for this field.
 */
function parseWeekDays(text: string): DaySpec | undefined {
  if (text === 'L') return { kind: 'weekDays', weekDays: [7] };
  const last = /^(\w+)L$/.exec(text);
  if (last) {
    const weekDay = parseValue(last[1] ?? '', WEEK_DAYS);
    return weekDay === undefined ? undefined : { kind: 'lastWeekDayOfMonth', weekDay };
  }
  const nth = /^(\w+)#(\d)$/.exec(text);
  if (nth) {
    const weekDay = parseValue(nth[1] ?? '', WEEK_DAYS);
    const n = Number(nth[2]);
    return weekDay === undefined || n < 1 || n > 5 ? undefined : { kind: 'nthWeekDay', weekDay, nth: n };
  }
  if (text.includes('/')) return undefined;
  const weekDays = parseList(text, WEEK_DAYS);
  return weekDays ? { kind: 'weekDays', weekDays } : undefined;
}

/** A `, - * /` list: items `*`, `v`, `a-b`, each optionally `/step` (`v/step` runs from v to the end). */
function parseList(text: string, range: FieldRange): number[] | undefined {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(\*|\w+|\w+-\w+)(?:\/(\d+))?$/.exec(item);
    if (!match) return undefined;
    const base = match[1] ?? '';
    const step = match[2] === undefined ? undefined : Number(match[2]);
    // Quartz refuses steps larger than the field's largest value (e.g. /60 for minutes); years have no cap.
    if (step !== undefined && (step < 1 || (range !== YEARS && step > range.max))) return undefined;
    let from: number | undefined;
    let to: number | undefined;
    if (base === '*') {
      from = range.min;
      to = range.max;
    } else if (base.includes('-')) {
      const [a, b] = base.split('-');
      from = parseValue(a ?? '', range);
      to = parseValue(b ?? '', range);
      if (from !== undefined && to !== undefined && from > to && !range.wraps) return undefined;
    } else {
      from = parseValue(base, range);
      to = step === undefined ? from : range.max;
    }
    if (from === undefined || to === undefined) return undefined;
    const span = range.max - range.min + 1;
    const count = (((to - from) % span) + span) % span;
    for (let offset = 0; offset <= count; offset += step ?? 1) {
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

/**
 * The first minute strictly after `afterMs` (epoch ms) that a cron schedule matches, in UTC; `undefined`
 * when it never matches again (e.g. its years are past, or it names 30 February).
 */
export function nextCronTime(cron: CronSchedule, afterMs: number): number | undefined {
  const start = new Date(Math.floor(afterMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS);
  const startYear = start.getUTCFullYear();
  const startMonth = start.getUTCMonth() + 1;
  const startDay = start.getUTCDate();
  const startHour = start.getUTCHours();
  const startMinute = start.getUTCMinutes();
  // Walk the fields from the largest down; a field is held at or after the start only while every larger
  // field still equals the start's, so the first hit is the earliest.
  for (const year of cron.years) {
    if (year < startYear) continue;
    const inStartYear = year === startYear;
    for (const month of cron.months) {
      if (inStartYear && month < startMonth) continue;
      const inStartMonth = inStartYear && month === startMonth;
      for (const day of matchingDays(cron.days, year, month)) {
        if (inStartMonth && day < startDay) continue;
        const onStartDay = inStartMonth && day === startDay;
        for (const hour of cron.hours) {
          if (onStartDay && hour < startHour) continue;
          const inStartHour = onStartDay && hour === startHour;
          for (const minute of cron.minutes) {
            if (inStartHour && minute < startMinute) continue;
            return Date.UTC(year, month - 1, day, hour, minute);
          }
        }
      }
    }
  }
  return undefined;
}

/** Days of `month` (1-12) of `year` that match, ascending. */
export function matchingDays(spec: DaySpec, year: number, month: number): number[] {
  const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
  // Day of the week as cron numbers it: 1 = Sunday ... 7 = Saturday.
  const weekDayOf = (day: number): number => new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
  const isWeekday = (day: number): boolean => weekDayOf(day) >= 2 && weekDayOf(day) <= 6;
  switch (spec.kind) {
    case 'monthDays':
      return spec.days.filter((d) => d <= length);
    case 'lastDayOfMonth':
      return [length];
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

/** setTimeout's largest delay; longer waits are taken in hops. */
const MAX_TIMER_MS = 2 ** 31 - 1;

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
  #stopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * Starts (or keeps) the schedule under `key`. The same expression again keeps its timing, as a rule put
   * again unchanged; another expression starts afresh.
   */
  set(key: string, schedule: Schedule): void {
    if (this.#stopped) return;
    const existing = this.#entries.get(key);
    if (existing?.schedule.expression === schedule.expression) return;
    this.remove(key);
    const now = this.#now();
    const entry: Entry = { schedule, anchor: now, next: undefined };
    this.#entries.set(key, entry);
    this.#arm(key, entry, now);
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
    this.#wait(key, entry, entry.next);
  }

  #wait(key: string, entry: Entry, at: number): void {
    const delay = Math.max(0, at - this.#now());
    const hop = Math.min(delay, MAX_TIMER_MS);
    entry.timer = setTimeout(() => {
      if (this.#entries.get(key) !== entry) return;
      if (hop < delay) {
        this.#wait(key, entry, at);
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
    return entry.anchor + (Math.floor((after - entry.anchor) / period) + 1) * period;
  }
}
