import * as z from 'zod';
import { schedule, timezone } from './schedule-fields';
import { commandWords, token } from '../parameters/shell-safe';

/**
 * WAL shipping for point-in-time restores of a physical PostgreSQL job: each run streams the WAL a
 * replication slot holds up to the server's current position and ships every completed segment
 * not shipped yet; the slot keeps the WAL on the server between runs.
 */
export const walSettingsSchema = z
  .object({
    schedule: schedule.describe('when to ship: crontab or EventBridge syntax; the recovery point of the job is this interval, not the base backup schedule'),
    timezone: timezone.optional(),
    slot: token
      .regex(/^[a-z0-9_]{1,63}$/, 'must be a replication slot name: lower-case letters, digits and underscores, at most 63')
      .describe('the physical replication slot that holds the WAL between runs; the base backup creates it when missing'),
    timeoutMinutes: z.number().int().min(5).max(2880).default(30).describe('the SSM command of one shipping run is stopped after this long'),
    alarmRetainedGiB: z
      .number()
      .positive()
      .max(65536)
      .default(16)
      .describe('the alarm fires when the slot holds more WAL than this on the server: a stopped or failing job makes WAL pile up there until the disk fills'),
    pgReceivewal: commandWords.default('pg_receivewal').describe('pg_receivewal command; the user needs the REPLICATION attribute and a replication line in pg_hba.conf'),
    enabled: z.boolean().default(true),
  })
  .strict();

export type WalSettings = z.infer<typeof walSettingsSchema>;
