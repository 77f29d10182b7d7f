import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Moto } from '../../lib/local/moto-server';
import { getObjectBytes } from '../../lib/local/object-bytes';
import { startPostgres, type Postgres } from '../../lib/local/postgres-server';
import { run } from '../../lib/local/run-command';
import { postgresJobInput } from '../helpers/config-factory';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { sampleProcessArgs } from '../helpers/process-args-sampler';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0a1b2c3d4e5f60003';
const PASSWORD = `pg:s3cr"et' \\$(id) wörd`;

const GLOBALS_SQL = `
CREATE ROLE app_owner LOGIN;
CREATE ROLE reporting NOLOGIN;
CREATE ROLE backup LOGIN SUPERUSER PASSWORD '${PASSWORD.replace(/'/g, "''")}';
CREATE DATABASE shop OWNER app_owner;
CREATE DATABASE crm OWNER app_owner;
COMMENT ON DATABASE shop IS 'Orders and products;
kept for seven years';
ALTER DATABASE shop SET work_mem = '8MB';
REVOKE CONNECT ON DATABASE shop FROM PUBLIC;
GRANT CONNECT ON DATABASE shop TO reporting;
`;
const SHOP_SQL = `
CREATE TABLE products (id serial PRIMARY KEY, name text, photo bytea, notes text);
CREATE TABLE audit (id serial PRIMARY KEY, product_id int, at timestamptz DEFAULT now());
CREATE FUNCTION log_product() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit (product_id) VALUES (NEW.id); RETURN NEW; END $$;
CREATE TRIGGER products_ai AFTER INSERT ON products FOR EACH ROW EXECUTE FUNCTION log_product();
INSERT INTO products (name, photo, notes) VALUES
  ('Äpfel 🍎', decode(repeat('00ff10ee', 4096), 'hex'), repeat('große Zeile ', 90000)),
  ('数据库', '\\x000102fe'::bytea, E'tab\\tnew\\nline "quoted" \\\\ backslash'),
  ('empty', '', NULL);
CREATE VIEW product_names AS SELECT id, name FROM products;
GRANT SELECT ON product_names TO reporting;
`;
const CRM_SQL = `
CREATE TABLE customers (id bigint PRIMARY KEY, email text, profile jsonb);
INSERT INTO customers VALUES (1, 'ada@example.com', '{"tags":["vip"]}'), (2, 'ünïcode@example.com', '{"tags":[]}');
`;

const TABLES: Record<string, string[]> = { shop: ['products', 'audit'], crm: ['customers'] };

