import * as z from 'zod';
import type { Manifest } from '../catalog/manifest';
import type { MysqlJob, PostgresJob } from '../config/job-config';
import { passwordParameterValues, type PasswordSource } from '../config/password-source';
import { InvalidEventError, RestoreError } from '../errors';
import { planHostCommand, type PlannedCommand } from '../host-workflow/run-host-program';
import { restoreTimeoutSeconds } from '../host-workflow/command-timeout';
import type { CommandReport } from '../host-workflow/host-workflow';
import type { HostProgram } from '../ssm/host-program';
import { reportLines } from '../ssm/report-lines';
import { mysqlRestoreProgram, postgresRestoreProgram } from './restore-programs';
import { replayParameters, type BinlogReplay } from '../binlogs/point-in-time-restore';

/** Databases every server has of its own: restored only when asked for by name. */
const SYSTEM_DATABASES = {
  mysql: new Set(['mysql', 'information_schema', 'performance_schema', 'sys']),
  postgres: new Set(['postgres', 'template0', 'template1']),
};

export interface DatabaseRestoreRequest {
  readonly dryRun: boolean;
  /** Databases of the dump to restore; every user database when omitted. */
  readonly databases?: readonly string[] | undefined;
  /** Restore the one chosen database under this name, to check before switching. */
  readonly targetDatabase?: string | undefined;
  /** host:port to restore into; the server that was dumped when omitted. */
  readonly server?: string | undefined;
  /** PostgreSQL: also replay the roles (pg_dumpall --globals-only) first; roles that exist are kept. */
  readonly includeGlobals?: boolean | undefined;
}

const plannedSchema = z.object({ database: z.string(), into: z.string(), server: z.string() });
/** `views` only from MySQL, where a view is listed among the tables. */
const restoredSchema = z.object({ database: z.string(), into: z.string(), tables: z.number().int(), views: z.number().int().optional() });
/** What a point-in-time restore replays (checked before anything is touched) and replayed. */
const replaySchema = z.object({ logs: z.number().int(), first: z.string(), last: z.string(), startPosition: z.number().int(), stopBefore: z.string() });
/** A binary log replay: its tables whose rows were checked against the row events, and what could not be (and why). */
const replayedSchema = z.object({ logs: z.number().int(), databases: z.number().int(), stopBefore: z.string(), tablesChecked: z.number().int(), uncounted: z.string() });
/** What a recovery of a physical base backup checked and will replay, and where its copy runs once promoted. */
export const recoveryPlanSchema = z.object({ dataDir: z.string(), server: z.string(), firstSegment: z.string(), lastSegment: z.string(), segments: z.number().int(), stopBefore: z.string() });
export const recoveredSchema = z.object({
  dataDir: z.string(),
  server: z.string(),
  socketDir: z.string(),
  timeline: z.number().int().nullable(),
  /** The commit time of the last transaction replayed: the point actually reached. */
  reachedAt: z.string().nullable(),
  /** The first commit the recovery did not replay, when it stopped at a time. */
  stoppedBefore: z.string().nullable(),
});

export interface DatabaseRestoreReport {
  readonly host: string;
  readonly commandId: string;
  readonly planned: z.infer<typeof plannedSchema>[];
  readonly restored: z.infer<typeof restoredSchema>[];
  readonly binlogReplay?: z.infer<typeof replaySchema>;
  readonly binlogsReplayed?: z.infer<typeof replayedSchema>;
  readonly recoveryPlan?: z.infer<typeof recoveryPlanSchema>;
  readonly recovered?: z.infer<typeof recoveredSchema>;
}

