import * as z from 'zod';
import { etcdSettingsSchema } from './etcd-settings';
import { fileSetSchema } from './file-set-settings';
import { mysqlSettingsSchema } from './mysql-settings';
import { postgresSettingsSchema } from './postgres-settings';
import { retentionSchema } from './retention';
import { binlogSettingsSchema, type BinlogSettings } from './binlog-settings';
import { walSettingsSchema, type WalSettings } from './wal-settings';
import { drillSchema, type DrillSettings } from './drill-settings';
import { hostLimitFields } from './host-limits';
import { pinHashedValues } from '../schedule/hashed-values';
import { schedule, timezone } from './schedule-fields';
import { absolutePath, jobName } from '../parameters/shell-safe';
import { targetsSchema } from './targets';

const rate = z
  .string()
  .regex(/^([0-9]{1,5}|[0-9]{1,2}%|100%)$/, 'must be a count such as 50 or a percentage such as 10%');

/** SSM rate control for a run sent to many hosts at once. */
const rolloutSchema = z
  .object({
    maxConcurrency: rate.default('50').describe('hosts that run the backup at the same time (SSM MaxConcurrency)'),
    maxErrors: rate.default('100%').describe('failed hosts after which SSM stops sending the run to the rest (SSM MaxErrors); backups are independent, so all by default'),
  })
  .strict();

const commonJobFields = {
  name: jobName,
  schedule,
  timezone: timezone.optional(),
  targets: targetsSchema,
  retention: retentionSchema.prefault({}),
  timeoutMinutes: z.number().int().min(5).max(2880).default(60).describe('the SSM command is stopped after this long'),
  rollout: rolloutSchema.prefault({}),
  enabled: z.boolean().default(true),
  ...hostLimitFields,
};

/** Fields of the engines that stream their data and need only a small private dir on the host. */
const streamingJobFields = {
  workDir: absolutePath.default('/var/tmp').describe('private scratch dir on the host (credentials, fifos, listings; data streams)'),
};

/** Engines whose backups a scheduled restore drill can prove. */
const drillFields = { drill: drillSchema.optional() };

export const etcdJobSchema = z
  .object({ ...commonJobFields, engine: z.literal('etcd'), etcd: etcdSettingsSchema, ...drillFields })
  .strict()
  .superRefine((job, ctx) => {
    // A restore may send commands only to the job's targets; a member elsewhere could not be restored.
    const targeted = job.targets.instanceIds;
    job.etcd.members?.forEach((member, index) => {
      if (targeted && !targeted.includes(member.instanceId)) {
        ctx.addIssue({ code: 'custom', path: ['etcd', 'members', index, 'instanceId'], message: `${member.instanceId} is not among targets.instanceIds` });
      }
    });
  });

export const mysqlJobSchema = z
  .object({
    ...commonJobFields,
    engine: z.literal('mysql'),
    mysql: mysqlSettingsSchema,
    binlogs: binlogSettingsSchema.optional().describe('ship the binary logs on their own schedule, for restores to a point in time'),
    ...streamingJobFields,
    ...drillFields,
  })
  .strict()
  .superRefine((job, ctx) => {
    // A read-only replica refuses the scratch databases a drill creates.
    if (job.drill && job.mysql.source === 'replica' && !job.drill.server) {
      ctx.addIssue({ code: 'custom', path: ['drill', 'server'], message: 'a job that dumps a read-only replica needs a writable drill.server for the scratch databases' });
    }
  });

export const postgresJobSchema = z
  .object({
    ...commonJobFields,
    engine: z.literal('postgres'),
    postgres: postgresSettingsSchema,
    wal: walSettingsSchema.optional().describe('physical: ship the WAL on its own schedule, for restores to a point in time'),
    ...streamingJobFields,
    ...drillFields,
  })
  .strict()
  .superRefine((job, ctx) => {
    // The base backup leaves its WAL out (pg_basebackup -X none): only the shipped WAL makes it consistent.
    if (job.postgres.mode === 'physical' && !job.wal) {
      ctx.addIssue({ code: 'custom', path: ['wal'], message: 'a physical base backup carries no WAL of its own; set wal so the segments it needs are shipped' });
    }
    if (job.wal && job.postgres.mode !== 'physical') {
      ctx.addIssue({ code: 'custom', path: ['wal'], message: 'WAL replays onto a physical base backup only; set postgres.mode physical' });
    }
    if (job.drill?.server && job.postgres.mode === 'physical') {
      ctx.addIssue({ code: 'custom', path: ['drill', 'server'], message: 'a physical base backup is drilled as a whole cluster, recovered into drill.workDir on the drill host; drill.server applies to dumps' });
    }
    if (job.drill && job.postgres.mode === 'dumpall') {
      ctx.addIssue({
        code: 'custom',
        path: ['drill'],
        message: 'a drill restores each database into a scratch database, which one pg_dumpall (restored whole, under its own names) cannot be; use postgres.mode per-database',
      });
    }
  });

export const filesJobSchema = z
  .object({ ...commonJobFields, engine: z.literal('files'), files: fileSetSchema, ...streamingJobFields })
  .strict()
  .describe('a file set: every targeted host archives the paths as its own backup');

const engineJobSchema = z.discriminatedUnion('engine', [etcdJobSchema, mysqlJobSchema, postgresJobSchema, filesJobSchema]);

/**
 * The job with each `H` of its schedules pinned from its name, so the job runs at the same time
 * after every synth, and plans and RPO checks see that time.
 */
function pinHashedSchedules(job: z.output<typeof engineJobSchema>): z.output<typeof engineJobSchema> {
  const pin = <T extends { readonly schedule: string }>(settings: T): T => ({ ...settings, schedule: pinHashedValues(settings.schedule, job.name) });
  const pinned = pin(job);
  if ('drill' in pinned && pinned.drill) pinned.drill = pin(pinned.drill);
  if ('binlogs' in pinned && pinned.binlogs) pinned.binlogs = pin(pinned.binlogs);
  if ('wal' in pinned && pinned.wal) pinned.wal = pin(pinned.wal);
  return pinned;
}

/** One scheduled backup. The `engine` field picks which settings block is required. */
export const jobSchema = engineJobSchema.transform(pinHashedSchedules);

export type Job = z.infer<typeof jobSchema>;
export type EtcdJob = z.infer<typeof etcdJobSchema>;
export type MysqlJob = z.infer<typeof mysqlJobSchema>;
export type PostgresJob = z.infer<typeof postgresJobSchema>;
export type FilesJob = z.infer<typeof filesJobSchema>;
export type Engine = Job['engine'];

/** A job with a restore drill; only the engines that can be drilled have the field. */
export type DrilledJob = (EtcdJob | MysqlJob | PostgresJob) & { readonly drill: DrillSettings };

/** A MySQL job that ships its binary logs. */
export type BinlogJob = MysqlJob & { readonly binlogs: BinlogSettings };

export function shipsBinlogs(job: Job): job is BinlogJob {
  return job.engine === 'mysql' && job.binlogs !== undefined;
}

/** A physical PostgreSQL job that ships its WAL. */
export type WalJob = PostgresJob & { readonly wal: WalSettings };

export function shipsWal(job: Job): job is WalJob {
  return job.engine === 'postgres' && job.wal !== undefined;
}

export function isDrilled(job: Job): job is DrilledJob {
  return job.engine !== 'files' && job.drill !== undefined;
}
