import { isDrilled, type MysqlJob } from '../config/job-config';
import { DATABASE_LIST_PATTERN, HOST_PORT_PATTERN } from '../config/mysql-settings';
import { PASSWORD_PARAMETERS, passwordParameters, passwordParameterValues } from '../config/password-source';
import { PATTERNS } from '../config/shell-safe';
import { listPattern } from '../ssm/document-parameter';
import { backupProgram, type BackupEngine } from './backup-engine';

export const mysqlEngine: BackupEngine<MysqlJob> = {
  engine: 'mysql',
  program: backupProgram('mysql', 'cronsnap: consistent mysqldump of MySQL/MariaDB, streamed through sha256 and zstd to S3 with its manifest', ['secret.sh', 'mysql-client.sh', 'mysql-dump.sh'], [
    { name: 'hosts', description: 'Candidate servers host:port, in order', pattern: listPattern(HOST_PORT_PATTERN) },
    { name: 'maxscale', description: 'Ask MaxScale for the master', pattern: '^(true|false)$' },
    { name: 'maxscaleHosts', description: 'MaxScale REST API host:port list for maxctrl; its default when empty', pattern: listPattern(HOST_PORT_PATTERN, 8), optional: true },
    { name: 'maxscaleUser', description: 'MaxScale REST API user for maxctrl; its default when empty', pattern: PATTERNS.token, optional: true },
    ...passwordParameters('maxscale', "the MaxScale REST API user's password"),
    { name: 'source', description: 'primary or replica', pattern: '^(primary|replica)$' },
    { name: 'user', description: 'Database user', pattern: PATTERNS.token },
    ...PASSWORD_PARAMETERS,
    { name: 'databases', description: 'Comma-separated databases; all when empty', pattern: DATABASE_LIST_PATTERN, optional: true },
    { name: 'mysqldump', description: 'mysqldump command', pattern: PATTERNS.commandWords },
    { name: 'mysql', description: 'mysql client command', pattern: PATTERNS.commandWords },
    { name: 'rowCounts', description: "Record every table's rows as dumped, for restore drills", pattern: '^(true|false)$' },
    { name: 'workDir', description: 'Private scratch dir', pattern: PATTERNS.absolutePath },
  ]),
  parametersFor(job) {
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
      databases: (mysql.databases ?? []).join(','),
      mysqldump: mysql.mysqldump,
      mysql: mysql.mysql,
      rowCounts: String(isDrilled(job)),
      workDir: job.workDir,
    };
  },
  hosts: 'one',
};
