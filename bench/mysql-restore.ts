/**
 * A cronsnap restore of a MySQL backup (download, sha256 check, the database's sections under a
 * new name) against the raw restore an operator would type for the same backup (aws s3 cp |
 * zstd -d | mysql, over the live database), on BENCH_MYSQL_MB (default 300) MB of sysbench rows.
 * Each is timed BENCH_ROUNDS times in turn (median). Issue 9's table: restore vs raw restore.
 */
import { run } from '../lib/local/run-command';
import { withFilledMariaDb } from './filled-mariadb';
import { sideBySide, type BenchResult } from './timing';

const MB = 1024 * 1024;

export async function benchMysqlRestore(): Promise<BenchResult[]> {
  return withFilledMariaDb('cronsnap-bench-mysql-restore', async ({ db, moto, bucket, clientCnf, service: serviceFor }) => {
    const service = serviceFor('mi-0be0c0000000000b4', { databases: ['bench'] });
    const [completion] = (await service.runJob('bench-mysql', `bench-${Date.now()}`)).completions;
    if (completion?.kind !== 'succeeded') throw new Error(`backup failed: ${JSON.stringify(completion)}`);
    const { payload } = completion.manifest;
    const mysql = `mysql --defaults-extra-file='${clientCnf}' --protocol=TCP -h 127.0.0.1 -P ${db.port}`;

    const { raw, cronsnap } = await sideBySide({
      raw: () =>
        run('bash', ['-c', `set -o pipefail; aws --endpoint-url '${moto.endpoint}' s3 cp 's3://${bucket}/${payload.key}' - --only-show-errors | zstd -q -d -c | ${mysql}`], moto.env),
      cronsnap: async () => {
        const restored = await service.restore({ job: 'bench-mysql', backup: 'latest', databases: ['bench'], targetDatabase: 'bench_restored', dryRun: false, confirm: 'bench-mysql' });
        if (restored.kind !== 'database' || restored.report.restored.length !== 1) throw new Error(`restore failed: ${JSON.stringify(restored)}`);
        await run('sh', ['-c', `${mysql} -e 'DROP DATABASE bench_restored'`]);
      },
    });
    return [
      {
        name: 'mysql restore / raw restore',
        ratio: cronsnap.seconds / raw.seconds,
        detail: `${(payload.rawSize / MB).toFixed(0)} MB dump: aws s3 cp | zstd -d | mysql ${raw.seconds.toFixed(2)} s, cronsnap restore under a new name ${cronsnap.seconds.toFixed(2)} s`,
      },
    ];
  });
}
