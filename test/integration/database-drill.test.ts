import { PutObjectCommand } from '@aws-sdk/client-s3';
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../lib/catalog/manifest';
import { manifestKey, runPrefix } from '../../lib/catalog/object-layout';
import { runIdFor } from '../../lib/catalog/run-id';
import { scratchPrefix } from '../../lib/drill/drill-plan';
import type { DrillOutcome } from '../../lib/drill/run-drill';
import { startMySql, type MySqlServer } from '../../lib/local/mysql-server';
import type { Moto } from '../../lib/local/moto-server';
import { startPostgres, type Postgres } from '../../lib/local/postgres-server';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { mysqlJobInput, postgresJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { AGENT_PATH } from '../../lib/adapters/local-command-runner';
import { useMotoBucket, type MotoFixture } from '../helpers/moto-fixture';

const HOST = 'i-0a1b2c3d4e5f60010';
const PASSWORD = `dr1ll"pass' \\$(id)`;
const BACKUP_TIME = new Date('2026-11-23T02:00:00Z');

function drilled(outcome: DrillOutcome) {
  if (outcome.kind !== 'drilled') throw new Error(`expected a drill, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

/** The audited moto fixture with the job's password, and a scratch dir the database servers' own users can read. */
async function drillWorld(aws: MotoFixture) {
  chmodSync(aws.dir, 0o755);
  await aws.moto.putSecureString('/cronsnap/drill/password', PASSWORD);
  return { ...aws, drillDir: mkdtempSync(join(aws.dir, 'drill-')) };
}

/** Replaces the manifest of a run with one whose recorded row counts say otherwise. */
async function rewriteManifest(world: { moto: Moto; bucket: string; kmsKeyId: string }, manifest: Manifest, key: string, changed: Manifest): Promise<() => Promise<void>> {
  const put = (body: string) =>
    world.moto.s3().send(new PutObjectCommand({ Bucket: world.bucket, Key: key, Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: world.kmsKeyId }));
  await put(JSON.stringify(changed));
  return async () => {
    await put(JSON.stringify(manifest));
  };
}

function manifestKeyOf(manifest: Manifest): string {
  return manifestKey(runPrefix(manifest.job, manifest.runId, BACKUP_TIME), manifest.host);
}

// Quotes, parentheses and "),(" inside strings, a trailing backslash, binary that spells "('')":
// everything a row counter over the dump text could miscount.
/** The digits as a derived table: numbers by cross join, as MariaDB's seq_ engine and MySQL alike read them. */
const DIGITS = `(${Array.from({ length: 10 }, (_, n) => `SELECT ${n} AS n`).join(' UNION ALL ')})`;

const MYSQL_FIXTURE = `
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE DATABASE crm CHARACTER SET utf8mb4;
CREATE TABLE shop.products (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(200), photo BLOB, notes TEXT) ENGINE=InnoDB;
CREATE TABLE shop.audit (id INT PRIMARY KEY AUTO_INCREMENT, product_id INT) ENGINE=InnoDB;
CREATE TRIGGER shop.products_ai AFTER INSERT ON shop.products FOR EACH ROW INSERT INTO shop.audit (product_id) VALUES (NEW.id);
INSERT INTO shop.products (name, photo, notes) VALUES
  ('a),(b', UNHEX('2827272928'), 'it\\'s (tricky)'),
  ('ends with \\\\', NULL, 'line\\nbreak),('),
  ('数据库 🍎', '', '');
CREATE TABLE shop.empty_table (id INT) ENGINE=InnoDB;
CREATE VIEW shop.product_names AS SELECT id, name FROM shop.products;
CREATE EVENT shop.purge ON SCHEDULE EVERY 1 HOUR DO DELETE FROM shop.audit WHERE id < 0;
CREATE TABLE crm.customers (id INT PRIMARY KEY, email VARCHAR(320), padding VARCHAR(200)) ENGINE=InnoDB;
INSERT INTO crm.customers SELECT seq, CONCAT('c', seq, '@example.com'), REPEAT('x(', 75)
  FROM (SELECT 1 + a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n AS seq FROM ${DIGITS} a, ${DIGITS} b, ${DIGITS} c, ${DIGITS} d, ${DIGITS} e) AS numbers WHERE seq <= 20000;
CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY '${PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}';
GRANT ALL PRIVILEGES ON *.* TO 'backup'@'127.0.0.1';
`;

describe('restore drills of MySQL/MariaDB dumps, against a real MariaDB and moto', () => {
  const aws = useMotoBucket('cronsnap-mysql-drills');
  let world: Awaited<ReturnType<typeof drillWorld>>;
  let db: MySqlServer;
  let service: LocalBackupService;
  let manifest: Extract<Manifest, { engine: 'mysql' }>;
  let liveChecksums: string;

  const liveChecksum = () => db.sql('CHECKSUM TABLE shop.products, shop.audit, shop.empty_table, crm.customers EXTENDED');
  const scratchDatabases = async () => (await db.sql("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'cronsnap\\_drill%'")).trim();

  /** The job every test here drills: the dumped server, its password and the drill's scratch dir. */
  function drilledJob() {
    const defaults = (mysqlJobInput() as { mysql: Record<string, unknown> }).mysql;
    return mysqlJobInput({
      name: 'drilled-mysql',
      targets: { instanceIds: [HOST] },
      workDir: world.dir,
      mysql: { ...defaults, hosts: [`127.0.0.1:${db.port}`], passwordParameter: '/cronsnap/drill/password' },
      drill: { schedule: '0 4 * * 0', workDir: world.drillDir },
    } as never);
  }

  beforeAll(async () => {
    [world, db] = await Promise.all([drillWorld(aws), startMySql()]);
    writeFileSync(join(world.dir, 'fixture.sql'), MYSQL_FIXTURE);
    await db.load(`cat '${join(world.dir, 'fixture.sql')}'`);
    service = localServiceFor(drilledJob(), { ...world, host: HOST });
    const { completions } = await service.runJob('drilled-mysql', 'mysql-drill-backup', BACKUP_TIME);
    const [completion] = completions;
    if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'mysql') throw new Error(`backup failed: ${JSON.stringify(completions)}`);
    manifest = completion.manifest;
    liveChecksums = await liveChecksum();
  });

  afterAll(async () => {
    await db?.stop();
  });

  async function expectLiveUntouched(): Promise<void> {
    expect(await liveChecksum()).toBe(liveChecksums);
    expect(await scratchDatabases()).toBe('');
    expect(readdirSync(world.drillDir)).toEqual([]);
  }

  it('records every table\'s rows as the dump holds them, strings with quotes and parentheses included', () => {
    expect(manifest.mysql.rowCounts).toMatchObject({
      shop: { products: 3, audit: 3, empty_table: 0 },
      crm: { customers: 20000 },
    });
    expect(manifest.mysql.rowCounts?.shop).not.toHaveProperty('product_names');
  });

  it('passes a good backup: every user database restored into a scratch database holds the rows recorded, then is dropped', async () => {
    const result = drilled(await service.drill('drilled-mysql', 'mysql-drill-good'));

    expect(result).toMatchObject({ passed: true, backup: { runId: manifest.runId }, drillHost: HOST });
    expect(result.checks).toEqual([
      { name: 'databases restored', expected: 'crm,shop', actual: 'crm,shop', passed: true },
      { name: 'rows crm.customers', expected: 20000, actual: 20000, passed: true },
      { name: 'rows shop.audit', expected: 3, actual: 3, passed: true },
      { name: 'rows shop.empty_table', expected: 0, actual: 0, passed: true },
      { name: 'rows shop.products', expected: 3, actual: 3, passed: true },
    ]);
    await expectLiveUntouched();
  });

  it('fails the drill when the manifest recorded other row counts than the dump restores', async () => {
    const rowCounts = { ...manifest.mysql.rowCounts, shop: { ...manifest.mysql.rowCounts?.shop, products: 4 } };
    const restore = await rewriteManifest(world, manifest, manifestKeyOf(manifest), { ...manifest, mysql: { ...manifest.mysql, rowCounts } });
    try {
      const result = drilled(await service.drill('drilled-mysql', 'mysql-drill-mismatch'));
      expect(result).toMatchObject({ passed: false, reason: 'rows shop.products: expected 4, restored 3' });
      expect(service.notifier.messages.at(-1)).toMatchObject({ subject: 'cronsnap: drilled-mysql restore drill failed' });
    } finally {
      await restore();
    }
    await expectLiveUntouched();
  });

  it('refuses a scratch name that already exists and leaves that database as it is', async () => {
    const scheduledTime = new Date('2026-11-29T04:00:00Z');
    const taken = `${scratchPrefix(runIdFor('mysql-drill-taken', scheduledTime))}_1`;
    await db.sql(`CREATE DATABASE ${taken}; CREATE TABLE ${taken}.keep (id INT); INSERT INTO ${taken}.keep VALUES (7);`);
    try {
      const result = drilled(await service.drill('drilled-mysql', 'mysql-drill-taken', scheduledTime));
      expect(result.passed).toBe(false);
      expect(result.reason).toContain(`scratch database ${taken} already exists on 127.0.0.1:${db.port}; it was left as it is`);
      expect((await db.sql(`SELECT id FROM ${taken}.keep`)).trim()).toBe('7');
    } finally {
      await db.sql(`DROP DATABASE ${taken}`);
    }
    await expectLiveUntouched();
  });

  it('restores a copy under a new name with its scheduled events disabled', async () => {
    await service.restore({ job: 'drilled-mysql', backup: 'latest', databases: ['shop'], targetDatabase: 'shop_check', dryRun: false, confirm: 'drilled-mysql' });
    try {
      expect((await db.sql("SELECT EVENT_SCHEMA, STATUS FROM information_schema.EVENTS WHERE EVENT_NAME = 'purge' ORDER BY 1")).trim()).toBe(
        'shop\tENABLED\nshop_check\tDISABLED',
      );
      expect((await db.sql("SELECT EVENT_DEFINITION FROM information_schema.EVENTS WHERE EVENT_SCHEMA = 'shop_check'")).trim()).toContain('shop_check');
    } finally {
      await db.sql('DROP DATABASE shop_check');
    }
  });

  it('finishes a restore and a drill whose host outlasts the function budget: no step waits for the host', async () => {
    // Every mysql the host runs takes 1.2 s longer, and a step may take 1 s: the host program
    // outlasts any one function invocation several times over (a budget below a second fails
    // steps of a loaded 2-core CI machine, whose own S3 calls then take that long).
    const slow = mkdtempSync(join(world.dir, 'slow-'));
    writeFileSync(join(slow, 'mysql'), '#!/bin/sh\nsleep 1.2\nexec /usr/bin/mysql "$@"\n', { mode: 0o755 });
    const budgetMs = 1000;
    const patient = localServiceFor(drilledJob(), { ...world, host: HOST, hostEnv: { PATH: `${slow}:${AGENT_PATH}` }, functionBudgetMs: budgetMs });
    const progress: string[] = [];
    const started = Date.now();

    const restored = await patient.restore(
      { job: 'drilled-mysql', backup: 'latest', databases: ['crm'], targetDatabase: 'crm_budget', dryRun: false, confirm: 'drilled-mysql' },
      (line) => progress.push(line),
    );

    try {
      expect(Date.now() - started).toBeGreaterThan(3 * budgetMs);
      expect(restored).toMatchObject({ kind: 'database', report: { restored: [{ database: 'crm', into: 'crm_budget', tables: 1 }] } });
      expect((await db.sql('CHECKSUM TABLE crm_budget.customers EXTENDED')).split('\t')[1]).toBe((await db.sql('CHECKSUM TABLE crm.customers EXTENDED')).split('\t')[1]);
      // The workflow looked at the host while it was still working, and waited between looks.
      expect(progress.some((line) => /InProgress for \d+ s$/.test(line))).toBe(true);
    } finally {
      await db.sql('DROP DATABASE IF EXISTS crm_budget');
    }

    const drillStarted = Date.now();
    const result = drilled(await patient.drill('drilled-mysql', 'mysql-drill-patient'));
    expect(Date.now() - drillStarted).toBeGreaterThan(3 * budgetMs);
    expect(result).toMatchObject({ passed: true, backup: { runId: manifest.runId } });
    // Judged when the host finished: the restore time is the host's, several budgets long.
    expect(result.restoreSeconds).toBeGreaterThan((3 * budgetMs) / 1000);
    await expectLiveUntouched();
  });
});

const PG_GLOBALS = `
CREATE ROLE app_owner LOGIN;
CREATE ROLE backup LOGIN SUPERUSER PASSWORD '${PASSWORD.replace(/'/g, "''")}';
CREATE DATABASE shop OWNER app_owner;
CREATE DATABASE crm OWNER app_owner;
`;
const PG_SHOP = `
CREATE TABLE products (id serial PRIMARY KEY, name text, photo bytea);
CREATE TABLE audit (id serial PRIMARY KEY, product_id int);
CREATE FUNCTION log_product() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit (product_id) VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER products_ai AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION log_product();
INSERT INTO products (name, photo) VALUES ('a),(b', '\\x28272928'::bytea), (E'line\\nbreak \\\\', NULL), ('数据库 🍎', '');
CREATE TABLE empty_table (id int);
CREATE TABLE ticks (at timestamptz DEFAULT clock_timestamp());
CREATE SCHEMA billing;
CREATE TABLE billing.invoices AS SELECT g AS id, repeat('x', 100) AS padding FROM generate_series(1, 5000) g;
ALTER TABLE billing.invoices OWNER TO app_owner;
`;
const PG_CRM = `CREATE TABLE customers (id bigint PRIMARY KEY, email text); INSERT INTO customers VALUES (1, 'ada@example.com'), (2, 'ünïcode@example.com');`;

describe('restore drills of PostgreSQL dumps, against a real PostgreSQL and moto', () => {
  const aws = useMotoBucket('cronsnap-pg-drills');
  let world: Awaited<ReturnType<typeof drillWorld>>;
  let pg: Postgres;
  let service: LocalBackupService;
  let manifest: Extract<Manifest, { engine: 'postgres' }>;
  let liveRows: string;

  const liveFingerprint = async () =>
    [
      await pg.sql("SELECT md5(string_agg(p::text, '|' ORDER BY id)) FROM products p", 'shop'),
      await pg.sql('SELECT count(*) FROM billing.invoices', 'shop'),
      await pg.sql("SELECT md5(string_agg(c::text, '|' ORDER BY id)) FROM customers c", 'crm'),
    ].join('');
  const scratchDatabases = async () => (await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'cronsnap\\_drill%'")).trim();

  beforeAll(async () => {
    [world, pg] = await Promise.all([drillWorld(aws), startPostgres()]);
    for (const [name, sql] of Object.entries({ globals: PG_GLOBALS, shop: PG_SHOP, crm: PG_CRM })) writeFileSync(join(world.dir, `${name}.sql`), sql);
    await pg.shell(`psql -X -q -v ON_ERROR_STOP=1 -d postgres -f '${join(world.dir, 'globals.sql')}'`);
    await pg.shell(`psql -X -q -v ON_ERROR_STOP=1 -d shop -f '${join(world.dir, 'shop.sql')}'`);
    await pg.shell(`psql -X -q -v ON_ERROR_STOP=1 -d crm -f '${join(world.dir, 'crm.sql')}'`);
    service = serviceFor('drilled-postgres');
    manifest = await backUp(service, 'drilled-postgres');
    liveRows = await liveFingerprint();
  });

  function serviceFor(name: string, postgres: Record<string, unknown> = {}) {
    const defaults = (postgresJobInput() as { postgres: Record<string, unknown> }).postgres;
    return localServiceFor(
      postgresJobInput({
        name,
        targets: { instanceIds: [HOST] },
        workDir: world.dir,
        postgres: { ...defaults, server: `127.0.0.1:${pg.port}`, passwordParameter: '/cronsnap/drill/password', ...postgres },
        drill: { schedule: '0 4 * * 0', workDir: world.drillDir },
      } as never),
      { ...world, host: HOST },
    );
  }

  async function backUp(jobService: LocalBackupService, job: string) {
    const { completions } = await jobService.runJob(job, `${job}-backup`, BACKUP_TIME);
    const [completion] = completions;
    if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'postgres') throw new Error(`backup failed: ${JSON.stringify(completions)}`);
    return completion.manifest;
  }

  afterAll(async () => {
    await pg?.stop();
  });

  async function expectLiveUntouched(): Promise<void> {
    expect(await liveFingerprint()).toBe(liveRows);
    expect(await scratchDatabases()).toBe('');
    expect(readdirSync(world.drillDir)).toEqual([]);
  }

  it('records every table\'s rows in the snapshot each pg_dump was given', () => {
    expect(manifest.postgres.rowCounts).toEqual({
      crm: { 'public.customers': 2 },
      postgres: {},
      shop: { 'billing.invoices': 5000, 'public.audit': 3, 'public.empty_table': 0, 'public.products': 3, 'public.ticks': 0 },
    });
  });

  it('passes a good backup: every database pg_restored into a scratch database holds the rows recorded, then is dropped', async () => {
    const result = drilled(await service.drill('drilled-postgres', 'pg-drill-good'));

    expect(result).toMatchObject({ passed: true, backup: { runId: manifest.runId } });
    expect(result.checks).toEqual([
      { name: 'databases restored', expected: 'crm,shop', actual: 'crm,shop', passed: true },
      { name: 'rows crm.public.customers', expected: 2, actual: 2, passed: true },
      { name: 'rows shop.billing.invoices', expected: 5000, actual: 5000, passed: true },
      { name: 'rows shop.public.audit', expected: 3, actual: 3, passed: true },
      { name: 'rows shop.public.empty_table', expected: 0, actual: 0, passed: true },
      { name: 'rows shop.public.products', expected: 3, actual: 3, passed: true },
      { name: 'rows shop.public.ticks', expected: 0, actual: 0, passed: true },
    ]);
    await expectLiveUntouched();
  });

  it('fails the drill on a table the manifest recorded that the dump does not restore', async () => {
    const rowCounts = { ...manifest.postgres.rowCounts, crm: { ...manifest.postgres.rowCounts?.crm, 'public.orders': 12 } };
    const restore = await rewriteManifest(world, manifest, manifestKeyOf(manifest), { ...manifest, postgres: { ...manifest.postgres, rowCounts } });
    try {
      const result = drilled(await service.drill('drilled-postgres', 'pg-drill-mismatch'));
      expect(result).toMatchObject({ passed: false, reason: 'rows crm.public.orders: expected 12, restored no such table' });
    } finally {
      await restore();
    }
    await expectLiveUntouched();
  });

  it('drops the scratch databases it created when the restore fails on the host', async () => {
    // pg_restore failing after the scratch database was created, as a full disk or a lost connection would.
    const failing = join(world.dir, 'failing-pg-restore');
    writeFileSync(failing, '#!/bin/sh\necho "pg_restore: error: could not execute query: ERROR:  could not extend file: No space left on device" >&2\nexit 1\n', { mode: 0o755 });

    const result = drilled(await serviceFor('drilled-postgres', { pgRestore: failing }).drill('drilled-postgres', 'pg-drill-host-failure'));

    expect(result).toMatchObject({ passed: false, reason: expect.stringMatching(/step=restore: pg_restore of crm into cronsnap_drill_[0-9a-f]{12}_1 failed: pg_restore: error: could not execute query: .*No space left on device; the partial database cronsnap_drill_[0-9a-f]{12}_1 is dropped with the other scratch databases$/) });
    await expectLiveUntouched();
  });

  it('counts the rows each pg_dump dumps even while the database is written to', async () => {
    // Every pg_dump first commits a row to the database it dumps: after the snapshot was taken, so
    // neither the recorded count nor the dump may hold it.
    const writer = join(world.dir, 'writing-pg_dump');
    writeFileSync(
      writer,
      [
        '#!/bin/bash',
        'for arg in "$@"; do case $prev in -d) database=$arg ;; esac; prev=$arg; done',
        `psql -X -q -h 127.0.0.1 -p ${pg.port} -U backup -w -d "$database" -c 'INSERT INTO ticks DEFAULT VALUES' 2>/dev/null || true`,
        'exec pg_dump "$@"',
      ].join('\n'),
    );
    chmodSync(writer, 0o755);
    const before = Number(await pg.sql('SELECT count(*) FROM ticks', 'shop'));
    const writing = serviceFor('written-postgres', { pgDump: writer, databases: ['shop'] });

    const written = await backUp(writing, 'written-postgres');
    const result = drilled(await writing.drill('written-postgres', 'pg-drill-written'));

    expect(Number(await pg.sql('SELECT count(*) FROM ticks', 'shop'))).toBe(before + 1);
    expect(written.postgres.rowCounts?.shop?.['public.ticks']).toBe(before);
    expect(result.checks).toContainEqual({ name: 'rows shop.public.ticks', expected: before, actual: before, passed: true });
    expect(result.passed).toBe(true);
  });
});
