import { createHash } from 'node:crypto';
import type { DrilledJob } from '../config/job-config';
import { RestoreError } from '../errors';
import type { RestorableBackup } from '../catalog/backup-catalog';
import { mysqlDumpParameters, postgresDumpParameters, userDatabases } from '../restore/database-restore';
import type { HostProgram } from '../ssm/host-program';
import { reportLines } from '../ssm/report-lines';
import { judgeDatabaseDrill } from './database-drill-checks';
import type { DrillCheck } from '../catalog/drill-result';
import { DRILL_PROGRAM_OF } from './drill-programs';
import { judgeEtcdDrill } from './etcd-drill-checks';
import { judgeRecoveryDrill } from './recovery-drill-checks';
import { recoveryPointObjective } from '../config/recovery-point-objective';
import { recoveryParameters, replayedBytes } from '../restore/postgres-recovery';
import { postgresRecoveryProgram } from '../restore/restore-programs';
import type { WalRecoveryPlan } from '../wal/wal-recovery-plan';
import { replayParameters, type BinlogReplay } from '../binlogs/point-in-time-restore';

/** The host program a drill sends, its parameters, and the judge of what it reported. */
export interface DrillPlan {
  readonly program: HostProgram;
  readonly parameters: Record<string, string>;
  readonly judge: (stdout: string) => DrillCheck[];
  /** Bytes replayed beyond the backup's own (a physical base backup's WAL), for the command's timeout. */
  readonly replayedBytes?: number;
}

/**
 * The prefix of a drill's scratch databases, `cronsnap_drill_<12 hex>`: unique per drill, and in a
 * namespace of its own, so it can never be a real database's name.
 */
export function scratchPrefix(drillId: string): string {
  return `cronsnap_drill_${createHash('sha256').update(drillId).digest('hex').slice(0, 12)}`;
}

/** The judge of a physical base backup's drill: against the WAL schedule's recovery point. */
function recoveryJudge(job: Extract<DrilledJob, { engine: 'postgres' }>, now: Date): (stdout: string) => DrillCheck[] {
  const rpoSeconds = job.wal ? recoveryPointObjective(job.wal, now).rpoSeconds : 0;
  return (stdout) => judgeRecoveryDrill(reportLines(stdout), rpoSeconds);
}

/**
 * The drill of a physical base backup: the whole cluster recovered to `recovery`'s second into a
 * scratch data dir under drill.workDir, read back, stopped and removed.
 */
export function recoveryDrillPlan(job: Extract<DrilledJob, { engine: 'postgres' }>, backup: Pick<RestorableBackup, 'manifest'>, recovery: WalRecoveryPlan, drillId: string, bucket: string, now: Date): DrillPlan {
  const dataDir = `${job.drill.workDir}/${scratchPrefix(drillId)}`;
  return {
    program: postgresRecoveryProgram,
    parameters: recoveryParameters(job, backup.manifest, recovery, { dataDir, mode: 'drill' }, { bucket, workDir: job.drill.workDir }),
    judge: recoveryJudge(job, now),
    replayedBytes: replayedBytes(recovery),
  };
}

/** The judge of a drill's report, for the backup it drilled. */
export function drillJudge(job: DrilledJob, backup: Pick<RestorableBackup, 'manifest' | 'manifestKey'>, drillId: string, bucket: string, now: Date): DrillPlan['judge'] {
  if (job.engine === 'postgres' && backup.manifest.engine === 'postgres' && backup.manifest.postgres.mode === 'physical') return recoveryJudge(job, now);
  return drillPlan(job, backup, drillId, bucket).judge;
}

/** `replay`: a MySQL drill to a second replays the shipped binary logs after the dump into its scratch databases. */
export function drillPlan(job: DrilledJob, backup: Pick<RestorableBackup, 'manifest' | 'manifestKey'>, drillId: string, bucket: string, replay?: BinlogReplay): DrillPlan {
  const { manifest } = backup;
  const { drill } = job;
  if (job.engine === 'etcd' && manifest.engine === 'etcd') {
    return {
      program: DRILL_PROGRAM_OF.etcd,
      parameters: {
        job: job.name,
        bucket,
        payloadKey: manifest.payload.key,
        payloadSha256: manifest.payload.sha256,
        payloadSize: String(manifest.payload.size),
        rawSize: String(manifest.payload.rawSize),
        payloadMode: manifest.etcd.mode,
        etcdctl: job.etcd.etcdctl,
        etcd: drill.etcd,
        sampleKeys: String(drill.sampleKeys),
        healthTimeoutSeconds: String(job.etcd.service.healthTimeoutSeconds),
        workDir: drill.workDir,
      },
      judge: (stdout) => judgeEtcdDrill(manifest, reportLines(stdout), drill.sampleKeys),
    };
  }
  if (job.engine === 'mysql' && manifest.engine === 'mysql') {
    const databases = userDatabases('mysql', manifest.mysql.databases);
    const target = { bucket, workDir: drill.workDir, server: drill.server ?? manifest.mysql.server };
    return {
      program: DRILL_PROGRAM_OF.mysql,
      parameters: {
        ...mysqlDumpParameters(job, manifest, databases, target),
        ...(replay ? replayParameters(replay, job.binlogs?.mysqlbinlog ?? 'mysqlbinlog') : {}),
        scratchPrefix: scratchPrefix(drillId),
      },
      judge: (stdout) => judgeDatabaseDrill(manifest.mysql.rowCounts, databases, reportLines(stdout)),
      ...(replay ? { replayedBytes: replay.logs.reduce((sum, log) => sum + log.payload.rawSize, 0) } : {}),
    };
  }
  if (job.engine === 'postgres' && manifest.engine === 'postgres') {
    const databases = userDatabases('postgres', manifest.postgres.databases);
    const parts = manifest.postgres.parts.filter((part) => part.kind === 'database' && databases.includes(part.name));
    if (parts.length === 0) throw new RestoreError(`${backup.manifestKey} holds no per-database dump to drill (mode ${manifest.postgres.mode})`);
    const target = { bucket, workDir: drill.workDir, server: drill.server ?? manifest.postgres.server };
    return {
      program: DRILL_PROGRAM_OF.postgres,
      parameters: { ...postgresDumpParameters(job, parts, databases, target), scratchPrefix: scratchPrefix(drillId) },
      judge: (stdout) => judgeDatabaseDrill(manifest.postgres.rowCounts, databases, reportLines(stdout)),
    };
  }
  throw new RestoreError(`${backup.manifestKey} is a ${manifest.engine} backup, not ${job.engine}`);
}
