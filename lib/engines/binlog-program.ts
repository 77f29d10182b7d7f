import type { BinlogJob } from '../config/job-config';
import { PATTERNS } from '../parameters/shell-safe';
import { backupProgram } from './backup-engine';
import { MYSQL_SERVER_PARAMETERS, mysqlServerParameterValues } from './mysql-engine';

/** Ships a MySQL/MariaDB server's closed binary logs (mysql-binlogs.sh). */
export const binlogProgram = {
  ...backupProgram(
    'mysql',
    'cronsnap: ships the closed binary logs of MySQL/MariaDB not shipped yet, each through sha256 and zstd to S3 with its manifest',
    ['secret.sh', 'mysql-client.sh', 'mysql-server.sh', 'mysql-binlogs.sh'],
    [...MYSQL_SERVER_PARAMETERS, { name: 'mysqlbinlog', description: 'mysqlbinlog command', pattern: PATTERNS.commandWords }],
  ),
  id: 'mysql-binlogs',
};

export function binlogParameters(job: BinlogJob): Record<string, string> {
  return { ...mysqlServerParameterValues(job), mysqlbinlog: job.binlogs.mysqlbinlog };
}
