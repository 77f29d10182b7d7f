/**
 * A restore drill of an etcd backup (download, both sha256s, snapshot status, snapshot restore,
 * a throwaway member started and read back, clean-up) against the plain restore an operator
 * would type for the same backup (aws s3 cp, zstd -d, etcdctl snapshot restore), on
 * BENCH_ETCD_MB (default 256) MB of keys. Target (issue 10): at most 1.2x.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../lib/config/load-config';
import { startEtcd } from '../lib/local/etcd-server';
import { LocalBackupService } from '../lib/local/local-backup-service';
import { startMoto } from '../lib/local/moto-server';
import { run } from '../lib/local/run-command';
import { fillEtcd } from './etcd-snapshot-pipeline';
import { timed, type BenchResult } from './timing';

const MB = 1024 * 1024;

export async function benchEtcdDrill(): Promise<BenchResult[]> {
  const targetMb = Number(process.env.BENCH_ETCD_MB ?? 256);
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-bench-drill-'));
  const moto = await startMoto();
  const etcd = await startEtcd({ name: 'bench', extraArgs: ['--quota-backend-bytes', String(4 * 1024 * MB), '--max-request-bytes', String(2 * MB)] });
  try {
    const { bucket, kmsKeyId } = await moto.createBackupBucket('cronsnap-bench-drill');
    await fillEtcd(etcd.clientUrl, targetMb);
    const host = 'mi-0be0c0000000000b3';
    const service = new LocalBackupService({
      config: parseConfig({
        version: 1,
        jobs: [{ name: 'bench-etcd', engine: 'etcd', schedule: '@daily', targets: { instanceIds: [host] }, etcd: { endpoints: [etcd.clientUrl], workDir: dir }, drill: { schedule: '@weekly', workDir: dir } }],
      }),
      s3: moto.s3(),
      bucket,
      kmsKeyId,
      hosts: { [host]: {} },
      hostEnv: { ...moto.env, CRONSNAP_LOCK_DIR: join(dir, 'locks') },
    });
    const [completion] = (await service.runJob('bench-etcd', `bench-${Date.now()}`)).completions;
    if (completion?.kind !== 'succeeded') throw new Error(`backup failed: ${JSON.stringify(completion)}`);
    const { payload } = completion.manifest;

    const plainDir = join(dir, 'plain');
    const plain = await timed(() =>
      run('bash', [
        '-c',
        `set -euo pipefail; mkdir '${plainDir}'; aws --endpoint-url '${moto.endpoint}' s3 cp 's3://${bucket}/${payload.key}' - --only-show-errors | zstd -q -d -c > '${plainDir}/snapshot.db'
         ETCDCTL_API=3 etcdctl snapshot restore '${plainDir}/snapshot.db' --data-dir '${plainDir}/data' > /dev/null 2>&1`,
      ], moto.env),
    );
    rmSync(plainDir, { recursive: true, force: true });

    const drill = await timed(() => service.drill('bench-etcd', `bench-drill-${Date.now()}`));
    if (drill.result.kind !== 'drilled' || !drill.result.result.passed) throw new Error(`drill failed: ${JSON.stringify(drill.result)}`);
    return [
      {
        name: 'etcd restore drill / plain restore',
        ratio: drill.seconds / plain.seconds,
        detail: `${(payload.rawSize / MB).toFixed(0)} MB snapshot: aws s3 cp | zstd -d + snapshot restore ${plain.seconds.toFixed(2)} s, drill ${drill.seconds.toFixed(2)} s [target <= 1.2x]`,
      },
    ];
  } finally {
    await Promise.all([etcd.stop(), moto.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
