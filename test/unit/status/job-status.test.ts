import { commandRecordKey, drillResultKey, lastPassedDrillKey, MARKER_ROOT, runMarkerKey } from '../../../lib/catalog/object-layout';
import { parseConfig } from '../../../lib/config/load-config';
import { UnknownJobError } from '../../../lib/errors';
import { jobStatuses } from '../../../lib/status/job-status';
import { configInput, etcdJobInput, mysqlJobInput, postgresJobInput } from '../../helpers/config-factory';
import { binlogManifest } from '../../helpers/manifest-factory';
import { fleetConfig } from '../../helpers/fleet-config';
import { MemoryObjectStore } from '../../helpers/recording-ports';
import { HOST, runIdAt, storedEtcdBackup, storedMysqlDump } from '../../helpers/stored-backups';

const NOW = new Date('2026-12-07T10:10:00Z');

/** A store holding one etcd run finished `hoursAgo` hours before NOW, after a 40 s snapshot. */
function storeWithBackup(hoursAgo: number): { store: MemoryObjectStore; runId: string } {
  const store = new MemoryObjectStore();
  const runId = runIdAt(NOW, hoursAgo);
  const finishedAt = new Date(NOW.getTime() - hoursAgo * 3_600_000 + 45_000);
  const startedAt = new Date(finishedAt.getTime() - 40_000);
  for (const [key, body] of storedEtcdBackup(runId, { manifest: { startedAt: startedAt.toISOString(), finishedAt: finishedAt.toISOString() } })) store.objects.set(key, body);
  return { store, runId };
}

function claim(store: MemoryObjectStore, runId: string, claimedAt: Date, hosts = [HOST]): void {
  store.objects.set(runMarkerKey('prod-etcd', runId), JSON.stringify({ job: 'prod-etcd', runId, hosts, memberHosts: [], claimedAt: claimedAt.toISOString() }));
}

const config = (overrides = {}) => parseConfig(configInput([etcdJobInput({ schedule: '0 */6 * * *', ...overrides })]));

