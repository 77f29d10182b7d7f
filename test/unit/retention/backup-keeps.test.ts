import { keepMarkerKey, keepMarkersPrefix, onDemandMarkerKey, onDemandMarkersPrefix, runPrefix } from '../../../lib/catalog/object-layout';
import { runStartedAt } from '../../../lib/catalog/run-id';
import { parseConfig } from '../../../lib/config/load-config';
import { keepBackup, keepEventSchema, readKeeps, type KeepEventInput } from '../../../lib/retention/backup-keeps';
import { pruneJob } from '../../../lib/retention/prune-job';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';
import { runIdAt, storedEtcdBackup } from '../../helpers/stored-backups';

const NOW = new Date('2026-11-24T12:00:00Z');
const DAY_MS = 86400000;
const runs = [1, 2, 3, 4, 5].map((hoursAgo) => runIdAt(NOW, hoursAgo));
const [oldest = '', fourth = '', third = ''] = [...runs].reverse();

function world(options: { objectLock?: boolean; maxAgeDays?: number } = {}) {
  const config = parseConfig({
    ...configInput([etcdJobInput({ retention: { keepLast: 2, ...(options.maxAgeDays ? { maxAgeDays: options.maxAgeDays } : {}) } })]),
    ...(options.objectLock ? { storage: { objectLock: { mode: 'governance', days: 1 } } } : {}),
  });
  const store = new MemoryObjectStore();
  for (const runId of runs) for (const [key, body] of storedEtcdBackup(runId)) store.objects.set(key, body);
  const keep = (event: Omit<KeepEventInput, 'job'>) => keepBackup(keepEventSchema.parse({ job: 'prod-etcd', ...event }), { config, store, now: () => NOW, caller: 'test operator' });
  const prune = (at = NOW) => pruneJob(config.jobs[0] ?? (undefined as never), { store, now: () => at, objectLock: options.objectLock === true });
  return { store, keep, prune };
}

const runKeys = (store: MemoryObjectStore, runId: string) => [...store.objects.keys()].filter((key) => key.startsWith(runPrefix('prod-etcd', runId, runStartedAt(runId) ?? NOW)));

