/**
 * `npm run demo`: the whole product on this machine. moto_server stands in for S3, KMS and SSM
 * Parameter Store; a 3-member etcd cluster, MariaDB and PostgreSQL hold sample data on loopback.
 * Every job runs through the same logic as the Lambdas, with the SSM documents' scripts executed
 * by LocalCommandRunner. Each backup is restore-drilled into scratch space; then the data is damaged (etcd loses quorum, the databases are
 * dropped), restored through the restore function's logic, and compared with what was backed up.
 * Last, a compliance report is built from an inventory of the local bucket.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storedBytes } from '../lib/catalog/manifest';
import { LocalBackend } from '../lib/cli/local-backend';
import type { CronsnapConfigInput } from '../lib/config/cronsnap-config';
import { parseConfig } from '../lib/config/load-config';
import { functionKey, hostKey, startCallRecorder, type CallRecorder, type RecordedCall } from '../lib/local/aws-call-recorder';
import { startEtcdCluster, type EtcdCluster } from '../lib/local/etcd-cluster';
import { dumpKeys } from '../lib/local/etcd-server';
import { LocalBackupService } from '../lib/local/local-backup-service';
import { startMySql, type MySqlServer } from '../lib/local/mysql-server';
import { MOTO_CREDENTIALS, motoClientConfig, startMoto, type Moto } from '../lib/local/moto-server';
import { startPostgres, type Postgres } from '../lib/local/postgres-server';

const ETCD_HOSTS = ['mi-0c0ffee0000000001', 'mi-0c0ffee0000000002', 'mi-0c0ffee0000000003'];
const DB_HOST = 'mi-0c0ffee0000000004';
// The demo test picks its own, to search everything the demo prints for it.
const PASSWORD = process.env.CRONSNAP_DEMO_PASSWORD ?? 'demo-password';
const REPORT_DIR = join(__dirname, '..', '.tmp', 'demo-report');

interface Step {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const steps: Step[] = [];
function record(name: string, ok: boolean, detail: string): void {
  steps.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
}

async function seedDatabases(mariadb: MySqlServer, postgres: Postgres): Promise<void> {
  await mariadb.sql(`CREATE DATABASE shop CHARACTER SET utf8mb4;
    CREATE TABLE shop.orders (id INT PRIMARY KEY, customer VARCHAR(64), total DECIMAL(10,2), note TEXT) ENGINE=InnoDB;
    INSERT INTO shop.orders SELECT seq, CONCAT('kunde-', seq % 37, ' 顧客'), ROUND(seq * 3.17, 2), CONCAT('order ', seq, ' ✓') FROM shop.seq_0_to_499;
    CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT ALL PRIVILEGES ON *.* TO 'backup'@'127.0.0.1';`);
  // Through stdin: the postgres user cannot read this process's private temp dir.
  await postgres.shell(`psql -X -q -v ON_ERROR_STOP=1 -d postgres <<'SQL'
CREATE ROLE backup LOGIN SUPERUSER PASSWORD '${PASSWORD}';
CREATE DATABASE shop;
\\c shop
CREATE TABLE orders (id int PRIMARY KEY, customer text, total numeric(10,2), note text);
INSERT INTO orders SELECT i, 'kunde-' || (i % 37) || ' 顧客', round(i * 3.17, 2), 'order ' || i || ' ✓' FROM generate_series(0, 499) i;
SQL`);
}

const mysqlChecksum = (db: MySqlServer) => db.sql('CHECKSUM TABLE shop.orders EXTENDED');
const postgresHash = (pg: Postgres) => pg.sql("SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM orders t", 'shop');

function demoConfig(cluster: EtcdCluster, mariadb: MySqlServer, postgres: Postgres, dir: string): CronsnapConfigInput {
  const targets = { instanceIds: [DB_HOST] };
  return {
    version: 1,
    jobs: [
      {
        name: 'demo-etcd',
        engine: 'etcd',
        schedule: '*/30 * * * *',
        targets: { instanceIds: ETCD_HOSTS },
        etcd: {
          endpoints: cluster.members.map((member) => member.clientUrl),
          workDir: dir,
          initialClusterToken: cluster.token,
          members: cluster.members.map((member, i) => ({ name: member.name, instanceId: ETCD_HOSTS[i] ?? '', dataDir: member.dataDir })),
          service: { stop: `${cluster.control} stop`, start: `${cluster.control} start`, healthTimeoutSeconds: 60 },
        },
        drill: { schedule: '0 4 * * 0', workDir: dir },
      },
      {
        name: 'demo-mysql',
        engine: 'mysql',
        schedule: '30 1 * * *',
        // Local time, where the others run in UTC.
        timezone: 'Europe/Berlin',
        targets,
        workDir: dir,
        mysql: { hosts: [`127.0.0.1:${mariadb.port}`], user: 'backup', passwordParameter: '/cronsnap/demo/password', databases: ['shop'] },
        drill: { schedule: '0 5 * * 0', workDir: dir },
      },
      {
        name: 'demo-postgres',
        engine: 'postgres',
        schedule: '45 1 * * *',
        targets,
        workDir: dir,
        // The postgres job reads its password from Secrets Manager, the mysql job from SSM: both ways run.
        postgres: { server: `127.0.0.1:${postgres.port}`, user: 'backup', passwordSecret: { id: 'cronsnap/demo/postgres', jsonKey: 'password' }, databases: ['shop'] },
        drill: { schedule: '0 6 * * 0', timezone: 'America/New_York', workDir: dir },
      },
    ],
  };
}

