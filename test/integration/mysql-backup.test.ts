import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestoreRefusedError } from '../../lib/errors';
import { startMySql, type MySqlServer } from '../../lib/local/mysql-server';
import type { Moto } from '../../lib/local/moto-server';
import { getObjectBytes } from '../../lib/local/object-bytes';
import { mysqlJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { maxscaleStandIn, type MaxscaleServer } from '../helpers/maxscale-standins';
import { useMotoBucket } from '../helpers/moto-fixture';
import { commandLinesOf, sampleProcessArgs } from '../helpers/process-args-sampler';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0a1b2c3d4e5f60002';
// Quotes, backslash, dollar and spaces: everything that breaks naive shell or option-file handling.
const PASSWORD = `s3cr"et' \\$(id) pässwörd`;

const FIXTURE_SQL = `
CREATE DATABASE shop CHARACTER SET utf8mb4;
CREATE DATABASE crm CHARACTER SET utf8mb4;
CREATE TABLE shop.products (id INT PRIMARY KEY AUTO_INCREMENT, name VARCHAR(200), photo LONGBLOB, notes LONGTEXT) ENGINE=InnoDB;
INSERT INTO shop.products (name, photo, notes) VALUES
  ('Äpfel 🍎', UNHEX(REPEAT('00FF10EE', 4096)), REPEAT('große Zeile ', 90000)),
  ('数据库', UNHEX('000102030405FEFF'), 'tab\\tnew\\nline "quoted" \\\\ backslash'),
  ('empty blob', '', NULL);
CREATE TABLE shop.audit (id INT PRIMARY KEY AUTO_INCREMENT, product_id INT, at TIMESTAMP DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB;
CREATE TRIGGER shop.products_ai AFTER INSERT ON shop.products FOR EACH ROW INSERT INTO shop.audit (product_id) VALUES (NEW.id);
CREATE VIEW shop.product_names AS SELECT id, name FROM shop.products;
CREATE FUNCTION shop.double_it(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
CREATE PROCEDURE crm.touch() SELECT 1;
CREATE TABLE crm.customers (id BIGINT PRIMARY KEY, email VARCHAR(320), profile JSON) ENGINE=InnoDB;
INSERT INTO crm.customers VALUES (1, 'ada@example.com', '{"tags":["vip"]}'), (2, 'ünïcode@example.com', '{"tags":[]}');
CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY '${PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}';
GRANT ALL PRIVILEGES ON *.* TO 'backup'@'127.0.0.1';
`;

const TABLES = ['shop.products', 'shop.audit', 'crm.customers'];

async function checksums(db: MySqlServer): Promise<string> {
  return db.sql(`CHECKSUM TABLE ${TABLES.join(', ')} EXTENDED`);
}

async function objectCounts(db: MySqlServer): Promise<string> {
  return db.sql(`SELECT
    (SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN ('shop','crm')),
    (SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN ('shop','crm')),
    (SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA IN ('shop','crm'))`);
}

describe('mysql backup, end to end', () => {
  // moto through the call recorder: the file's calls are judged against the stack's IAM after it.
  const aws = useMotoBucket('cronsnap-mysql-backups');
  let moto: Moto;
  let source: MySqlServer;
  let bucket: string;
  let dir: string;
  let plainSecretArn: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronsnap-mysql-it-'));
    source = await startMySql();
    ({ moto, bucket } = aws);
    await moto.putSecureString('/cronsnap/prod-mysql/password', PASSWORD);
    await moto.putSecureString('/cronsnap/wrong/password', 'not-the-password');
    plainSecretArn = await moto.createSecret('prod/mysql/plain', PASSWORD);
    await moto.createSecret('prod/mysql/rds', JSON.stringify({ username: 'backup', password: PASSWORD, engine: 'mariadb', port: 3306 }));
    await moto.createSecret('prod/mysql/binary', Buffer.from('binary password'));
    writeFileSync(join(dir, 'fixture.sql'), FIXTURE_SQL);
    await source.load(`cat '${join(dir, 'fixture.sql')}'`);
  });

  afterAll(async () => {
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function serviceFor(name = 'prod-mysql', mysql: Record<string, unknown> = {}, hostEnv: Record<string, string> = {}) {
    const defaults = (mysqlJobInput() as { mysql: Record<string, unknown> }).mysql;
    const job = mysqlJobInput({
      name,
      targets: { instanceIds: [HOST] },
      workDir: dir,
      mysql: { ...defaults, hosts: [`127.0.0.1:${source.port}`], ...mysql },
    } as never);
    return localServiceFor(job, { ...aws, host: HOST, dir, hostEnv });
  }

  /**
   * The sampled command lines of mysqldump dumping the source server. The port keeps out the
   * mysqldump --help and --version the script runs, and any other suite's dump of its own server.
   */
  function sampledDumps(argvSeen: string[]): string[] {
    return commandLinesOf(argvSeen, 'mysqldump').filter((line) => line.includes(` -P ${source.port} `));
  }

  /** The dump's argv as dump_stream builds it: the login in an option file in the job's work dir, nothing of the password. */
  function dumpArgv(): RegExp {
    const workDir = dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`^mysqldump --defaults-extra-file=${workDir}/cronsnap\\.\\w+/client\\.cnf --protocol=TCP -h 127\\.0\\.0\\.1 -P ${source.port} --single-transaction `);
  }

  it('dumps every database consistently and restores it with equal checksums, the password seen nowhere', async () => {
    const service = serviceFor();
    const sampler = sampleProcessArgs();

    const { start, completions } = await service.runJob('prod-mysql', 'mysql-event-1');
    const argvSeen = await sampler.stop();

    const completion = completions[0];
    if (start.kind !== 'started' || completion?.kind !== 'succeeded') throw new Error(JSON.stringify({ start, completions, sns: service.notifier.messages }));
    const { manifest } = completion;
    if (manifest.engine !== 'mysql') throw new Error('expected a mysql manifest');
    // Nothing wrote since the dump: its coordinates are the server's own now.
    const { file: binlogFile, position: binlogPosition } = await source.binlogPosition();
    const gtid = await source.executedGtids();
    expect(gtid).toMatch(source.flavour === 'mariadb' ? /^\d+-\d+-\d+(,\d+-\d+-\d+)*$/ : /^[0-9a-f-]{36}:\d+(-\d+)?(,[0-9a-f-]{36}:\d+(-\d+)?)*$/);
    expect(manifest.mysql).toMatchObject({ server: `127.0.0.1:${source.port}`, source: 'primary', gtid, binlogFile, binlogPosition });
    expect(manifest.mysql.serverVersion).toMatch(source.flavour === 'mariadb' ? /MariaDB/ : /^(8\.[4-9]|9)\./);
    // Announced to the aws CLI from information_schema's table sizes (InnoDB's are estimates, so only their presence is checked).
    expect(manifest.payload.expectedSize).toBeGreaterThan(64 * 1024 ** 2 + 16384);
    expect(manifest.payload.expectedSize).toBeGreaterThanOrEqual(manifest.payload.size);
    expect(manifest.mysql.databases).toEqual(expect.arrayContaining(['shop', 'crm', 'mysql']));

    const invocation = await service.runner.invocation(start.commandId, HOST);
    const manifestText = JSON.stringify(manifest);
    expect(argvSeen.length).toBeGreaterThan(3);
    // The samples caught mysqldump's own argv while it dumped: without it, the password checks
    // below could pass on samples of other processes, or none taken while the dump ran.
    expect(sampledDumps(argvSeen)).toEqual([expect.stringMatching(dumpArgv())]);
    for (const output of [...argvSeen, invocation.stdout, invocation.stderr, manifestText, JSON.stringify(service.notifier.messages)]) {
      expect(output).not.toContain(PASSWORD);
      expect(output).not.toContain('pässwörd');
    }

    const target = await startMySql();
    try {
      const file = join(dir, 'dump.sql.zst');
      writeFileSync(file, await getObjectBytes(moto.s3(), bucket, manifest.payload.key));
      const restoreSql = `zstd -q -d -c '${file}'`;
      await target.load(restoreSql);
      expect(await checksums(target)).toBe(await checksums(source));
      expect(await objectCounts(target)).toBe(await objectCounts(source));
      expect((await objectCounts(source)).trim()).toBe('2\t1\t1');
    } finally {
      await target.stop();
    }
  });

  it('fails clearly on a wrong password, naming job and host, with nothing uploaded', async () => {
    const service = serviceFor('wrong-pass', { passwordParameter: '/cronsnap/wrong/password' });

    const { completions } = await service.runJob('wrong-pass', 'mysql-event-2');

    expect(completions).toEqual([
      expect.objectContaining({
        kind: 'failed',
        reason: expect.stringMatching(new RegExp(`step=find-server: job wrong-pass on ${HOST}: login to 127.0.0.1:${source.port} as backup failed: .*Access denied`)),
      }),
    ]);
    expect(await listKeys(moto.s3(), bucket, 'wrong-pass/')).toEqual([]);
  });

  it('reads the password from the field of a JSON Secrets Manager secret, as RDS stores them, off every command line', async () => {
    const service = serviceFor('from-rds-secret', { passwordParameter: undefined, passwordSecret: { id: 'prod/mysql/rds', jsonKey: 'password' } });
    const sampler = sampleProcessArgs();

    const { start, completions } = await service.runJob('from-rds-secret', 'mysql-event-secret');
    const argvSeen = await sampler.stop();

    expect(completions).toEqual([expect.objectContaining({ kind: 'succeeded' })]);
    if (start.kind !== 'started') throw new Error(JSON.stringify(start));
    const { parameters } = await service.runner.invocation(start.commandId, HOST);
    expect(parameters).toMatchObject({ passwordParameter: '', passwordSecret: 'prod/mysql/rds', passwordSecretKey: 'password' });
    expect(argvSeen.length).toBeGreaterThan(3);
    // As above: the password check means something only if mysqldump's own argv was among the samples.
    expect(sampledDumps(argvSeen)).toEqual([expect.stringMatching(dumpArgv())]);
    for (const args of argvSeen) expect(args).not.toContain('pässwörd');
  });

  it('reads a plain Secrets Manager secret by its ARN', async () => {
    const service = serviceFor('from-secret-arn', { passwordParameter: undefined, passwordSecret: { id: plainSecretArn } });

    const { completions } = await service.runJob('from-secret-arn', 'mysql-event-arn');

    expect(completions).toEqual([expect.objectContaining({ kind: 'succeeded' })]);
    expect((await listKeys(moto.s3(), bucket, 'from-secret-arn/')).filter((key) => key.endsWith('manifest.json'))).toHaveLength(1);
  });

  it('fails clearly, with nothing uploaded, when the secret has no such field', async () => {
    const service = serviceFor('secret-no-field', { passwordParameter: undefined, passwordSecret: { id: 'prod/mysql/rds', jsonKey: 'pass' } });

    const { completions } = await service.runJob('secret-no-field', 'mysql-event-field');

    expect(completions).toEqual([
      expect.objectContaining({ kind: 'failed', reason: "step=credentials: Secrets Manager secret prod/mysql/rds is not a JSON object with a string field 'pass'" }),
    ]);
    expect(await listKeys(moto.s3(), bucket, 'secret-no-field/')).toEqual([]);
  });

  it('refuses a binary secret, which holds no password string, with nothing uploaded', async () => {
    const service = serviceFor('binary-secret', { passwordParameter: undefined, passwordSecret: { id: 'prod/mysql/binary' } });

    const { completions } = await service.runJob('binary-secret', 'mysql-event-binary');

    expect(completions).toEqual([
      expect.objectContaining({ kind: 'failed', reason: 'step=credentials: Secrets Manager secret prod/mysql/binary holds no password (an empty string, or a binary secret)' }),
    ]);
    expect(await listKeys(moto.s3(), bucket, 'binary-secret/')).toEqual([]);
  });

  it('leaves no manifest when the dump dies halfway', async () => {
    const dying = join(dir, 'dying-mysqldump');
    writeFileSync(dying, '#!/bin/bash\nset -o pipefail\nmysqldump "$@" | head -c 200000\nexit 3\n');
    chmodSync(dying, 0o755);
    const service = serviceFor('dies-halfway', { mysqldump: dying });

    const { completions } = await service.runJob('dies-halfway', 'mysql-event-3');

    expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringContaining('step=dump') })]);
    expect((await listKeys(moto.s3(), bucket, 'dies-halfway/')).filter((key) => key.endsWith('manifest.json'))).toEqual([]);
  });

  it('fails the run with no manifest when hashing the upload dies halfway', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    writeFileSync(join(bin, 'openssl'), '#!/bin/sh\nhead -c 100000 >/dev/null\nexit 4\n');
    chmodSync(join(bin, 'openssl'), 0o755);
    const service = serviceFor('hash-dies', {}, { PATH: `${bin}:${process.env.PATH}` });

    const { completions } = await service.runJob('hash-dies', 'mysql-event-hash');

    expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/^step=dump: reading the stream for \S*sha256 failed with exit code 4$/) })]);
    expect((await listKeys(moto.s3(), bucket, 'hash-dies/')).filter((key) => key.endsWith('manifest.json'))).toEqual([]);
  });

  describe('the master MaxScale reports', () => {
    const MAXSCALE_PASSWORD = 'mx-$ecret "pw"';
    const standby = (port: number): MaxscaleServer => ({ name: 'server1', address: '10.255.0.1', port, state: 'Slave, Running' });
    const master = (name: string, port: number): MaxscaleServer => ({ name, address: '127.0.0.1', port, state: 'Master, Running' });
    let other: MySqlServer;

    beforeAll(async () => {
      await moto.putSecureString('/cronsnap/maxscale/password', MAXSCALE_PASSWORD);
      other = await startMySql();
      await other.load(`cat '${join(dir, 'fixture.sql')}'`);
    });

    afterAll(async () => {
      await other?.stop();
    });

    function mysqlFacts(completions: { kind: string }[]) {
      const completion = completions[0] as { kind: string; manifest?: { engine: string; mysql?: unknown } } | undefined;
      if (completion?.kind !== 'succeeded' || completion.manifest?.engine !== 'mysql') throw new Error(JSON.stringify(completions));
      return completion.manifest.mysql as { server: string; maxscale: { tool: string; listing: string } | null };
    }

    it('follows the master as it moves, asking maxctrl (MaxScale 6+) with the REST API password in a private option file', async () => {
      const maxscale = maxscaleStandIn(dir, 'maxctrl-23', { user: 'monitor', password: MAXSCALE_PASSWORD });
      maxscale.setServers([standby(3306), master('server2', source.port), { name: 'server3', address: '127.0.0.1', port: other.port, state: 'Slave, Running' }]);
      const service = serviceFor(
        'via-maxctrl',
        { hosts: ['10.255.0.1:3306'], maxscale: { user: 'monitor', passwordParameter: '/cronsnap/maxscale/password', hosts: ['127.0.0.1:8989'] } },
        { PATH: `${maxscale.bin}:${process.env.PATH}` },
      );

      const before = mysqlFacts((await service.runJob('via-maxctrl', 'maxctrl-event-1')).completions);
      maxscale.setServers([standby(3306), { ...master('server2', source.port), state: 'Down' }, master('server3', other.port)]);
      const after = mysqlFacts((await service.runJob('via-maxctrl', 'maxctrl-event-2')).completions);

      expect(before.server).toBe(`127.0.0.1:${source.port}`);
      expect(after.server).toBe(`127.0.0.1:${other.port}`);
      expect(after.maxscale).toEqual({ tool: 'maxctrl', listing: expect.stringMatching(new RegExp(`^server3\t127\\.0\\.0\\.1\t${other.port}\t3\tMaster, Running\t`, 'm')) });
      const argv = readFileSync(maxscale.argvLog, 'utf8');
      expect(argv).toContain('--tsv --hosts 127.0.0.1:8989 --config ');
      expect(argv).not.toContain(MAXSCALE_PASSWORD);
    });

    it('reads the padded rows of MaxScale 2.5, and refuses to put a REST API password on its command line', async () => {
      const maxscale = maxscaleStandIn(dir, 'maxctrl-2.5');
      maxscale.setServers([standby(3306), master('server2', source.port)]);
      const env = { PATH: `${maxscale.bin}:${process.env.PATH}` };

      const defaults = serviceFor('via-maxctrl-25', { hosts: ['10.255.0.1:3306'], maxscale: true }, env);
      const withPassword = serviceFor('maxctrl-25-password', { hosts: ['10.255.0.1:3306'], maxscale: { user: 'monitor', passwordParameter: '/cronsnap/maxscale/password' } }, env);

      expect(mysqlFacts((await defaults.runJob('via-maxctrl-25', 'maxctrl25-event-1')).completions).server).toBe(`127.0.0.1:${source.port}`);
      const refused = await withPassword.runJob('maxctrl-25-password', 'maxctrl25-event-2');
      expect(refused.completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringContaining('step=find-server: this maxctrl has no --config option (MaxScale before 6)') })]);
    });

    it('asks maxadmin where maxctrl is not installed (MaxScale 2.4), and fails naming what it listed when no master runs', async () => {
      const maxscale = maxscaleStandIn(dir, 'maxadmin-2.4');
      maxscale.setServers([standby(3306), master('server2', source.port)]);
      const service = serviceFor('via-maxadmin', { hosts: ['10.255.0.1:3306'], maxscale: true }, { PATH: `${maxscale.bin}:${process.env.PATH}` });

      const facts = mysqlFacts((await service.runJob('via-maxadmin', 'maxadmin-event-1')).completions);
      maxscale.setServers([standby(3306), { ...master('server2', source.port), state: 'Down' }]);
      const noMaster = await service.runJob('via-maxadmin', 'maxadmin-event-2');

      expect(facts.server).toBe(`127.0.0.1:${source.port}`);
      expect(facts.maxscale?.tool).toBe('maxadmin');
      expect(facts.maxscale?.listing).toContain(`server2            | 127.0.0.1       | ${String(source.port).padStart(5)} |           0 | Master, Running`);
      expect(noMaster.completions).toEqual([
        expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/^step=find-server: maxadmin list servers shows no running master: .*server2 .*\| Down/) }),
      ]);
    });
  });

  it('dumps only a read-only replica when the job asks for one', async () => {
    const service = serviceFor('from-replica', { source: 'replica', databases: ['crm'] });
    const refused = await service.runJob('from-replica', 'mysql-event-5');
    expect(refused.completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringContaining(`no replica among 127.0.0.1:${source.port}`) })]);

    await source.sql('SET GLOBAL read_only = 1');
    try {
      const { completions } = await service.runJob('from-replica', 'mysql-event-6');
      const completion = completions[0];
      if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'mysql') throw new Error(JSON.stringify(completions));
      expect(completion.manifest.mysql).toMatchObject({ source: 'replica', databases: ['crm'] });
    } finally {
      await source.sql('SET GLOBAL read_only = 0');
    }
  });

  it('restores a database under a new name beside the live one with equal checksums, and never over a live one', async () => {
    const service = serviceFor('restore-mysql', { databases: ['shop', 'crm'] });
    const { completions } = await service.runJob('restore-mysql', 'mysql-event-7');
    expect(completions.map((completion) => completion.kind)).toEqual(['succeeded']);

    const refused = service.restore({ job: 'restore-mysql', backup: 'latest', databases: ['shop'] });
    await expect(refused).rejects.toBeInstanceOf(RestoreRefusedError);
    await expect(refused).rejects.toThrow(
      `step=plan: database shop on 127.0.0.1:${source.port} has 2 tables and 1 views; restore under a new name (targetDatabase) or move it aside yourself; nothing was changed`,
    );
    const plan = await service.restore({ job: 'restore-mysql', backup: 'latest', databases: ['shop'], targetDatabase: 'shop_check' });
    expect(plan).toMatchObject({ kind: 'database', report: { planned: [{ database: 'shop', into: 'shop_check' }], restored: [] } });
    expect((await source.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'shop_check'")).trim()).toBe('0');

    const restored = await service.restore({ job: 'restore-mysql', backup: 'latest', databases: ['shop'], targetDatabase: 'shop_check', dryRun: false, confirm: 'restore-mysql' });

    expect(restored).toMatchObject({ kind: 'database', report: { restored: [{ database: 'shop', into: 'shop_check', tables: 2, views: 1 }] } });
    const sums = async (schema: string) => (await source.sql(`CHECKSUM TABLE ${schema}.products, ${schema}.audit EXTENDED`)).replace(new RegExp(`${schema}\\.`, 'g'), '');
    expect(await sums('shop_check')).toBe(await sums('shop'));
    // Its trigger and view now belong to, and act on, the new database.
    expect((await source.sql("SELECT EVENT_OBJECT_SCHEMA FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = 'shop_check'")).trim()).toBe('shop_check');
    expect((await source.sql("SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = 'shop_check'")).trim()).toBe('1');
    expect((await source.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'crm_check'")).trim()).toBe('0');
  });

  it('restores into another server, as a replacement host would get it, with equal checksums', async () => {
    const service = serviceFor('moving-mysql', { databases: ['shop'] });
    const { completions } = await service.runJob('moving-mysql', 'mysql-event-8');
    expect(completions.map((completion) => completion.kind)).toEqual(['succeeded']);
    const target = await startMySql();
    try {
      // The other server has the job's login and none of the data. The login goes in from a file:
      // on the client's command line (-e) its password would show in every process list, where a
      // concurrent run of this file's argv sampling would find it.
      const login = join(dir, 'login.sql');
      writeFileSync(login, `CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY '${PASSWORD.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'; GRANT ALL PRIVILEGES ON *.* TO 'backup'@'127.0.0.1';`);
      await target.load(`cat '${login}'`);

      const restored = await service.restore({ job: 'moving-mysql', backup: 'latest', server: `127.0.0.1:${target.port}`, dryRun: false, confirm: 'moving-mysql' });

      expect(restored).toMatchObject({ kind: 'database', report: { restored: [{ database: 'shop', into: 'shop', tables: 2, views: 1 }] } });
      const sums = async (server: MySqlServer) => (await server.sql('CHECKSUM TABLE shop.products, shop.audit EXTENDED')).trim();
      expect(await sums(target)).toBe(await sums(source));
    } finally {
      await target.stop();
    }
  });
});
