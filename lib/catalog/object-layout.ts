/**
 * Where things live in the backup bucket (DESIGN.md "Object layout"):
 * `<job>/<yyyy>/<mm>/<dd>/<runId>/<host>/{payload, manifest.json}`.
 */
export function runPrefix(job: string, runId: string, scheduledTime: Date): string {
  const [yyyy, mm, dd] = scheduledTime.toISOString().slice(0, 10).split('-');
  return `${job}/${yyyy}/${mm}/${dd}/${runId}`;
}

/**
 * Binary logs live beside the job's runs, outside the dated layout (so neither the catalog nor the
 * retention of dumps takes them for runs): `<job>/binlogs/<chain>/<file>.zst` with `<file>.json`,
 * and each shipping run's own manifest under `<job>/binlogs/runs/<yyyy>/<mm>/<dd>/<runId>/`. A
 * chain's folder is its server's key; after the server's logs were reset (or renamed) their
 * numbers start again, so the logs from then on go to a folder of their own (parseBinlogChainFolder).
 */
export function binlogRoot(job: string): string {
  return `${job}/binlogs/`;
}

/** `<serverKey>.chain-20261130T024501Z`: a chain's start in its folder's name, without the colons S3 keys would rather not hold. */
const CHAIN_SINCE = /^(.+)\.chain-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/**
 * The folder of one chain of a server's binary logs (mysql-binlogs.sh names them) read as that
 * server's key and since when: `<serverKey>` holds its first chain, and
 * `<serverKey>.chain-<yyyymmddThhmmssZ>` one begun after its logs were reset, `since` being the
 * first second after the last event of the chain before it: a dump of the server started at or
 * after it has its coordinates in the new chain.
 */
export function parseBinlogChainFolder(folder: string): { readonly serverKey: string; readonly since: string | undefined } {
  const match = CHAIN_SINCE.exec(folder);
  if (!match) return { serverKey: folder, since: undefined };
  const [, serverKey = '', yyyy, mm, dd, hh, mi, ss] = match;
  return { serverKey, since: `${yyyy}-${mm}-${dd}T${hh}:${mi}:${ss}Z` };
}

export function binlogRunPrefix(job: string, runId: string, scheduledTime: Date): string {
  return runPrefix(`${job}/binlogs/runs`, runId, scheduledTime);
}

/** `<job>/binlogs/<chain>/<file>.json`, read as its chain's folder and log file; undefined for anything else. */
export function parseBinlogManifestKey(key: string): { readonly job: string; readonly folder: string; readonly file: string } | undefined {
  const match = /^([^/]+)\/binlogs\/([^/]+)\/([^/]+)\.json$/.exec(key);
  if (!match || match[2] === 'runs') return undefined;
  const [, job = '', folder = '', file = ''] = match;
  return { job, folder, file };
}

const SHIPPED_LOG = /^([^/]+)\/binlogs\/([^/]+)\/([^/]+\.[0-9]+)\.(zst|json)$/;
const SHIPPING_RUN = /^[^/]+\/(?:binlogs|wal)\/runs\/(?:\d{4}\/\d{2}\/\d{2}\/([^/]+)\/)?/;

/** `<job>/binlogs/<chain>/<log>.zst` (the log) or `.json` (its manifest); undefined for anything else. */
export function parseShippedLogKey(key: string): { readonly job: string; readonly folder: string; readonly file: string; readonly part: 'payload' | 'manifest' } | undefined {
  const match = SHIPPED_LOG.exec(key);
  if (!match || match[2] === 'runs') return undefined;
  const [, job = '', folder = '', file = '', suffix] = match;
  return { job, folder, file, part: suffix === 'zst' ? 'payload' : 'manifest' };
}

