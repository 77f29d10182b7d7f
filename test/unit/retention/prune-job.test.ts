import { keepMarkerKey, keepMarkersPrefix, manifestKey, runMarkerKey, runPrefix } from '../../../lib/catalog/object-layout';
import { runStartedAt } from '../../../lib/catalog/run-id';
import { parseConfig } from '../../../lib/config/load-config';
import { pruneJob } from '../../../lib/retention/prune-job';
import { configInput, etcdJobInput, mysqlJobInput } from '../../helpers/config-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';
import { HOST, runIdAt, storedEtcdBackup, storedMysqlDump } from '../../helpers/stored-backups';

const NOW = new Date('2026-11-24T12:00:00Z');
const [job] = parseConfig(configInput([etcdJobInput({ retention: { keepLast: 2 } })])).jobs;
if (!job) throw new Error('no job');

function storeWith(...backups: Map<string, string>[]): MemoryObjectStore {
  const store = new MemoryObjectStore();
  for (const backup of backups) for (const [key, body] of backup) store.objects.set(key, body);
  return store;
}

const prefixOf = (runId: string) => runPrefix('prod-etcd', runId, runStartedAt(runId) ?? NOW);
const keysOf = (store: MemoryObjectStore, runId: string) => [...store.objects.keys()].filter((key) => key.startsWith(prefixOf(runId)));
const deps = (store: MemoryObjectStore, objectLock = false) => ({ store, now: () => NOW, objectLock });

