import { isDrilled, type PostgresJob } from '../config/job-config';
import { DATABASE_LIST_PATTERN, HOST_PORT_PATTERN } from '../config/mysql-settings';
import { PASSWORD_PARAMETERS, passwordParameterValues } from '../config/password-source';
import { PATTERNS } from '../parameters/shell-safe';
import type { DocumentParameter } from '../parameters/document-parameter';
import { backupProgram, type BackupEngine } from './backup-engine';

/** What every program that talks to the server of a postgres job is given (postgres-client.sh). */
export const POSTGRES_SERVER_PARAMETERS: readonly DocumentParameter[] = [
  { name: 'server', description: 'host:port of the server', pattern: HOST_PORT_PATTERN },
  { name: 'user', description: 'Database user', pattern: PATTERNS.token },
  ...PASSWORD_PARAMETERS,
  { name: 'psql', description: 'psql command', pattern: PATTERNS.commandWords },
  { name: 'workDir', description: 'Private scratch dir', pattern: PATTERNS.absolutePath },
];

/** The values of POSTGRES_SERVER_PARAMETERS for a job. */
export function postgresServerParameterValues(job: PostgresJob): Record<string, string> {
  const { postgres } = job;
  return { server: postgres.server, user: postgres.user, ...passwordParameterValues(postgres), psql: postgres.psql, workDir: job.workDir };
}

export const postgresEngine: BackupEngine<PostgresJob> = {
  engine: 'postgres',
  program: backupProgram('postgres', 'cronsnap: PostgreSQL globals plus one custom-format dump per database (or pg_dumpall, or a pg_basebackup), streamed through sha256 and zstd to S3', ['secret.sh', 'postgres-client.sh', 'postgres-dump.sh'], [
    ...POSTGRES_SERVER_PARAMETERS,
    { name: 'mode', description: 'per-database, dumpall or physical', pattern: '^(per-database|dumpall|physical)$' },
    { name: 'databases', description: 'Comma-separated databases; all when empty', pattern: DATABASE_LIST_PATTERN, optional: true },
    { name: 'parallelDatabases', description: 'Databases dumped at once', pattern: '^([1-9]|1[0-6])$' },
    { name: 'pgDump', description: 'pg_dump command', pattern: PATTERNS.commandWords },
    { name: 'pgDumpall', description: 'pg_dumpall command', pattern: PATTERNS.commandWords },
    { name: 'pgBasebackup', description: 'pg_basebackup command (physical)', pattern: PATTERNS.commandWords },
    { name: 'checkpoint', description: 'The checkpoint a base backup starts from (physical)', pattern: '^(spread|fast)$' },
    { name: 'walSlot', description: 'The replication slot created before a base backup (physical)', pattern: '^[a-z0-9_]{1,63}$', optional: true },
    { name: 'rowCounts', description: "Record every table's rows as dumped, for restore drills", pattern: '^(true|false)$' },
  ]),
  parametersFor(job) {
    const { postgres } = job;
    return {
      ...postgresServerParameterValues(job),
      mode: postgres.mode,
      databases: (postgres.databases ?? []).join(','),
      parallelDatabases: String(postgres.parallelDatabases),
      pgDump: postgres.pgDump,
      pgDumpall: postgres.pgDumpall,
      pgBasebackup: postgres.pgBasebackup,
      checkpoint: postgres.checkpoint,
      walSlot: job.wal?.slot ?? '',
      rowCounts: String(isDrilled(job)),
    };
  },
  hosts: 'one',
};