/** The databases to restore: those asked for (each must be in the dump), else every user database. */
export function chooseDatabases(engine: 'mysql' | 'postgres', dumped: readonly string[], request: DatabaseRestoreRequest): string[] {
  const unknown = (request.databases ?? []).filter((name) => !dumped.includes(name));
  if (unknown.length > 0) throw new InvalidEventError(`event.databases: ${unknown.join(', ')} not in this backup (it has ${dumped.join(', ')})`);
  const chosen = request.databases ? [...request.databases] : userDatabases(engine, dumped);
  if (chosen.length === 0) throw new InvalidEventError('event.databases: this backup has no user database; name the ones to restore');
  if (request.targetDatabase && chosen.length !== 1) {
    throw new InvalidEventError(`event.targetDatabase: a new name needs exactly one database in event.databases, not ${chosen.length}`);
  }
  return chosen;
}

/** The host's plan and results, each checked. */
export function parseDatabaseRestoreReport({ host, commandId, report }: CommandReport): DatabaseRestoreReport {
  const lines = reportLines(report);
  return {
    host,
    commandId,
    planned: lines.filter((line) => line.kind === 'plan').map((line) => plannedSchema.parse(line.value)),
    restored: lines.filter((line) => line.kind === 'restored').map((line) => restoredSchema.parse(line.value)),
    ...optionalLine('binlogReplay', replaySchema),
    ...optionalLine('binlogsReplayed', replayedSchema),
    ...optionalLine('recoveryPlan', recoveryPlanSchema),
    ...optionalLine('recovered', recoveredSchema),
  };
  function optionalLine<K extends string, S extends z.ZodType>(kind: K, schema: S): Partial<Record<K, z.infer<S>>> {
    const line = lines.find((candidate) => candidate.kind === kind);
    return line ? ({ [kind]: schema.parse(line.value) } as Partial<Record<K, z.infer<S>>>) : {};
  }
}

/** The restore program for `manifest` on its host, with a timeout sized from the job, the dump and the logs it replays. */
export function planDatabaseRestore(program: HostProgram, job: MysqlJob | PostgresJob, manifest: Manifest, parameters: Record<string, string>, replayedBytes = 0): PlannedCommand {
  return planHostCommand(
    program,
    manifest.host,
    parameters,
    {
      comment: `cronsnap restore ${manifest.job} ${manifest.runId} ${parameters.mode}`,
      failure: `restore of ${manifest.job} run ${manifest.runId} on ${manifest.host} failed`,
    },
    restoreTimeoutSeconds(job, manifest.payload.rawSize + replayedBytes),
  );
}

type MysqlManifest = Extract<Manifest, { engine: 'mysql' }>;
type PostgresManifest = Extract<Manifest, { engine: 'postgres' }>;

/** Where a database restore runs: the bucket, the host's scratch dir and the server restored into. */
export interface DatabaseRestoreTarget {
  readonly bucket: string;
  readonly workDir: string;
  readonly server: string;
}

/** Every database restore program's source: server, credentials and the chosen databases. */
function sourceParameters(
  job: { readonly name: string },
  credentials: { readonly user: string } & PasswordSource,
  databases: readonly string[],
  target: DatabaseRestoreTarget,
): Record<string, string> {
  return {
    job: job.name,
    bucket: target.bucket,
    server: target.server,
    user: credentials.user,
    ...passwordParameterValues(credentials),
    databases: databases.join(','),
    workDir: target.workDir,
  };
}

/** MYSQL_DUMP_PARAMETERS: what mysql-restore.sh needs to restore `databases` of this dump. */
export function mysqlDumpParameters(job: MysqlJob, manifest: MysqlManifest, databases: readonly string[], target: DatabaseRestoreTarget): Record<string, string> {
  return {
    ...sourceParameters(job, job.mysql, databases, target),
    payloadKey: manifest.payload.key,
    payloadSha256: manifest.payload.sha256,
    payloadSize: String(manifest.payload.size),
    mysql: job.mysql.mysql,
  };
}

