import type { Manifest } from '../../lib/catalog/manifest';
import { manifestKey, runMarkerKey, runPrefix } from '../../lib/catalog/object-layout';
import { compactUtc, runStartedAt } from '../../lib/catalog/run-id';
import { etcdManifest, mysqlManifest } from './manifest-factory';

export const HOST = 'i-0123456789abcdef0';

/** A run id for a run `hoursAgo` hours before `now`. */
export function runIdAt(now: Date, hoursAgo: number, suffix = '0123456789'): string {
  return `${compactUtc(new Date(now.getTime() - hoursAgo * 3600 * 1000))}-${suffix}`;
}

/** The objects a backup leaves in the bucket: payload, manifest, and the run marker. */
function storedBackup(job: string, runId: string, host: string, manifest: Manifest): Map<string, string> {
  const prefix = runPrefix(job, runId, runStartedAt(runId) ?? new Date(0));
  return new Map([
    [manifest.payload.key, 'x'.repeat(manifest.payload.size)],
    [manifestKey(prefix, host), JSON.stringify(manifest)],
    [runMarkerKey(job, runId), JSON.stringify({ job, runId })],
  ]);
}

const payloadKeyOf = (job: string, runId: string, host: string, name: string) => `${runPrefix(job, runId, runStartedAt(runId) ?? new Date(0))}/${host}/${name}`;

/** The objects an etcd backup of `runId` leaves in the bucket: payload, manifest, and the run marker. */
export function storedEtcdBackup(runId: string, options: { job?: string; host?: string; manifest?: Partial<Manifest> } = {}): Map<string, string> {
  const job = options.job ?? 'prod-etcd';
  const host = options.host ?? HOST;
  const base = etcdManifest();
  return storedBackup(job, runId, host, etcdManifest({ job, runId, host, payload: { ...base.payload, key: payloadKeyOf(job, runId, host, 'snapshot.db.zst') }, ...options.manifest }));
}

/** The objects a MariaDB dump of job `orders` leaves, its data ending in `binlogFile` of folder `serverKey`. */
export function storedMysqlDump(runId: string, binlogFile: string, serverKey = 'server-1'): Map<string, string> {
  const base = mysqlManifest();
  const manifest: Manifest = {
    ...base,
    job: 'orders',
    runId,
    host: HOST,
    payload: { ...base.payload, size: 12, key: payloadKeyOf('orders', runId, HOST, 'all-databases.sql.zst') },
    mysql: { ...base.mysql, binlogFile, binlogPosition: 330, binlogServer: serverKey },
  };
  return storedBackup('orders', runId, HOST, manifest);
}
