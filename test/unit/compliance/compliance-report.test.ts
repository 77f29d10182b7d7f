import { gunzipSync, gzipSync } from 'node:zlib';
import { drillResultKey, lastPassedDrillKey, runPrefix } from '../../../lib/catalog/object-layout';
import { runIdFor } from '../../../lib/catalog/run-id';
import { buildComplianceReport } from '../../../lib/compliance/compliance-report';
import type { ComplianceReport } from '../../../lib/compliance/report-contents';
import { decodeInventoryKey } from '../../../lib/compliance/inventory-row';
import type { CronsnapConfigInput } from '../../../lib/config/cronsnap-config';
import { parseConfig } from '../../../lib/config/load-config';
import { InvalidInventoryError, ManifestError } from '../../../lib/errors';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { encodeInventoryKey, writeInventory, type InventoryObject } from '../../helpers/inventory-fixture';
import { MemoryObjectStore } from '../../helpers/recording-ports';

const BUCKET = 'cronsnap-backups';
const HOST = 'i-0123456789abcdef0';
const NOW = new Date('2026-11-24T12:30:00Z');
const HOUR = 3600 * 1000;

/** The objects one hourly backup leaves: payload, an oddly named extra file, and (unless incomplete) the manifest. */
function backup(hoursAgo: number, options: Partial<InventoryObject> & { manifest?: boolean; job?: string } = {}): InventoryObject[] {
  const scheduled = new Date(Date.UTC(2026, 10, 24, 12) - hoursAgo * HOUR);
  const job = options.job ?? 'prod-etcd';
  const prefix = `${runPrefix(job, runIdFor(`event-${hoursAgo}`, scheduled), scheduled)}/${HOST}`;
  const at = new Date(scheduled.getTime() + 60_000);
  const objects: InventoryObject[] = [
    { ...options, key: `${prefix}/snapshot.db.zst`, size: 1000 + hoursAgo, lastModified: at },
    { ...options, key: `${prefix}/notes, v1+final ä.txt`, size: 10, lastModified: at },
  ];
  if (options.manifest !== false) objects.push({ ...options, key: `${prefix}/manifest.json`, size: 900, lastModified: at });
  return objects;
}

const hourly = (count: number, from = 0) => Array.from({ length: count }, (_, index) => backup(from + index)).flat();

async function report(objects: InventoryObject[], config: Partial<CronsnapConfigInput> = {}, job: object = {}): Promise<{ report: ComplianceReport; store: MemoryObjectStore; keys: string[] }> {
  const store = new MemoryObjectStore();
  const manifestKey = writeInventory(store, BUCKET, objects, NOW);
  const parsed = parseConfig({ ...configInput([etcdJobInput({ schedule: '0 * * * *', retention: { keepLast: 5 }, ...job })]), ...config });
  const result = await buildComplianceReport(manifestKey, { config: parsed, reports: store, backupBucket: BUCKET, backups: store, now: () => NOW });
  return { ...result, store };
}

const check = (result: ComplianceReport, rule: string) => result.jobs[0]?.checks.find((candidate) => candidate.rule === rule);

