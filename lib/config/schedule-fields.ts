import * as z from 'zod';
import { ScheduleError } from '../errors';
import { toEventBridgeSchedule } from '../schedule/schedule-expression';

export const schedule = z
  .string()
  .min(1)
  .superRefine((value, ctx) => {
    try {
      toEventBridgeSchedule(value);
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message });
    }
  })
  .describe('5-field crontab (`*/30 * * * *`), a macro (`@daily`), or EventBridge `cron(...)` / `rate(...)`');

export const timezone = z
  .string()
  .refine((zone) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Europe/Berlin')
  .describe('run the schedule in this IANA zone instead of UTC');