/** A hash over every table's rows in a stable order, plus counts of views, triggers and functions. */
async function fingerprint(pg: Postgres): Promise<string> {
  const parts: string[] = [];
  for (const [database, tables] of Object.entries(TABLES)) {
    for (const table of tables) {
      parts.push(`${database}.${table}=${(await pg.sql(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ${table} t`, database)).trim()}`);
    }
    parts.push(
      `${database}.objects=${(
        await pg.sql(
          `SELECT (SELECT count(*) FROM pg_views WHERE schemaname='public') || '/' || (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal) || '/' || (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname='public')`,
          database,
        )
      ).trim()}`,
    );
  }
  parts.push(`roles=${(await pg.sql("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname IN ('app_owner','reporting','backup')")).trim()}`);
  return parts.join('\n');
}

describe('postgres backup, end to end', () => {
  // moto through the call recorder: the file's calls are judged against the stack's IAM after it.
  const aws = useMotoBucket('cronsnap-pg-backups');
  let moto: Moto;
  let source: Postgres;
  let bucket: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronsnap-pg-it-'));
    chmodSync(dir, 0o755);
    source = await startPostgres();
    ({ moto, bucket } = aws);
    await moto.putSecureString('/cronsnap/prod-postgres/password', PASSWORD);
    await moto.putSecureString('/cronsnap/wrong-pg/password', 'not-the-password');
    for (const [name, sql] of Object.entries({ globals: GLOBALS_SQL, shop: SHOP_SQL, crm: CRM_SQL })) writeFileSync(join(dir, `${name}.sql`), sql);
    await source.shell(`psql -X -q -v ON_ERROR_STOP=1 -d postgres -f '${join(dir, 'globals.sql')}'`);
    await source.shell(`psql -X -q -v ON_ERROR_STOP=1 -d shop -f '${join(dir, 'shop.sql')}'`);
    await source.shell(`psql -X -q -v ON_ERROR_STOP=1 -d crm -f '${join(dir, 'crm.sql')}'`);
  });

  afterAll(async () => {
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function serviceFor(name: string, postgres: Record<string, unknown> = {}, jobFields: Record<string, unknown> = {}) {
    const defaults = (postgresJobInput() as { postgres: Record<string, unknown> }).postgres;
    const job = postgresJobInput({ name, targets: { instanceIds: [HOST] }, workDir: dir, postgres: { ...defaults, server: `127.0.0.1:${source.port}`, ...postgres }, ...jobFields } as never);
    return localServiceFor(job, { ...aws, host: HOST, dir });
  }

  it('dumps globals and each database, restores them in parallel with equal row hashes, the password seen nowhere', async () => {
    const service = serviceFor('prod-postgres');
    const sampler = sampleProcessArgs();

    const { start, completions } = await service.runJob('prod-postgres', 'pg-event-1');
    const argvSeen = await sampler.stop();

    const completion = completions[0];
    if (start.kind !== 'started' || completion?.kind !== 'succeeded') throw new Error(JSON.stringify({ start, completions, sns: service.notifier.messages }));
    const { manifest } = completion;
    if (manifest.engine !== 'postgres') throw new Error('expected a postgres manifest');
    const serverVersion = (await source.sql('SHOW server_version')).trim();
    expect(manifest.postgres).toMatchObject({ server: `127.0.0.1:${source.port}`, mode: 'per-database', serverVersion });
    expect(manifest.postgres.databases).toEqual(['crm', 'postgres', 'shop']);
    expect(manifest.postgres.parts.map((part) => `${part.kind}:${part.name}`)).toEqual(['globals:globals', 'database:crm', 'database:postgres', 'database:shop']);
    // Each database's upload announced from pg_database_size (at least 64 MiB more than it); the globals left to the CLI's default parts.
    const sizes = await Promise.all(manifest.postgres.parts.filter((part) => part.kind === 'database').map(async (part) => Number((await source.sql(`SELECT pg_database_size('${part.name}')`)).trim())));
    expect(manifest.postgres.parts.map((part) => part.expectedSize)).toEqual([null, ...sizes.map((size) => size + Math.floor(size / 2) + 64 * 1024 ** 2)]);
    expect(manifest.payload.key).toMatch(/globals\.sql\.zst$/);

    const invocation = await service.runner.invocation(start.commandId, HOST);
    expect(argvSeen.length).toBeGreaterThan(3);
    for (const output of [...argvSeen, invocation.stdout, invocation.stderr, JSON.stringify(manifest), JSON.stringify(service.notifier.messages)]) {
      expect(output).not.toContain(PASSWORD);
      expect(output).not.toContain('wörd');
    }

    const target = await startPostgres();
    try {
      for (const part of manifest.postgres.parts) {
        const file = join(dir, `${part.name}.zst`);
        writeFileSync(file, await getObjectBytes(moto.s3(), bucket, part.key));
        await run('zstd', ['-q', '-f', '-d', file, '-o', file.replace(/\.zst$/, '')]);
        chmodSync(file.replace(/\.zst$/, ''), 0o644);
      }
      // Globals first (the postgres role already exists there, so psql reports and goes on).
      await target.shell(`psql -X -q -d postgres -f '${join(dir, 'globals')}' 2>/dev/null`);
      for (const database of ['shop', 'crm']) {
        await target.shell(`createdb -O app_owner ${database} && pg_restore -j 2 -d ${database} '${join(dir, database)}'`);
      }
      expect(await fingerprint(target)).toBe(await fingerprint(source));
    } finally {
      await target.stop();
    }
  });

  it('fails clearly on a wrong password, naming job and host, with nothing uploaded', async () => {
    const service = serviceFor('wrong-pg', { passwordParameter: '/cronsnap/wrong-pg/password' });

    const { completions } = await service.runJob('wrong-pg', 'pg-event-2');

    expect(completions).toEqual([
      expect.objectContaining({
        kind: 'failed',
        reason: expect.stringMatching(new RegExp(`step=server-facts: job wrong-pg on ${HOST}: login to 127.0.0.1:${source.port} as backup failed: .*password authentication failed`)),
      }),
    ]);
    expect(await listKeys(moto.s3(), bucket, 'wrong-pg/')).toEqual([]);
  });

  it('writes one pg_dumpall when the job asks for it', async () => {
    const service = serviceFor('dumpall-pg', { mode: 'dumpall' });

    const { completions } = await service.runJob('dumpall-pg', 'pg-event-3');

    const completion = completions[0];
    if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'postgres') throw new Error(JSON.stringify(completions));
    expect(completion.manifest.postgres.parts).toEqual([expect.objectContaining({ kind: 'dumpall', key: completion.manifest.payload.key })]);
  });

  describe('physical base backups', () => {
    const physical = (name: string, slot: string) => serviceFor(name, { mode: 'physical', checkpoint: 'fast' }, { wal: { schedule: '*/5 * * * *', slot } });

    it('streams the whole cluster as one tar without its WAL, the slot created before it and the WAL range recorded', async () => {
      const service = physical('physical-pg', 'cronsnap_physical');

      const { completions } = await service.runJob('physical-pg', 'pg-event-20');

      const completion = completions[0];
      if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'postgres') throw new Error(JSON.stringify({ completions, sns: service.notifier.messages }));
      const { postgres } = completion.manifest;
      const systemIdentifier = (await source.sql('SELECT system_identifier FROM pg_control_system()')).trim();
      expect(postgres).toMatchObject({
        mode: 'physical',
        parts: [expect.objectContaining({ kind: 'base-backup', name: 'base', key: completion.manifest.payload.key })],
        physical: { systemIdentifier, timeline: 1, walSegmentSize: 16 * 1024 ** 2, slot: 'cronsnap_physical', slotCreated: true },
      });
      // The slot holds every segment from the backup's start on.
      const [restartLsn, startIsHeld] = (await source.sql(`SELECT restart_lsn, restart_lsn <= '${postgres.physical?.walStart}'::pg_lsn FROM pg_replication_slots WHERE slot_name = 'cronsnap_physical'`)).trim().split('|');
      expect({ restartLsn: restartLsn !== '', startIsHeld }).toEqual({ restartLsn: true, startIsHeld: 't' });

      const tarFile = join(dir, 'base.tar');
      writeFileSync(`${tarFile}.zst`, await getObjectBytes(moto.s3(), bucket, completion.manifest.payload.key));
      await run('zstd', ['-q', '-f', '-d', `${tarFile}.zst`, '-o', tarFile]);
      const entries = (await run('tar', ['-tf', tarFile])).split('\n');
      expect(entries).toEqual(expect.arrayContaining(['PG_VERSION', 'backup_label', 'global/pg_control']));
      expect(entries.filter((entry) => entry.startsWith('pg_wal/') && !entry.endsWith('/'))).toEqual([]);
      const label = await run('tar', ['-xOf', tarFile, 'backup_label']);
      expect(label).toContain(`START WAL LOCATION: ${postgres.physical?.walStart} `);
      expect(label).toContain('LABEL: cronsnap physical-pg ');

      const again = await service.runJob('physical-pg', 'pg-event-21');
      expect(again.completions.map((run) => (run.kind === 'succeeded' && run.manifest.engine === 'postgres' ? run.manifest.postgres.physical?.slotCreated : run.kind))).toEqual([false]);
      // Consistent only with the WAL written while it ran, which no shipping run has shipped yet.
      await expect(service.restore({ job: 'physical-pg', backup: 'latest', dataDir: join(dir, 'recovered'), dryRun: false, confirm: 'physical-pg' })).rejects.toThrow(
        /^job physical-pg: no WAL shipping run has yet shipped what base backup \S+ needs to be consistent/,
      );
      await source.sql("SELECT pg_drop_replication_slot('cronsnap_physical')");
      rmSync(tarFile, { force: true });
    });

    it('refuses a cluster with a tablespace outside the data directory, naming it, with nothing uploaded', async () => {
      const location = mkdtempSync(join(tmpdir(), 'cronsnap-pg-tablespace-'));
      await run('chown', ['postgres', location]);
      await source.sql(`CREATE TABLESPACE archive_space LOCATION '${location}'`);
      try {
        const service = physical('physical-tablespace', 'cronsnap_tablespace');

        const { completions } = await service.runJob('physical-tablespace', 'pg-event-22');

        expect(completions).toEqual([
          expect.objectContaining({
            kind: 'failed',
            reason: expect.stringContaining(`step=dump: a physical base backup streams one tar, which cannot carry the tablespaces outside the data directory (archive_space at ${location})`),
          }),
        ]);
        expect(await listKeys(moto.s3(), bucket, 'physical-tablespace/')).toEqual([]);
      } finally {
        await source.sql('DROP TABLESPACE archive_space');
        rmSync(location, { recursive: true, force: true });
      }
    });
  });

  it('restores a database under a new name with pg_restore -j and equal row hashes, never over an existing one', async () => {
    const service = serviceFor('restore-postgres', { databases: ['shop', 'crm'] });
    const { completions } = await service.runJob('restore-postgres', 'pg-event-9');
    expect(completions.map((completion) => completion.kind)).toEqual(['succeeded']);

    await expect(service.restore({ job: 'restore-postgres', backup: 'latest' })).rejects.toThrow(
      `step=plan: database shop exists on 127.0.0.1:${source.port}; restore under a new name (targetDatabase) or into another server; nothing was changed`,
    );
    const restored = await service.restore({ job: 'restore-postgres', backup: 'latest', databases: ['shop'], targetDatabase: 'shop_check', dryRun: false, confirm: 'restore-postgres' });

    expect(restored).toMatchObject({ kind: 'database', report: { planned: [{ database: 'shop', into: 'shop_check' }], restored: [{ database: 'shop', into: 'shop_check' }] } });
    const rows = async (database: string) => {
      const tables = TABLES.shop ?? [];
      const hashes = [];
      for (const table of tables) hashes.push((await source.sql(`SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM ${table} t`, database)).trim());
      return hashes;
    };
    expect(await rows('shop_check')).toEqual(await rows('shop'));
    // The database's own properties too: owner, comment, settings and grants, under the new name.
    const properties = async (database: string) =>
      (
        await source.sql(
          `SELECT pg_get_userbyid(d.datdba), shobj_description(d.oid, 'pg_database'), (SELECT array_to_string(setconfig, ',') FROM pg_db_role_setting WHERE setdatabase = d.oid AND setrole = 0), ` +
            `(SELECT string_agg(coalesce(nullif(pg_get_userbyid(a.grantee), '-'), 'PUBLIC') || ':' || a.privilege_type, ',' ORDER BY 1) FROM aclexplode(d.datacl) a WHERE a.grantee <> d.datdba) FROM pg_database d WHERE datname = '${database}'`,
        )
      ).trim();
    expect(await properties('shop')).toContain('kept for seven years');
    expect(await properties('shop_check')).toBe(await properties('shop'));
  });

  /**
   * Backs `job` up, then runs `body` against a second server, as a restore into another one finds
   * it: empty but for the job's login; stopped afterwards.
   */
  async function backedUpIntoEmptyServer(service: LocalBackupService, job: string, eventId: string, body: (target: Postgres) => Promise<void>): Promise<void> {
    const { completions } = await service.runJob(job, eventId);
    expect(completions.map((completion) => completion.kind)).toEqual(['succeeded']);
    const target = await startPostgres();
    try {
      await target.sql(`CREATE ROLE backup LOGIN SUPERUSER PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
      await body(target);
    } finally {
      await target.stop();
    }
  }

  it('restores into another server with the roles first (includeGlobals): every database and role, equal row hashes', async () => {
    const service = serviceFor('prod-postgres');
    await backedUpIntoEmptyServer(service, 'prod-postgres', 'pg-event-10', async (target) => {
      const restored = await service.restore({
        job: 'prod-postgres', backup: 'latest', server: `127.0.0.1:${target.port}`, includeGlobals: true, databases: ['shop', 'crm'], dryRun: false, confirm: 'prod-postgres',
      });

      expect(restored).toMatchObject({ kind: 'database', report: { restored: [{ database: 'shop', into: 'shop' }, { database: 'crm', into: 'crm' }] } });
      expect(await fingerprint(target)).toBe(await fingerprint(source));
    });
  });

  it('dumps up to parallelDatabases databases at once, each its own part in order, restored with equal row hashes', async () => {
    // A pg_dump whose dumps take a second longer than the real one's, noting when they ran.
    const log = join(dir, 'pg-dump-times.log');
    const slowDump = join(dir, 'slow-pg-dump');
    writeFileSync(
      slowDump,
      `#!/bin/bash\ncase " $* " in *' -Fc '*) ;; *) exec pg_dump "$@" ;; esac\necho "start $(date +%s%N)" >>'${log}'\nsleep 1\npg_dump "$@"\nrc=$?\necho "end $(date +%s%N)" >>'${log}'\nexit $rc\n`,
      { mode: 0o755 },
    );
    const service = serviceFor('parallel-pg', { parallelDatabases: 3, pgDump: slowDump });

    let times: string[][] = [];
    await backedUpIntoEmptyServer(service, 'parallel-pg', 'pg-event-14', async (target) => {
      // The backup's dumps; the restore below runs pg_dump too.
      times = readFileSync(log, 'utf8').trim().split('\n').map((line) => line.split(' '));
      const listed = await service.listBackups('parallel-pg');
      const restored = await service.restore({ job: 'parallel-pg', backup: 'latest', server: `127.0.0.1:${target.port}`, includeGlobals: true, databases: ['shop', 'crm'], dryRun: false, confirm: 'parallel-pg' });

      expect(listed.backups).toHaveLength(1);
      expect(restored).toMatchObject({ kind: 'database' });
      expect(await fingerprint(target)).toBe(await fingerprint(source));
    });
    // At most three dumps at once, and three at once at some point (other tests may have added databases).
    const events = times.map(([kind, at]) => ({ delta: kind === 'start' ? 1 : -1, at: BigInt(at ?? '0') })).sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.delta - b.delta));
    let running = 0;
    const concurrency = events.map((event) => (running += event.delta));
    expect(times.filter(([kind]) => kind === 'start').length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...concurrency)).toBe(3);
  });

  it("fails a parallel dump with the failing database's own reason, once, and no manifest", async () => {
    const failing = join(dir, 'failing-pg-dump');
    writeFileSync(failing, `#!/bin/bash\ncase " $* " in *' -d crm '*) echo 'pg_dump: error: query failed: out of shared memory' >&2; exit 1 ;; esac\nexec pg_dump "$@"\n`, { mode: 0o755 });
    const service = serviceFor('parallel-fails', { parallelDatabases: 2, pgDump: failing });

    const { start, completions } = await service.runJob('parallel-fails', 'pg-event-15');

    expect(completions).toEqual([
      expect.objectContaining({ kind: 'failed', reason: `step=dump: dump of crm from 127.0.0.1:${source.port} failed: pg_dump: error: query failed: out of shared memory` }),
    ]);
    if (start.kind !== 'started') throw new Error('not started');
    expect((await service.runner.invocation(start.commandId, HOST)).stderr.match(/cronsnap: FAILED/g)).toHaveLength(1);
    expect((await listKeys(moto.s3(), bucket, 'parallel-fails/')).filter((key) => key.endsWith('manifest.json'))).toEqual([]);
  });

  it('names the missing role when a restore into another server lacks the roles, touching nothing', async () => {
    const service = serviceFor('prod-postgres');
    await backedUpIntoEmptyServer(service, 'prod-postgres', 'pg-event-12', async (target) => {
      const restore = service.restore({ job: 'prod-postgres', backup: 'latest', server: `127.0.0.1:${target.port}`, databases: ['shop'], dryRun: false, confirm: 'prod-postgres' });

      // The database is created as it was, owner first: without its owner's role nothing is created.
      await expect(restore).rejects.toThrow(
        `step=restore: creating shop as shop was (owner, settings, comment, grants) failed: ERROR:  role "app_owner" does not exist; nothing was left on 127.0.0.1:${target.port}`,
      );
      expect((await target.sql("SELECT count(*) FROM pg_database WHERE datname = 'shop'")).trim()).toBe('0');
    });
  });

  it('fails a restore whose roles psql cannot replay at all, naming psql\'s error, instead of going on without them', async () => {
    // psql as it answers when the server goes away mid-script; every query (-c) goes through.
    const psql = join(dir, 'psql-losing-the-server');
    writeFileSync(
      psql,
      '#!/bin/sh\ncase " $* " in *" -c "*) exec psql "$@" ;; esac\ncat >/dev/null\necho "psql: error: connection to server at \\"127.0.0.1\\", port 5432 failed: server closed the connection unexpectedly" >&2\nexit 2\n',
      { mode: 0o755 },
    );
    const service = serviceFor('prod-postgres', { psql });
    await backedUpIntoEmptyServer(service, 'prod-postgres', 'pg-event-13', async (target) => {
      const restore = service.restore({ job: 'prod-postgres', backup: 'latest', server: `127.0.0.1:${target.port}`, includeGlobals: true, databases: ['crm'], dryRun: false, confirm: 'prod-postgres' });

      await expect(restore).rejects.toThrow('step=restore: psql could not replay the roles and tablespaces (exit 2): psql: error: connection to server at "127.0.0.1", port 5432 failed: server closed the connection unexpectedly');
      expect((await target.sql("SELECT count(*) FROM pg_database WHERE datname = 'crm'")).trim()).toBe('0');
    });
  });

  it('restores a pg_dumpall backup into another server: every database and role, equal row hashes, never over data in its postgres database', async () => {
    const service = serviceFor('dumpall-pg', { mode: 'dumpall' });
    await backedUpIntoEmptyServer(service, 'dumpall-pg', 'pg-event-11', async (target) => {
      const request = { job: 'dumpall-pg', backup: 'latest', server: `127.0.0.1:${target.port}`, dryRun: false, confirm: 'dumpall-pg' };
      await target.sql('CREATE TABLE local_notes (note text)');
      await expect(service.restore(request)).rejects.toThrow(
        `step=plan: database postgres on 127.0.0.1:${target.port} has 1 tables, and a pg_dumpall replays into it; restore into another server; nothing was changed`,
      );
      await target.sql('DROP TABLE local_notes');

      const restored = await service.restore(request);

      // Only the errors every replay meets on a server that has its roles: the restoring user and postgres exist.
      expect(restored).toMatchObject({ kind: 'database', report: { restored: expect.arrayContaining([{ database: 'shop', into: 'shop', tables: 2 }]) } });
      expect(await fingerprint(target)).toBe(await fingerprint(source));
      await expect(service.restore(request)).rejects.toThrow(`step=plan: database crm exists on 127.0.0.1:${target.port}`);
    });
  });
});
