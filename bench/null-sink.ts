import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { makeTlsFiles } from '../lib/local/etcd-server';
import { LocalBackupService } from '../lib/local/local-backup-service';
import type { Moto } from '../lib/local/moto-server';
import { startDiscardingAws } from './discarding-aws';

export interface NullSinkOptions {
  readonly service: LocalBackupService;
  readonly moto: Moto;
  readonly bucket: string;
  readonly kmsKeyId: string;
  readonly host: string;
  readonly dir: string;
  readonly job: string;
  /** What the stand-in SSM answers for the job's password parameter. */
  readonly password?: string;
}

export interface NullSink {
  /** Environment that points the `aws` CLI (through CRONSNAP_AWS_ENDPOINT_URL) at the discarding endpoint. */
  readonly env: Record<string, string>;
  /** One run of the job; fails unless the host script succeeded and uploaded something. */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs of `job` whose S3 writes go, through the real `aws` CLI, to an endpoint that discards them
 * (see discarding-aws.ts).
 */
export async function startNullSink(options: NullSinkOptions): Promise<NullSink> {
  const sink = await startDiscardingAws(options.password ?? '', await makeTlsFiles(mkdtempSync(join(options.dir, 'sink-tls-'))));
  const service = new LocalBackupService({
    config: options.service.config,
    s3: options.moto.s3(),
    bucket: options.bucket,
    kmsKeyId: options.kmsKeyId,
    hosts: { [options.host]: { env: sink.env } },
    hostEnv: { ...options.moto.env, CRONSNAP_LOCK_DIR: join(options.dir, 'locks') },
  });
  return {
    env: sink.env,
    async runOnce() {
      const before = sink.discardedBytes();
      const { start } = await service.runJob(options.job, `bench-sink-${Date.now()}`);
      const succeeded = start.kind === 'started' && (await service.runner.invocation(start.commandId, options.host)).status === 'Success';
      if (!succeeded || sink.discardedBytes() === before) throw new Error(`null-sink run of ${options.job} failed`);
    },
    stop: () => sink.stop(),
  };
}