describe('keeping backups beyond retention', () => {
  it('never prunes a kept run, and prunes it at the next prune after unkeep', async () => {
    const { store, keep, prune } = world();

    await keep({ runId: oldest, forever: true, reason: 'before the upgrade' });
    const whileKept = await prune();

    expect(whileKept).toMatchObject({ kind: 'pruned', kept: expect.arrayContaining([{ runId: oldest, reasons: ['kept forever: before the upgrade'] }]) });
    expect(runKeys(store, oldest)).toHaveLength(2);
    expect(runKeys(store, fourth)).toEqual([]);
    expect(JSON.parse(store.objects.get(keepMarkerKey('prod-etcd', oldest)) ?? '{}')).toEqual({ job: 'prod-etcd', runId: oldest, reason: 'before the upgrade', by: 'test operator', at: NOW.toISOString() });

    expect(await keep({ runId: oldest, action: 'unkeep' })).toEqual({ kind: 'unkept', job: 'prod-etcd', runId: oldest, wasKept: true, legalHolds: 0 });
    await prune();
    expect(runKeys(store, oldest)).toEqual([]);
  });

  it('keeps through the last day named, and lets retention have the run once the keep has lapsed', async () => {
    const { keep } = world();

    expect(await keep({ runId: third, until: '2026-12-31' })).toMatchObject({ kind: 'kept', until: '2027-01-01T00:00:00.000Z' });
  });

  it('refuses a keep that ends in the past, naming until, and stores nothing', async () => {
    const { store, keep } = world();

    await expect(keep({ runId: third, until: '2026-11-01' })).rejects.toThrow('until: 2026-11-01 has passed');
    expect(store.objects.has(keepMarkerKey('prod-etcd', third))).toBe(false);
  });

  it('refuses a keep of a run that holds no restorable backup', async () => {
    const { keep } = world();

    await expect(keep({ runId: runIdAt(NOW, 30), forever: true })).rejects.toThrow('has no restorable backup with run id');
  });

  it('refuses a keep the lifecycle backstop would cut short, saying when the objects expire', async () => {
    const { keep } = world({ maxAgeDays: 40 });

    await expect(keep({ runId: third, forever: true })).rejects.toThrow(/^forever: job prod-etcd's lifecycle expires this run's objects on 2027-01-03 \(retention.maxAgeDays 40\)/);
    expect(await keep({ runId: third, until: '2027-01-02' })).toMatchObject({ kind: 'kept' });
  });

  it('puts a legal hold on every object of the run where Object Lock is on, and lifts it on unkeep', async () => {
    const { store, keep } = world({ objectLock: true });

    expect(await keep({ runId: third, forever: true })).toMatchObject({ kind: 'kept', legalHolds: 2 });
    expect(store.heldKeys()).toEqual(runKeys(store, third).sort());

    await keep({ runId: third, action: 'unkeep' });
    expect(store.heldKeys()).toEqual([]);
    expect(store.objects.has(keepMarkerKey('prod-etcd', third))).toBe(false);
  });

  it('records the versions it put a legal hold on and lifts only those on unkeep, leaving a hold somebody else placed', async () => {
    const { store, keep } = world({ objectLock: true });
    const [manifest = '', payload = ''] = runKeys(store, third).sort();
    await store.setLegalHold(store.currentVersion(payload), true);

    expect(await keep({ runId: third, forever: true })).toMatchObject({ kind: 'kept', legalHolds: 1 });
    expect(JSON.parse(store.objects.get(keepMarkerKey('prod-etcd', third)) ?? '{}')).toMatchObject({ legalHolds: [store.currentVersion(manifest)] });
    expect(store.heldKeys()).toEqual([manifest, payload]);

    expect(await keep({ runId: third, action: 'unkeep' })).toMatchObject({ kind: 'unkept', wasKept: true, legalHolds: 1 });
    expect(store.heldKeys()).toEqual([payload]);
  });

  it('keeps the holds it placed as its own when the run is kept again, and lifts them on unkeep', async () => {
    const { store, keep } = world({ objectLock: true });

    await keep({ runId: third, until: '2026-12-31' });
    expect(await keep({ runId: third, forever: true })).toMatchObject({ kind: 'kept', legalHolds: 2 });
    await keep({ runId: third, action: 'unkeep' });

    expect(store.heldKeys()).toEqual([]);
  });

  it('lifts the holds of a lapsed keep at the next prune, so the run it deletes leaves no held version, and leaves a hold somebody else placed', async () => {
    const { store, keep, prune } = world({ objectLock: true });
    const [, payload = ''] = runKeys(store, oldest).sort();
    await store.setLegalHold(store.currentVersion(payload), true);
    await keep({ runId: oldest, until: '2026-11-25' });

    const whileKept = await prune();
    expect(runKeys(store, oldest)).toHaveLength(2);
    expect(store.heldKeys()).toHaveLength(2);

    const lapsed = await prune(new Date(NOW.getTime() + 2 * DAY_MS));
    expect(whileKept).toMatchObject({ kind: 'pruned' });
    expect(lapsed).toMatchObject({ kind: 'pruned', deleted: expect.arrayContaining([expect.objectContaining({ runId: oldest })]) });
    expect(runKeys(store, oldest)).toEqual([]);
    expect(store.heldKeys()).toEqual([payload]);
  });

  it('leaves the holds of a lapsed keep renewed after the prune read the keeps to the renewed keep', async () => {
    const { store, keep, prune } = world({ objectLock: true });
    await keep({ runId: oldest, until: '2026-11-25' });
    // The renewal lands while the prune still lists the runs started by hand, after it read the keeps.
    store.afterNextList(onDemandMarkersPrefix('prod-etcd'), async () => {
      await keep({ runId: oldest, forever: true, reason: 'renewed mid-prune' });
    });

    await prune(new Date(NOW.getTime() + 2 * DAY_MS));

    expect(runKeys(store, oldest)).toHaveLength(2);
    expect(store.heldKeys()).toEqual(runKeys(store, oldest).sort());
  });

  it('never deletes a run kept after the prune that plans its deletion has read the keeps', async () => {
    const { store, keep, prune } = world();
    let answered: unknown;
    store.afterNextList(keepMarkersPrefix('prod-etcd'), async () => {
      answered = await keep({ runId: oldest, forever: true, reason: 'kept mid-prune' });
    });

    const outcome = await prune();

    expect(answered).toMatchObject({ kind: 'kept', runId: oldest });
    expect(runKeys(store, oldest)).toHaveLength(2);
    expect(outcome).toMatchObject({ kind: 'pruned', kept: expect.arrayContaining([{ runId: oldest, reasons: ['kept forever: kept mid-prune'] }]) });
    expect(outcome.kind === 'pruned' ? outcome.deleted.map((deletion) => deletion.runId) : []).toEqual([third, fourth]);
  });

  it('takes an unreadable keep marker for a keep forever rather than let its run be pruned', async () => {
    const { store, prune } = world();
    store.objects.set(keepMarkerKey('prod-etcd', oldest), '{"job": ');

    expect((await readKeeps(store, 'prod-etcd')).get(oldest)).toEqual({ reason: `unreadable keep marker ${keepMarkerKey('prod-etcd', oldest)}` });
    await prune();
    expect(runKeys(store, oldest)).toHaveLength(2);
  });

  it('does not count runs started by hand toward keepLast, and prunes them after onDemandKeepDays', async () => {
    const { store, prune } = world();
    // The two newest were started by hand: keepLast 2 still keeps two scheduled runs behind them.
    const handRuns = [runs[0] ?? '', runs[1] ?? ''];
    for (const runId of handRuns) store.objects.set(onDemandMarkerKey('prod-etcd', runId), '{}');
    const ancient = runIdAt(NOW, 24 * 40);
    for (const [key, body] of storedEtcdBackup(ancient)) store.objects.set(key, body);
    store.objects.set(onDemandMarkerKey('prod-etcd', ancient), '{}');

    const outcome = await prune();

    expect(outcome).toMatchObject({ kind: 'pruned' });
    const kept = outcome.kind === 'pruned' ? outcome.kept.map((entry) => entry.runId) : [];
    expect(kept).toEqual([...handRuns, runs[2], runs[3]]);
    expect(runKeys(store, ancient)).toEqual([]);
  });

  it('refuses until or forever on unkeep, and a keep with both', () => {
    expect(() => keepEventSchema.parse({ job: 'prod-etcd', runId: third, action: 'unkeep', forever: true })).toThrow('forever is for keep, not unkeep');
    expect(() => keepEventSchema.parse({ job: 'prod-etcd', runId: third, until: '2027-01-01', forever: true })).toThrow('give until (a date) or forever: true');
  });
});
