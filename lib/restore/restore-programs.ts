import { PATTERNS } from '../parameters/shell-safe';
import { DATABASE_LIST_PATTERN, DATABASE_NAME_PATTERN, HOST_PORT_PATTERN } from '../config/mysql-settings';
import { PASSWORD_PARAMETERS } from '../config/password-source';
import { ETCD_CONTAINER_PARAMETERS, ETCD_SERVICE_PARAMETERS } from '../engines/etcd-member-access';
import { listPattern, type DocumentParameter } from '../parameters/document-parameter';
import type { HostProgram } from '../ssm/host-program';
import { REPORT_PARAMETER } from '../parameters/document-parameter';

const sha256 = '^[0-9a-f]{64}$';
const KEY = '[A-Za-z0-9][A-Za-z0-9/._-]{0,1023}';

/** Every restore program names its job (for the lock), the bucket, and how long SSM lets it run. */
export const RESTORE_COMMON: readonly DocumentParameter[] = [
  { name: 'job', description: 'Job the backup belongs to', pattern: PATTERNS.jobName },
  { name: 'bucket', description: 'Backup bucket', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' },
  { name: 'executionTimeout', description: 'Seconds before SSM stops the script', pattern: '^[0-9]{1,6}$' },
  REPORT_PARAMETER,
];

/** The one object a restore downloads and checks before anything else. */
const PAYLOAD: readonly DocumentParameter[] = [
  { name: 'payloadKey', description: 'Key of the payload', pattern: `^${KEY}$` },
  { name: 'payloadSha256', description: 'sha256 of the payload as stored, from its manifest', pattern: sha256 },
];

export const filesRestoreProgram: HostProgram = {
  id: 'files-restore',
  description:
    'cronsnap: restore a file set: verify the archive sha256, compare with the disk, and (apply) move replaced entries to <path>.old-<stamp> and extract with owners, modes, ACLs, xattrs and labels',
  scripts: ['file-metadata.sh', 'files-restore.sh'],
  parameters: [
    ...RESTORE_COMMON,
    ...PAYLOAD,
    { name: 'payloadSize', description: 'Archive bytes, for the free-space check', pattern: '^[0-9]{1,15}$' },
    { name: 'rawSize', description: 'Unpacked bytes, for the free-space check', pattern: '^[0-9]{1,15}$' },
    { name: 'paths', description: 'Archived paths to restore', pattern: listPattern(PATTERNS.absolutePath, 64) },
    { name: 'setName', description: 'Linked set name (e.g. member-config), for the job lock', pattern: PATTERNS.token, optional: true },
    { name: 'restoreRoot', description: 'Restore under this dir; / puts files back where they were', pattern: PATTERNS.absolutePath },
    { name: 'mode', description: 'dry-run reports only; apply changes files', pattern: '^(dry-run|apply)$' },
    { name: 'stamp', description: 'Suffix of the .old-<stamp> copies', pattern: '^[0-9]{8}T[0-9]{6}Z$' },
    { name: 'workDir', description: 'Private scratch dir for the archive and its staging copy', pattern: PATTERNS.absolutePath },
  ],
};

/** The snapshot etcd-restore.sh's fetch_snapshot downloads and checks (load_snapshot_params). */
export const ETCD_SNAPSHOT_PARAMETERS: readonly DocumentParameter[] = [
  ...PAYLOAD,
  { name: 'payloadMode', description: 'snapshot or cold-copy (restored with --skip-hash-check)', pattern: '^(snapshot|cold-copy)$' },
];

export const ETCD_RESTORE_ACTIONS = ['prepare', 'stop', 'restore', 'start', 'health', 'rollback', 'abandon', 'membership', 'rejoin', 'old-revision', 'bump-revision'] as const;
export type EtcdRestoreAction = (typeof ETCD_RESTORE_ACTIONS)[number];

export const etcdRestoreProgram: HostProgram = {
  id: 'etcd-restore',
  description:
    'cronsnap: one step of an etcd restore (prepare, stop, restore, start, health, old-revision and bump-revision, rollback, abandon; membership and rejoin to replace one member); the old data dir is moved aside, never deleted',
  scripts: ['file-metadata.sh', 'etcd-container.sh', 'etcd-client.sh', 'etcd-service.sh', 'etcd-restore.sh', 'etcd-restore-main.sh'],
  parameters: [
    ...RESTORE_COMMON,
    { name: 'action', description: 'The step to run on this member', pattern: `^(${ETCD_RESTORE_ACTIONS.join('|')})$` },
    ...ETCD_SNAPSHOT_PARAMETERS,
    { name: 'memberName', description: '--name of this member', pattern: PATTERNS.token },
    { name: 'initialCluster', description: '--initial-cluster: name=peerUrl of every member', pattern: `^${PATTERNS.token.slice(1, -1)}=https?://[A-Za-z0-9.:-]{1,300}(,${PATTERNS.token.slice(1, -1)}=https?://[A-Za-z0-9.:-]{1,300}){0,8}$` },
    { name: 'clusterToken', description: '--initial-cluster-token', pattern: PATTERNS.token },
    { name: 'peerUrls', description: '--initial-advertise-peer-urls of this member', pattern: listPattern(PATTERNS.endpoint, 4) },
    { name: 'clientUrls', description: 'Client URLs of this member', pattern: listPattern(PATTERNS.endpoint, 4) },
    { name: 'dataDir', description: '--data-dir of this member', pattern: PATTERNS.absolutePath },
    { name: 'endpoints', description: 'Client URLs of every member, for the health check', pattern: listPattern(PATTERNS.endpoint) },
    { name: 'etcdctl', description: 'etcdctl command: on the host, or inside the container', pattern: PATTERNS.commandWords },
    ...ETCD_CONTAINER_PARAMETERS,
    { name: 'caFile', description: 'CA certificate path (inside the container when there is one)', pattern: PATTERNS.absolutePath, optional: true },
    { name: 'certFile', description: 'Client certificate path', pattern: PATTERNS.absolutePath, optional: true },
    { name: 'keyFile', description: 'Client key path', pattern: PATTERNS.absolutePath, optional: true },
    ...ETCD_SERVICE_PARAMETERS,
    { name: 'quotaBackendBytes', description: 'ETCD_QUOTA_BACKEND_BYTES for the start command', pattern: '^[0-9]{1,15}$', optional: true },
    { name: 'stamp', description: 'Suffix of the moved-aside data dir', pattern: '^[0-9]{8}T[0-9]{6}Z$' },
    { name: 'workDir', description: 'Scratch dir for the downloaded snapshot', pattern: PATTERNS.absolutePath },
    { name: 'targetRevision', description: 'bump-revision: the revision to advance the restored cluster to and compact at', pattern: '^[0-9]{1,18}$', optional: true },
  ],
};

/** Where a database restore or drill finds the dump's server and credentials, and which databases it restores. */
const DATABASE_SOURCE: readonly DocumentParameter[] = [
  ...RESTORE_COMMON,
  { name: 'server', description: 'host:port to restore into', pattern: HOST_PORT_PATTERN },
  { name: 'user', description: 'Database user', pattern: PATTERNS.token },
  ...PASSWORD_PARAMETERS,
  { name: 'databases', description: 'Databases of the dump to restore', pattern: DATABASE_LIST_PATTERN },
  { name: 'workDir', description: 'Private scratch dir for the downloaded dump', pattern: PATTERNS.absolutePath },
];

/** What an operator's restore adds: a new name for the one database, and dry-run or apply. */
const RESTORE_CHOICES: readonly DocumentParameter[] = [
  { name: 'targetDatabase', description: 'Restore the one database under this name instead', pattern: DATABASE_NAME_PATTERN, optional: true },
  { name: 'mode', description: 'dry-run checks only; apply restores', pattern: '^(dry-run|apply)$' },
];

const BINLOG_NAME = '^[A-Za-z0-9._-]{1,200}[.][0-9]{6,7}$';

/** The mysqldump a MySQL restore (mysql-restore.sh) downloads and how it feeds it to the server. */
export const MYSQL_DUMP_PARAMETERS: readonly DocumentParameter[] = [
  ...DATABASE_SOURCE,
  ...PAYLOAD,
  { name: 'payloadSize', description: 'Bytes of the dump as stored, for the free-space check', pattern: '^[0-9]{1,15}$' },
  { name: 'mysql', description: 'mysql client command', pattern: PATTERNS.commandWords },
];

/** A restore to a point in time: the shipped binary logs replayed after the dump (mysql-replay.sh); none when empty. */
export const BINLOG_REPLAY_PARAMETERS: readonly DocumentParameter[] = [
  {
    name: 'replayPrefix',
    description: "The folder of the chain of the server's shipped binary logs the dump is in",
    pattern: '^[a-z0-9-]{3,63}/binlogs/[A-Za-z0-9-]{1,64}(\\.chain-[0-9]{8}T[0-9]{6}Z)?$',
    optional: true,
  },
  { name: 'replayFirst', description: 'The first binary log to replay (the dump coordinates file)', pattern: BINLOG_NAME, optional: true },
  { name: 'replayLast', description: 'The last binary log to replay', pattern: BINLOG_NAME, optional: true },
  { name: 'replayStartPosition', description: "The dump's position in the first log", pattern: '^[0-9]{1,20}$', optional: true },
  { name: 'replayStopDatetime', description: 'Replay events before this UTC second', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$', optional: true },
  { name: 'replayBytes', description: 'Bytes of the logs as stored, for the free-space check', pattern: '^[0-9]{1,15}$', optional: true },
  { name: 'mysqlbinlog', description: 'mysqlbinlog command', pattern: PATTERNS.commandWords, optional: true },
];

export const mysqlRestoreProgram: HostProgram = {
  id: 'mysql-restore',
  description: 'cronsnap: restore databases from a mysqldump (sha256 checked first), never over a database that has tables',
  scripts: ['secret.sh', 'database-names.sh', 'mysql-client.sh', 'mysql-replay.sh', 'mysql-restore.sh', 'database-restore-main.sh'],
  parameters: [...MYSQL_DUMP_PARAMETERS, ...BINLOG_REPLAY_PARAMETERS, ...RESTORE_CHOICES],
};

/** The parts a PostgreSQL restore (postgres-restore.sh) downloads and the clients that restore them. */
export const POSTGRES_DUMP_PARAMETERS: readonly DocumentParameter[] = [
  ...DATABASE_SOURCE,
  { name: 'partKinds', description: 'Kind of each part: globals, database or dumpall', pattern: listPattern('^(globals|database|dumpall)$', 101) },
  { name: 'partNames', description: 'Name of each part', pattern: listPattern('^[A-Za-z0-9_$-]{1,64}$', 101) },
  { name: 'partKeys', description: 'Key of each part', pattern: listPattern(`^${KEY}$`, 101) },
  { name: 'partSha256s', description: 'sha256 of each part as stored', pattern: listPattern(sha256, 101) },
  { name: 'partsSize', description: 'Bytes of all parts as stored, for the free-space check', pattern: '^[0-9]{1,15}$' },
  { name: 'parallelJobs', description: 'pg_restore -j', pattern: '^[0-9]{1,2}$' },
  { name: 'psql', description: 'psql command', pattern: PATTERNS.commandWords },
  { name: 'pgRestore', description: 'pg_restore command', pattern: PATTERNS.commandWords },
];

export const postgresRestoreProgram: HostProgram = {
  id: 'postgres-restore',
  description: 'cronsnap: restore PostgreSQL databases (pg_restore -j) or a pg_dumpall, sha256 of every part checked first, never over an existing database',
  scripts: ['secret.sh', 'database-names.sh', 'postgres-client.sh', 'postgres-restore.sh', 'database-restore-main.sh'],
  parameters: [...POSTGRES_DUMP_PARAMETERS, ...RESTORE_CHOICES],
};

const SEGMENT_NAME = '^[0-9A-F]{24}$';

/** What a recovery of a physical base backup (postgres-recovery.sh) downloads, checks and replays, and where it puts the copy. */
export const POSTGRES_RECOVERY_PARAMETERS: readonly DocumentParameter[] = [
  ...RESTORE_COMMON,
  ...PAYLOAD,
  { name: 'payloadSize', description: 'Bytes of the base tar as stored, for the free-space check', pattern: '^[0-9]{1,15}$' },
  { name: 'rawSize', description: 'Bytes of the base tar unpacked, for the free-space check', pattern: '^[0-9]{1,15}$' },
  { name: 'serverMajor', description: 'PostgreSQL major release of the base backup', pattern: '^[0-9]{2,3}$' },
  { name: 'walPrefix', description: "The folder of the cluster's shipped WAL", pattern: '^[a-z0-9-]{3,63}/wal/[0-9]{1,20}$' },
  { name: 'walFirst', description: 'The first segment to replay (the base backup starts in it)', pattern: SEGMENT_NAME },
  { name: 'walLast', description: 'The last segment the recovery may need', pattern: SEGMENT_NAME },
  {
    name: 'walSearchFrom',
    description: 'To a time: the first segment that may hold the first commit past it, from which the download stops at the one that does; every segment to walLast when empty',
    pattern: SEGMENT_NAME,
    optional: true,
  },
  { name: 'walSegmentSize', description: 'Bytes per segment', pattern: '^[0-9]{6,10}$' },
  { name: 'walBytes', description: 'Bytes of the segments as stored, for the free-space check', pattern: '^[0-9]{1,15}$' },
  { name: 'stopBefore', description: 'Recover the transactions committed before this UTC second; to the end of the WAL when empty', pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$', optional: true },
  { name: 'dataDir', description: 'The new data directory (must not exist)', pattern: PATTERNS.absolutePath },
  { name: 'port', description: 'Port of the recovered server; a free one from 5433 on when empty', pattern: '^[0-9]{4,5}$', optional: true },
  { name: 'osUser', description: 'System user the recovered server runs as', pattern: PATTERNS.token },
  { name: 'pgCtl', description: "pg_ctl of the base backup's release", pattern: PATTERNS.commandWords },
  { name: 'workDir', description: 'Private scratch dir for the downloads', pattern: PATTERNS.absolutePath },
  { name: 'mode', description: 'dry-run checks and downloads only; apply recovers; drill recovers, counts every table, and removes the copy', pattern: '^(dry-run|apply|drill)$' },
];

export const postgresRecoveryProgram: HostProgram = {
  id: 'postgres-recovery',
  description:
    'cronsnap: recover a physical PostgreSQL base backup and its shipped WAL (every sha256 checked first) into a new data directory on a free loopback port, to a second or the end of the WAL, and promote it',
  scripts: ['secret.sh', 'postgres-client.sh', 'wal-segments.sh', 'postgres-recovery.sh'],
  parameters: POSTGRES_RECOVERY_PARAMETERS,
};

/** Restore programs: deployed next to the backup documents, sent only by operators' restores. */
export const RESTORE_PROGRAMS: readonly HostProgram[] = [filesRestoreProgram, etcdRestoreProgram, mysqlRestoreProgram, postgresRestoreProgram, postgresRecoveryProgram];