/** Whether `key` lies under `<job>/binlogs/runs/` or `<job>/wal/runs/`, and the run id its dated layout names (empty when it names none). */
export function parseShippingRunKey(key: string): { readonly runId: string } | undefined {
  const match = SHIPPING_RUN.exec(key);
  return match ? { runId: match[1] ?? '' } : undefined;
}

/**
 * A physical PostgreSQL job's WAL, also outside the dated layout, per cluster (its system
 * identifier): `<job>/wal/<system id>/<segment>.zst` with `<segment>.json`, and each shipping
 * run's own manifest under `<job>/wal/runs/<yyyy>/<mm>/<dd>/<runId>/`.
 */
export function walRoot(job: string): string {
  return `${job}/wal/`;
}

export function walRunPrefix(job: string, runId: string, scheduledTime: Date): string {
  return runPrefix(`${job}/wal/runs`, runId, scheduledTime);
}

/** `<job>/wal/<system id>/<segment>.zst` (the segment) or `.json` (its manifest); undefined for anything else. */
export function parseShippedWalKey(key: string): { readonly job: string; readonly systemIdentifier: string; readonly segment: string; readonly part: 'payload' | 'manifest' } | undefined {
  const match = /^([^/]+)\/wal\/([0-9]+)\/([0-9A-F]{24})\.(zst|json)$/.exec(key);
  if (!match) return undefined;
  const [, job = '', systemIdentifier = '', segment = '', suffix] = match;
  return { job, systemIdentifier, segment, part: suffix === 'zst' ? 'payload' : 'manifest' };
}

/** A linked set (an etcd member's config) keeps its own manifest in a sub-folder named after it. */
export function manifestKey(prefix: string, host: string, setName = ''): string {
  return setName ? `${prefix}/${host}/${setName}/${MANIFEST_FILE}` : `${prefix}/${host}/${MANIFEST_FILE}`;
}

/** Markers live outside every job prefix, so hosts (which may write only under their job) cannot forge them. */
export const MARKER_ROOT = '_cronsnap';

/** Where hosts write their reports: under the job's folder here, so a host may write only its own job's. */
export const REPORT_ROOT = `${MARKER_ROOT}/reports`;

/**
 * Marks that must last as long as the runs they mark (keeps, on-demand runs), beside the markers
 * rather than under them: the bucket's lifecycle expires MARKER_ROOT, and a keep that lapsed by
 * expiry would let retention prune what an operator asked to keep.
 */
export const MARK_ROOT = '_cronsnap-marks';

/** Written last in every backup unit: its presence marks the backup complete. */
export const MANIFEST_FILE = 'manifest.json';

export function runMarkerKey(job: string, runId: string): string {
  return `${MARKER_ROOT}/runs/${job}/${runId}.json`;
}

/** The commands a run was sent as (command-record.ts), beside its claim. */
export function commandRecordKey(job: string, runId: string): string {
  return `${MARKER_ROOT}/commands/${job}/${runId}.json`;
}

/** An operator's keep of a run (`cronsnap keep`): written by the restore role, which hosts are not. */
export function keepMarkerKey(job: string, runId: string): string {
  return `${keepMarkersPrefix(job)}${runId}.json`;
}

export function keepMarkersPrefix(job: string): string {
  return `${MARK_ROOT}/keeps/${job}/`;
}

/** Marks a run started by hand (backup-now): retention never counts it toward the policy's counts. */
export function onDemandMarkerKey(job: string, runId: string): string {
  return `${onDemandMarkersPrefix(job)}${runId}.json`;
}

export function onDemandMarkersPrefix(job: string): string {
  return `${MARK_ROOT}/on-demand/${job}/`;
}

/** The run id a marker key (`<folder>/<runId>.json`) names. */
export function markedRunId(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1).replace(/\.json$/, '');
}

/** Claims a binary log shipping run; apart from the dumps' markers, which retention reads. */
export function binlogRunMarkerKey(job: string, runId: string): string {
  return `${MARKER_ROOT}/binlog-runs/${job}/${runId}.json`;
}

