import { PATTERNS } from '../parameters/shell-safe';
import type { HostProgram } from '../ssm/host-program';

const command = (name: string, description: string) => ({ name, description, pattern: PATTERNS.commandWords, optional: true });

/** The read-only host program `cronsnap preflight` sends: what a host has, judged by the caller. */
export const preflightProgram: HostProgram = {
  id: 'preflight',
  description: "cronsnap: read-only preflight: the versions of the tools a job's host programs need, the work dir's free space and the region; changes nothing",
  scripts: ['preflight.sh'],
  parameters: [
    { name: 'job', description: 'Job name from the cronsnap config', pattern: PATTERNS.jobName },
    { name: 'executionTimeout', description: 'Seconds before SSM stops the script', pattern: '^[0-9]{1,6}$' },
    { name: 'workDir', description: "The job's work dir, for its free space", pattern: PATTERNS.absolutePath, optional: true },
    command('etcdctl', 'etcdctl command'),
    { name: 'containerRuntime', description: "The CLI that reaches the job's etcd container", pattern: PATTERNS.token, optional: true },
    command('mysqldump', 'mysqldump command'),
    command('mysql', 'mysql command'),
    { name: 'maxscale', description: 'Whether the job asks MaxScale for the master', pattern: '^(true|false)$', optional: true },
    command('pgDump', 'pg_dump command'),
    command('pgDumpall', 'pg_dumpall command'),
    command('psql', 'psql command'),
    command('pgRestore', 'pg_restore command'),
    command('mysqlbinlog', 'mysqlbinlog command (binary log shipping)'),
    command('pgBasebackup', 'pg_basebackup command (physical base backups)'),
    command('pgReceivewal', 'pg_receivewal command (WAL shipping)'),
  ],
};
