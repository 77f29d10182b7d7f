import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../lib/config/load-config';
import { startEtcd, type Etcd } from '../lib/local/etcd-server';
import type { LocalBackupService } from '../lib/local/local-backup-service';
import { startMoto } from '../lib/local/moto-server';
import { benchService, type BenchStorage } from './bench-storage';

const MB = 1024 * 1024;

/** Values half random, half repetitive: compressible the way real object specs are, not more. */
function sampleValue(bytes: number): Buffer {
  const random = randomBytes(bytes / 2);
  return Buffer.concat([random, Buffer.alloc(bytes / 2, random.subarray(0, 64).toString('hex'))]);
}

/** Kubernetes objects are a few KB each; a keyspace of 1 MB values would make every per-key read unrealistically dear. */
const VALUE_BYTES = 8 * 1024;
/** etcd's default --max-txn-ops. */
const PUTS_PER_TXN = 128;

/**
 * Puts `megabytes` MB of 8 KB keys through the v3 HTTP gateway, 128 to a transaction (1 MB a
 * request), shaped like a cluster's registry (etcdctl would start once per key).
 */
async function fillEtcd(clientUrl: string, megabytes: number): Promise<void> {
  const base64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
  for (let batch = 0; batch < megabytes; batch += 1) {
    const success = Array.from({ length: PUTS_PER_TXN }, (_, i) => ({
      requestPut: { key: base64(`/registry/bench/ns-${batch % 16}/obj-${batch * PUTS_PER_TXN + i}`), value: base64(sampleValue(VALUE_BYTES)) },
    }));
    const response = await fetch(`${clientUrl}/v3/kv/txn`, { method: 'POST', body: JSON.stringify({ success }) });
    if (!response.ok) throw new Error(`txn ${batch}: HTTP ${response.status} ${await response.text()}`);
  }
}

export interface FilledEtcd extends BenchStorage {
  readonly etcd: Etcd;
  /** The local service for job `bench-etcd` on one host, backing up `etcd`; `job` adds fields. */
  service(host: string, job?: Record<string, unknown>): LocalBackupService;
}

/**
 * moto and one etcd holding `megabytes` (default BENCH_ETCD_MB, else 256) MB of keys, for `work`;
 * everything is stopped and removed afterwards.
 */
export async function withFilledEtcd<T>(bucketName: string, work: (bench: FilledEtcd) => Promise<T>, megabytes = Number(process.env.BENCH_ETCD_MB ?? 256)): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), `${bucketName}-`));
  const moto = await startMoto();
  const etcd = await startEtcd({ name: 'bench', extraArgs: ['--quota-backend-bytes', String(4 * 1024 * MB), '--max-request-bytes', String(2 * MB)] });
  try {
    const { bucket, kmsKeyId } = await moto.createBackupBucket(bucketName);
    await fillEtcd(etcd.clientUrl, megabytes);
    const storage = { dir, moto, bucket, kmsKeyId };
    const service = (host: string, job: Record<string, unknown> = {}) =>
      benchService(
        storage,
        parseConfig({
          version: 1,
          jobs: [{ name: 'bench-etcd', engine: 'etcd', schedule: '@daily', targets: { instanceIds: [host] }, etcd: { endpoints: [etcd.clientUrl], workDir: dir }, ...job }],
        }),
        host,
      );
    return await work({ ...storage, etcd, service });
  } finally {
    await Promise.all([etcd.stop(), moto.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
