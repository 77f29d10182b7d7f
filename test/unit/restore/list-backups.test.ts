import type { Manifest } from '../../../lib/catalog/manifest';
import { parseConfig } from '../../../lib/config/load-config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidEventError, RestoreError, UnknownJobError } from '../../../lib/errors';
import { findRun } from '../../../lib/catalog/backup-catalog';
import { listBackups, listBackupsEventSchema } from '../../../lib/restore/list-backups';
import { configInput } from '../../helpers/config-factory';
import { etcdManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';

const HOST = 'i-0123456789abcdef0';

/** Stores a run's manifest and a payload of the promised size; returns the manifest key. */
function storeRun(store: MemoryObjectStore, runId: string, overrides: { payloadBytes?: number; revision?: number; manifestText?: string } = {}): string {
  const [, date = '', time = ''] = /^(\d{8})T(\d{6})Z/.exec(runId) ?? [];
  const prefix = `prod-etcd/${date.slice(0, 4)}/${date.slice(4, 6)}/${date.slice(6, 8)}/${runId}/${HOST}`;
  const base = etcdManifest();
  const manifest = {
    ...base,
    runId,
    finishedAt: `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${time.slice(0, 2)}:${time.slice(2, 4)}:30Z`,
    payload: { ...base.payload, key: `${prefix}/snapshot.db.zst`, size: 10 },
    etcd: { ...(base as Extract<Manifest, { engine: 'etcd' }>).etcd, revision: overrides.revision ?? 42 },
  } as Manifest;
  store.objects.set(manifest.payload.key, 'x'.repeat(overrides.payloadBytes ?? 10));
  store.objects.set(`${prefix}/manifest.json`, overrides.manifestText ?? JSON.stringify(manifest));
  return `${prefix}/manifest.json`;
}

function deps(store: MemoryObjectStore) {
  return { config: parseConfig(configInput()), store, now: () => new Date('2026-11-24T12:00:00Z') };
}

describe('list-backups', () => {
  it('lists restorable backups newest first, with time, host, size and etcd revision', async () => {
    const store = new MemoryObjectStore();
    storeRun(store, '20261122T103000Z-0000000001', { revision: 10 });
    storeRun(store, '20261123T103000Z-0000000002', { revision: 20 });
    storeRun(store, '20261123T110000Z-0000000003', { revision: 30 });

    const listing = await listBackups({ job: 'prod-etcd', limit: 20 }, deps(store));

    expect(listing.backups.map((b) => [b.runId, b.host, b.finishedAt, b.bytes, b.detail])).toEqual([
      ['20261123T110000Z-0000000003', HOST, '2026-11-23T11:00:30Z', 10, 'revision 30'],
      ['20261123T103000Z-0000000002', HOST, '2026-11-23T10:30:30Z', 10, 'revision 20'],
      ['20261122T103000Z-0000000001', HOST, '2026-11-22T10:30:30Z', 10, 'revision 10'],
    ]);
    expect(listing.refused).toEqual([]);
  });

  it('offers no backup whose payload is missing, truncated or whose manifest is invalid, and says why', async () => {
    const store = new MemoryObjectStore();
    const good = storeRun(store, '20261123T090000Z-0000000001');
    const truncated = storeRun(store, '20261123T100000Z-0000000002', { payloadBytes: 4 });
    const invalid = storeRun(store, '20261123T110000Z-0000000003', { manifestText: '{"formatVersion": 1}' });
    const orphan = storeRun(store, '20261123T120000Z-0000000004');
    store.objects.delete(orphan.replace('manifest.json', 'snapshot.db.zst'));

    const listing = await listBackups({ job: 'prod-etcd', limit: 20 }, deps(store));

    expect(listing.backups.map((b) => b.manifestKey)).toEqual([good]);
    expect(listing.refused).toEqual([
      { manifestKey: orphan, reason: `${orphan.replace('manifest.json', 'snapshot.db.zst')} is missing` },
      { manifestKey: invalid, reason: expect.stringContaining('manifest.engine: ') },
      { manifestKey: truncated, reason: expect.stringContaining('has 4 bytes, the manifest says 10') },
    ]);
  });

  it('stops at the limit', async () => {
    const store = new MemoryObjectStore();
    for (let i = 1; i <= 5; i += 1) storeRun(store, `2026112${i}T103000Z-000000000${i}`);

    const listing = await listBackups({ job: 'prod-etcd', limit: 2 }, deps(store));

    expect(listing.backups.map((b) => b.runId)).toEqual(['20261125T103000Z-0000000005', '20261124T103000Z-0000000004']);
  });

  it('lists only the run asked for by run id, past the limit', async () => {
    const store = new MemoryObjectStore();
    for (let i = 1; i <= 5; i += 1) storeRun(store, `2026112${i}T103000Z-000000000${i}`);

    const listing = await listBackups({ job: 'prod-etcd', limit: 1, runId: '20261122T103000Z-0000000002' }, deps(store));

    expect(listing.backups.map((b) => b.runId)).toEqual(['20261122T103000Z-0000000002']);
  });

  it('lists the copy only when asked for it, and refuses a request for the copy on the source', async () => {
    const store = new MemoryObjectStore();
    storeRun(store, '20261123T110000Z-0000000003');
    const copy = { ...deps(store), bucketRole: 'replica' as const };

    const listing = await listBackups(listBackupsEventSchema.parse(JSON.parse(readFileSync(join(__dirname, '../../../events/list-backups-from-replica.json'), 'utf8'))), copy);

    expect(listing.backups.map((backup) => backup.runId)).toEqual(['20261123T110000Z-0000000003']);
    await expect(listBackups({ job: 'prod-etcd', limit: 20 }, copy)).rejects.toThrow(new InvalidEventError(
      'event.fromReplica: this function reads the copy in another region, which may lag the source; send fromReplica: true to list or restore from it',
    ));
    await expect(listBackups({ job: 'prod-etcd', limit: 20, fromReplica: true }, deps(store))).rejects.toThrow(/^event\.fromReplica: this function reads the source bucket/);
  });

  it('refuses a job that is not in the config', async () => {
    await expect(listBackups({ job: 'nope', limit: 20 }, deps(new MemoryObjectStore()))).rejects.toThrow(UnknownJobError);
  });

  it('finds the latest run, or a named one, and refuses an unknown run id', async () => {
    const store = new MemoryObjectStore();
    storeRun(store, '20261122T103000Z-0000000001');
    storeRun(store, '20261123T103000Z-0000000002');

    expect((await findRun(store, 'prod-etcd', 'latest')).map((b) => b.runId)).toEqual(['20261123T103000Z-0000000002']);
    expect((await findRun(store, 'prod-etcd', '20261122T103000Z-0000000001')).map((b) => b.runId)).toEqual(['20261122T103000Z-0000000001']);
    await expect(findRun(store, 'prod-etcd', '20261101T000000Z-ffffffffff')).rejects.toThrow(
      new RestoreError('job prod-etcd has no restorable backup with run id 20261101T000000Z-ffffffffff'),
    );
    await expect(findRun(new MemoryObjectStore(), 'prod-etcd', 'latest')).rejects.toThrow('job prod-etcd has no restorable backup');
  });
});
