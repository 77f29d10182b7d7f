import type { Manifest } from '../../lib/backup/manifest';
import { manifestKey, runMarkerKey, runPrefix } from '../../lib/backup/object-layout';
import { compactUtc, runStartedAt } from '../../lib/backup/run-id';
import { etcdManifest } from './manifest-factory';

export const HOST = 'i-0123456789abcdef0';

/** A run id for a run `hoursAgo` hours before `now`. */
export function runIdAt(now: Date, hoursAgo: number, suffix = '0123456789'): string {
  return `${compactUtc(new Date(now.getTime() - hoursAgo * 3600 * 1000))}-${suffix}`;
}

/** The objects an etcd backup of `runId` leaves in the bucket: payload, manifest, and the run marker. */
export function storedEtcdBackup(runId: string, options: { job?: string; host?: string; manifest?: Partial<Manifest> } = {}): Map<string, string> {
  const job = options.job ?? 'prod-etcd';
  const host = options.host ?? HOST;
  const started = runStartedAt(runId) ?? new Date(0);
  const prefix = runPrefix(job, runId, started);
  const payloadKey = `${prefix}/${host}/snapshot.db.zst`;
  const base = etcdManifest();
  const manifest = etcdManifest({ job, runId, host, payload: { ...base.payload, key: payloadKey }, ...options.manifest });
  return new Map([
    [payloadKey, 'x'.repeat(base.payload.size)],
    [manifestKey(prefix, host), JSON.stringify(manifest)],
    [runMarkerKey(job, runId), JSON.stringify({ job, runId })],
  ]);
}
