import type { WalJob } from '../config/job-config';
import { PATTERNS } from '../parameters/shell-safe';
import { backupProgram } from './backup-engine';
import { POSTGRES_SERVER_PARAMETERS, postgresServerParameterValues } from './postgres-engine';

/** Ships the WAL a PostgreSQL server's replication slot holds, segment by segment (postgres-wal.sh). */
export const walProgram = {
  ...backupProgram(
    'postgres',
    'cronsnap: streams the WAL held by the job replication slot with pg_receivewal and ships every completed segment through sha256 and zstd to S3 with its manifest',
    ['secret.sh', 'postgres-client.sh', 'wal-segments.sh', 'postgres-wal.sh'],
    [
      ...POSTGRES_SERVER_PARAMETERS,
      { name: 'pgReceivewal', description: 'pg_receivewal command', pattern: PATTERNS.commandWords },
      { name: 'walSlot', description: 'The physical replication slot that holds the WAL between runs', pattern: '^[a-z0-9_]{1,63}$' },
    ],
  ),
  id: 'postgres-wal',
};

export function walParameters(job: WalJob): Record<string, string> {
  return { ...postgresServerParameterValues(job), pgReceivewal: job.wal.pgReceivewal, walSlot: job.wal.slot };
}
