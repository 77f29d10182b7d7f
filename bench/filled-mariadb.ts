import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../lib/config/load-config';
import type { LocalBackupService } from '../lib/local/local-backup-service';
import { startMySql, type MySqlServer } from '../lib/local/mysql-server';
import { startMoto } from '../lib/local/moto-server';
import { benchService, type BenchStorage } from './bench-storage';

const MB = 1024 * 1024;
export const BENCH_PASSWORD = 'bench-password';

export interface FilledMariaDb extends BenchStorage {
  readonly db: MySqlServer;
  /** A 0600 client option file for the bench user, for the plain commands compared against. */
  readonly clientCnf: string;
  /** A service running job `bench-mysql` (its `mysql` settings overridden by `mysql`, and `job`'s fields added) on `host`. */
  service(host: string, mysql?: Record<string, unknown>, job?: Record<string, unknown>): LocalBackupService;
}

/**
 * A MariaDB holding `megabytes` (default BENCH_MYSQL_MB, else 300) MB of sysbench's oltp rows in
 * `bench.sbtest1` and an empty database `emptydb`, a moto bucket and the job's password, for
 * `work`; all removed afterwards.
 */
export async function withFilledMariaDb<T>(name: string, work: (filled: FilledMariaDb) => Promise<T>, megabytes = Number(process.env.BENCH_MYSQL_MB ?? 300)): Promise<T> {
  const targetMb = megabytes;
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const [moto, db] = await Promise.all([startMoto(), startMySql()]);
  try {
    const { bucket, kmsKeyId } = await moto.createBackupBucket(name);
    await moto.putSecureString('/cronsnap/bench/password', BENCH_PASSWORD);
    await db.sql(`CREATE USER 'backup'@'127.0.0.1' IDENTIFIED BY '${BENCH_PASSWORD}'; GRANT ALL ON *.* TO 'backup'@'127.0.0.1';
      CREATE DATABASE emptydb; CREATE DATABASE bench; CREATE TABLE bench.sbtest1 (id INT AUTO_INCREMENT PRIMARY KEY, k INT NOT NULL, c CHAR(120) NOT NULL, pad CHAR(60) NOT NULL, KEY k_1 (k)) ENGINE=InnoDB;
      INSERT INTO bench.sbtest1 (k, c, pad) VALUES (1, '', '');`);
    // sysbench's oltp rows (c: ten groups of 11 random digits, pad: five), the tables the issue's
    // figures were measured on; random digits are what make gzip's matcher slow and zstd's fast.
    const digits = (groups: number) => `CONCAT_WS('-', ${Array.from({ length: groups }, () => "LPAD(FLOOR(RAND() * 1e11), 11, '0')").join(', ')})`;
    while (Number(await db.sql("SELECT COALESCE(SUM(data_length), 0) FROM information_schema.TABLES WHERE table_schema = 'bench'")) < targetMb * MB) {
      await db.sql(`INSERT INTO bench.sbtest1 (k, c, pad) SELECT FLOOR(RAND() * 1000000), ${digits(10)}, ${digits(5)} FROM bench.sbtest1 LIMIT 500000`);
    }
    const clientCnf = join(dir, 'client.cnf');
    writeFileSync(clientCnf, `[client]\nuser=backup\npassword=${BENCH_PASSWORD}\n`, { mode: 0o600 });
    const storage = { dir, moto, bucket, kmsKeyId };
    const service = (host: string, mysql: Record<string, unknown> = {}, job: Record<string, unknown> = {}) =>
      benchService(
        storage,
        parseConfig({
          version: 1,
          jobs: [{ name: 'bench-mysql', engine: 'mysql', schedule: '@daily', targets: { instanceIds: [host] }, workDir: dir,
            mysql: { hosts: [`127.0.0.1:${db.port}`], user: 'backup', passwordParameter: '/cronsnap/bench/password', ...mysql }, ...job }],
        }),
        host,
      );
    return await work({ ...storage, db, clientCnf, service });
  } finally {
    await Promise.all([db.stop(), moto.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
