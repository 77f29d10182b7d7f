/**
 * Issue 24's restore bench: a cronsnap restore to a second (the dump, every shipped binary log
 * checked against its manifest and read once for the filter's checks, then replayed under a new
 * name) against what an operator types for the same point: `aws s3 cp | zstd -d | mysql` of the
 * dump over the live database, then each log downloaded and `mysqlbinlog --start-position
 * --stop-datetime | mysql`. On BENCH_MYSQL_MB (default 300) MB of rows and BENCH_BINLOG_ROWS
 * (default 400,000) rows written after the dump; BENCH_ROUNDS rounds in turn (median).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/local/run-command';
import { withFilledMariaDb } from './filled-mariadb';
import { sideBySide, type BenchResult } from './timing';

const MB = 1024 * 1024;

export async function benchPointInTimeRestore(): Promise<BenchResult[]> {
  return withFilledMariaDb('cronsnap-bench-pitr', async ({ db, moto, bucket, clientCnf, dir, service: serviceFor }) => {
    await db.sql("SET GLOBAL binlog_format = 'ROW'");
    const service = serviceFor('mi-0be0c0000000000d4', { databases: ['bench'] }, { binlogs: { schedule: '*/15 * * * *' } });
    const [dump] = (await service.runJob('bench-mysql', `bench-dump-${Date.now()}`)).completions;
    const manifest = dump?.kind === 'succeeded' ? dump.manifest : undefined;
    if (manifest?.engine !== 'mysql') throw new Error(`backup failed: ${JSON.stringify(dump)}`);
    const rows = Number(process.env.BENCH_BINLOG_ROWS ?? 400_000);
    for (let written = 0; written < rows; written += 100_000) {
      await db.sql(`INSERT INTO bench.sbtest1 (k, c, pad) SELECT k, c, pad FROM bench.sbtest1 LIMIT ${Math.min(100_000, rows - written)}`);
    }
    const second = async () => Number((await db.sql('SELECT UNIX_TIMESTAMP()')).trim());
    const target = await second();
    while ((await second()) <= target) await new Promise((resolve) => setTimeout(resolve, 100));
    await db.sql("INSERT INTO bench.sbtest1 (k, c, pad) VALUES (0, 'after the target', '')");
    const [shipped] = (await service.runJob('bench-mysql', `bench-ship-${Date.now()}`, new Date(), 'binlogs')).completions;
    if (shipped?.kind !== 'shipped') throw new Error(`binlog shipping failed: ${JSON.stringify(shipped)}`);
    const toTime = new Date(target * 1000).toISOString().replace('.000Z', 'Z');
    const plan = await service.restore({ job: 'bench-mysql', backup: 'latest', toTime, databases: ['bench'], targetDatabase: 'bench_pitr' });
    if (plan.kind !== 'database' || plan.pointInTime?.kind !== 'binlogs') throw new Error(`no plan: ${JSON.stringify(plan)}`);
    const { logs, dump: base } = plan.pointInTime;
    const files = Array.from({ length: logs.count }, (_, index) => `binlog.${String(Number(logs.first.split('.')[1]) + index).padStart(6, '0')}`);
    const stop = new Date((target + 1) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    const mysql = `mysql --defaults-extra-file='${clientCnf}' --protocol=TCP -h 127.0.0.1 -P ${db.port}`;
    const aws = `aws --endpoint-url '${moto.endpoint}' s3 cp --only-show-errors`;
    const logDir = join(dir, 'by-hand-logs');
    mkdirSync(logDir, { recursive: true });
    const byHandScript = [
      'set -eo pipefail',
      `${aws} 's3://${bucket}/${manifest.payload.key}' - | zstd -q -d -c | ${mysql}`,
      ...files.map((file) => `${aws} 's3://${bucket}/bench-mysql/binlogs/${manifest.mysql.binlogServer}/${file}.zst' - | zstd -q -d -c >'${logDir}/${file}'`),
      `TZ=UTC mysqlbinlog --start-position=${base.binlogPosition} --stop-datetime='${stop}' ${files.map((file) => `'${logDir}/${file}'`).join(' ')} | ${mysql}`,
    ].join('\n');

    const { byHand, cronsnap } = await sideBySide({
      byHand: () => run('bash', ['-c', byHandScript], moto.env),
      cronsnap: async () => {
        const restored = await service.restore({ job: 'bench-mysql', backup: 'latest', toTime, databases: ['bench'], targetDatabase: 'bench_pitr', dryRun: false, confirm: 'bench-mysql' });
        if (restored.kind !== 'database' || !restored.report.binlogsReplayed) throw new Error(`restore failed: ${JSON.stringify(restored)}`);
        await run('sh', ['-c', `${mysql} -e 'DROP DATABASE bench_pitr'`]);
      },
    });
    const logBytes = Number((await run('du', ['-sb', logDir])).split('\t')[0]);
    return [
      {
        name: 'mysql restore to a time / by hand',
        ratio: cronsnap.seconds / byHand.seconds,
        detail: `${(manifest.payload.rawSize / MB).toFixed(0)} MB dump + ${logs.count} binary logs (${(logBytes / MB).toFixed(0)} MB): dump | mysql then mysqlbinlog | mysql ${byHand.seconds.toFixed(1)} s, cronsnap restore to ${toTime} under a new name ${cronsnap.seconds.toFixed(1)} s`,
      },
    ];
  });
}
