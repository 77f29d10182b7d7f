/**
 * The MySQL dump-to-S3 pipeline (mysqldump | sha256 | zstd | upload, plus the manifest) against a
 * plain mysqldump to /dev/null, and zstd -1 against the seeds' `| gzip -6`, on BENCH_MYSQL_MB
 * (default 300) MB of generated sysbench-style rows. Server, dump and compressor share this machine's 2 cores.
 * Targets (issue 4): pipeline at most 1.6x the plain dump; at least 5x faster than the gzip
 * pipeline, with a smaller output.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../lib/config/load-config';
import { LocalBackupService } from '../lib/local/local-backup-service';
import { startMariaDb } from '../lib/local/mariadb-server';
import { startMoto } from '../lib/local/moto-server';
import { run } from '../lib/local/run-command';
import { startNullSink } from './null-sink';
import { sideBySide, timed, type BenchResult } from './timing';

const MB = 1024 * 1024;
const PASSWORD = 'bench-password';

export async function benchMysqlDumpPipeline(): Promise<BenchResult[]> {
  const targetMb = Number(process.env.BENCH_MYSQL_MB ?? 300);
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-bench-mysql-'));
  const [moto, db] = await Promise.all([startMoto(), startMariaDb()]);
  try {
    const { bucket, kmsKeyId } = await moto.createBackupBucket('cronsnap-bench-mysql');
    await moto.putSecureString('/cronsnap/bench/password', PASSWORD);
    await db.sql(`CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT ALL ON *.* TO 'backup'@'127.0.0.1';
      CREATE DATABASE bench; CREATE TABLE bench.sbtest1 (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL, KEY k_1 (k)) ENGINE=InnoDB;
      INSERT INTO bench.sbtest1 (k, c, pad) VALUES (1, '', '');`);
    // sysbench's oltp rows (c: ten groups of 11 random digits, pad: five), the tables the issue's
    // figures were measured on; random digits are what make gzip's matcher slow and zstd's fast.
    const digits = (groups: number) => `CONCAT_WS('-', ${Array.from({ length: groups }, () => "LPAD(FLOOR(RAND() * 1e11), 11, '0')").join(', ')})`;
    while (Number(await db.sql("SELECT COALESCE(SUM(data_length), 0) FROM information_schema.TABLES WHERE table_schema = 'bench'")) < targetMb * MB) {
      await db.sql(`INSERT INTO bench.sbtest1 (k, c, pad) SELECT FLOOR(RAND() * 1000000), ${digits(10)}, ${digits(5)} FROM bench.sbtest1 LIMIT 500000`);
    }
    const cnf = join(dir, 'client.cnf');
    await run('sh', ['-c', `printf '[client]\\nuser=backup\\npassword=${PASSWORD}\\n' > '${cnf}'`]);
    const dump = `mysqldump --defaults-extra-file='${cnf}' --protocol=TCP -h 127.0.0.1 -P ${db.port} --single-transaction --routines --triggers --events --hex-blob --all-databases`;

    const host = 'mi-0be0c0000000000b2';
    const service = new LocalBackupService({
      config: parseConfig({
        version: 1,
        jobs: [{ name: 'bench-mysql', engine: 'mysql', schedule: '@daily', targets: { instanceIds: [host] }, workDir: dir,
          mysql: { hosts: [`127.0.0.1:${db.port}`], user: 'backup', passwordParameter: '/cronsnap/bench/password' } }],
      }),
      s3: moto.s3(),
      bucket,
      kmsKeyId,
      hosts: { [host]: {} },
      hostEnv: { ...moto.env, CRONSNAP_LOCK_DIR: join(dir, 'locks') },
    });
    const sink = await startNullSink({ service, moto, bucket, kmsKeyId, host, dir, job: 'bench-mysql', password: PASSWORD });
    let timings;
    try {
      timings = await sideBySide({
        plain: () => run('sh', ['-c', `${dump} > /dev/null`]),
        pipeline: async () => {
          const [completion] = (await service.runJob('bench-mysql', `bench-${Date.now()}`)).completions;
          if (completion?.kind !== 'succeeded') throw new Error(`pipeline failed: ${JSON.stringify(completion)}`);
          return completion.manifest.payload;
        },
        nullSink: () => sink.runOnce(),
        cliStart: () => run('aws', ['--version']),
      });
    } finally {
      await sink.stop();
    }
    const { plain, pipeline, nullSink, cliStart } = timings;
    const payload = pipeline.result;
    // gzip -6 is 10x slower: one round of it, after the rest.
    const gzip = await timed(() => run('bash', ['-c', `set -o pipefail; ${dump} | gzip -6 > '${join(dir, 'dump.sql.gz')}'`]));
    const gzipBytes = statSync(join(dir, 'dump.sql.gz')).size;

    return [
      {
        name: 'mysql dump-to-S3 / plain dump',
        ratio: pipeline.seconds / plain.seconds,
        detail: `${(payload.rawSize / MB).toFixed(0)} MB dump: plain ${plain.seconds.toFixed(2)} s, pipeline ${pipeline.seconds.toFixed(2)} s [target <= 1.6x]`,
      },
      {
        name: 'mysql dump-to-null-sink / plain dump',
        ratio: nullSink.seconds / plain.seconds,
        detail: `the same run, the aws CLI uploading to an endpoint that discards: ${nullSink.seconds.toFixed(2)} s, of which 3 aws CLI starts (secret, upload, manifest) ${(3 * cliStart.seconds).toFixed(2)} s [target <= 1.6x]`,
      },
      {
        name: 'mysql gzip -6 pipeline / null-sink pipeline',
        ratio: gzip.seconds / nullSink.seconds,
        detail: 'both write nothing to S3 [target >= 5x]',
      },
      {
        name: 'mysql gzip -6 pipeline / cronsnap pipeline',
        ratio: gzip.seconds / pipeline.seconds,
        detail: `gzip -6 ${gzip.seconds.toFixed(2)} s, ${(gzipBytes / MB).toFixed(0)} MB; zstd -1 ${(payload.size / MB).toFixed(0)} MB (${((payload.size / gzipBytes) * 100).toFixed(0)}% of gzip) [target >= 5x, smaller]`,
      },
    ];
  } finally {
    await Promise.all([db.stop(), moto.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
