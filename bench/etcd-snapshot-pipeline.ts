/**
 * Snapshot-to-S3 (the whole host script: health, snapshot, verify, sha256, zstd, upload, manifest)
 * against `etcdctl snapshot save` alone, on one etcd holding a keyspace of BENCH_ETCD_MB (default
 * 256) MB. Both run on this machine in the same process tree; the ratio is what matters.
 * Target (issue 3): at most 1.5x.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../lib/config/load-config';
import { startEtcd } from '../lib/local/etcd-server';
import { LocalBackupService } from '../lib/local/local-backup-service';
import { startMoto } from '../lib/local/moto-server';
import { run } from '../lib/local/run-command';
import { timeNullSinkRun } from './null-sink';
import { timed, type BenchResult } from './timing';

const MB = 1024 * 1024;

/** Values half random, half repetitive: compressible the way real object specs are, not more. */
function sampleValue(bytes: number): Buffer {
  const random = randomBytes(bytes / 2);
  return Buffer.concat([random, Buffer.alloc(bytes / 2, random.subarray(0, 64).toString('hex'))]);
}

/** Puts `megabytes` keys of 1 MB each through the v3 HTTP gateway (etcdctl would start once per key). */
export async function fillEtcd(clientUrl: string, megabytes: number): Promise<void> {
  for (let i = 0; i < megabytes; i += 1) {
    const response = await fetch(`${clientUrl}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from(`/bench/${i}`).toString('base64'), value: sampleValue(MB).toString('base64') }),
    });
    if (!response.ok) throw new Error(`put ${i}: HTTP ${response.status} ${await response.text()}`);
  }
}

export async function benchEtcdSnapshotPipeline(): Promise<BenchResult[]> {
  const targetMb = Number(process.env.BENCH_ETCD_MB ?? 256);
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-bench-'));
  const moto = await startMoto();
  const etcd = await startEtcd({ name: 'bench', extraArgs: ['--quota-backend-bytes', String(4 * 1024 * MB), '--max-request-bytes', String(2 * MB)] });
  try {
    const { bucket, kmsKeyId } = await moto.createBackupBucket('cronsnap-bench');
    await fillEtcd(etcd.clientUrl, targetMb);

    const plain = await timed(() => run('etcdctl', [`--endpoints=${etcd.clientUrl}`, 'snapshot', 'save', join(dir, 'plain.db')], { ETCDCTL_API: '3' }));
    const dbBytes = statSync(join(dir, 'plain.db')).size;
    rmSync(join(dir, 'plain.db'));

    const host = 'mi-0be0c0000000000b1';
    const service = new LocalBackupService({
      config: parseConfig({ version: 1, jobs: [{ name: 'bench-etcd', engine: 'etcd', schedule: '@daily', targets: { instanceIds: [host] }, etcd: { endpoints: [etcd.clientUrl], workDir: dir } }] }),
      s3: moto.s3(),
      bucket,
      kmsKeyId,
      hosts: { [host]: {} },
      hostEnv: { ...moto.env, CRONSNAP_LOCK_DIR: join(dir, 'locks') },
    });
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
  } finally {
    await Promise.all([etcd.stop(), moto.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
