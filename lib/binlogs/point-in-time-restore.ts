import { binlogRoot, parseShippedLogKey } from '../catalog/object-layout';
import { replayableLogs } from '../catalog/replayable-logs';
import { RestoreRefusedError } from '../errors';
import { inBatches } from '../in-batches';
import { wholeSecond } from '../iso-time';
import type { ObjectStore } from '../ports/object-store';
import { listRestorable, type RestorableBackup } from '../catalog/backup-catalog';
import { chainFolderOf } from './binlog-chain';
import { logSequence, parseBinlogManifest, type BinlogManifest } from '../catalog/binlog-manifest';
import { baseDumpOf, newestReachable, planPointInTime, recoverableWindow, secondAfter, type BaseDump } from './point-in-time';
import { serverChainObjects } from './server-chains';

/** How many of a job's newest dumps a restore to a time chooses among. */
const DUMPS_CONSIDERED = 100;
/** Log manifests read at once. */
const READ_CONCURRENCY = 16;

/** The logs a restore replays after its dump, as mysql-replay.sh takes them. */
export interface BinlogReplay {
  /** `<job>/binlogs/<folder>` of the chain the dump's coordinates are in: every log is fetched from there. */
  readonly prefix: string;
  readonly logs: readonly BinlogManifest[];
  readonly startPosition: number;
  /** The UTC second after the target: mysqlbinlog stops at the first event at or past it. */
  readonly stopDatetime: string;
  readonly toTime: string;
}

/** A dump and the replay that brings it to the asked second. */
export interface PointInTimeChoice {
  readonly backup: RestorableBackup;
  readonly replay: BinlogReplay;
}

function baseDump(backup: RestorableBackup): (BaseDump & { readonly backup: RestorableBackup }) | undefined {
  const dump = baseDumpOf(backup.manifest);
  return dump && { ...dump, backup };
}

async function readLogs(store: ObjectStore, prefix: string, files: readonly string[]): Promise<BinlogManifest[]> {
  return inBatches(files, READ_CONCURRENCY, async (file) => {
    const key = `${prefix}/${file}.json`;
    const text = await store.getText(key);
    if (text === undefined) throw new RestoreRefusedError(`${key} was listed but cannot be read`);
    return parseBinlogManifest(text, key);
  });
}

/** The logs a replay can use (manifest and payload both stored) in each folder of the server's chains. */
async function replayableFiles(store: ObjectStore, job: string, serverKey: string): Promise<Map<string, string[]>> {
  const partOf = (key: string) => {
    const log = parseShippedLogKey(key);
    return log && { name: log.file, part: log.part };
  };
  const folders = await serverChainObjects(store, job, serverKey);
  return new Map([...folders].map(([folder, stored]) => [folder, [...replayableLogs(stored, partOf).keys()]]));
}

/**
 * The dumps of the server the newest dump by `toTime` was taken on, and the replayable logs of
 * that server's chains its dumps are in, in each from the oldest file of those dumps on.
 */
async function pointInTimeWorld(store: ObjectStore, job: string, toTime: Date) {
  const { backups } = await listRestorable(store, job, { limit: DUMPS_CONSIDERED });
  const dumps = backups.flatMap((backup) => baseDump(backup) ?? []);
  const newest = dumps.find((dump) => Date.parse(dump.finishedAt) <= Date.parse(wholeSecond(toTime))) ?? dumps[0];
  if (!newest) throw new RestoreRefusedError(`job ${job} has no restorable dump with binary log coordinates (the server needs log_bin, and binlogs shipping)`);
  const server = dumps.filter((dump) => dump.serverKey === newest.serverKey);
  const folders = await replayableFiles(store, job, newest.serverKey);
  const oldest = new Map<string, number>();
  for (const dump of server) {
    const folder = chainFolderOf(dump, folders.keys());
    oldest.set(folder, Math.min(oldest.get(folder) ?? Number.POSITIVE_INFINITY, logSequence(dump.file)));
  }
  const logs = await Promise.all(
    [...oldest].map(([folder, from]) => readLogs(store, `${binlogRoot(job)}${folder}`, (folders.get(folder) ?? []).filter((file) => logSequence(file) >= from))),
  );
  return { newest, server, logs: logs.flat() };
}

/**
 * The newest restorable dump finished by `toTime` and the shipped logs that replay it to that
 * second, from the server that dump was taken on. Refused, with the window restores can reach,
 * when the dumps and logs do not cover the time.
 */
export async function choosePointInTime(store: ObjectStore, job: string, toTime: Date): Promise<PointInTimeChoice> {
  const { newest, server, logs } = await pointInTimeWorld(store, job, toTime);
  const plan = planPointInTime(server, logs, toTime);
  if (plan.kind === 'refused') throw new RestoreRefusedError(`job ${job}: ${plan.reason}`);
  const chosen = server.find((dump) => dump.runId === plan.dump.runId) ?? newest;
  return {
    backup: chosen.backup,
    replay: { prefix: `${binlogRoot(job)}${plan.folder}`, logs: plan.logs, startPosition: plan.dump.position, stopDatetime: secondAfter(plan.toTime), toTime: plan.toTime },
  };
}

/** The newest second a restore of the job to a time can reach now, on the newest dump's server; undefined while none can. */
export async function newestReachableBinlogSecond(store: ObjectStore, job: string, now: Date): Promise<string | undefined> {
  const { server, logs } = await pointInTimeWorld(store, job, now);
  return newestReachable(recoverableWindow(server, logs));
}

/** BINLOG_REPLAY_PARAMETERS for a replay. */
export function replayParameters(replay: BinlogReplay, mysqlbinlog: string): Record<string, string> {
  return {
    replayPrefix: replay.prefix,
    replayFirst: replay.logs[0]?.file ?? '',
    replayLast: replay.logs.at(-1)?.file ?? '',
    replayStartPosition: String(replay.startPosition),
    replayStopDatetime: replay.stopDatetime,
    // Each is downloaded, then decompressed beside it.
    replayBytes: String(replay.logs.reduce((sum, log) => sum + log.payload.size + log.payload.rawSize, 0)),
    mysqlbinlog,
  };
}
