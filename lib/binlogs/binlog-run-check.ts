import { readShippingRunManifest, type ShippingRun } from '../backup/shipping-run-manifest';
import { ManifestError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { listRestorable } from '../restore/backup-catalog';
import { binlogRoot, parseBinlogManifestKey } from '../backup/object-layout';
import { binlogChain, describeGap, type BinlogChain, type DumpCoordinates } from './binlog-chain';
import { parseBinlogRunManifest, type BinlogRunManifest } from './binlog-manifest';

export interface CheckedBinlogRun {
  readonly manifest: BinlogRunManifest;
  /** From the newest dump of the same server to the newest shipped log; undefined before such a dump exists. */
  readonly chain: BinlogChain | undefined;
}

/** The files of one server's folder that have a manifest, that is, were shipped whole. */
export async function shippedLogs(store: ObjectStore, job: string, serverKey: string): Promise<string[]> {
  const objects = await store.list(`${binlogRoot(job)}${serverKey}/`);
  return objects.flatMap((object) => {
    const key = parseBinlogManifestKey(object.key);
    return key ? [key.file] : [];
  });
}

/** Where the job's newest restorable dump of `serverKey` starts in the binary logs. */
export async function newestDumpCoordinates(store: ObjectStore, job: string, serverKey: string): Promise<DumpCoordinates | undefined> {
  const { backups } = await listRestorable(store, job, { limit: 1 });
  const manifest = backups[0]?.manifest;
  if (manifest?.engine !== 'mysql' || manifest.mysql.binlogServer !== serverKey || manifest.mysql.binlogPosition === null) return undefined;
  return { runId: manifest.runId, file: manifest.mysql.binlogFile, position: manifest.mysql.binlogPosition };
}

/**
 * A shipping run that succeeded on its host is checked as a whole: its manifest names this run,
 * and the chain from the newest dump to the newest shipped log has no gap. A gap is a
 * ManifestError naming the missing files, so the run is reported failed.
 */
export async function checkBinlogRun(store: ObjectStore, run: ShippingRun): Promise<CheckedBinlogRun> {
  const manifest = await readShippingRunManifest(store, run, parseBinlogRunManifest);
  const from = await newestDumpCoordinates(store, run.job, manifest.serverKey);
  const chain = from && binlogChain(from, await shippedLogs(store, run.job, manifest.serverKey));
  if (chain?.kind === 'broken') throw new ManifestError(describeGap(chain));
  return { manifest, chain };
}
