import { isDrilled, type PostgresJob } from '../config/job-config';
import { DATABASE_LIST_PATTERN, HOST_PORT_PATTERN } from '../config/mysql-settings';
import { PASSWORD_PARAMETERS, passwordParameterValues } from '../config/password-source';
import { PATTERNS } from '../config/shell-safe';
import { backupProgram, type BackupEngine } from './backup-engine';

export const postgresEngine: BackupEngine<PostgresJob> = {
  engine: 'postgres',
  program: backupProgram('postgres', 'cronsnap: PostgreSQL globals plus one custom-format dump per database (or pg_dumpall, or a pg_basebackup), streamed through sha256 and zstd to S3', ['secret.sh', 'postgres-client.sh', 'postgres-dump.sh'], [
    { name: 'server', description: 'host:port of the server', pattern: HOST_PORT_PATTERN },
    { name: 'user', description: 'Database user', pattern: PATTERNS.token },
    ...PASSWORD_PARAMETERS,
    { name: 'mode', description: 'per-database, dumpall or physical', pattern: '^(per-database|dumpall|physical)$' },
    { name: 'databases', description: 'Comma-separated databases; all when empty', pattern: DATABASE_LIST_PATTERN, optional: true },
    { name: 'parallelDatabases', description: 'Databases dumped at once', pattern: '^([1-9]|1[0-6])$' },
    { name: 'pgDump', description: 'pg_dump command', pattern: PATTERNS.commandWords },
    { name: 'pgDumpall', description: 'pg_dumpall command', pattern: PATTERNS.commandWords },
    { name: 'psql', description: 'psql command', pattern: PATTERNS.commandWords },
    { name: 'pgBasebackup', description: 'pg_basebackup command (physical)', pattern: PATTERNS.commandWords },
    { name: 'checkpoint', description: 'The checkpoint a base backup starts from (physical)', pattern: '^(spread|fast)$' },
    { name: 'walSlot', description: 'The replication slot created before a base backup (physical)', pattern: '^[a-z0-9_]{1,63}$', optional: true },
    { name: 'rowCounts', description: "Record every table's rows as dumped, for restore drills", pattern: '^(true|false)$' },
    { name: 'workDir', description: 'Private scratch dir', pattern: PATTERNS.absolutePath },
  ]),
  parametersFor(job) {
    const { postgres } = job;
    return {
      server: postgres.server,
      user: postgres.user,
      ...passwordParameterValues(postgres),
      mode: postgres.mode,
      databases: (postgres.databases ?? []).join(','),
      parallelDatabases: String(postgres.parallelDatabases),
      pgDump: postgres.pgDump,
      pgDumpall: postgres.pgDumpall,
      psql: postgres.psql,
      pgBasebackup: postgres.pgBasebackup,
      checkpoint: postgres.checkpoint,
      walSlot: job.wal?.slot ?? '',
      rowCounts: String(isDrilled(job)),
      workDir: job.workDir,
    };
  },
  hosts: 'one',
};
