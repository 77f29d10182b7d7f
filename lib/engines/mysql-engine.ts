import { isDrilled, type MysqlJob } from '../config/job-config';
import { DATABASE_LIST_PATTERN, HOST_PORT_PATTERN } from '../config/mysql-settings';
import { PASSWORD_PARAMETERS, passwordParameters, passwordParameterValues } from '../config/password-source';
import { PATTERNS } from '../parameters/shell-safe';
import { listPattern, type DocumentParameter } from '../parameters/document-parameter';
import { backupProgram, type BackupEngine } from './backup-engine';

/** How a host program finds the server a job reads (mysql-server.sh) and logs in to it. */
export const MYSQL_SERVER_PARAMETERS: readonly DocumentParameter[] = [
  { name: 'hosts', description: 'Candidate servers host:port, in order', pattern: listPattern(HOST_PORT_PATTERN) },
  { name: 'maxscale', description: 'Ask MaxScale for the master', pattern: '^(true|false)$' },
  { name: 'maxscaleHosts', description: 'MaxScale REST API host:port list for maxctrl; its default when empty', pattern: listPattern(HOST_PORT_PATTERN, 8), optional: true },
  { name: 'maxscaleUser', description: 'MaxScale REST API user for maxctrl; its default when empty', pattern: PATTERNS.token, optional: true },
  ...passwordParameters('maxscale', "the MaxScale REST API user's password"),
  { name: 'source', description: 'primary or replica', pattern: '^(primary|replica)$' },
  { name: 'user', description: 'Database user', pattern: PATTERNS.token },
  ...PASSWORD_PARAMETERS,
  { name: 'mysql', description: 'mysql client command', pattern: PATTERNS.commandWords },
  { name: 'workDir', description: 'Private scratch dir', pattern: PATTERNS.absolutePath },
];

/** The values of MYSQL_SERVER_PARAMETERS for a job. */
export function mysqlServerParameterValues(job: MysqlJob): Record<string, string> {
  const { mysql } = job;
  return {
    hosts: mysql.hosts.join(','),
    maxscale: String(mysql.maxscale !== false),
    maxscaleHosts: typeof mysql.maxscale === 'object' ? (mysql.maxscale.hosts ?? []).join(',') : '',
    maxscaleUser: typeof mysql.maxscale === 'object' ? mysql.maxscale.user : '',
    ...passwordParameterValues(typeof mysql.maxscale === 'object' ? mysql.maxscale : {}, 'maxscale'),
    source: mysql.source,
    user: mysql.user,
    ...passwordParameterValues(mysql),
    mysql: mysql.mysql,
    workDir: job.workDir,
  };
}

export const mysqlEngine: BackupEngine<MysqlJob> = {
  engine: 'mysql',
  program: backupProgram(
    'mysql',
    'cronsnap: consistent mysqldump of MySQL/MariaDB, streamed through sha256 and zstd to S3 with its manifest',
    ['secret.sh', 'mysql-client.sh', 'mysql-server.sh', 'mysql-dump.sh'],
    [
      ...MYSQL_SERVER_PARAMETERS,
      { name: 'databases', description: 'Comma-separated databases; all when empty', pattern: DATABASE_LIST_PATTERN, optional: true },
      { name: 'mysqldump', description: 'mysqldump command', pattern: PATTERNS.commandWords },
      { name: 'rowCounts', description: "Record every table's rows as dumped, for restore drills", pattern: '^(true|false)$' },
    ],
  ),
  parametersFor(job) {
    return {
      ...mysqlServerParameterValues(job),
      databases: (job.mysql.databases ?? []).join(','),
      mysqldump: job.mysql.mysqldump,
      rowCounts: String(isDrilled(job)),
    };
  },
  hosts: 'one',
};
