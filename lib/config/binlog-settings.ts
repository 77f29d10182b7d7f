import * as z from 'zod';
import { schedule, timezone } from './schedule-fields';
import { commandWords } from '../parameters/shell-safe';

/**
 * Binary log shipping for point-in-time restores: each run closes the server's current binary log
 * and ships every closed one not shipped yet, so a restore can replay writes up to the last run.
 */
export const binlogSettingsSchema = z
  .object({
    schedule: schedule.describe('when to ship: crontab or EventBridge syntax; the recovery point of the job is this interval, not the dump schedule'),
    timezone: timezone.optional(),
    timeoutMinutes: z.number().int().min(5).max(2880).default(30).describe('the SSM command of one shipping run is stopped after this long'),
    mysqlbinlog: commandWords
      .default('mysqlbinlog')
      .describe('mysqlbinlog (or mariadb-binlog) command; it reads the logs over the replication protocol, so the user needs REPLICATION SLAVE, RELOAD and, to list the logs, REPLICATION CLIENT (MariaDB 10.5+: BINLOG MONITOR)'),
    enabled: z.boolean().default(true),
  })
  .strict();

export type BinlogSettings = z.infer<typeof binlogSettingsSchema>;
