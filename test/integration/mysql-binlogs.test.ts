import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseBinlogManifest } from '../../lib/binlogs/binlog-manifest';
import { RestoreRefusedError } from '../../lib/errors';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { startMariaDb, type MariaDb } from '../../lib/local/mariadb-server';
import { getObjectBytes } from '../../lib/local/object-bytes';
import { mysqlJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { isoSecond as iso, secondPassed as passed } from '../helpers/server-clock';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0a1b2c3d4e5f60024';
const JOB = 'orders-mysql';

describe('mysql binary log shipping, end to end', () => {
  const aws = useMotoBucket('cronsnap-binlogs');
  let server: MariaDb;
  let dir: string;
  let events = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronsnap-binlogs-it-'));
    server = await startMariaDb();
    await aws.moto.putSecureString(`/cronsnap/${JOB}/password`, 'binlog-pw');
    await server.sql(`CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY 'binlog-pw';
      GRANT SELECT, SHOW VIEW, TRIGGER, EVENT, LOCK TABLES, RELOAD, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO 'backup'@'127.0.0.1';
      CREATE DATABASE orders; CREATE TABLE orders.placed (id INT PRIMARY KEY AUTO_INCREMENT, item VARCHAR(40)) ENGINE=InnoDB`);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function serviceFor(binlogs: Record<string, unknown> = {}, name = JOB): LocalBackupService {
    const job = mysqlJobInput({
      name,
      targets: { instanceIds: [HOST] },
      workDir: dir,
      mysql: { hosts: [`127.0.0.1:${server.port}`], user: 'backup', passwordParameter: `/cronsnap/${JOB}/password` },
      binlogs: { schedule: '*/15 * * * *', ...binlogs },
    } as never);
    return localServiceFor(job, { ...aws, host: HOST, dir, audit: aws.audit, s3As: aws.s3As });
  }

  const write = (count: number) => server.sql(Array.from({ length: count }, () => `INSERT INTO orders.placed (item) VALUES ('item-${++events}')`).join(';'));

  async function ship(service: LocalBackupService, name = JOB) {
    const { start, completions } = await service.runJob(name, `binlogs-${Date.now()}-${Math.random()}`, new Date(), 'binlogs');
    if (start.kind !== 'started') throw new Error(JSON.stringify(start));
    return completions[0];
  }

  const shippedManifests = async () => {
    const keys = (await listKeys(aws.moto.s3(), aws.bucket, `${JOB}/binlogs/server-1/`)).filter((key) => key.endsWith('.json'));
    return Promise.all(keys.map(async (key) => parseBinlogManifest((await getObjectBytes(aws.moto.s3(), aws.bucket, key)).toString(), key)));
  };

  it('ships every closed binary log byte for byte after the dump, each once, and the chain from the dump is whole', async () => {
    const service = serviceFor();
    await write(5);
    const dump = (await service.runJob(JOB, 'dump-1')).completions[0];
    if (dump?.kind !== 'succeeded' || dump.manifest.engine !== 'mysql') throw new Error(JSON.stringify(dump));
    expect(dump.manifest.mysql.binlogServer).toBe('server-1');
    await write(20);

    const first = await ship(service);
    if (first?.kind !== 'shipped') throw new Error(JSON.stringify({ first, sns: service.notifier.messages }));
    expect(first.manifest.shipped).toContain(dump.manifest.mysql.binlogFile);
    expect(first.chain).toMatchObject({ kind: 'complete', from: { file: dump.manifest.mysql.binlogFile, position: dump.manifest.mysql.binlogPosition } });

    await write(3);
    const second = await ship(service);
    if (second?.kind !== 'shipped') throw new Error(JSON.stringify({ second, sns: service.notifier.messages }));
    expect(second.manifest.shipped).toHaveLength(1);
    expect(first.manifest.shipped).not.toContain(second.manifest.shipped[0]);

    const manifests = await shippedManifests();
    expect(manifests.map((manifest) => manifest.file).sort()).toEqual([...first.manifest.shipped, ...second.manifest.shipped].sort());
    for (const manifest of manifests) {
      const original = readFileSync(join(server.dataDir, manifest.file));
      const shipped = execFileSync('zstd', ['-d', '-c'], { input: await getObjectBytes(aws.moto.s3(), aws.bucket, manifest.payload.key) });
      expect(shipped.equals(original)).toBe(true);
      expect(manifest).toMatchObject({ endPosition: original.length, startPosition: 4, serverKey: 'server-1' });
      expect(manifest.payload.rawSize).toBe(original.length);
      expect(Date.parse(manifest.lastEventAt)).toBeGreaterThanOrEqual(Date.parse(manifest.firstEventAt));
      expect(manifest.gtid).toMatch(/^\d+-1-\d+$/);
    }
    // Each names the one shipped before it, so the order of the chain is in the manifests too.
    const byFile = new Map(manifests.map((manifest) => [manifest.file, manifest]));
    expect(byFile.get(second.manifest.shipped[0] ?? '')?.previousFile).toBe(first.manifest.shipped.at(-1));
  });

  it('after a failed run, the next ships what the failure left, and nothing twice', async () => {
    const failing = join(dir, 'failing-mysqlbinlog');
    writeFileSync(failing, '#!/bin/sh\necho "mysqlbinlog: lost connection to the server" >&2\nexit 2\n');
    chmodSync(failing, 0o755);
    await write(4);
    const before = (await shippedManifests()).length;

    const failed = await ship(serviceFor({ mysqlbinlog: failing }));
    expect(failed).toMatchObject({ kind: 'failed', reason: expect.stringContaining('lost connection to the server') });
    expect(await shippedManifests()).toHaveLength(before);

    const resumed = await ship(serviceFor());
    if (resumed?.kind !== 'shipped') throw new Error(JSON.stringify(resumed));
    // The failed run's flush closed one log and this run's another: both go now.
    expect(resumed.manifest.shipped).toHaveLength(2);
    const files = (await shippedManifests()).map((manifest) => manifest.file);
    expect(new Set(files).size).toBe(files.length);
    expect(files).toHaveLength(before + 2);
  });

  it('fails a run whose chain lost a log purged on the server before it was shipped, naming the file', async () => {
    const service = serviceFor();
    await write(2);
    await server.sql('FLUSH BINARY LOGS');
    const [purged] = (await server.sql('SHOW BINARY LOGS')).trim().split('\n').map((line) => line.split('\t')[0]).slice(-2);
    await write(2);
    await server.sql('FLUSH BINARY LOGS');
    const current = (await server.sql('SHOW MASTER STATUS')).split('\t')[0];
    await server.sql(`PURGE BINARY LOGS TO '${current}'`);

    const broken = await ship(service);
    expect(broken).toMatchObject({ kind: 'failed', reason: expect.stringMatching(new RegExp(`^binary logs (\\S+, )*${purged?.replace('.', '\\.')}(, \\S+)* are missing from the chain after the newest dump`)) });
    expect(service.notifier.messages.at(-1)?.subject).toContain('binary log shipping failed');
    // What the server still had was shipped all the same.
    expect((await shippedManifests()).map((manifest) => manifest.file)).toContain(current);
  });

  describe('restore to a point in time', () => {
    const LEDGER = 'ledger-mysql';
    const rows = async (database: string) => (await server.sql(`SELECT note FROM ${database}.entries ORDER BY id`)).trim().split('\n').filter(Boolean);
    const serverSecond = async () => Number((await server.sql('SELECT UNIX_TIMESTAMP()')).trim());
    const secondPassed = (second: number) => passed(serverSecond, second);
    let service: LocalBackupService;
    let between: number;

    beforeAll(async () => {
      // Row events name their tables, so a replay filtered to one database is exact.
      await server.sql(`SET GLOBAL binlog_format = 'ROW'; GRANT ALL PRIVILEGES ON *.* TO 'backup'@'127.0.0.1';
        CREATE DATABASE ledger; CREATE TABLE ledger.entries (id INT PRIMARY KEY AUTO_INCREMENT, note VARCHAR(40)) ENGINE=InnoDB;
        INSERT INTO ledger.entries (note) VALUES ('in the dump')`);
      service = serviceFor({}, LEDGER);
      const dump = (await service.runJob(LEDGER, 'ledger-dump')).completions[0];
      if (dump?.kind !== 'succeeded') throw new Error(JSON.stringify(dump));
      await secondPassed(Math.floor(Date.parse(dump.manifest.finishedAt) / 1000));
      await server.sql("USE ledger; ALTER TABLE entries ADD COLUMN amount INT DEFAULT 7; INSERT INTO entries (note) VALUES ('before 1'), ('before 2')");
      const written = await serverSecond();
      await secondPassed(written);
      between = written + 1;
      await secondPassed(between);
      await server.sql("INSERT INTO ledger.entries (note) VALUES ('after'); UPDATE ledger.entries SET note = 'changed after' WHERE id = 1");
      const shipped = await ship(service, LEDGER);
      if (shipped?.kind !== 'shipped') throw new Error(JSON.stringify(shipped));
      await server.sql('DROP DATABASE ledger');
    });

    it('shows the chain in the dry run, then restores every row written up to that second and none after', async () => {
      const plan = await service.restore({ job: LEDGER, backup: 'latest', toTime: iso(between), databases: ['ledger'] });
      expect(plan).toMatchObject({
        kind: 'database',
        dryRun: true,
        report: { planned: [{ database: 'ledger', into: 'ledger' }], restored: [], binlogReplay: { logs: expect.any(Number), stopBefore: iso(between + 1).replace('T', ' ').replace('Z', '') } },
        pointInTime: { toTime: iso(between), dump: { binlogFile: expect.stringMatching(/^binlog\.\d{6}$/) }, logs: { count: expect.any(Number) } },
      });
      expect((await server.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'ledger'")).trim()).toBe('0');

      const restored = await service.restore({ job: LEDGER, backup: 'latest', toTime: iso(between), databases: ['ledger'], dryRun: false, confirm: LEDGER });

      expect(restored).toMatchObject({ kind: 'database', report: { restored: [{ database: 'ledger', into: 'ledger', tables: 1 }], binlogsReplayed: { databases: 1 } } });
      expect(await rows('ledger')).toEqual(['in the dump', 'before 1', 'before 2']);
      expect((await server.sql('SELECT SUM(amount) FROM ledger.entries')).trim()).toBe('21');
    });

    it('replays under a new name into the copy alone, its DDL included', async () => {
      await server.sql('DROP DATABASE IF EXISTS ledger_copy');
      await service.restore({ job: LEDGER, backup: 'latest', toTime: iso(between), databases: ['ledger'], targetDatabase: 'ledger_copy', dryRun: false, confirm: LEDGER });
      expect(await rows('ledger_copy')).toEqual(['in the dump', 'before 1', 'before 2']);
      expect((await server.sql("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'ledger_copy' AND COLUMN_NAME = 'amount'")).trim()).toBe('amount');
    });

    it('refuses a time before the oldest dump, and one past the newest shipped log, with the window', async () => {
      await expect(service.restore({ job: LEDGER, backup: 'latest', toTime: '2020-01-01T00:00:00Z' })).rejects.toThrow(/no dump finished at or before 2020-01-01T00:00:00Z: restores can reach \S+ to \S+ \(from run /);
      await expect(service.restore({ job: LEDGER, backup: 'latest', toTime: iso((await serverSecond()) + 3600) })).rejects.toBeInstanceOf(RestoreRefusedError);
    });

    it('refuses, before touching anything, a replay whose shipped log was changed in the bucket', async () => {
      const [log] = (await listKeys(aws.moto.s3(), aws.bucket, `${LEDGER}/binlogs/server-1/`)).filter((key) => key.endsWith('.zst')).sort().slice(-1);
      const original = await getObjectBytes(aws.moto.s3(), aws.bucket, log ?? '');
      await aws.moto.s3().send(new PutObjectCommand({ Bucket: aws.bucket, Key: log, Body: Buffer.concat([original, Buffer.from('tampered')]) }));
      try {
        await server.sql('DROP DATABASE IF EXISTS ledger_tampered');
        const refused = service.restore({ job: LEDGER, backup: 'latest', toTime: iso(between), databases: ['ledger'], targetDatabase: 'ledger_tampered', dryRun: false, confirm: LEDGER });
        await expect(refused).rejects.toThrow(/failed: step=download-binlogs: sha256 of s3:\/\/\S+ is [0-9a-f]{64} but the manifest says [0-9a-f]{64}; nothing was changed/);
        expect((await server.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'ledger_tampered'")).trim()).toBe('0');
      } finally {
        await aws.moto.s3().send(new PutObjectCommand({ Bucket: aws.bucket, Key: log, Body: original }));
      }
    });
  });

  it('drills a job to the newest second its shipped logs reach: every row written after the dump is in the scratch copy, and none is left behind', async () => {
    await server.sql(`SET GLOBAL binlog_format = 'ROW'; GRANT ALL PRIVILEGES ON *.* TO 'backup'@'127.0.0.1';
      CREATE DATABASE audit; CREATE TABLE audit.events (id INT PRIMARY KEY AUTO_INCREMENT, note VARCHAR(40)) ENGINE=InnoDB;
      INSERT INTO audit.events (note) VALUES ('dumped 1'), ('dumped 2')`);
    const job = mysqlJobInput({
      name: 'audit-mysql',
      targets: { instanceIds: [HOST] },
      workDir: dir,
      mysql: { hosts: [`127.0.0.1:${server.port}`], user: 'backup', passwordParameter: `/cronsnap/${JOB}/password`, databases: ['audit'] },
      binlogs: { schedule: '*/15 * * * *' },
      drill: { schedule: '0 5 * * 0', workDir: dir },
    } as never);
    const service = localServiceFor(job, { ...aws, host: HOST, dir, audit: aws.audit, s3As: aws.s3As });
    const dump = (await service.runJob('audit-mysql', 'audit-dump')).completions[0];
    if (dump?.kind !== 'succeeded') throw new Error(JSON.stringify(dump));
    await server.sql("INSERT INTO audit.events (note) VALUES ('logged 1'), ('logged 2'), ('logged 3'); DELETE FROM audit.events WHERE note = 'dumped 1'");
    const shipped = await ship(service, 'audit-mysql');
    if (shipped?.kind !== 'shipped') throw new Error(JSON.stringify(shipped));

    const drilled = await service.drill('audit-mysql', 'audit-drill-1');

    if (drilled.kind !== 'drilled') throw new Error(JSON.stringify(drilled));
    expect(drilled.result).toMatchObject({ passed: true, backup: { runId: dump.runId } });
    // Two rows dumped, three inserted and one deleted after: the copy replayed to the second has four.
    expect(drilled.result.checks).toContainEqual({ name: 'rows audit.events', expected: 4, actual: 4, passed: true });
    expect((await server.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'cronsnap_drill_%'")).trim()).toBe('0');
  });
});
