import { createHash } from 'node:crypto';

/**
 * The group whose stack holds a job's own resources (schedules, alarms, host policy): the first
 * hex digit of its name's sha256, so the 16 groups fill evenly and a job never moves.
 */
export function jobGroupOf(jobName: string): string {
  return createHash('sha256').update(jobName).digest('hex').slice(0, 1).toUpperCase();
}

/** The id of the nested stack of a job's group, as the deployed stack names it (`JobGroup<0-F>`). */
export function jobGroupStackId(jobName: string): string {
  return `JobGroup${jobGroupOf(jobName)}`;
}
