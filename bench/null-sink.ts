import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalBackupService } from '../lib/local/local-backup-service';
import type { Moto } from '../lib/local/moto-server';
import { timed } from './timing';

/**
 * A stand-in `aws` for benchmarks: every S3 write is read and discarded, and SSM answers with
 * $BENCH_PASSWORD. Run with it first on PATH, the host script's own work (dump, hashing, zstd,
 * tees) is timed without the S3 stand-in's Python ingest competing for the same 2 cores.
 * Returns the host environment that puts it on PATH.
 */
export function nullSinkHostEnv(dir: string, password = ''): Record<string, string> {
  const bin = join(dir, 'null-sink-bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(
    join(bin, 'aws'),
    ['#!/bin/sh', 'for arg in "$@"; do [ "$arg" = get-parameter ] && { printf "%s\\n" "$BENCH_PASSWORD"; exit 0; }; done', 'cat >/dev/null', ''].join('\n'),
  );
  chmodSync(join(bin, 'aws'), 0o755);
  return { PATH: `${bin}:${process.env.PATH ?? ''}`, BENCH_PASSWORD: password };
}

export interface NullSinkRun {
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

/** Seconds for one run of `job` with S3 writes discarded; fails unless the host script succeeded. */
export async function timeNullSinkRun(run: NullSinkRun): Promise<number> {
  const service = new LocalBackupService({
    config: run.service.config,
    s3: run.moto.s3(),
    bucket: run.bucket,
    kmsKeyId: run.kmsKeyId,
    hosts: { [run.host]: { env: nullSinkHostEnv(run.dir, run.password) } },
    hostEnv: { ...run.moto.env, CRONSNAP_LOCK_DIR: join(run.dir, 'locks') },
  });
  const { seconds, result } = await timed(() => service.runJob(run.job, `bench-sink-${Date.now()}`));
  const { start } = result;
  if (start.kind !== 'started' || (await service.runner.invocation(start.commandId, run.host)).status !== 'Success') {
    throw new Error(`null-sink run of ${run.job} failed`);
  }
  return seconds;
}
