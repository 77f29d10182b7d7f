import { CronExpressionParser } from 'cron-parser';
import { ScheduleError } from '../errors';

const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function numbers(values: readonly (number | string)[], field: string): number[] {
  return values.map((value) => {
    if (typeof value !== 'number') {
      throw new ScheduleError(`${field}: '${value}' has no crontab meaning here; write the schedule in EventBridge cron(...) syntax`);
    }
    return value;
  });
}

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

/**
 * Converts a standard 5-field crontab line (as in the etcd backup plugin of seed 001) to the six
 * fields of an EventBridge cron expression. Crontab runs when *either* restricted day field
 * matches; EventBridge cannot say that, so a line restricting both is refused rather than
 * silently changed.
 */
export function crontabToEventBridge(line: string): string {
  const expanded = MACROS[line.trim().toLowerCase()] ?? line.trim();
  if (expanded.startsWith('@')) throw new ScheduleError(`'${line}' is not a schedule crontab macro cronsnap can run`);
  const fieldCount = expanded.split(/\s+/).length;
  if (fieldCount !== 5) {
    throw new ScheduleError(`a crontab schedule has 5 fields (minute hour day-of-month month day-of-week), got ${fieldCount}`);
  }
  let fields;
  try {
    fields = CronExpressionParser.parse(expanded).fields;
  } catch (cause) {
    throw new ScheduleError(`invalid crontab '${line}': ${(cause as Error).message}`, { cause });
  }
  const domRestricted = !fields.dayOfMonth.isWildcard;
  const dowRestricted = !fields.dayOfWeek.isWildcard;
  if (domRestricted && dowRestricted) {
    throw new ScheduleError(
      `'${line}' restricts both day-of-month and day-of-week (crontab runs when either matches); EventBridge cannot express that: make one of them '*'`,
    );
  }
  const minute = renderValues(numbers(fields.minute.values, 'minute'), 0, 59);
  const hour = renderValues(numbers(fields.hour.values, 'hour'), 0, 23);
  const month = renderValues(numbers(fields.month.values, 'month'), 1, 12);
  if (dowRestricted) {
    // crontab counts Sunday as 0 (or 7); EventBridge counts it as 1.
    const days = numbers(fields.dayOfWeek.values, 'day-of-week').map((day) => (day % 7) + 1);
    return `${minute} ${hour} ? ${month} ${renderValues(days, 1, 7)} *`;
  }
  const dayOfMonth = domRestricted ? renderValues(numbers(fields.dayOfMonth.values, 'day-of-month'), 1, 31) : '*';
  return `${minute} ${hour} ${dayOfMonth} ${month} ? *`;
}
