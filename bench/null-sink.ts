import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { makeTlsFiles } from '../lib/local/etcd-server';
import type { LocalBackupService } from '../lib/local/local-backup-service';
import { run } from '../lib/local/run-command';
import { benchService, type BenchStorage } from './bench-storage';
import { startDiscardingAws } from './discarding-aws';

export interface NullSinkOptions extends BenchStorage {
  /** The service whose config the sink's runs use. */
  readonly service: LocalBackupService;
  readonly host: string;
  readonly job: string;
  /** What the stand-in SSM answers for the job's password parameter. */
  readonly password?: string;
}

export interface NullSink {
  /** One run of the job; fails unless the host script succeeded and uploaded something. */
  runOnce(): Promise<void>;
  /**
   * `COMMAND | aws s3 cp -` to the discarding endpoint, none of the job's script around it: what a
   * bare upload of that output costs. Fails unless the pipeline succeeded and uploaded something.
   */
  uploadOutputOf(command: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs of `job` whose S3 writes go, through the real `aws` CLI, to an endpoint that discards them
 * (see discarding-aws.ts).
 */
export async function startNullSink(options: NullSinkOptions): Promise<NullSink> {
  const sink = await startDiscardingAws(options.password ?? '', await makeTlsFiles(mkdtempSync(join(options.dir, 'sink-tls-'))));
  const service = benchService(options, options.service.config, options.host, sink.env);
  return {
    async runOnce() {
      const before = sink.discardedBytes();
      const { start } = await service.runJob(options.job, `bench-sink-${Date.now()}`);
      const succeeded = start.kind === 'started' && (await service.runner.invocation(start.commandId, options.host)).status === 'Success';
      if (!succeeded || sink.discardedBytes() === before) throw new Error(`null-sink run of ${options.job} failed`);
    },
    async uploadOutputOf(command) {
      const before = sink.discardedBytes();
      await run('bash', ['-c', `set -o pipefail; ${command} | aws --endpoint-url "$CRONSNAP_AWS_ENDPOINT_URL" s3 cp - s3://${options.bucket}/bare --only-show-errors`], {
        ...options.moto.env,
        ...sink.env,
      });
      if (sink.discardedBytes() === before) throw new Error(`the bare upload of ${command} sent nothing`);
    },
    stop: () => sink.stop(),
  };
}
