import type { CronsnapConfig } from '../config/cronsnap-config';
import type { Job } from '../config/job-config';
import { jobGroupStackId } from '../config/job-group';
import { toEventBridgeSchedule } from '../schedule/schedule-expression';
import { scheduledTimes } from '../schedule/schedule-times';

export interface JobPlan {
  readonly job: string;
  readonly engine: Job['engine'];
  readonly enabled: boolean;
  /** The schedule as written, and as EventBridge runs it. */
  readonly schedule: string;
  readonly eventBridge: string;
  /** The zone the schedule runs in. */
  readonly timezone: string;
  readonly targets: Job['targets'];
  /** The nested stack of the deployed stack that holds the job's schedules, alarms and host policy. */
  readonly stack: string;
  /** The next runs, in UTC and in `displayZone`. */
  readonly nextRuns: readonly { readonly utc: string; readonly local: string }[];
}

function inZone(time: Date, zone: string): string {
  // sv-SE formats as ISO-like `2026-11-24 03:00:00`.
  return `${time.toLocaleString('sv-SE', { timeZone: zone })} ${zone}`;
}

/** Each job's schedule and its next `count` runs after `from`, shown in UTC and in `displayZone`. */
export function planJobs(config: CronsnapConfig, from: Date, displayZone: string, count = 5): JobPlan[] {
  return config.jobs.map((job) => {
    const zone = job.timezone ?? 'UTC';
    const spec = { schedule: job.schedule, timezone: zone };
    const times = [...scheduledTimes(spec, from, new Date(from.getTime() + 800 * 86400 * 1000), count)];
    return {
      job: job.name,
      engine: job.engine,
      enabled: job.enabled,
      schedule: job.schedule,
      eventBridge: toEventBridgeSchedule(job.schedule),
      timezone: zone,
      targets: job.targets,
      stack: jobGroupStackId(job.name),
      nextRuns: times.map((time) => ({ utc: time.toISOString(), local: inZone(time, job.timezone ?? displayZone) })),
    };
  });
}