describe('job status', () => {
  it("shows the newest run's hosts, size and duration, its age against the RPO and the next run", async () => {
    const { store, runId } = storeWithBackup(2);

    const [status] = await jobStatuses({}, { config: config(), store, now: () => NOW });

    expect(status).toMatchObject({
      job: 'prod-etcd',
      engine: 'etcd',
      lastBackup: { runId, hosts: [HOST], bytes: 1234, durationSeconds: 40 },
      ageSeconds: 2 * 3600 - 45,
      // Every six hours, plus the default timeout of the run.
      rpoSeconds: 6 * 3600 + 60 * 60,
      withinRpo: true,
      nextRun: '2026-12-07T12:00:00.000Z',
    });
  });

  it('counts a job whose newest backup is older than its RPO as behind, and one with none as behind too', async () => {
    const { store } = storeWithBackup(8);

    const [late] = await jobStatuses({}, { config: config(), store, now: () => NOW });
    const [never] = await jobStatuses({}, { config: config(), store: new MemoryObjectStore(), now: () => NOW });

    expect(late).toMatchObject({ ageSeconds: 8 * 3600 - 45, withinRpo: false });
    expect(never).toMatchObject({ withinRpo: false });
    expect(never?.lastBackup).toBeUndefined();
  });

  it('says a claimed run without a backup is running until its timeout, then failed, with the commands it was sent as', async () => {
    const { store } = storeWithBackup(6);
    const newer = runIdAt(NOW, 0.5, 'abcdef0123');
    claim(store, newer, new Date(NOW.getTime() - 30 * 60_000));
    const record = { runId: newer, sentAt: new Date(NOW.getTime() - 30 * 60_000).toISOString(), commands: [{ commandId: 'c0000000-0000-4000-8000-000000000001', program: 'etcd-backup', hosts: [HOST] }] };
    store.objects.set(commandRecordKey('prod-etcd', newer), JSON.stringify(record));

    const [running] = await jobStatuses({}, { config: config({ timeoutMinutes: 60 }), store, now: () => NOW });
    const [failed] = await jobStatuses({}, { config: config({ timeoutMinutes: 20 }), store, now: () => NOW });

    expect(running?.lastAttempt).toEqual({ runId: newer, claimedAt: expect.any(String), state: 'running', command: record });
    expect(failed?.lastAttempt).toMatchObject({ runId: newer, state: 'failed' });
  });

  it("finds the newest of months of run claims from a listing of the recent ones, and an idle job's from all of them", async () => {
    const { store, runId } = storeWithBackup(1);
    // Three months of six-hourly claims, the newest the run that backed up an hour ago.
    for (let hours = 6; hours < 90 * 24; hours += 6) claim(store, runIdAt(NOW, hours), new Date(NOW.getTime() - hours * 3_600_000));
    claim(store, runId, new Date(NOW.getTime() - 3_600_000));
    const list = jest.spyOn(store, 'list');

    const [status] = await jobStatuses({}, { config: config(), store, now: () => NOW });
    const markers = `${MARKER_ROOT}/runs/prod-etcd/`;
    const markerListings = list.mock.calls.filter(([prefix]) => prefix === markers);
    const listed = await Promise.all(markerListings.map(([prefix, startAfter]) => store.list(prefix, startAfter)));

    expect(status?.lastAttempt).toMatchObject({ runId, state: 'succeeded' });
    expect(markerListings).toEqual([[markers, expect.stringMatching(new RegExp(`^${markers}\\d{8}T\\d{6}Z$`))]]);
    expect(listed[0]?.length).toBeLessThan(10);

    const [idle] = await jobStatuses({}, { config: config(), store, now: () => new Date(NOW.getTime() + 30 * 86_400_000) });
    expect(idle?.lastAttempt).toMatchObject({ runId });
  });

  it('says partial when fewer hosts backed up than the run was sent to', async () => {
    const { store, runId } = storeWithBackup(1);
    claim(store, runId, new Date(NOW.getTime() - 3600_000), [HOST, 'i-0123456789abcdef1']);

    const [status] = await jobStatuses({}, { config: config(), store, now: () => NOW });

    expect(status?.lastAttempt).toMatchObject({ runId, state: 'partial' });
  });

  it('shows the newest drill, failed or passed, and when one last passed', async () => {
    const { store } = storeWithBackup(1);
    const result = (drillId: string, passed: boolean, finishedAt: string) =>
      JSON.stringify({ formatVersion: 1, job: 'prod-etcd', drillId, passed, ...(passed ? {} : { reason: 'keys: expected 51, restored 50' }), checks: [], backup: { runId: 'r', host: HOST, manifestKey: 'k' }, startedAt: finishedAt, finishedAt, restoreSeconds: 12 });
    store.objects.set(drillResultKey('prod-etcd', '20261206T040000Z-aaaaaaaaaa'), result('20261206T040000Z-aaaaaaaaaa', true, '2026-12-06T04:02:00Z'));
    store.objects.set(lastPassedDrillKey('prod-etcd'), result('20261206T040000Z-aaaaaaaaaa', true, '2026-12-06T04:02:00Z'));
    store.objects.set(drillResultKey('prod-etcd', '20261207T040000Z-bbbbbbbbbb'), result('20261207T040000Z-bbbbbbbbbb', false, '2026-12-07T04:03:00Z'));

    const [status] = await jobStatuses({}, { config: config(), store, now: () => NOW });

    expect(status).toMatchObject({
      lastDrill: { drillId: '20261207T040000Z-bbbbbbbbbb', passed: false, reason: 'keys: expected 51, restored 50' },
      lastPassedDrill: '2026-12-06T04:02:00Z',
    });
  });

  it('notes a drill result it cannot read, and still shows the rest of the job', async () => {
    const { store, runId } = storeWithBackup(1);
    store.objects.set(drillResultKey('prod-etcd', '20261207T040000Z-bbbbbbbbbb'), JSON.stringify({ formatVersion: 1, job: 'prod-etcd' }));

    const [status] = await jobStatuses({}, { config: config(), store, now: () => NOW });

    expect(status?.lastBackup?.runId).toBe(runId);
    expect(status?.unreadable).toEqual([expect.stringMatching(/^drills\/prod-etcd\/20261207T040000Z-bbbbbbbbbb.json is not a drill result:\nmanifest.drillId: /)]);
  });

  it("shows how the newest run stands in the copy: pending since it finished, or copied", async () => {
    const { store } = storeWithBackup(1);
    const withCopy = parseConfig({ ...configInput([etcdJobInput({ schedule: '0 */6 * * *' })]), storage: { replica: { region: 'eu-west-1', replicationTimeControl: true } } });
    const head = store.head.bind(store);
    let replication = 'PENDING';
    jest.spyOn(store, 'head').mockImplementation(async (key) => {
      const found = await head(key);
      return found && key.endsWith('/manifest.json') ? { ...found, replication } : found;
    });

    const [pending] = await jobStatuses({}, { config: withCopy, store, now: () => NOW });
    replication = 'COMPLETED';
    const [copied] = await jobStatuses({}, { config: withCopy, store, now: () => NOW });

    expect(pending?.copy).toEqual({ region: 'eu-west-1', windowSeconds: 900, newest: 'PENDING', pendingSeconds: 3600 - 45 });
    expect(copied?.copy).toEqual({ region: 'eu-west-1', windowSeconds: 900, newest: 'COMPLETED' });
  });

  it('shows how far back a restore to a time reaches for a job shipping binary logs, and none yet before its first dump', async () => {
    const at = (time: string) => `2026-11-23T${time}Z`;
    const orders = parseConfig(configInput([mysqlJobInput({ name: 'orders', binlogs: { schedule: '*/15 * * * *' } } as never), postgresJobInput({ name: 'ledger', postgres: { server: '127.0.0.1:5432', user: 'backup', passwordParameter: '/cronsnap/ledger/password', mode: 'physical' }, wal: { schedule: '*/5 * * * *', slot: 'cronsnap_ledger' } } as never)]));
    const store = new MemoryObjectStore();
    const now = new Date(at('11:20:00'));

    const [before, ledger] = await jobStatuses({}, { config: orders, store, now: () => now });
    for (const [key, body] of storedMysqlDump('20261123T103000Z-0123456789', 'binlog.000010')) store.objects.set(key, body);
    for (const log of [binlogManifest(10, at('10:30:00'), at('10:45:00')), binlogManifest(11, at('10:45:00'), at('11:00:00'))]) {
      store.objects.set(log.payload.key, 'x'.repeat(log.payload.size));
      store.objects.set(log.payload.key.replace(/\.zst$/, '.json'), JSON.stringify(log));
    }
    const list = jest.spyOn(store, 'list');
    const getText = jest.spyOn(store, 'getText');
    const [after] = await jobStatuses({ jobs: ['orders'] }, { config: orders, store, now: () => now });

    // The catalog and the point-in-time window read the same listing and manifests: once each.
    const listed = list.mock.calls.map(([prefix]) => prefix);
    const read = getText.mock.calls.map(([key]) => key);
    expect(listed).toContain('orders/');
    expect(listed.length).toBe(new Set(listed).size);
    expect(read.length).toBe(new Set(read).size);
    expect(before?.pointInTime).toEqual({});
    expect(ledger?.pointInTime).toEqual({});
    expect(after?.pointInTime).toEqual({ reachesTo: '2026-11-23T11:00:00Z', lagSeconds: 20 * 60 });
  });

  it('reads a page of 100 jobs, as the dashboard does on opening, in at most five listings and two reads a job', async () => {
    const fleet = parseConfig(fleetConfig(100));
    const store = new MemoryObjectStore();
    const [list, getText, head] = [jest.spyOn(store, 'list'), jest.spyOn(store, 'getText'), jest.spyOn(store, 'head')];

    const statuses = await jobStatuses({}, { config: fleet, store, now: () => NOW });

    expect(statuses).toHaveLength(100);
    expect(list.mock.calls.length).toBeLessThanOrEqual(500);
    expect(getText.mock.calls.length + head.mock.calls.length).toBeLessThanOrEqual(200);
  });

  it('refuses a job the config lacks before reading the bucket', async () => {
    const store = new MemoryObjectStore();
    const list = jest.spyOn(store, 'list');

    await expect(jobStatuses({ jobs: ['nope'] }, { config: config(), store, now: () => NOW })).rejects.toThrow(UnknownJobError);
    expect(list).not.toHaveBeenCalled();
  });
});
