import * as z from 'zod';
import { ScheduleError } from '../errors';
import { pinHashedValues } from '../schedule/hashed-values';
import { toEventBridgeSchedule } from '../schedule/schedule-expression';

export const schedule = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      // The job's own name pins H once the job is read (job-config.ts); any name shows whether the line is valid.
      toEventBridgeSchedule(pinHashedValues(value, 'any-job'));
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .describe(
    "5-field crontab (`*/30 * * * *`, with `L`, `5#2`, `15W`; `H` picks a value from the job's name), a macro (`@daily`), or EventBridge `cron(...)` / `rate(...)`",
  );

/**
 * The zone as IANA spells it (`europe/berlin` is Europe/Berlin), which Scheduler needs; undefined
 * for no zone. Only the case is corrected: ICU resolves some current names to older aliases
 * (Asia/Kolkata to Asia/Calcutta, Europe/Kyiv to Europe/Kiev), and the user's own name stays.
 */
function canonicalTimeZone(zone: string): string | undefined {
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    // Newer Node also takes offsets such as +01:00, which are no IANA zone.
    if (!/^[A-Za-z]/.test(resolved)) return undefined;
    return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
  } catch {
    return undefined;
  }
}

export const timezone = z
  .string()
  .transform((zone, ctx) => {
    const canonical = canonicalTimeZone(zone);
    if (canonical === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be an IANA time zone such as Europe/Berlin' });
      return z.NEVER;
    }
    return canonical;
  })
  .describe('run the schedule in this IANA zone instead of UTC');
