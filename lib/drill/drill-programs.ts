import type { DrilledJob } from '../config/job-config';
import { PATTERNS } from '../parameters/shell-safe';
import { BINLOG_REPLAY_PARAMETERS, ETCD_SNAPSHOT_PARAMETERS, MYSQL_DUMP_PARAMETERS, POSTGRES_DUMP_PARAMETERS, postgresRecoveryProgram, RESTORE_COMMON } from '../restore/restore-programs';
import type { HostProgram } from '../ssm/host-program';

const BYTES = '^[0-9]{1,15}$';

/** Restore drills run the restore programs' own host code, into scratch space only. */
export const etcdDrillProgram: HostProgram = {
  id: 'etcd-drill',
  description:
    'cronsnap: restore drill of an etcd snapshot: verify the payload sha256, snapshot restore into a scratch dir, start a throwaway member on loopback, read back its revision, key count and a sample of keys, stop it and remove the dir',
  scripts: ['file-metadata.sh', 'etcd-container.sh', 'etcd-client.sh', 'etcd-service.sh', 'etcd-restore.sh', 'etcd-drill.sh'],
  parameters: [
    ...RESTORE_COMMON,
    ...ETCD_SNAPSHOT_PARAMETERS,
    { name: 'payloadSize', description: 'Bytes as stored, for the free-space check', pattern: BYTES },
    { name: 'rawSize', description: 'Decompressed bytes, for the free-space check', pattern: BYTES },
    { name: 'etcdctl', description: 'etcdctl command', pattern: PATTERNS.commandWords },
    { name: 'etcd', description: 'etcd server command for the throwaway member', pattern: PATTERNS.commandWords },
    { name: 'sampleKeys', description: 'Keys read back in full', pattern: '^[0-9]{1,4}$' },
    { name: 'healthTimeoutSeconds', description: 'How long the throwaway member may take to be healthy', pattern: '^[0-9]{1,6}$' },
    { name: 'workDir', description: 'Scratch dir for the download and the throwaway data dir', pattern: PATTERNS.absolutePath },
  ],
};

/** The scratch databases' names: `<scratchPrefix>_1`, `_2`, ... in the order of `databases`. */
const SCRATCH_PREFIX = { name: 'scratchPrefix', description: 'Scratch databases are named <scratchPrefix>_<n>', pattern: '^cronsnap_drill_[0-9a-f]{12}$' };

export const mysqlDrillProgram: HostProgram = {
  id: 'mysql-drill',
  description:
    'cronsnap: restore drill of a mysqldump: verify its sha256, restore every database into a scratch database (then, to a second, the shipped binary logs after it), count every table\'s rows, drop the scratch databases',
  scripts: ['secret.sh', 'database-names.sh', 'database-scratch.sh', 'mysql-client.sh', 'mysql-replay.sh', 'mysql-restore.sh', 'mysql-drill.sh'],
  parameters: [...MYSQL_DUMP_PARAMETERS, ...BINLOG_REPLAY_PARAMETERS, SCRATCH_PREFIX],
};

export const postgresDrillProgram: HostProgram = {
  id: 'postgres-drill',
  description:
    'cronsnap: restore drill of PostgreSQL dumps: verify every sha256, pg_restore every database into a scratch database, count every table\'s rows, drop the scratch databases',
  scripts: ['secret.sh', 'database-names.sh', 'database-scratch.sh', 'postgres-client.sh', 'postgres-restore.sh', 'postgres-drill.sh'],
  parameters: [...POSTGRES_DUMP_PARAMETERS, SCRATCH_PREFIX],
};

/** The drill program of each engine that can be drilled. */
export const DRILL_PROGRAM_OF = { etcd: etcdDrillProgram, mysql: mysqlDrillProgram, postgres: postgresDrillProgram } as const satisfies Record<DrilledJob['engine'], HostProgram>;

/** The program that drills `job`: its engine's, or for a physical base backup its recovery. */
export function drillProgramFor(job: DrilledJob): HostProgram {
  return job.engine === 'postgres' && job.postgres.mode === 'physical' ? postgresRecoveryProgram : DRILL_PROGRAM_OF[job.engine];
}

/** Drill programs of their own: deployed next to the restore documents, sent only by the restore-drill function. */
export const DRILL_DOCUMENTS: readonly HostProgram[] = Object.values(DRILL_PROGRAM_OF);

/** What the restore-drill function may send: its own programs and, for a physical base backup, the recovery (a restore document). */
export const DRILL_PROGRAMS: readonly HostProgram[] = [...DRILL_DOCUMENTS, postgresRecoveryProgram];
