/**
 * A restore drill of an etcd backup (one streaming download with its sha256, snapshot restore,
 * a throwaway member started and read back, clean-up) against the plain restore an operator
 * would type for the same backup (aws s3 cp, zstd -d, etcdctl snapshot restore), on
 * BENCH_ETCD_MB (default 256) MB of keys, each timed BENCH_ROUNDS times in turn (median).
 * Target (issue 10): at most 1.2x.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/local/run-command';
import { withFilledEtcd } from './filled-etcd';
import { sideBySide, type BenchResult } from './timing';

const MB = 1024 * 1024;

export async function benchEtcdDrill(): Promise<BenchResult[]> {
  return withFilledEtcd('cronsnap-bench-drill', async ({ dir, moto, bucket, service: serviceFor }) => {
    const service = serviceFor('mi-0be0c0000000000b3', { drill: { schedule: '@weekly', workDir: dir } });
    const [completion] = (await service.runJob('bench-etcd', `bench-${Date.now()}`)).completions;
    if (completion?.kind !== 'succeeded') throw new Error(`backup failed: ${JSON.stringify(completion)}`);
    const { payload } = completion.manifest;

    const plainDir = join(dir, 'plain');
    const { plain, drill } = await sideBySide({
      plain: async () => {
        await run(
          'bash',
          [
            '-c',
            `set -euo pipefail; mkdir '${plainDir}'; aws --endpoint-url '${moto.endpoint}' s3 cp 's3://${bucket}/${payload.key}' - --only-show-errors | zstd -q -d -c > '${plainDir}/snapshot.db'
           ETCDCTL_API=3 etcdctl snapshot restore '${plainDir}/snapshot.db' --data-dir '${plainDir}/data' > /dev/null 2>&1`,
          ],
          moto.env,
        );
        rmSync(plainDir, { recursive: true, force: true });
      },
      drill: async () => {
        const outcome = await service.drill('bench-etcd', `bench-drill-${Date.now()}`);
        if (outcome.kind !== 'drilled' || !outcome.result.passed) throw new Error(`drill failed: ${JSON.stringify(outcome)}`);
      },
    });
    return [
      {
        name: 'etcd restore drill / plain restore',
        ratio: drill.seconds / plain.seconds,
        detail: `${(payload.rawSize / MB).toFixed(0)} MB snapshot: aws s3 cp | zstd -d + snapshot restore ${plain.seconds.toFixed(2)} s, drill ${drill.seconds.toFixed(2)} s [target <= 1.2x]`,
      },
    ];
  });
}
