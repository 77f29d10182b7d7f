import { manifestKey, runPrefix } from '../../../lib/catalog/object-layout';
import { runIdFor } from '../../../lib/catalog/run-id';
import { buildComplianceReport } from '../../../lib/compliance/compliance-report';
import type { ComplianceReport } from '../../../lib/compliance/report-contents';
import { parseConfig } from '../../../lib/config/load-config';
import { configInput, mysqlJobInput } from '../../helpers/config-factory';
import { writeInventory, type InventoryObject } from '../../helpers/inventory-fixture';
import { binlogManifest, mysqlManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';

const BUCKET = 'cronsnap-backups';
const HOST = 'i-0123456789abcdef1';
const NOW = new Date('2026-11-30T12:40:00Z');
const at = (time: string) => `2026-11-30T${time}Z`;

/** The backup bucket as the report reads it, remembering each key read. */
class ReadRecordingStore extends MemoryObjectStore {
  readonly read: string[] = [];

  override async getText(key: string): Promise<string | undefined> {
    this.read.push(key);
    return super.getText(key);
  }
}

interface World {
  readonly store: ReadRecordingStore;
  readonly objects: InventoryObject[];
}

/** A daily dump of `orders` scheduled at `hour`:00 whose data ends in `file`; its manifest stored and inventoried. */
function dump(world: World, hour: number, file: string, finished: string, started?: string): string {
  const scheduled = new Date(Date.UTC(2026, 10, 30, hour));
  const runId = runIdFor(`dump-${hour}`, scheduled);
  const prefix = `${runPrefix('orders', runId, scheduled)}/${HOST}`;
  const base = mysqlManifest();
  const manifest = { ...base, job: 'orders', runId, host: HOST, ...(started ? { startedAt: at(started) } : {}), finishedAt: at(finished), mysql: { ...base.mysql, binlogFile: file, binlogPosition: 330, binlogServer: 'server-1' } };
  world.store.objects.set(manifestKey(runPrefix('orders', runId, scheduled), HOST), JSON.stringify(manifest));
  const lastModified = new Date(at(finished));
  world.objects.push({ key: `${prefix}/all-databases.sql.zst`, size: 52_000, lastModified }, { key: `${prefix}/manifest.json`, size: 900, lastModified });
  return runId;
}

/** A shipped log of chain `folder` whose events run from `first` to `last`; it was stored a few seconds after its last event. */
function shipped(world: World, sequence: number, first: string, last: string, folder = 'server-1'): void {
  const base = binlogManifest(sequence, at(first), at(last));
  const log = { ...base, payload: { ...base.payload, key: `orders/binlogs/${folder}/${base.file}.zst` } };
  const key = log.payload.key.replace(/\.zst$/, '.json');
  world.store.objects.set(key, JSON.stringify(log));
  const lastModified = new Date(Date.parse(at(last)) + 5000);
  world.objects.push({ key: log.payload.key, size: 100, lastModified }, { key, size: 700, lastModified });
}

function newWorld(): World {
  return { store: new ReadRecordingStore(), objects: [] };
}

async function report(world: World): Promise<ComplianceReport> {
  // A shipping run's own record lies in the job's prefix too: it is part of the layout.
  const run = `orders/binlogs/runs/2026/11/30/${runIdFor('ship', NOW)}/${HOST}/manifest.json`;
  const manifest = writeInventory(world.store, BUCKET, [...world.objects, { key: run, size: 300, lastModified: NOW }], NOW);
  const config = parseConfig(
    configInput([mysqlJobInput({ name: 'orders', schedule: '0 2,12 * * *', retention: { keepLast: 5 }, targets: { instanceIds: [HOST] }, binlogs: { schedule: '*/15 * * * *' } })]),
  );
  return (await buildComplianceReport(manifest, { config, reports: world.store, backupBucket: BUCKET, backups: world.store, now: () => NOW })).report;
}

const check = (result: ComplianceReport, rule: string) => result.jobs[0]?.checks.find((candidate) => candidate.rule === rule);

describe('compliance report of a job that ships binary logs', () => {
  it('shows the window a restore to a time reaches, reading only the dumps and the last log of each chain', async () => {
    const world = newWorld();
    dump(world, 2, 'binlog.000010', '02:00:40');
    dump(world, 12, 'binlog.000014', '12:00:30');
    for (const [sequence, first, last] of [[10, '02:00:05', '02:15:00'], [11, '02:15:00', '02:30:00'], [12, '02:30:00', '11:45:00'], [13, '11:45:00', '12:00:10'], [14, '12:00:10', '12:15:00'], [15, '12:15:00', '12:30:00']] as const) {
      shipped(world, sequence, first, last);
    }

    const result = await report(world);

    expect(result.jobs[0]?.pointInTime).toEqual({ earliest: at('02:00:40'), latest: at('12:30:00'), gaps: [], missingLogs: [], newestLogShippedAt: '2026-11-30T12:30:05.000Z' });
    expect(check(result, 'point-in-time')).toEqual({ rule: 'point-in-time', ok: true, detail: `restores reach ${at('02:00:40')} to ${at('12:30:00')}` });
    expect(check(result, 'incomplete')).toMatchObject({ ok: true });
    expect(result.ok).toBe(true);
    const backupReads = world.store.read.filter((key) => key.startsWith('orders/'));
    expect(backupReads.sort()).toEqual([...[...world.store.objects.keys()].filter((key) => key.startsWith('orders/2026/')), 'orders/binlogs/server-1/binlog.000015.json'].sort());
  });

  it('fails a job whose chain lost a purged log, naming the file and the stretch no restore reaches', async () => {
    const world = newWorld();
    dump(world, 2, 'binlog.000010', '02:00:40');
    dump(world, 12, 'binlog.000014', '12:00:30');
    shipped(world, 10, '02:00:05', '02:15:00');
    shipped(world, 11, '02:15:00', '02:30:00');
    // 12 and 13 were purged on the server before a run shipped them.
    shipped(world, 14, '11:59:50', '12:15:00');
    shipped(world, 15, '12:15:00', '12:30:00');

    const result = await report(world);

    expect(result.jobs[0]?.pointInTime).toMatchObject({ earliest: at('02:00:40'), latest: at('12:30:00'), gaps: [{ from: at('02:30:00'), until: at('12:00:30') }], missingLogs: ['binlog.000012', 'binlog.000013'] });
    expect(check(result, 'point-in-time')).toEqual({
      rule: 'point-in-time',
      ok: false,
      detail: `restores reach ${at('02:00:40')} to ${at('12:30:00')}; no restore reaches ${at('02:30:00')} to ${at('12:00:30')}; binary logs binlog.000012, binlog.000013 are missing from the chain after a kept dump`,
    });
    expect(result.ok).toBe(false);
    expect(world.store.objects.get('reports/latest/report.html')).toContain(`Restores to a point in time reach ${at('02:00:40')} to ${at('12:30:00')}, except ${at('02:30:00')} to ${at('12:00:30')};`);
    expect(world.store.objects.get('reports/latest/report.csv')).toContain(`,${at('02:00:40')},${at('12:30:00')},`);
  });

  it("judges the recovery point by the last second a restore reaches, against the log schedule's RPO, not the dump's", async () => {
    const world = newWorld();
    dump(world, 2, 'binlog.000010', '02:00:40');
    dump(world, 12, 'binlog.000014', '12:00:30');
    shipped(world, 14, '11:59:50', '12:15:00');
    const fresh = await report(world);
    const stale = newWorld();
    dump(stale, 2, 'binlog.000010', '02:00:40');
    shipped(stale, 10, '02:00:05', '02:15:00');

    const result = await report(stale);

    expect(fresh.jobs[0]).toMatchObject({ rpoSeconds: 45 * 60 });
    expect(check(fresh, 'rpo')).toEqual({ rule: 'rpo', ok: true, detail: `restores reach ${at('12:15:00')}, 25m ago (newest log shipped 24m 55s ago); RPO 45m, the binary log shipping schedule` });
    // The newest dump is two hours old, well inside its own schedule's RPO; the logs are not.
    expect(check(result, 'rpo')).toEqual({ rule: 'rpo', ok: false, detail: `restores reach ${at('02:15:00')}, 10h 25m ago (newest log shipped 10h 24m ago); RPO 45m, the binary log shipping schedule` });
  });

  it('says no second can be reached while no dump is followed by shipped logs', async () => {
    const world = newWorld();
    dump(world, 12, 'binlog.000014', '12:00:30');

    const result = await report(world);

    expect(check(result, 'point-in-time')).toEqual({ rule: 'point-in-time', ok: false, detail: 'no dump is followed by shipped logs' });
    expect(check(result, 'rpo')).toMatchObject({ ok: false, detail: 'no second can be restored to yet (no log shipped); RPO 45m, the binary log shipping schedule' });
  });

  it('starts the window at the dump that finished first, by the instants the manifests name, whole seconds or fractions', async () => {
    const world = newWorld();
    dump(world, 1, 'binlog.000010', '02:00:40.500');
    dump(world, 2, 'binlog.000010', '02:00:40');
    shipped(world, 10, '02:00:05', '02:15:00');

    const result = await report(world);

    expect(result.jobs[0]?.pointInTime).toMatchObject({ earliest: at('02:00:40'), latest: at('02:15:00'), gaps: [] });
  });

  it("reads each dump's window in the chain its coordinates are in once the server's logs were reset and numbered again", async () => {
    const world = newWorld();
    dump(world, 2, 'binlog.000010', '02:00:40', '02:00:05');
    dump(world, 12, 'binlog.000002', '12:00:30', '12:00:02');
    for (const [sequence, first, last] of [[10, '02:00:05', '02:15:00'], [11, '02:15:00', '02:30:00'], [12, '02:30:00', '03:00:00']] as const) shipped(world, sequence, first, last);
    // Reset at 03:00: the new logs begin at 1 again, in a chain of their own.
    for (const [sequence, first, last] of [[1, '03:00:10', '11:00:00'], [2, '11:00:00', '12:10:00'], [3, '12:10:00', '12:30:00']] as const) {
      shipped(world, sequence, first, last, 'server-1.chain-20261130T030001Z');
    }

    const result = await report(world);

    expect(result.jobs[0]?.pointInTime).toMatchObject({ earliest: at('02:00:40'), latest: at('12:30:00'), gaps: [{ from: at('03:00:00'), until: at('12:00:30') }], missingLogs: [] });
  });
});
