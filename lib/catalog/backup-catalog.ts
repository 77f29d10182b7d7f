import { parseManifest, storedBytes, storedParts, type Manifest } from './manifest';
import { ManifestError, RestoreError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { parseBackupKey } from './object-layout';

/** One host's complete backup in a run: a valid manifest whose every part is stored at its size. */
export interface RestorableBackup {
  readonly runId: string;
  readonly host: string;
  readonly finishedAt: string;
  readonly engine: Manifest['engine'];
  readonly bytes: number;
  readonly manifestKey: string;
  /** etcd revision, or the database server's version, or the file count of a file set. */
  readonly detail: string;
  readonly manifest: Manifest;
}

export interface Catalog {
  /** Newest first. */
  readonly backups: RestorableBackup[];
  /** Manifests found but not offered, with the reason. */
  readonly refused: { manifestKey: string; reason: string }[];
}

/** A host's own manifest, not a linked set's. */
function isMainManifest(key: string): boolean {
  const parsed = parseBackupKey(key);
  return parsed !== undefined && parsed.unit === parsed.host && parsed.file === 'manifest.json';
}

function detailOf(manifest: Manifest): string {
  switch (manifest.engine) {
    case 'etcd':
      return `revision ${manifest.etcd.revision}${manifest.etcd.mode === 'cold-copy' ? ' (cold copy)' : ''}`;
    case 'mysql':
      return `${manifest.mysql.serverVersion} ${manifest.mysql.source}`;
    case 'postgres':
      return `PostgreSQL ${manifest.postgres.serverVersion}`;
    case 'files':
      return `${manifest.files.fileCount} files`;
  }
}

/** Why a manifest cannot be restored from, or undefined when every part is there at its size. */
async function missingPart(store: ObjectStore, manifest: Manifest, sizes: ReadonlyMap<string, number>): Promise<string | undefined> {
  for (const part of storedParts(manifest)) {
    const size = sizes.get(part.key) ?? (await store.head(part.key))?.size;
    if (size === undefined) return `${part.key} is missing`;
    if (size !== part.size) return `${part.key} has ${size} bytes, the manifest says ${part.size}`;
  }
  return undefined;
}

/**
 * Reads one manifest and checks it belongs to `job` and that every part it names is stored at its
 * size (`sizes` from a listing, else a head request); the reason when it cannot be restored from.
 */
export async function checkBackup(
  store: ObjectStore,
  job: string,
  manifestKey: string,
  sizes: ReadonlyMap<string, number>,
): Promise<RestorableBackup | { manifestKey: string; reason: string }> {
  let manifest: Manifest;
  try {
    manifest = parseManifest((await store.getText(manifestKey)) ?? '', manifestKey);
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return { manifestKey, reason: error.message };
  }
  if (manifest.job !== job) return { manifestKey, reason: `names job ${manifest.job}` };
  const where = parseBackupKey(manifestKey);
  if (where && (manifest.runId !== where.runId || manifest.host !== where.host)) {
    return { manifestKey, reason: `names run ${manifest.runId} on ${manifest.host}, not the run and host of its key` };
  }
  const missing = await missingPart(store, manifest, sizes);
  if (missing) return { manifestKey, reason: missing };
  return {
    runId: manifest.runId,
    host: manifest.host,
    finishedAt: manifest.finishedAt,
    engine: manifest.engine,
    bytes: storedBytes(manifest),
    manifestKey,
    detail: detailOf(manifest),
    manifest,
  };
}

/**
 * One listing of the job's prefix: its hosts' own manifests newest first (keys sort by date and
 * run id, which starts with the scheduled time), and every object's size.
 */
async function listManifests(store: ObjectStore, job: string): Promise<{ manifestKeys: string[]; sizes: ReadonlyMap<string, number> }> {
  const objects = await store.list(`${job}/`);
  return {
    manifestKeys: objects.map((object) => object.key).filter(isMainManifest).sort().reverse(),
    sizes: new Map(objects.map((object) => [object.key, object.size])),
  };
}

export interface CatalogQuery {
  /** Stop after this many restorable backups. */
  readonly limit: number;
  /** Only this run. */
  readonly runId?: string;
  /** Stop after the newest run that has a restorable backup (its hosts' keys sort together). */
  readonly firstRunOnly?: boolean;
}

/** The job's restorable backups, newest first. A bad manifest is reported, never offered. */
export async function listRestorable(store: ObjectStore, job: string, query: CatalogQuery): Promise<Catalog> {
  const { manifestKeys: newestFirst, sizes } = await listManifests(store, job);
  const manifestKeys = newestFirst.filter((key) => query.runId === undefined || key.includes(`/${query.runId}/`));
  const backups: RestorableBackup[] = [];
  const refused: Catalog['refused'] = [];
  for (const manifestKey of manifestKeys) {
    if (backups.length >= query.limit) break;
    if (query.firstRunOnly && backups[0] && !manifestKey.includes(`/${backups[0].runId}/`)) break;
    const checked = await checkBackup(store, job, manifestKey, sizes);
    if ('reason' in checked) refused.push(checked);
    else backups.push(checked);
  }
  return { backups, refused };
}

/** The restorable backups of one run (`latest`: the newest run that has any), one per host. */
export async function findRun(store: ObjectStore, job: string, backup: string): Promise<[RestorableBackup, ...RestorableBackup[]]> {
  // One listing: `latest` reads newest first and stops after the first run that can be restored.
  const { backups, refused } = await listRestorable(store, job, {
    limit: Number.MAX_SAFE_INTEGER,
    ...(backup === 'latest' ? { firstRunOnly: true } : { runId: backup }),
  });
  const [first, ...others] = backups;
  if (first) return [first, ...others];
  if (backup === 'latest') throw new RestoreError(`job ${job} has no restorable backup`);
  const why = refused.map((entry) => `${entry.manifestKey}: ${entry.reason}`).join('; ');
  throw new RestoreError(`job ${job} has no restorable backup with run id ${backup}${why ? `: ${why}` : ''}`);
}

/**
 * The job's newest complete backup (newest manifest) and its check, refused or not: a drill must
 * fail on a broken newest backup, not quietly prove an older one.
 */
export async function newestBackup(store: ObjectStore, job: string): Promise<RestorableBackup | { manifestKey: string; reason: string }> {
  const { manifestKeys, sizes } = await listManifests(store, job);
  const [newest] = manifestKeys;
  if (newest === undefined) throw new RestoreError(`job ${job} has no complete backup`);
  return checkBackup(store, job, newest, sizes);
}