describe('compliance report', () => {
  it('passes a job whose hourly backups are all there, fresh, encrypted and within policy', async () => {
    const { report: result } = await report(hourly(5));

    expect(result.ok).toBe(true);
    expect(result.jobs[0]).toMatchObject({ job: 'prod-etcd', validBackups: 5, rpoSeconds: 7200, newestBackup: { ageSeconds: 1800 } });
    expect(result.jobs[0]?.checks.map((c) => c.rule)).toEqual(['valid-backups', 'rpo', 'schedule-gaps', 'encryption', 'incomplete', 'retention']);
    expect(result.jobs[0]?.currentBytesByStorageClass).toEqual({ STANDARD: 5 * (1000 + 10 + 900) + 0 + 1 + 2 + 3 + 4 });
  });

  it('fails a job without any backup', async () => {
    const { report: result } = await report([]);

    expect(check(result, 'valid-backups')).toEqual({ rule: 'valid-backups', ok: false, detail: '0 backups with a manifest' });
    expect(check(result, 'rpo')).toMatchObject({ ok: false, detail: 'no backup; RPO 2h' });
  });

  it('fails the RPO when the newest backup is older than the schedule allows', async () => {
    const { report: result } = await report(hourly(5, 3));

    expect(check(result, 'rpo')).toEqual({ rule: 'rpo', ok: false, detail: 'newest 3h 30m old; RPO 2h' });
  });

  it('lists the scheduled runs that stored no backup', async () => {
    const objects = [...hourly(2), ...hourly(2, 3)];

    const { report: result } = await report(objects);

    expect(check(result, 'schedule-gaps')).toEqual({ rule: 'schedule-gaps', ok: false, detail: '1 missed: 2026-11-24T10:00:00.000Z' });
  });

  it('names objects not encrypted with KMS by their decoded keys, commas and spaces included', async () => {
    const objects = [...hourly(4), ...backup(4, { encryptionStatus: 'SSE-S3' })];

    const { report: result } = await report(objects);

    const detail = check(result, 'encryption')?.detail ?? '';
    expect(check(result, 'encryption')?.ok).toBe(false);
    expect(detail).toMatch(/^3 not under KMS: /);
    expect(detail).toContain('/notes, v1+final ä.txt');
  });

  it('requires the configured Object Lock mode on every current object when the bucket has a lock', async () => {
    const lock = { storage: { objectLock: { mode: 'compliance' as const, days: 30 } } };
    const retainUntil = new Date(NOW.getTime() + 30 * 24 * HOUR);

    const locked = await report(hourly(5).map((object) => ({ ...object, lockMode: 'COMPLIANCE', retainUntil })), lock);
    const unlocked = await report([...hourly(4).map((object) => ({ ...object, lockMode: 'COMPLIANCE', retainUntil })), ...backup(4)], lock);

    expect(check(locked.report, 'object-lock')).toMatchObject({ ok: true, detail: 'all objects under COMPLIANCE lock' });
    expect(check(unlocked.report, 'object-lock')).toMatchObject({ ok: false, detail: expect.stringMatching(/^3 without a COMPLIANCE lock: /) });
  });

  describe('with a copy in another region', () => {
    const copy = (replicationTimeControl = true) => ({ storage: { replica: { region: 'eu-west-1', replicationTimeControl } } });
    const copied = (objects: InventoryObject[]) => objects.map((object) => ({ ...object, replicationStatus: 'COMPLETED' }));
    /** A backup file written `minutesAgo` before the inventory, in the given replication status. */
    const written = (minutesAgo: number, replicationStatus: string): InventoryObject => ({
      key: `${runPrefix('prod-etcd', runIdFor('event-late', new Date(Date.UTC(2026, 10, 24, 12))), new Date(Date.UTC(2026, 10, 24, 12)))}/${HOST}/extra-${minutesAgo}.bin`,
      size: 5,
      lastModified: new Date(NOW.getTime() - minutesAgo * 60_000),
      replicationStatus,
    });

    it('passes a job whose every object is copied, counting a young PENDING object as on its way', async () => {
      const { report: result } = await report([...copied(hourly(5)), written(5, 'PENDING')], copy());

      expect(check(result, 'replication')).toEqual({ rule: 'replication', ok: true, detail: '15 objects copied to eu-west-1; 1 PENDING within 15m' });
    });

    it('fails a job whose backups FAILED to copy, naming them', async () => {
      const { report: result } = await report([...copied(hourly(4)), ...backup(4, { replicationStatus: 'FAILED' })], copy());

      expect(check(result, 'replication')).toMatchObject({ ok: false, detail: expect.stringMatching(/^3 FAILED to copy: prod-etcd\/2026\/11\/24\/.*; S3 Batch Replication copies them$/) });
    });

    it('fails a job with objects PENDING longer than the time control\'s 15 minutes, and waits a day without it', async () => {
      const objects = [...copied(hourly(5)), written(20, 'PENDING')];

      const timed = await report(objects, copy());
      const untimed = await report(objects, copy(false));

      expect(check(timed.report, 'replication')).toMatchObject({ ok: false, detail: expect.stringMatching(/^1 PENDING longer than 15m: .*extra-20\.bin; /) });
      expect(check(untimed.report, 'replication')).toMatchObject({ ok: true, detail: '15 objects copied to eu-west-1; 1 PENDING within 1d' });
    });

    it('fails a job with objects stored before replication was set up, which S3 never copies by itself', async () => {
      const { report: result } = await report([...copied(hourly(4)), ...backup(4)], copy());

      expect(check(result, 'replication')).toMatchObject({ ok: false, detail: expect.stringMatching(/^3 never copied \(stored before replication was set up\): /) });
    });

    it('fails every job when the inventory lists no ReplicationStatus, as one configured before the copy would', async () => {
      const store = new MemoryObjectStore();
      const key = writeInventory(store, BUCKET, copied(hourly(5)), NOW, 1);
      const manifest = JSON.parse(store.objects.get(key) ?? '{}');
      store.objects.set(key, JSON.stringify({ ...manifest, fileSchema: manifest.fileSchema.replace('ReplicationStatus', 'IsMultipartUploaded') }));
      const config = parseConfig({ ...configInput([etcdJobInput({ schedule: '0 * * * *', retention: { keepLast: 5 } })]), ...copy() });

      const { report: result } = await buildComplianceReport(key, { config, reports: store, backupBucket: BUCKET, backups: store, now: () => NOW });

      expect(check(result, 'replication')).toMatchObject({ ok: false, detail: expect.stringContaining('the inventory lists no ReplicationStatus') });
    });

    it('judges no replication where no copy is configured', async () => {
      const { report: result } = await report(hourly(5));

      expect(check(result, 'replication')).toBeUndefined();
    });
  });

  it('flags a backup without a manifest only once it is older than a day', async () => {
    const young = await report([...hourly(5), ...backup(6, { manifest: false })]);
    const old = await report([...hourly(5), ...backup(30, { manifest: false })]);

    expect(check(young.report, 'incomplete')?.ok).toBe(true);
    expect(check(old.report, 'incomplete')).toMatchObject({ ok: false, detail: expect.stringMatching(/^1 without a manifest: 20261123T0600/) });
  });

  it('flags backups kept beyond the retention policy and objects older than maxAgeDays', async () => {
    const within = await report(hourly(5));
    const beyond = await report(hourly(8));
    const expired = await report([...hourly(5), ...backup(24 * 12)], {}, { retention: { keepLast: 5, onDemandKeepDays: 7, maxAgeDays: 10 } });

    expect(check(within.report, 'retention')).toMatchObject({ ok: true, detail: 'within keepLast 5, daily 0, weekly 0, monthly 0' });
    expect(check(beyond.report, 'retention')).toMatchObject({ ok: false, detail: expect.stringMatching(/^3 backups kept beyond the policy/) });
    expect(check(expired.report, 'retention')).toMatchObject({ ok: false, detail: expect.stringContaining('outlived maxAgeDays 10') });
  });

  it('finds no fault with runs kept by operators or started by hand, and lists the keeps that hold', async () => {
    const runIdOf = (hoursAgo: number) => runIdFor(`event-${hoursAgo}`, new Date(Date.UTC(2026, 10, 24, 12) - hoursAgo * HOUR));
    const mark = (folder: string, hoursAgo: number): InventoryObject => ({ key: `_cronsnap-marks/${folder}/prod-etcd/${runIdOf(hoursAgo)}.json`, size: 100, lastModified: NOW });
    // Five scheduled runs, two started by hand among them, two kept (one keep lapsed) beyond the five.
    const objects = [...hourly(7), ...backup(30), mark('on-demand', 1), mark('on-demand', 3), mark('keeps', 30), mark('keeps', 6)];
    const store = new MemoryObjectStore();
    store.objects.set(`_cronsnap-marks/keeps/prod-etcd/${runIdOf(30)}.json`, JSON.stringify({ job: 'prod-etcd', runId: runIdOf(30), reason: 'before the upgrade', by: 'ops', at: NOW.toISOString() }));
    store.objects.set(`_cronsnap-marks/keeps/prod-etcd/${runIdOf(6)}.json`, JSON.stringify({ job: 'prod-etcd', runId: runIdOf(6), until: '2026-11-24T00:00:00.000Z', reason: 'lapsed', by: 'ops', at: NOW.toISOString() }));
    const manifestKey = writeInventory(store, BUCKET, objects, NOW);
    const config = parseConfig(configInput([etcdJobInput({ schedule: '0 * * * *', retention: { keepLast: 5 } })]));

    const { report: result } = await buildComplianceReport(manifestKey, { config, reports: store, backupBucket: BUCKET, backups: store, now: () => NOW });

    // Hours 0-6: 0, 2, 4, 5, 6 are the five scheduled runs, 1 and 3 on demand; 30 is kept.
    expect(check(result, 'retention')).toMatchObject({ ok: true });
    expect(result.jobs[0]?.kept).toEqual([{ runId: runIdOf(30), reason: 'before the upgrade' }]);
    const lapsed = await report([...hourly(7), ...backup(30)]);
    expect(check(lapsed.report, 'retention')).toMatchObject({ ok: false, detail: expect.stringMatching(/^3 backups kept beyond the policy/) });
  });

  it('counts noncurrent versions and delete markers apart from current backups', async () => {
    const noncurrent = backup(7).map((object) => ({ ...object, isLatest: false }));
    const markers = backup(7).map((object) => ({ ...object, isDeleteMarker: true }));

    const { report: result } = await report([...hourly(5), ...noncurrent, ...markers]);

    expect(result.jobs[0]?.validBackups).toBe(5);
    expect(result.jobs[0]?.noncurrentBytes).toBe(1007 + 10 + 900);
    expect(result.ok).toBe(true);
  });

  it('shows the last passed restore drill and its age, and fails a drilled job whose last pass is older than twice the drill interval', async () => {
    const drilled = { drill: { schedule: '0 0 * * *' } };
    const passedAt = (hoursAgo: number): InventoryObject[] => [
      { key: lastPassedDrillKey('prod-etcd'), size: 800, lastModified: new Date(NOW.getTime() - hoursAgo * HOUR) },
      { key: drillResultKey('prod-etcd', '20261124T000000Z-0123456789'), size: 800, lastModified: new Date(NOW.getTime() - HOUR) },
    ];

    const { report: fresh } = await report([...hourly(5), ...passedAt(12)], {}, drilled);
    expect(fresh.jobs[0]?.lastPassedDrill).toEqual({ finishedAt: '2026-11-24T00:30:00.000Z', ageSeconds: 12 * 3600 });
    expect(check(fresh, 'restore-drill')).toEqual({ rule: 'restore-drill', ok: true, detail: 'last passed 12h ago; limit 2d, twice the drill interval' });
    expect(fresh.ok).toBe(true);

    const { report: stale } = await report([...hourly(5), ...passedAt(49)], {}, drilled);
    expect(check(stale, 'restore-drill')).toMatchObject({ ok: false, detail: 'last passed 2d 1h ago; limit 2d, twice the drill interval' });

    const { report: never } = await report(hourly(5), {}, drilled);
    expect(check(never, 'restore-drill')).toEqual({ rule: 'restore-drill', ok: false, detail: 'no drill has passed; limit 2d' });
    expect(never.jobs[0]?.lastPassedDrill).toBeUndefined();
  });

  it('writes report.json, report.csv and report.html under the inventory day and latest/', async () => {
    const { store, keys } = await report([...hourly(4), ...backup(4, { encryptionStatus: 'NOT-SSE' })]);

    expect(keys).toEqual(['2026-11-24', 'latest'].flatMap((day) => ['json', 'csv', 'html'].map((ext) => `reports/${day}/report.${ext}`)));
    const json = JSON.parse(store.objects.get('reports/latest/report.json') ?? '{}') as ComplianceReport;
    expect(json).toMatchObject({ ok: false, violations: 1, inventory: { sourceBucket: BUCKET, rows: 15 } });
    const csv = store.objects.get('reports/2026-11-24/report.csv') ?? '';
    expect(csv.split('\n')[0]).toBe('job,engine,rule,result,detail,valid_backups,newest_backup,newest_age_seconds,rpo_seconds,last_passed_drill,drill_age_seconds,restorable_from,restorable_until,kept_runs,inventory_created_at');
    expect(csv).toMatch(/prod-etcd,etcd,encryption,FAIL,"3 not under KMS: .*notes, v1\+final ä\.txt/);
    expect(store.contentTypes.get('reports/latest/report.html')).toBe('text/html; charset=utf-8');
  });

  it('refuses an inventory of another bucket, naming the field', async () => {
    const store = new MemoryObjectStore();
    const key = writeInventory(store, 'someone-else', hourly(1), NOW);

    await expect(buildComplianceReport(key, { config: parseConfig(configInput()), reports: store, backupBucket: BUCKET, backups: store, now: () => NOW })).rejects.toThrow(
      'manifest.sourceBucket is someone-else, not the backup bucket cronsnap-backups',
    );
  });

  it('refuses a manifest without a column the rules need, and a row with a bad value, naming file, line and column', async () => {
    const store = new MemoryObjectStore();
    const key = writeInventory(store, BUCKET, hourly(2), NOW, 1);
    const manifest = JSON.parse(store.objects.get(key) ?? '{}');
    store.objects.set(key, JSON.stringify({ ...manifest, fileSchema: 'Bucket, Key, IsLatest, IsDeleteMarker, Size' }));
    const deps = { config: parseConfig(configInput()), reports: store, backupBucket: BUCKET, backups: store, now: () => NOW };
    await expect(buildComplianceReport(key, deps)).rejects.toThrow(ManifestError);
    await expect(buildComplianceReport(key, deps)).rejects.toThrow('manifest.fileSchema lacks LastModifiedDate, StorageClass, EncryptionStatus');

    store.objects.set(key, JSON.stringify(manifest));
    const dataKey = manifest.files[0].key as string;
    const lines = gunzipSync(store.binary.get(dataKey) ?? Buffer.alloc(0)).toString().split('\n');
    lines[3] = (lines[3] ?? '').replace(/"1001"/, '"12kB"');
    store.binary.set(dataKey, gzipSync(lines.join('\n')));
    await expect(buildComplianceReport(key, deps)).rejects.toThrow(new InvalidInventoryError(`${dataKey} line 4: Size '12kB' is not a whole number of bytes`));
  });

  it('refuses a CSV file that is not gzip, naming it', async () => {
    const store = new MemoryObjectStore();
    const key = writeInventory(store, BUCKET, hourly(1), NOW, 1);
    const dataKey = JSON.parse(store.objects.get(key) ?? '{}').files[0].key as string;
    store.binary.set(dataKey, Buffer.from('"cronsnap-backups","prod-etcd/x"\n'));

    await expect(buildComplianceReport(key, { config: parseConfig(configInput()), reports: store, backupBucket: BUCKET, backups: store, now: () => NOW })).rejects.toThrow(
      `${dataKey} after line 0: incorrect header check`,
    );
  });
});

describe('inventory keys', () => {
  it('decodes what S3 encodes, + for a space and %2B for a plus', () => {
    const key = 'job/2026/a b,c+d/ä%.txt';
    expect(encodeInventoryKey(key)).toBe('job/2026/a+b%2Cc%2Bd/%C3%A4%25.txt');
    expect(decodeInventoryKey(encodeInventoryKey(key))).toBe(key);
  });
});