async function main(): Promise<number> {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-demo-'));
  let moto: Moto | undefined;
  let cluster: EtcdCluster | undefined;
  let mariadb: MySqlServer | undefined;
  let postgres: Postgres | undefined;
  // CRONSNAP_DEMO_CALLS=<file>: every AWS call of the functions and hosts goes through a recorder
  // and is written there, with the config, for the demo test's IAM audit.
  const callsFile = process.env.CRONSNAP_DEMO_CALLS;
  let recorder: CallRecorder | undefined;
  try {
    console.log('starting moto_server (S3, KMS, SSM, Secrets Manager), a 3-member etcd cluster, MariaDB and PostgreSQL on loopback ...');
    [moto, cluster, mariadb, postgres] = await Promise.all([startMoto(), startEtcdCluster(join(dir, 'etcd'), ['etcd-a', 'etcd-b', 'etcd-c'], 'demo-token'), startMySql(), startPostgres()]);
    const { bucket, kmsKeyId } = await moto.createBackupBucket('cronsnap-demo-backups');
    await moto.putSecureString('/cronsnap/demo/password', PASSWORD);
    await moto.createSecret('cronsnap/demo/postgres', JSON.stringify({ username: 'backup', password: PASSWORD }));
    const [leader] = cluster.members;
    if (!leader) throw new Error('no etcd member');
    for (let i = 0; i < 200; i += 1) await leader.etcdctl(['put', `/registry/configmaps/demo/cm-${i}`, `{"index":${i},"note":"cronsnap demo ✓"}`]);
    await seedDatabases(mariadb, postgres);
    const before = { etcd: await dumpKeys(leader), mysql: await mysqlChecksum(mariadb), postgres: await postgresHash(postgres) };
    record('sample data', true, `200 etcd keys, 500 rows in MariaDB shop.orders and in PostgreSQL shop.orders (${((Date.now() - started) / 1000).toFixed(1)} s to start)`);

    const configInput = demoConfig(cluster, mariadb, postgres, dir);
    const config = parseConfig(configInput);
    recorder = callsFile ? await startCallRecorder(moto.endpoint) : undefined;
    const endpoint = recorder?.endpoint ?? moto.endpoint;
    const signedAs = (accessKeyId: string) => new S3Client(motoClientConfig(endpoint, accessKeyId));
    const hostEnv = { ...moto.env, CRONSNAP_AWS_ENDPOINT_URL: endpoint, CRONSNAP_LOCK_DIR: join(dir, 'locks') };
    const service = new LocalBackupService({
      config,
      s3: moto.s3(),
      ...(recorder ? { s3As: (fn: string) => signedAs(functionKey(fn)), hostAccessKey: hostKey, recordCall: (call: RecordedCall) => recorder?.calls.push(call) } : {}),
      bucket,
      kmsKeyId,
      hosts: {
        ...Object.fromEntries(ETCD_HOSTS.map((host, i) => [host, { env: { CRONSNAP_TEST_MEMBER: cluster?.members[i]?.name ?? '' } }])),
        [DB_HOST]: {},
      },
      hostEnv,
      restoreWorkDir: dir,
    });

    const runs = new Map<string, string>();
    for (const job of config.jobs) {
      const { start, completions } = await service.runJob(job.name, `demo-${job.name}-${started}`);
      const failed = completions.filter((completion) => completion.kind !== 'succeeded');
      const bytes = completions.reduce((sum, completion) => sum + (completion.kind === 'succeeded' ? storedBytes(completion.manifest) : 0), 0);
      if (start.kind === 'started') runs.set(job.name, start.runId);
      record(`backup ${job.name}`, start.kind === 'started' && failed.length === 0, failed.length ? JSON.stringify(failed) : `${completions.length} hosts, ${bytes} bytes stored, run ${start.kind === 'started' ? start.runId : start.kind}`);
    }

    // Each backup restored into scratch space (a throwaway etcd, scratch databases) and checked against its manifest.
    for (const job of config.jobs) {
      const outcome = await service.drill(job.name, `demo-drill-${job.name}-${started}`);
      const result = outcome.kind === 'drilled' ? outcome.result : undefined;
      record(`drill ${job.name}`, result?.passed === true, result ? `${result.checks.filter((check) => check.passed).length}/${result.checks.length} checks passed${result.reason ? `: ${result.reason}` : ''}` : 'already ran');
    }

    // The operator lists the etcd backups and keeps the newest before touching anything: retention never prunes it.
    const [newest] = (await service.listBackups('demo-etcd')).backups;
    const kept = await service.keep({ job: 'demo-etcd', runId: newest?.runId ?? '', forever: true, reason: 'last backup before the outage' }, 'demo operator');
    record('keep demo-etcd', kept.kind === 'kept' && kept.runId === runs.get('demo-etcd'), `run ${kept.runId}, the newest listed, kept until unkept`);

    // Damage: two etcd members lost with their data (no quorum); both shop databases dropped.
    for (const member of cluster.members.slice(1)) {
      await member.stop();
      rmSync(member.dataDir, { recursive: true, force: true });
    }
    await mariadb.sql('DROP DATABASE shop');
    await postgres.shell('dropdb shop');
    record('damage', true, 'etcd lost quorum (2 of 3 members and their data gone); DROP DATABASE shop in MariaDB and PostgreSQL');

    const confirm = (job: string) => ({ job, backup: runs.get(job) ?? 'latest', dryRun: false, confirm: job });
    await service.restore(confirm('demo-etcd'), (line) => console.log(`     etcd restore: ${line}`));
    const restoredKeys = await Promise.all(cluster.members.map((member) => dumpKeys(member)));
    record('restore etcd', restoredKeys.every((keys) => JSON.stringify(keys) === JSON.stringify(before.etcd)), `every member of the new cluster holds the ${Object.keys(before.etcd).length} keys of the snapshot`);
    await service.restore({ ...confirm('demo-mysql'), databases: ['shop'] });
    record('restore mysql', (await mysqlChecksum(mariadb)) === before.mysql, 'shop.orders CHECKSUM TABLE equal to before the damage');
    await service.restore({ ...confirm('demo-postgres'), databases: ['shop'] });
    record('restore postgres', (await postgresHash(postgres)) === before.postgres, 'md5 over the ordered rows of shop.orders equal to before the damage');

    Object.assign(process.env, MOTO_CREDENTIALS);
    mkdirSync(REPORT_DIR, { recursive: true });
    // compliance-report reads the backups through the recorder, as itself; S3 Inventory is played by the harness.
    const reportSigning = recorder ? { s3As: (fn: string) => signedAs(functionKey(fn)), recordCall: (call: RecordedCall) => recorder?.calls.push(call), expectActing: () => undefined } : undefined;
    const backend = new LocalBackend({ config, bucket, kmsKeyId, endpointUrl: moto.endpoint, workDir: dir, ...(reportSigning ? { signing: reportSigning } : {}) });
    const { report, location } = await backend.report(REPORT_DIR);
    const failing = report.jobs.flatMap((job) => job.checks.filter((check) => !check.ok).map((check) => `${job.job} ${check.rule}: ${check.detail}`));
    record('compliance report', report.ok, `${report.inventory.rows} inventory rows; ${report.ok ? 'every job compliant' : failing.join('; ')}; ${location}`);

    if (recorder && callsFile) {
      writeFileSync(callsFile, JSON.stringify({ bucket, kmsKeyId, config: configInput, calls: recorder.calls }));
    }
    const ok = steps.every((step) => step.ok);
    console.log(`\n${ok ? 'demo passed' : 'demo FAILED'}: ${steps.filter((step) => step.ok).length}/${steps.length} steps in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return ok ? 0 : 1;
  } finally {
    await Promise.all([cluster?.stop(), mariadb?.stop(), postgres?.stop(), recorder?.stop(), moto?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
