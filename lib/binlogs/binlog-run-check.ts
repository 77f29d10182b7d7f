import { readShippingRunManifest, shippedBeforeRun, type ShippingRun } from '../catalog/shipping-run-manifest';
import { ManifestError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { listRestorable } from '../catalog/backup-catalog';
import { parseBinlogManifestKey } from '../catalog/object-layout';
import { binlogChain, chainFolderOf, describeGap, type BinlogChain } from './binlog-chain';
import { logSequence, parseBinlogRunManifest, type BinlogRunManifest } from '../catalog/binlog-manifest';
import { baseDumpOf, type BaseDump } from './point-in-time';
import { serverChainObjects } from './server-chains';

export interface CheckedBinlogRun {
  readonly manifest: BinlogRunManifest;
  /** From the newest dump of the same server to the newest shipped log of its chain; undefined before such a dump exists. */
  readonly chain: BinlogChain | undefined;
}

/** The files of each folder of `serverKey`'s chains that have a manifest, that is, were shipped whole. */
async function shippedChains(store: ObjectStore, job: string, serverKey: string): Promise<Map<string, string[]>> {
  const folders = await serverChainObjects(store, job, serverKey);
  const shipped = [...folders].map(([folder, stored]) => [folder, stored.flatMap((object) => parseBinlogManifestKey(object.key)?.file ?? [])] as const);
  return new Map(shipped.filter(([, files]) => files.length > 0));
}

/** The job's newest restorable dump, when it was taken of `serverKey` with binary log coordinates. */
async function newestDump(store: ObjectStore, job: string, serverKey: string): Promise<BaseDump | undefined> {
  const { backups } = await listRestorable(store, job, { limit: 1 });
  const dump = backups[0] && baseDumpOf(backups[0].manifest);
  return dump?.serverKey === serverKey ? dump : undefined;
}

const bySequence = (a: string, b: string) => logSequence(a) - logSequence(b);

/**
 * What the run found purged on its server, described: the logs missing after the newest one its
 * server's runs had shipped before it (a run ships every log the server still has after that one).
 * Undefined when none is, or when the run began its folder: a server new to the job, or its logs
 * after a reset, start a chain of their own. Checked whatever the newest dump is: one of another
 * server (a failover) or without coordinates anchors no chain, and a gap before a dump's own file
 * still cuts short the restores of the dumps before it.
 */
function purgedBeforeShipping(manifest: BinlogRunManifest, shipped: readonly string[]): string | undefined {
  const previous = shippedBeforeRun(shipped, manifest.shipped, bySequence);
  // From the start of `previous` (a log's first event is at 4); only its missing files are read.
  const chain = previous === undefined ? undefined : binlogChain({ runId: manifest.runId, file: previous, position: 4 }, shipped);
  if (chain?.kind !== 'broken') return undefined;
  const [first, last] = [chain.missing[0], chain.missing.at(-1)];
  return (
    `binary logs ${first === last ? first : `${first} to ${last}`} of ${manifest.server} were purged on the server before any run shipped them: ` +
    `the newest shipped before this run is ${previous}, and the server's oldest log was ${manifest.oldestOnServer}; ` +
    `restores of dumps taken before them reach no further than the end of ${previous}, and a new dump starts a whole chain`
  );
}

/**
 * A shipping run that succeeded on its host is checked as a whole: its manifest names this run,
 * the chain from the newest dump of its server to the newest shipped log of the chain that dump
 * is in has no gap, and neither has the chain this run went on with (in the folder it shipped to),
 * from the newest log its server's runs had shipped. A gap is a ManifestError naming the missing
 * files, so the run is reported failed. A run that began a new chain (its manifest's newChain)
 * went on from nothing.
 */
export async function checkBinlogRun(store: ObjectStore, run: ShippingRun): Promise<CheckedBinlogRun> {
  const manifest = await readShippingRunManifest(store, run, parseBinlogRunManifest);
  const chains = await shippedChains(store, run.job, manifest.serverKey);
  const shipped = chains.get(manifest.logPrefix.slice(manifest.logPrefix.lastIndexOf('/') + 1)) ?? [];
  const newest = await newestDump(store, run.job, manifest.serverKey);
  const chain = newest && binlogChain({ runId: newest.runId, file: newest.file, position: newest.position }, chains.get(chainFolderOf(newest, chains.keys())) ?? []);
  if (chain?.kind === 'broken') throw new ManifestError(describeGap(chain));
  const purged = purgedBeforeShipping(manifest, shipped);
  if (purged) throw new ManifestError(purged);
  return { manifest, chain };
}
