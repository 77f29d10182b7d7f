import { manifestKey, runPrefix } from '../../../lib/catalog/object-layout';
import { runIdFor } from '../../../lib/catalog/run-id';
import { buildComplianceReport } from '../../../lib/compliance/compliance-report';
import type { ComplianceReport } from '../../../lib/compliance/report-contents';
import { parseConfig } from '../../../lib/config/load-config';
import { segmentName } from '../../../lib/catalog/wal-segments';
import { configInput, postgresJobInput } from '../../helpers/config-factory';
import { writeInventory, type InventoryObject } from '../../helpers/inventory-fixture';
import { physicalManifest, walRunManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore } from '../../helpers/recording-ports';

const BUCKET = 'cronsnap-backups';
const HOST = 'i-0123456789abcdef2';
const CLUSTER = '7715021221002976895';
const NOW = new Date('2026-11-30T12:40:00Z');
const MB16 = 16 * 1024 ** 2;
const at = (time: string) => `2026-11-30T${time}Z`;
const seg = (n: number) => segmentName(1, BigInt(n), MB16);
/** The LSN of the start of segment `n`. */
const lsn = (n: number) => `0/${(n * MB16).toString(16).toUpperCase()}`;

interface World {
  readonly store: MemoryObjectStore;
  readonly objects: InventoryObject[];
}

/** A base backup scheduled at `hour`:00 whose WAL starts in segment `start`; stored and inventoried. */
function baseBackup(world: World, hour: number, start: number, finished: string): void {
  const scheduled = new Date(Date.UTC(2026, 10, 30, hour));
  const runId = runIdFor(`base-${hour}`, scheduled);
  const key = manifestKey(runPrefix('ledger', runId, scheduled), HOST);
  world.store.objects.set(key, JSON.stringify(physicalManifest(runId, at(finished), lsn(start), `${lsn(start).slice(0, -2)}F0`)));
  const lastModified = new Date(at(finished));
  world.objects.push({ key: key.replace(/manifest\.json$/, 'base.tar.zst'), size: 9_000, lastModified }, { key, size: 900, lastModified });
}

/** Segments shipped (payload and manifest) at `shipped`. */
function segments(world: World, shipped: string, ...numbers: number[]): void {
  for (const n of numbers) {
    const lastModified = new Date(at(shipped));
    world.objects.push({ key: `ledger/wal/${CLUSTER}/${seg(n)}.zst`, size: 30_000, lastModified }, { key: `ledger/wal/${CLUSTER}/${seg(n)}.json`, size: 700, lastModified });
  }
}

/** A shipping run that started at `started` and shipped up to segment `newest`. */
function shippingRun(world: World, started: string, newest: number): void {
  const runId = runIdFor(`wal-${started}`, new Date(at(started)));
  const key = `ledger/wal/runs/2026/11/30/${runId}/${HOST}/manifest.json`;
  world.store.objects.set(key, JSON.stringify(walRunManifest(runId, at(started), seg(newest))));
  world.objects.push({ key, size: 600, lastModified: new Date(at(started)) });
}

async function report(world: World): Promise<ComplianceReport> {
  const manifest = writeInventory(world.store, BUCKET, world.objects, NOW);
  const config = parseConfig(
    configInput([
      postgresJobInput({
        name: 'ledger',
        schedule: '0 2,12 * * *',
        retention: { keepLast: 5 },
        targets: { instanceIds: [HOST] },
        postgres: { server: '10.0.3.20:5432', user: 'backup', passwordParameter: '/cronsnap/ledger/password', mode: 'physical' },
        wal: { schedule: '*/15 * * * *', slot: 'cronsnap_ledger' },
      }),
    ]),
  );
  return (await buildComplianceReport(manifest, { config, reports: world.store, backupBucket: BUCKET, backups: world.store, now: () => NOW })).report;
}

const check = (result: ComplianceReport, rule: string) => result.jobs[0]?.checks.find((candidate) => candidate.rule === rule);

describe('compliance report of a job that ships WAL', () => {
  it('shows the window from the oldest base backup to the second before the newest shipping run started', async () => {
    const world: World = { store: new MemoryObjectStore(), objects: [] };
    baseBackup(world, 2, 2, '02:01:00');
    baseBackup(world, 12, 9, '12:01:00');
    segments(world, '02:15:05', 2, 3);
    shippingRun(world, '02:15:00', 3);
    segments(world, '12:15:05', 4, 5, 6, 7, 8, 9);
    shippingRun(world, '12:15:00', 9);
    segments(world, '12:30:05', 10);
    shippingRun(world, '12:30:00', 10);

    const result = await report(world);

    expect(result.jobs[0]?.pointInTime).toEqual({ earliest: at('02:01:00'), latest: at('12:29:59'), gaps: [], missingLogs: [], newestLogShippedAt: '2026-11-30T12:30:05.000Z' });
    expect(check(result, 'point-in-time')).toEqual({ rule: 'point-in-time', ok: true, detail: `restores reach ${at('02:01:00')} to ${at('12:29:59')}` });
    expect(check(result, 'rpo')).toEqual({ rule: 'rpo', ok: true, detail: `restores reach ${at('12:29:59')}, 10m 1s ago (newest log shipped 9m 55s ago); RPO 45m, the WAL shipping schedule` });
    expect(result.ok).toBe(true);
  });

  it('fails a job whose WAL lost segments before they were shipped, naming them and the stretch no restore reaches', async () => {
    const world: World = { store: new MemoryObjectStore(), objects: [] };
    baseBackup(world, 2, 2, '02:01:00');
    baseBackup(world, 12, 9, '12:01:00');
    segments(world, '02:15:05', 2, 3);
    shippingRun(world, '02:15:00', 3);
    segments(world, '02:30:05', 4);
    shippingRun(world, '02:30:00', 4);
    // 5 to 7 were dropped on the server (the slot was lost); the base backup at 12:00 starts a whole chain.
    segments(world, '12:15:05', 8, 9);
    shippingRun(world, '12:15:00', 9);

    const result = await report(world);

    expect(result.jobs[0]?.pointInTime).toMatchObject({ earliest: at('02:01:00'), latest: at('12:14:59'), gaps: [{ from: at('02:29:59'), until: at('12:01:00') }], missingLogs: [`${seg(5)}..${seg(7)}`] });
    expect(check(result, 'point-in-time')).toEqual({
      rule: 'point-in-time',
      ok: false,
      detail: `restores reach ${at('02:01:00')} to ${at('12:14:59')}; no restore reaches ${at('02:29:59')} to ${at('12:01:00')}; WAL segments ${seg(5)}..${seg(7)} are missing from the chain after a kept base backup`,
    });
  });

  it('says no second can be reached while no shipping run has passed a base backup', async () => {
    const world: World = { store: new MemoryObjectStore(), objects: [] };
    baseBackup(world, 12, 9, '12:01:00');
    expect(check(await report(world), 'point-in-time')).toEqual({ rule: 'point-in-time', ok: false, detail: 'no base backup is followed by shipped logs' });
  });
});
