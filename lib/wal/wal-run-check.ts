import { readShippingRunManifest, shippedBeforeRun, type ShippingRun } from '../catalog/shipping-run-manifest';
import { parseShippedWalKey, walRoot } from '../catalog/object-layout';
import { ManifestError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { listRestorable } from '../catalog/backup-catalog';
import { parseWalRunManifest, type WalRunManifest } from '../catalog/wal-manifest';
import { segmentOfLsn, walChain, type WalChain } from '../catalog/wal-segments';

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

const bySegment = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** What a hole in the shipped WAL means to an operator, `after` saying where it starts. */
function describeHole(missing: { readonly from: string; readonly to: string }, after: string): string {
  return `WAL segments ${missing.from} to ${missing.to} are missing after ${after}: no restore can cross them; a new base backup starts a whole chain`;
}

/**
 * A shipping run that succeeded on its host is checked as a whole: its manifest names this run,
 * it reports no segments the server dropped before they were shipped, the chain from the newest
 * base backup of its cluster to the newest shipped segment has no hole, and neither has the chain
 * this run went on with, from the newest segment its cluster's runs had shipped (checked whatever
 * the newest base backup is: one of another cluster anchors no chain here). Any fault is a
 * ManifestError naming the missing segments, so the run is reported failed.
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
  const shipped = await shippedSegments(store, run.job, manifest.systemIdentifier);
  const from = await newestBaseBackupStart(store, run.job, manifest.systemIdentifier, manifest.walSegmentSize);
  const chain = from === undefined ? undefined : walChain(from, shipped, manifest.walSegmentSize);
  if (chain?.kind === 'broken') throw new ManifestError(describeHole(chain.missing, `the newest base backup (from ${chain.from})`));
  const previous = shippedBeforeRun(shipped, manifest.shipped, bySegment);
  const since = previous === undefined ? undefined : walChain(previous, shipped, manifest.walSegmentSize);
  if (since?.kind === 'broken') {
    throw new ManifestError(describeHole(since.missing, `${previous}, the newest segment of cluster ${manifest.systemIdentifier} shipped before this run`));
  }
  return { manifest, chain };
}
