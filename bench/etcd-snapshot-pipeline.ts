/**
 * Snapshot-to-S3 (the whole host script: health, snapshot, verify, sha256, zstd, upload, manifest)
 * against `etcdctl snapshot save` alone, on one etcd holding a keyspace of BENCH_ETCD_MB (default
 * 256) MB. Both run on this machine in the same process tree; the ratio is what matters.
 * Target (issue 3): at most 1.5x.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/local/run-command';
import { withFilledEtcd } from './filled-etcd';
import { timeNullSinkRun } from './null-sink';
import { timed, type BenchResult } from './timing';

const MB = 1024 * 1024;

export async function benchEtcdSnapshotPipeline(): Promise<BenchResult[]> {
  return withFilledEtcd('cronsnap-bench', async ({ dir, moto, etcd, bucket, kmsKeyId, service: serviceFor }) => {
    const plain = await timed(() => run('etcdctl', [`--endpoints=${etcd.clientUrl}`, 'snapshot', 'save', join(dir, 'plain.db')], { ETCDCTL_API: '3' }));
    const dbBytes = statSync(join(dir, 'plain.db')).size;
    rmSync(join(dir, 'plain.db'));

    const host = 'mi-0be0c0000000000b1';
    const service = serviceFor(host);
    const pipeline = await timed(() => service.runJob('bench-etcd', `bench-${Date.now()}`));
    const completion = pipeline.result.completions[0];
    if (completion?.kind !== 'succeeded') throw new Error(`pipeline failed: ${JSON.stringify(completion)}`);

    const sinkSeconds = await timeNullSinkRun({ service, moto, bucket, kmsKeyId, host, dir, job: 'bench-etcd' });

    const ratio = pipeline.seconds / plain.seconds;
    const detail =
      `db ${(dbBytes / MB).toFixed(0)} MB: snapshot save ${plain.seconds.toFixed(2)} s, ` +
      `snapshot-to-S3 ${pipeline.seconds.toFixed(2)} s (${(completion.manifest.payload.size / MB).toFixed(0)} MB zstd) [target <= 1.5x]`;
    return [
      { name: 'etcd snapshot-to-S3 / snapshot save', ratio, detail },
      {
        name: 'etcd snapshot-to-null-sink / snapshot save',
        ratio: sinkSeconds / plain.seconds,
        detail: `the same host script with S3 writes discarded: ${sinkSeconds.toFixed(2)} s (what moto's ingest costs: ${(pipeline.seconds - sinkSeconds).toFixed(2)} s)`,
      },
    ];
  });
}