/** Claims a WAL shipping run, as binlogRunMarkerKey does for binary logs. */
export function walRunMarkerKey(job: string, runId: string): string {
  return `${MARKER_ROOT}/wal-runs/${job}/${runId}.json`;
}

export function completionMarkerKey(commandId: string, host: string): string {
  return `${completionMarkersPrefix(commandId)}${host}.json`;
}

/** Where every host's completion of one command is claimed: one key per host that finished. */
export function completionMarkersPrefix(commandId: string): string {
  return `${MARKER_ROOT}/completions/${commandId}/`;
}

/** Restore drill results, beside the job prefixes: `drills/<job>/<drillId>.json`. */
export const DRILL_ROOT = 'drills';

/**
 * The host programs the SSM documents load, content-addressed (`<root>/<sha256>.sh`): published
 * by the deployment (a key only ever holds its digest's bytes; a deployment may add a version of
 * the same bytes), read by hosts, and outside every lifecycle rule, so a command sent with an
 * older document version still finds its program.
 */
export const PROGRAM_ROOT = '_cronsnap-programs';

export function programKey(sha256: string): string {
  return `${PROGRAM_ROOT}/${sha256}.sh`;
}

/**
 * Folders the layout keeps inside every job (`<job>/binlogs/`, `<job>/wal/`). No job may take one
 * of these names either: the functions' grants name every job's logs by a pattern (any key with a
 * `/binlogs/` or `/wal/` folder), which for a job so named would also reach its markers beside the jobs.
 */
export const JOB_FOLDERS: readonly string[] = ['binlogs', 'wal'];

/** Top-level folders of the bucket that are not jobs; no job may take one of these names. */
export const RESERVED_ROOTS: readonly string[] = [MARKER_ROOT, MARK_ROOT, DRILL_ROOT, PROGRAM_ROOT];

export function drillResultKey(job: string, drillId: string): string {
  return `${DRILL_ROOT}/${job}/${drillId}.json`;
}

/** A copy of the job's newest passed drill; its LastModifiedDate in S3 Inventory dates it. */
export function lastPassedDrillKey(job: string): string {
  return `${DRILL_ROOT}/${job}/last-passed.json`;
}

export function drillMarkerKey(job: string, drillId: string): string {
  return `${MARKER_ROOT}/drills/${job}/${drillId}.json`;
}

/** The linked set holding an etcd member's config files, stored beside the snapshot run. */
export const MEMBER_CONFIG_SET = 'member-config';

/** Linked sets a host may store beside its own backup, each in a sub-folder with its own manifest. */
export const LINKED_SET_NAMES: readonly string[] = [MEMBER_CONFIG_SET];

/** Where a key of the backup bucket sits in the object layout. */
export interface BackupKey {
  readonly job: string;
  readonly runId: string;
  readonly host: string;
  /** `host`, or `host/<set>` for a linked set: the folder one manifest describes. */
  readonly unit: string;
  /** The key's path inside its unit (`manifest.json`, `snapshot.db.zst`, ...). */
  readonly file: string;
}

const LAYOUT = /^([^/]+)\/\d{4}\/\d{2}\/\d{2}\/([^/]+)\/([^/]+)\/(.+)$/;

/** Reads a key as `<job>/<yyyy>/<mm>/<dd>/<runId>/<host>/...`; undefined for anything else. */
export function parseBackupKey(key: string): BackupKey | undefined {
  const match = LAYOUT.exec(key);
  if (!match) return undefined;
  const [, job = '', runId = '', host = '', rest = ''] = match;
  const slash = rest.indexOf('/');
  const set = slash > 0 ? rest.slice(0, slash) : undefined;
  if (set !== undefined && LINKED_SET_NAMES.includes(set)) return { job, runId, host, unit: `${host}/${set}`, file: rest.slice(slash + 1) };
  return { job, runId, host, unit: host, file: rest };
}
