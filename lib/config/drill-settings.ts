import * as z from 'zod';
import { serverHostPort } from './mysql-settings';
import { schedule, timezone } from './schedule-fields';
import { absolutePath, commandWords } from '../parameters/shell-safe';
import { instanceId } from './targets';

/**
 * A scheduled restore drill: the newest backup restored into scratch space (a throwaway etcd
 * member, scratch databases) and compared with what its manifest recorded, never touching live data.
 */
export const drillSchema = z
  .object({
    schedule: schedule.describe('when to drill the newest backup: crontab or EventBridge syntax, like backups'),
    timezone: timezone.optional(),
    host: instanceId.optional().describe("the host that runs the drill; the backup's own host by default"),
    workDir: absolutePath.default('/var/tmp').describe('scratch dir on the drill host for the download and the throwaway data dir, removed afterwards'),
    server: serverHostPort.optional().describe('databases: the server that gets the scratch databases; the dumped server by default'),
    etcd: commandWords.default('etcd').describe('etcd: the server binary that runs the throwaway member on loopback'),
    sampleKeys: z.number().int().min(1).max(1000).default(20).describe('etcd: keys read back from the throwaway member'),
    enabled: z.boolean().default(true),
  })
  .strict();

export type DrillSettings = z.infer<typeof drillSchema>;
