import { parseManifest, type Manifest } from '../catalog/manifest';
import { binlogRoot } from '../catalog/object-layout';
import { binlogChain, chainFolderOf } from '../binlogs/binlog-chain';
import { parseBinlogManifest } from '../catalog/binlog-manifest';
import { baseDumpOf, recoverableSpan, windowGaps, type RecoverableSpan, type WindowGap } from '../binlogs/point-in-time';
import { ManifestError } from '../errors';
import { inBatches } from '../in-batches';
import { byInstant } from '../iso-time';
import type { ObjectStore } from '../ports/object-store';
import type { ShippedLogsTally, ShippedLogTally } from './inventory-tally';
import { parseWalRunManifest } from '../catalog/wal-manifest';
import { recoveryBaseOf, walReachOf, walRecoverableWindow, type ShippedSegments, type WalReach } from '../wal/wal-recovery-plan';
import { segmentNumber, walChain } from '../catalog/wal-segments';

/** Manifests read at once. */
const READ_CONCURRENCY = 16;

/** What the report says about the restores to a time a job's dumps and shipped logs allow. */
export interface PointInTimeStatus {
  /** One span per dump followed by its logs, oldest first. */
  readonly window: readonly RecoverableSpan[];
  readonly gaps: readonly WindowGap[];
  /** Logs missing from the chain after a kept base (purged on the server before they were shipped): files, or WAL segment ranges. */
  readonly missing: readonly string[];
  /** When the newest log manifest was stored, ms; 0 when none is. */
  readonly newestShippedAt: number;
  /** Manifests that could not be read, with the reason: their dumps or logs count for nothing. */
  readonly unreadable: readonly string[];
}

/** Reads and parses one manifest; a ManifestError goes to `unreadable` and counts as none. */
async function readOrNote<T>(store: ObjectStore, key: string, parse: (text: string, key: string) => T, unreadable: string[]): Promise<T | undefined> {
  try {
    return parse((await store.getText(key)) ?? '', key);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    unreadable.push(error.message);
    return undefined;
  }
}

/** Every complete base's manifest, as `baseOf` reads it (undefined: no base for the logs). */
async function readBases<B>(logs: ShippedLogsTally, store: ObjectStore, baseOf: (manifest: Manifest) => B | undefined, unreadable: string[]): Promise<B[]> {
  const bases = await inBatches([...logs.baseManifests.values()], READ_CONCURRENCY, async (key) => {
    const manifest = await readOrNote(store, key, parseManifest, unreadable);
    return manifest && baseOf(manifest);
  });
  return bases.flatMap((base) => base ?? []);
}

/** Each folder's logs whose payload and manifest are both stored, and when the newest manifest was. */
function completeLogs(folders: ShippedLogsTally['folders']): { shipped: Map<string, string[]>; newestShippedAt: number } {
  const shipped = new Map<string, string[]>();
  let newestShippedAt = 0;
  for (const [folder, logs] of folders) {
    const complete = [...logs].filter(([, log]: [string, ShippedLogTally]) => log.payload && log.manifestAt > 0);
    shipped.set(folder, complete.map(([name]) => name));
    for (const [, log] of complete) newestShippedAt = Math.max(newestShippedAt, log.manifestAt);
  }
  return { shipped, newestShippedAt };
}

/**
 * The window of one job from the inventory's tally: the log chains come from the key names, so
 * only each complete base's manifest and a few others are read, never every shipped log's.
 */
export async function readPointInTimeStatus(job: string, logs: ShippedLogsTally, store: ObjectStore): Promise<PointInTimeStatus> {
  return logs.kind === 'binlogs' ? readBinlogStatus(job, logs, store) : readWalStatus(logs, store);
}

