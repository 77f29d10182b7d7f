import { CronExpressionParser, type CronDate } from 'cron-parser';
import { toEventBridgeSchedule } from './schedule-expression';

const RATE_UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, hour: 3600, day: 86400 };

/** The step of a `rate(...)` schedule in seconds; undefined for a cron schedule. */
function rateSeconds(schedule: string): number | undefined {
  const rate = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(toEventBridgeSchedule(schedule));
  return rate ? Number(rate[1]) * (RATE_UNIT_SECONDS[rate[2] ?? 'day'] ?? 86400) : undefined;
}

/** A job's schedule as cronsnap runs it: the expression (any accepted form) and its time zone. */
export interface ScheduleSpec {
  readonly schedule: string;
  readonly timezone?: string;
}

/** EventBridge numbers weekdays 1-7 from Sunday; cron-parser 0-6. */
function shiftWeekdays(field: string): string {
  return field.replace(/\d+/g, (day, offset: number, whole: string) => (whole[offset - 1] === '#' ? day : String(Number(day) - 1)));
}

/**
 * The day of a month (0-11) that `15W` or `LW` runs on, as Quartz, whose syntax EventBridge's is,
 * places it: the weekday nearest that day (the last day for `L`), never in another month, so a
 * Saturday the 1st runs on Monday the 3rd and a Sunday the 31st on Friday the 29th.
 */
function nearestWeekday(day: number | 'L', year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const target = day === 'L' ? last : day;
  const weekday = new Date(Date.UTC(year, month, target)).getUTCDay();
  if (weekday === 6) return target === 1 ? 3 : target - 1;
  if (weekday === 0) return target === last ? target - 2 : target + 1;
  return target;
}

/**
 * The EventBridge cron body as cron-parser reads it, plus what cron-parser cannot check: the
 * year, and `W`, for which cron-parser is given the days around it and the runs are filtered to
 * the nearest weekday. A lone `L` in day-of-week is the week's last day, Saturday.
 */
function toCronParser(body: string): { expression: string; matches: (date: CronDate) => boolean } {
  const [minutes = '', hours = '', dayOfMonth = '', month = '', dayOfWeek = '', year = '*'] = body.split(' ');
  const weekday = /^(\d+|L)W$/.exec(dayOfMonth)?.[1];
  const near = weekday === undefined || weekday === 'L' ? weekday : Number(weekday);
  const dom = near === undefined ? dayOfMonth.replace('?', '*') : near === 'L' ? '26-31' : `${Math.max(1, near - 2)}-${near + 2}`;
  const dow = dayOfWeek === 'L' ? '6' : shiftWeekdays(dayOfWeek.replace('?', '*'));
  const years = year === '*' ? () => true : yearMatcher(year);
  return {
    expression: `0 ${minutes} ${hours} ${dom} ${month} ${dow}`,
    matches: (date) => years(date.getFullYear()) && (near === undefined || date.getDate() === nearestWeekday(near, date.getFullYear(), date.getMonth())),
  };
}

function yearMatcher(field: string): (year: number) => boolean {
  const items = field.split(',').map((item) => {
    const [range = '', step = '1'] = item.split('/');
    const [from = '1970', to = range.includes('-') || item.includes('/') ? '2199' : from] = range === '*' ? [] : range.split('-');
    return { from: Number(from), to: Number(to), step: Number(step) };
  });
  return (year) => items.some(({ from, to, step }) => year >= from && year <= to && (year - from) % step === 0);
}

/**
 * Scheduled times after `from` (exclusive), up to `until` and at most `limit` of them. A `rate(...)`
 * has no fixed phase (EventBridge counts from the rule's creation), so its times are counted from `from`.
 */
export function* scheduledTimes(spec: ScheduleSpec, from: Date, until: Date, limit = Number.MAX_SAFE_INTEGER): Generator<Date> {
  const normalized = toEventBridgeSchedule(spec.schedule);
  const rate = rateSeconds(normalized);
  let produced = 0;
  if (rate !== undefined) {
    const stepMs = rate * 1000;
    for (let time = from.getTime() + stepMs; time <= until.getTime() && produced < limit; time += stepMs, produced += 1) yield new Date(time);
    return;
  }
  const { expression, matches } = toCronParser(normalized.slice('cron('.length, -1));
  const iterator = CronExpressionParser.parse(expression, { currentDate: from, tz: spec.timezone ?? 'UTC' });
  while (produced < limit) {
    // hasNext() would compute every time twice; a schedule with no run at all (30 February) throws.
    let date: CronDate;
    try {
      date = iterator.next();
    } catch {
      return;
    }
    const time = date.toDate();
    if (time > until) return;
    if (!matches(date)) continue;
    produced += 1;
    yield time;
  }
}

/**
 * Days after which the schedule's pattern repeats, so its intervals are all seen: a day when only
 * minutes and hours are set (three, to see two runs of a daily one), a fortnight when the weekday
 * is too, else 400 (a February, a yearly run, the second or last Friday of each month).
 * A time zone can shift runs by an hour at its DST changes, which only a full year shows.
 */
function repeatDays(spec: ScheduleSpec): number {
  const normalized = toEventBridgeSchedule(spec.schedule);
  if (spec.timezone !== undefined) return 400;
  const [, , dayOfMonth, month, dayOfWeek, year] = normalized.slice('cron('.length, -1).split(' ');
  const any = (field: string | undefined) => field === '*' || field === '?';
  if (!any(dayOfMonth) || !any(month) || !any(year) || /[#L]/.test(dayOfWeek ?? '')) return 400;
  return any(dayOfWeek) ? 3 : 15;
}

/**
 * The longest wait between two scheduled runs, in seconds: the RPO the schedule promises. Looks
 * as far ahead as the pattern needs to repeat, up to 5,000 runs (a fortnight of runs every
 * 5 minutes, enough to see a weekend).
 */
export function longestIntervalSeconds(spec: ScheduleSpec, from: Date): number {
  const rate = rateSeconds(spec.schedule);
  if (rate !== undefined) return rate;
  const until = new Date(from.getTime() + repeatDays(spec) * 86400 * 1000);
  let previous: Date | undefined;
  let longest = 0;
  for (const time of scheduledTimes(spec, from, until, 5000)) {
    if (previous) longest = Math.max(longest, (time.getTime() - previous.getTime()) / 1000);
    previous = time;
  }
  // Fewer than two runs in the horizon: nothing shorter can be promised.
  return longest === 0 ? 400 * 86400 : longest;
}
