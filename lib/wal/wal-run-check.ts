import { readShippingRunManifest, type ShippingRun } from '../backup/shipping-run-manifest';
import { parseShippedWalKey, walRoot } from '../backup/object-layout';
import { ManifestError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { listRestorable } from '../restore/backup-catalog';
import { parseWalRunManifest, type WalRunManifest } from './wal-manifest';
import { segmentOfLsn, walChain, type WalChain } from './wal-segments';

export interface CheckedWalRun {
  readonly manifest: WalRunManifest;
  /** From the newest base backup of the same cluster to the newest shipped segment; undefined before such a backup exists. */
  readonly chain: WalChain | undefined;
}

/** The segments of one cluster's folder that have a manifest, that is, were shipped whole. */
export async function shippedSegments(store: ObjectStore, job: string, systemIdentifier: string): Promise<string[]> {
  const objects = await store.list(`${walRoot(job)}${systemIdentifier}/`);
  return objects.flatMap((object) => {
    const key = parseShippedWalKey(object.key);
    return key?.part === 'manifest' ? [key.segment] : [];
  });
}

/** The segment where the job's newest restorable base backup of `systemIdentifier` starts its WAL. */
export async function newestBaseBackupStart(store: ObjectStore, job: string, systemIdentifier: string, segmentSize: number): Promise<string | undefined> {
  const { backups } = await listRestorable(store, job, { limit: 1 });
  const manifest = backups[0]?.manifest;
  const physical = manifest?.engine === 'postgres' ? manifest.postgres.physical : undefined;
  if (!physical || physical.systemIdentifier !== systemIdentifier) return undefined;
  return segmentOfLsn(physical.walStart, physical.timeline, segmentSize);
}

/**
 * A shipping run that succeeded on its host is checked as a whole: its manifest names this run,
 * it reports no segments the server dropped before they were shipped, and the chain from the
 * newest base backup to the newest shipped segment has no hole. Either fault is a ManifestError
 * naming the missing segments, so the run is reported failed.
 */
export async function checkWalRun(store: ObjectStore, run: ShippingRun): Promise<CheckedWalRun> {
  const manifest = await readShippingRunManifest(store, run, parseWalRunManifest);
  if (manifest.gap) {
    throw new ManifestError(
      `the server ${manifest.server} dropped WAL segments ${manifest.gap.from} to ${manifest.gap.to} before they were shipped` +
        `${manifest.slotCreated ? ` (the replication slot ${manifest.slot} was missing and is created again)` : ''}: ` +
        'no restore can cross them; a new base backup starts a whole chain',
    );
  }
  const from = await newestBaseBackupStart(store, run.job, manifest.systemIdentifier, manifest.walSegmentSize);
  const chain = from === undefined ? undefined : walChain(from, await shippedSegments(store, run.job, manifest.systemIdentifier), manifest.walSegmentSize);
  if (chain?.kind === 'broken') {
    throw new ManifestError(`WAL segments ${chain.missing.from} to ${chain.missing.to} are missing after the newest base backup (from ${chain.from}): no restore can cross them; a new base backup starts a whole chain`);
  }
  return { manifest, chain };
}