/** Binary logs: each chain's last log manifest says its last event; a dump reads the chain its coordinates are in. */
async function readBinlogStatus(job: string, binlogs: ShippedLogsTally, store: ObjectStore): Promise<PointInTimeStatus> {
  const unreadable: string[] = [];
  const dumps = await readBases(binlogs, store, baseDumpOf, unreadable);
  const { shipped, newestShippedAt } = completeLogs(binlogs.folders);

  const missing = new Set<string>();
  const chainEnds = dumps.map((dump) => {
    const folder = chainFolderOf(dump, shipped.keys());
    const chain = binlogChain(dump, shipped.get(folder) ?? []);
    if (chain.kind === 'broken') for (const file of chain.missing) missing.add(file);
    const last = chain.files.at(-1);
    return last === undefined ? undefined : `${binlogRoot(job)}${folder}/${last}.json`;
  });
  const endKeys = [...new Set(chainEnds.flatMap((key) => key ?? []))];
  const lastEvents = new Map(
    await inBatches(endKeys, READ_CONCURRENCY, async (key) => [key, (await readOrNote(store, key, parseBinlogManifest, unreadable))?.lastEventAt] as const),
  );
  const window = dumps
    .flatMap((dump, index) => {
      const end = chainEnds[index];
      return recoverableSpan(dump, end === undefined ? undefined : lastEvents.get(end)) ?? [];
    })
    .sort(byInstant((span) => span.from));
  return { window, gaps: windowGaps(window), missing: [...missing].sort(), newestShippedAt, unreadable };
}

/** Shipping run manifests read for how far the WAL reaches now: a failed run wrote none. */
const NEWEST_RUNS_READ = 3;

/**
 * WAL: a shipping run's manifest says how far the WAL reaches. The newest few say it for every
 * whole chain; a chain with a hole reaches as far as the last run that shipped short of it, found
 * by bisecting the runs (each shipped further than the one before).
 */
async function readWalStatus(wal: ShippedLogsTally, store: ObjectStore): Promise<PointInTimeStatus> {
  const unreadable: string[] = [];
  const bases = await readBases(wal, store, recoveryBaseOf, unreadable);
  const { shipped, newestShippedAt } = completeLogs(wal.folders);
  const segmentsOf = new Map([...shipped].map(([systemIdentifier, names]): [string, ShippedSegments] => [systemIdentifier, new Map(names.map((name) => [name, 0]))]));
  const runKeys = [...wal.runManifests].sort(([a], [b]) => a.localeCompare(b)).map(([, key]) => key);
  const reachAt = new Map<number, Promise<WalReach | undefined>>();
  const readReach = (index: number) => {
    let reach = reachAt.get(index);
    if (!reach) {
      const key = runKeys[index] ?? '';
      reach = readOrNote(store, key, parseWalRunManifest, unreadable).then((run) => run && walReachOf(run));
      reachAt.set(index, reach);
    }
    return reach;
  };
  const reaches = (await Promise.all(runKeys.map((_key, index) => index).slice(-NEWEST_RUNS_READ).map(readReach))).flatMap((reach) => reach ?? []);

  const missing = new Set<string>();
  for (const base of bases) {
    const chain = walChain(base.startSegment, shipped.get(base.systemIdentifier) ?? [], base.segmentSize);
    if (chain.kind !== 'broken') continue;
    missing.add(`${chain.missing.from}..${chain.missing.to}`);
    const hole = segmentNumber(chain.missing.from, base.segmentSize);
    const shortOfHole = (reach: WalReach | undefined) =>
      reach !== undefined && reach.systemIdentifier === base.systemIdentifier && segmentNumber(reach.newestShipped, base.segmentSize) < hole;
    let [low, high] = [0, runKeys.length - 1];
    while (low <= high) {
      const middle = Math.floor((low + high) / 2);
      const reach = await readReach(middle);
      if (shortOfHole(reach) && reach) {
        reaches.push(reach);
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
  }
  const window = walRecoverableWindow(bases, (systemIdentifier) => segmentsOf.get(systemIdentifier) ?? new Map(), reaches).sort(byInstant((span) => span.from));
  return { window, gaps: windowGaps(window), missing: [...missing].sort(), newestShippedAt, unreadable };
}