/** POSTGRES_DUMP_PARAMETERS: what postgres-restore.sh needs to restore these parts. */
export function postgresDumpParameters(
  job: PostgresJob,
  parts: PostgresManifest['postgres']['parts'],
  databases: readonly string[],
  target: DatabaseRestoreTarget,
): Record<string, string> {
  return {
    ...sourceParameters(job, job.postgres, databases, target),
    partKinds: parts.map((part) => part.kind).join(','),
    partNames: parts.map((part) => part.name).join(','),
    partKeys: parts.map((part) => part.key).join(','),
    partSha256s: parts.map((part) => part.sha256).join(','),
    partsSize: String(parts.reduce((sum, part) => sum + part.size, 0)),
    parallelJobs: '2',
    psql: job.postgres.psql,
    pgRestore: job.postgres.pgRestore,
  };
}

/** The user databases of a dump: what a restore takes when none is named, and what a drill restores. */
export function userDatabases(engine: 'mysql' | 'postgres', dumped: readonly string[]): string[] {
  return dumped.filter((name) => !SYSTEM_DATABASES[engine].has(name));
}

/** An operator's choice: a new name for the one database, and dry-run or apply. */
function restoreChoices(request: DatabaseRestoreRequest): Record<string, string> {
  return { targetDatabase: request.targetDatabase ?? '', mode: request.dryRun ? 'dry-run' : 'apply' };
}

/**
 * A MySQL/MariaDB restore from a mysqldump, into the dumped server or another, under the same or a
 * new name; with `replay`, the shipped binary logs after it are replayed to a point in time.
 */
export function planMysqlRestore(
  job: MysqlJob,
  manifest: Manifest,
  request: DatabaseRestoreRequest,
  deps: Pick<DatabaseRestoreTarget, 'bucket' | 'workDir'>,
  replay?: BinlogReplay,
): PlannedCommand {
  if (manifest.engine !== 'mysql') throw new RestoreError(`${manifest.payload.key} is a ${manifest.engine} backup, not mysql`);
  const databases = chooseDatabases('mysql', manifest.mysql.databases, request);
  const target = { bucket: deps.bucket, workDir: deps.workDir, server: request.server ?? manifest.mysql.server };
  const replayed = replay ? replayParameters(replay, job.binlogs?.mysqlbinlog ?? 'mysqlbinlog') : {};
  const logBytes = replay?.logs.reduce((sum, log) => sum + log.payload.rawSize, 0) ?? 0;
  return planDatabaseRestore(mysqlRestoreProgram, job, manifest, { ...mysqlDumpParameters(job, manifest, databases, target), ...replayed, ...restoreChoices(request) }, logBytes);
}

/** A PostgreSQL restore: each chosen database created and filled by `pg_restore -j`, or one pg_dumpall through psql. */
export function planPostgresRestore(job: PostgresJob, manifest: Manifest, request: DatabaseRestoreRequest, deps: Pick<DatabaseRestoreTarget, 'bucket' | 'workDir'>): PlannedCommand {
  if (manifest.engine !== 'postgres') throw new RestoreError(`${manifest.payload.key} is a ${manifest.engine} backup, not postgres`);
  const { parts, mode } = manifest.postgres;
  if (mode === 'physical') throw new RestoreError(`${manifest.payload.key} is a physical base backup: it is recovered with its WAL into a new data directory (planPostgresRecovery)`);
  if (mode === 'dumpall' && (request.targetDatabase || request.databases)) {
    throw new InvalidEventError('event.databases: a pg_dumpall backup is restored whole, under its own names, into a server that has none of them');
  }
  const databases = mode === 'dumpall' ? manifest.postgres.databases : chooseDatabases('postgres', manifest.postgres.databases, request);
  const chosen = parts.filter(
    (part) => part.kind === 'dumpall' || (part.kind === 'globals' && request.includeGlobals) || (part.kind === 'database' && databases.includes(part.name)),
  );
  const target = { bucket: deps.bucket, workDir: deps.workDir, server: request.server ?? manifest.postgres.server };
  return planDatabaseRestore(postgresRestoreProgram, job, manifest, { ...postgresDumpParameters(job, chosen, databases, target), ...restoreChoices(request) });
}
