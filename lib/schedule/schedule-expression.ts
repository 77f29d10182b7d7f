import { ScheduleError } from '../errors';
import { crontabToEventBridge } from './crontab';
import { validateEventBridgeCron } from './eventbridge-cron';

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const CRON = /^cron\((.*)\)$/;

function validateRate(expression: string): string {
  const match = RATE.exec(expression);
  if (!match) throw new ScheduleError(`'${expression}' is not rate(<n> minute(s)|hour(s)|day(s))`);
  const value = Number(match[1]);
  const unit = match[2] ?? '';
  if (value < 1) throw new ScheduleError(`rate value must be at least 1, got ${value}`);
  // EventBridge insists on "1 hour" but "2 hours".
  if ((value === 1) !== !unit.endsWith('s')) {
    throw new ScheduleError(`rate(${value} ${unit}): use the ${value === 1 ? 'singular' : 'plural'} unit`);
  }
  return `rate(${value} ${unit})`;
}

/**
 * Normalizes any schedule cronsnap accepts to an EventBridge expression (`cron(...)` or `rate(...)`):
 * EventBridge `cron(...)` and `rate(...)` pass through after validation; a 5-field crontab line or a
 * macro such as `@daily` is converted.
 */
export function toEventBridgeSchedule(schedule: string): string {
  const trimmed = schedule.trim();
  if (trimmed.startsWith('rate(')) return validateRate(trimmed);
  const cron = CRON.exec(trimmed);
  if (cron) {
    const body = (cron[1] ?? '').trim().replace(/\s+/g, ' ');
    validateEventBridgeCron(body);
    return `cron(${body})`;
  }
  const converted = crontabToEventBridge(trimmed);
  try {
    validateEventBridgeCron(converted);
  } catch (cause) {
    if (!(cause instanceof ScheduleError)) throw cause;
    throw new ScheduleError(`'${trimmed}' would be cron(${converted}): ${cause.message}`, { cause });
  }
  return `cron(${converted})`;
}
