import type { Job } from './job-config';
import { longestIntervalSeconds } from '../schedule/schedule-times';

/** Anything run on a schedule with a time limit: a job's backups, or its binary log shipping. */
export type ScheduledWork = Pick<Job, 'schedule' | 'timezone' | 'timeoutMinutes'>;

/**
 * The recovery point objective of scheduled work, derived from its schedule: the longest wait
 * between two scheduled runs plus the timeout, the time a run may take to land.
 */
export function recoveryPointObjective(work: ScheduledWork, from: Date): { intervalSeconds: number; graceSeconds: number; rpoSeconds: number } {
  const intervalSeconds = longestIntervalSeconds({ schedule: work.schedule, ...(work.timezone ? { timezone: work.timezone } : {}) }, from);
  const graceSeconds = work.timeoutMinutes * 60;
  return { intervalSeconds, graceSeconds, rpoSeconds: intervalSeconds + graceSeconds };
}

/** CloudWatch evaluates at most one day of periods shorter than an hour, and at most seven days in all. */
const SHORT_PERIOD = 300;
const LONG_PERIOD = 3600;
const MAX_SHORT_SPAN = 86400;
const MAX_SPAN = 7 * 86400;

/**
 * Periods for an alarm that fires when no backup succeeded within `rpoSeconds`: every one of
 * `evaluationPeriods` periods must be empty. Five-minute periods up to a day, then hours; an
 * RPO beyond seven days is watched over the last seven (`clamped`).
 */
export function rpoAlarmWindow(rpoSeconds: number): { periodSeconds: number; evaluationPeriods: number; clamped: boolean } {
  const periodSeconds = rpoSeconds <= MAX_SHORT_SPAN ? SHORT_PERIOD : LONG_PERIOD;
  const span = Math.min(rpoSeconds, MAX_SPAN);
  return { periodSeconds, evaluationPeriods: Math.max(1, Math.ceil(span / periodSeconds)), clamped: rpoSeconds > MAX_SPAN };
}
