import { CronExpressionParser, type CronFieldCollection } from 'cron-parser';
import { ScheduleError } from '../errors';
import { isHashed } from './hashed-values';

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Shortest EventBridge text for a sorted set of values: `*`, `start/step`, or a list of values and ranges. */
export function renderValues(values: readonly number[], min: number, max: number): string {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  const [first, second] = sorted;
  if (first === undefined) throw new ScheduleError('a field matched no value');
  if (sorted.length === max - min + 1) return '*';
  if (second !== undefined && second - first > 1) {
    const step = second - first;
    const last = sorted[sorted.length - 1] ?? first;
    const progression = sorted.every((value, index) => value === first + index * step);
    if (progression && last + step > max) return `${first}/${step}`;
  }
  const parts: string[] = [];
  let runStart = first;
  let previous = first;
  const flush = (): void => {
    if (previous - runStart >= 2) parts.push(`${runStart}-${previous}`);
    else for (let value = runStart; value <= previous; value += 1) parts.push(String(value));
  };
  for (const value of sorted.slice(1)) {
    if (value !== previous + 1) {
      flush();
      runStart = value;
    }
    previous = value;
  }
  flush();
  return parts.join(',');
}

/** EventBridge numbers weekdays 1-7 from Sunday; crontab 0-7, with Sunday both 0 and 7. */
const eventBridgeWeekday = (day: number): number => (day % 7) + 1;

/**
 * A day field's values as EventBridge writes them: the numbers as a list or range, then each `L`
 * form (`L`, and crontab's `5L`, the month's last Friday) with its day renumbered by `day`.
 */
function renderDays(values: readonly (number | string)[], min: number, max: number, day: (value: number) => number): string {
  const numbers = values.filter((value): value is number => typeof value === 'number').map(day);
  const lasts = values.filter((value): value is string => typeof value === 'string').map((value) => (value === 'L' ? 'L' : `${day(Number(value.slice(0, -1)))}L`));
  return [...(numbers.length > 0 ? [renderValues(numbers, min, max)] : []), ...lasts].join(',');
}

function parseCrontab(line: string, expanded: string): CronFieldCollection {
  try {
    return CronExpressionParser.parse(expanded).fields;
  } catch (cause) {
    throw new ScheduleError(`invalid crontab '${line}': ${(cause as Error).message}`, { cause });
  }
}

/**
 * Converts a standard 5-field crontab line (as in the etcd backup plugin of seed 001) to the six
 * fields of an EventBridge cron expression, keeping the specials both know: `L` (last day of the
 * month, `5L` the last Friday), `5#2` (the second Friday) and `15W`/`LW` (the weekday nearest
 * the 15th / the last weekday). Crontab runs when *either* restricted day field matches;
 * EventBridge cannot say that, so a line restricting both is refused rather than silently changed.
 */
export function crontabToEventBridge(line: string): string {
  const expanded = MACROS[line.trim().toLowerCase()] ?? line.trim();
  if (expanded.startsWith('@')) throw new ScheduleError(`'${line}' is not a schedule crontab macro cronsnap can run`);
  const texts = expanded.split(/\s+/);
  if (texts.length !== 5) {
    throw new ScheduleError(`a crontab schedule has 5 fields (minute hour day-of-month month day-of-week), got ${texts.length}`);
  }
  if (texts.some(isHashed)) {
    // cron-parser would pick H at random, moving the schedule at every synth.
    throw new ScheduleError(`'${line}': H is picked from the job's name when the config is read; this schedule was given none`);
  }
  // cron-parser has no W; EventBridge's means the same, so it is checked as its day and written as it is.
  const [minuteText, hourText, dayOfMonthText = '', monthText, dayOfWeekText] = texts;
  const weekday = /^(\d+|L)W$/i.exec(dayOfMonthText)?.[1]?.toUpperCase();
  const fields = parseCrontab(line, weekday === undefined ? expanded : [minuteText, hourText, weekday, monthText, dayOfWeekText].join(' '));
  const domRestricted = !fields.dayOfMonth.isWildcard;
  const dowRestricted = !fields.dayOfWeek.isWildcard;
  if (domRestricted && dowRestricted) {
    throw new ScheduleError(
      `'${line}' restricts both day-of-month and day-of-week (crontab runs when either matches); EventBridge cannot express that: make one of them '*'`,
    );
  }
  const minute = renderValues(fields.minute.values, 0, 59);
  const hour = renderValues(fields.hour.values, 0, 23);
  const month = renderValues(fields.month.values, 1, 12);
  if (dowRestricted) {
    const days = renderDays(fields.dayOfWeek.values, 1, 7, eventBridgeWeekday);
    const nth = fields.dayOfWeek.nthDay > 0 ? `#${fields.dayOfWeek.nthDay}` : '';
    return `${minute} ${hour} ? ${month} ${days}${nth} *`;
  }
  const dayOfMonth = weekday !== undefined ? `${weekday}W` : domRestricted ? renderDays(fields.dayOfMonth.values, 1, 31, (day) => day) : '*';
  return `${minute} ${hour} ${dayOfMonth} ${month} ? *`;
}