describe('pruneJob', () => {
  const runs = [1, 2, 3, 4].map((hoursAgo) => runIdAt(NOW, hoursAgo));

  it('deletes backups outside the policy whole, each manifest before its payload', async () => {
    const store = storeWith(...runs.map((runId) => storedEtcdBackup(runId)));

    const outcome = await pruneJob(job, deps(store));

    expect(outcome).toMatchObject({ kind: 'pruned', kept: [{ runId: runs[0] }, { runId: runs[1] }] });
    expect(keysOf(store, runs[2] ?? '')).toEqual([]);
    expect(keysOf(store, runs[3] ?? '')).toEqual([]);
    expect(keysOf(store, runs[0] ?? '')).toHaveLength(2);
    const firstDeletion = store.deletions[0] ?? [];
    expect(firstDeletion).toEqual([manifestKey(prefixOf(runs[2] ?? ''), HOST)]);
    expect(store.deletions[1]?.[0]).toMatch(/snapshot\.db\.zst$/);
  });

  it("reads a fleet's kept manifests side by side, a bounded number at once", async () => {
    const [fleetJob] = parseConfig(configInput([etcdJobInput({ retention: { keepLast: 60 } })])).jobs;
    if (!fleetJob) throw new Error('no job');
    const store = storeWith(...Array.from({ length: 60 }, (_, index) => storedEtcdBackup(runIdAt(NOW, 1 + index))));
    let reading = 0;
    let most = 0;
    const getText = store.getText.bind(store);
    store.getText = async (key) => {
      most = Math.max(most, (reading += 1));
      // Each read yields once, as a network read would, so reads started together overlap.
      await new Promise((resolve) => setImmediate(resolve));
      reading -= 1;
      return getText(key);
    };

    const outcome = await pruneJob(fleetJob, deps(store));

    expect(outcome).toMatchObject({ kind: 'pruned', deleted: [] });
    expect(most).toBe(16);
  });

  it('does not let a newest backup with a corrupt manifest stand in for a good one', async () => {
    const corrupt = storedEtcdBackup(runs[0] ?? '');
    corrupt.set(manifestKey(prefixOf(runs[0] ?? ''), HOST), '{"formatVersion": 1');
    const store = storeWith(corrupt, ...runs.slice(1).map((runId) => storedEtcdBackup(runId)));

    const outcome = await pruneJob(job, deps(store));

    // The corrupt run is the latest: nothing is pruned until a good run follows it.
    expect(outcome).toEqual({ kind: 'held', job: 'prod-etcd', reason: `the latest run ${runs[0]} has no complete backup` });
    expect(store.deletions).toEqual([]);
  });

  it('treats a kept backup whose payload is short as incomplete and keeps the next good one instead', async () => {
    const short = storedEtcdBackup(runs[1] ?? '');
    const payload = [...short.keys()].find((key) => key.endsWith('.zst')) ?? '';
    short.set(payload, 'x');
    const store = storeWith(storedEtcdBackup(runs[0] ?? ''), short, storedEtcdBackup(runs[2] ?? ''), storedEtcdBackup(runs[3] ?? ''));

    const outcome = await pruneJob(job, deps(store));

    expect(outcome).toMatchObject({
      kind: 'pruned',
      kept: [{ runId: runs[0] }, { runId: runs[2] }],
      deleted: [{ runId: runs[3], reason: 'outside the retention policy' }],
      invalid: [{ runId: runs[1], unit: HOST, reason: expect.stringContaining('has 1 bytes, the manifest says 1234') }],
    });
    // Young and incomplete: left for a day in case it is still being written.
    expect(keysOf(store, runs[1] ?? '')).toHaveLength(2);
  });

  it('holds while a newer run was started but has stored nothing', async () => {
    const store = storeWith(...runs.map((runId) => storedEtcdBackup(runId)));
    const newer = runIdAt(NOW, 0.5);
    store.objects.set(runMarkerKey('prod-etcd', newer), '{}');

    await expect(pruneJob(job, deps(store))).resolves.toEqual({ kind: 'held', job: 'prod-etcd', reason: `the latest run ${newer} has no complete backup` });
  });

  it('counts a member-config set as part of its run, not as an incomplete backup', async () => {
    const withConfig = storedEtcdBackup(runs[0] ?? '');
    withConfig.set(`${prefixOf(runs[0] ?? '')}/i-0fedcba9876543210/member-config/manifest.json`, '{}');
    withConfig.set(`${prefixOf(runs[0] ?? '')}/i-0fedcba9876543210/member-config/files.tar.zst`, 'x');
    const store = storeWith(withConfig, ...runs.slice(1).map((runId) => storedEtcdBackup(runId)));

    const outcome = await pruneJob(job, deps(store));

    expect(outcome).toMatchObject({ kind: 'pruned', kept: [{ runId: runs[0] }, { runId: runs[1] }] });
    expect(keysOf(store, runs[0] ?? '')).toHaveLength(4);
  });

  it('asks for the retain-until date before deleting and leaves locked runs alone', async () => {
    const store = storeWith(...runs.map((runId) => storedEtcdBackup(runId)));
    const until = new Date(NOW.getTime() + 86400 * 1000);
    store.locks.set(manifestKey(prefixOf(runs[3] ?? ''), HOST), until);

    const outcome = await pruneJob(job, deps(store, true));

    expect(outcome).toMatchObject({ kind: 'pruned', locked: [{ runId: runs[3], until }], deleted: [{ runId: runs[2] }] });
    expect(keysOf(store, runs[3] ?? '')).toHaveLength(2);
  });

  describe('of a job that ships binary logs', () => {
    const [orders] = parseConfig(configInput([mysqlJobInput({ name: 'orders', retention: { keepLast: 2 }, binlogs: { schedule: '*/15 * * * *' } })])).jobs;
    if (!orders) throw new Error('no job');
    const logKeys = (server: string, from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, index) => `orders/binlogs/${server}/binlog.${String(from + index).padStart(6, '0')}`).flatMap((base) => [`${base}.zst`, `${base}.json`]);
    const shippingRecord = (hoursAgo: number) => {
      const runId = runIdAt(NOW, hoursAgo, 'ffffffffff');
      return `${runPrefix('orders/binlogs/runs', runId, runStartedAt(runId) ?? NOW)}/${HOST}/manifest.json`;
    };
    const withLogs = (store: MemoryObjectStore, keys: string[]) => {
      for (const key of keys) store.objects.set(key, '{}');
      return store;
    };

    it('deletes the logs no kept dump replays, manifests first, and keeps every log from the oldest kept dump on', async () => {
      const store = withLogs(storeWith(...[[1, 14], [2, 12], [3, 10], [4, 8]].map(([hoursAgo = 0, file = 0]) => storedMysqlDump(runIdAt(NOW, hoursAgo), `binlog.${String(file).padStart(6, '0')}`))), [
        ...logKeys('server-1', 6, 16),
        ...logKeys('server-2', 1, 3),
        shippingRecord(5),
        shippingRecord(1.5),
      ]);

      const outcome = await pruneJob(orders, deps(store));

      expect(outcome).toMatchObject({ kind: 'pruned', deleted: [{ runId: runIdAt(NOW, 3) }, { runId: runIdAt(NOW, 4) }], binlogs: { deleted: 13, keptFrom: [{ serverKey: 'server-1', file: 'binlog.000012' }] } });
      const left = [...store.objects.keys()].filter((key) => key.startsWith('orders/binlogs/'));
      // From the dump two hours ago (binlog.000012) on; a server no kept dump was taken from keeps its logs.
      expect(left.sort()).toEqual([...logKeys('server-1', 12, 16), ...logKeys('server-2', 1, 3), shippingRecord(1.5)].sort());
      const logDeletions = store.deletions.filter((keys) => keys.some((key) => key.includes('/binlogs/')));
      expect(logDeletions[0]?.every((key) => key.endsWith('.json'))).toBe(true);
      expect(logDeletions[0]).toHaveLength(6);
    });

    it('leaves the logs to the next prune when a dump it planned to delete is kept while it runs', async () => {
      const store = withLogs(storeWith(...[[1, 14], [2, 12], [3, 10], [4, 8]].map(([hoursAgo = 0, file = 0]) => storedMysqlDump(runIdAt(NOW, hoursAgo), `binlog.${String(file).padStart(6, '0')}`))), logKeys('server-1', 6, 16));
      const keptRun = runIdAt(NOW, 3);
      const keep = { job: 'orders', runId: keptRun, reason: 'audit', by: 'an operator', at: NOW.toISOString() };
      store.afterNextList(keepMarkersPrefix('orders'), () => store.put(keepMarkerKey('orders', keptRun), JSON.stringify(keep), 'application/json'));

      const outcome = await pruneJob(orders, deps(store));

      expect(outcome).toMatchObject({ kind: 'pruned', deleted: [{ runId: runIdAt(NOW, 4) }], kept: expect.arrayContaining([{ runId: keptRun, reasons: ['kept forever: audit'] }]) });
      expect(outcome).not.toHaveProperty('binlogs');
      // The kept dump replays from binlog.000010: every log is still there.
      expect([...store.objects.keys()].filter((key) => key.startsWith('orders/binlogs/'))).toHaveLength(22);
    });

    it('deletes no log while a kept dump names no binary log coordinates', async () => {
      const coordinateless = storedMysqlDump(runIdAt(NOW, 2), '');
      const store = withLogs(storeWith(storedMysqlDump(runIdAt(NOW, 1), 'binlog.000014'), coordinateless, storedMysqlDump(runIdAt(NOW, 3), 'binlog.000010')), logKeys('server-1', 6, 16));

      const outcome = await pruneJob(orders, deps(store));

      expect(outcome).toMatchObject({ kind: 'pruned', deleted: [{ runId: runIdAt(NOW, 3) }], binlogs: { deleted: 0, keptFrom: [] } });
      expect([...store.objects.keys()].filter((key) => key.startsWith('orders/binlogs/'))).toHaveLength(22);
    });
  });
});

