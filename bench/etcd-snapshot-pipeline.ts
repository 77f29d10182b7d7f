/**
 * Snapshot-to-S3 (the whole host script: health, snapshot, verify, sha256, zstd, upload, manifest)
 * against `etcdctl snapshot save` alone, on one etcd holding a keyspace of BENCH_ETCD_MB (default
 * 256) MB. Both run on this machine in the same process tree; the ratio is what matters.
 * Each is timed BENCH_ROUNDS times in turn (median). Target (issue 3): at most 1.5x. Beside the
 * full run it times the snapshot, `zstd | aws s3 cp -` alone: the floor the aws CLI's upload sets.
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../lib/local/run-command';
import { withFilledEtcd } from './filled-etcd';
import { startNullSink } from './null-sink';
import { sideBySide, type BenchResult } from './timing';

const MB = 1024 * 1024;

export async function benchEtcdSnapshotPipeline(): Promise<BenchResult[]> {
  return withFilledEtcd('cronsnap-bench', async ({ dir, moto, etcd, bucket, kmsKeyId, service: serviceFor }) => {
    const host = 'mi-0be0c0000000000b1';
    const service = serviceFor(host);
    const sink = await startNullSink({ service, moto, bucket, kmsKeyId, host, dir, job: 'bench-etcd' });
    try {
      const plainDb = join(dir, 'plain.db');
      let dbBytes = 0;
      const { plain, pipeline, nullSink, cliFloor } = await sideBySide({
        plain: async () => {
          await run('etcdctl', [`--endpoints=${etcd.clientUrl}`, 'snapshot', 'save', plainDb], { ETCDCTL_API: '3' });
          dbBytes = statSync(plainDb).size;
          rmSync(plainDb);
        },
        pipeline: async () => {
          const [completion] = (await service.runJob('bench-etcd', `bench-${Date.now()}`)).completions;
          if (completion?.kind !== 'succeeded') throw new Error(`pipeline failed: ${JSON.stringify(completion)}`);
          return completion.manifest.payload.size;
        },
        nullSink: () => sink.runOnce(),
        // Nothing of cronsnap's (no health check, verify, hashes or manifest): the snapshot, then
        // compressing and the aws CLI's upload alone, the least any run through the CLI can take.
        cliFloor: async () => {
          await sink.uploadOutputOf(`ETCDCTL_API=3 etcdctl --endpoints=${etcd.clientUrl} snapshot save '${plainDb}' >/dev/null && zstd -q -1 -T0 -c '${plainDb}'`);
          rmSync(plainDb);
        },
      });
      const detail =
        `db ${(dbBytes / MB).toFixed(0)} MB: snapshot save ${plain.seconds.toFixed(2)} s, ` +
        `snapshot-to-S3 ${pipeline.seconds.toFixed(2)} s (${(pipeline.result / MB).toFixed(0)} MB zstd) [target <= 1.5x]`;
      return [
        { name: 'etcd snapshot-to-S3 / snapshot save', ratio: pipeline.seconds / plain.seconds, detail },
        {
          name: 'etcd snapshot-to-null-sink / snapshot save',
          ratio: nullSink.seconds / plain.seconds,
          detail: `the same run, the aws CLI uploading to an endpoint that discards: ${nullSink.seconds.toFixed(2)} s (what moto's ingest costs: ${(pipeline.seconds - nullSink.seconds).toFixed(2)} s)`,
        },
        {
          name: 'etcd snapshot | zstd | aws s3 cp / save',
          ratio: cliFloor.seconds / plain.seconds,
          detail: `the floor under both rows above: snapshot, compression and the aws CLI's upload to the discarding endpoint alone, ${cliFloor.seconds.toFixed(2)} s [the full run's target <= 1.5x]`,
        },
      ];
    } finally {
      await sink.stop();
    }
  });
}
