import { join } from 'node:path';
import type { CronsnapConfig } from '../lib/config/cronsnap-config';
import { LocalBackupService } from '../lib/local/local-backup-service';
import type { Moto } from '../lib/local/moto-server';

/** What every bench fixture stands on: a scratch dir, and moto with the backup bucket and its key. */
export interface BenchStorage {
  readonly dir: string;
  readonly moto: Moto;
  readonly bucket: string;
  readonly kmsKeyId: string;
}

/**
 * The local service running `config`'s jobs on `host` against the bench's moto bucket; `hostEnv`
 * is added to that host's environment (e.g. an endpoint override).
 */
export function benchService(storage: BenchStorage, config: CronsnapConfig, host: string, hostEnv: Record<string, string> = {}): LocalBackupService {
  return new LocalBackupService({
    config,
    s3: storage.moto.s3(),
    bucket: storage.bucket,
    kmsKeyId: storage.kmsKeyId,
    hosts: { [host]: { env: hostEnv } },
    hostEnv: { ...storage.moto.env, CRONSNAP_LOCK_DIR: join(storage.dir, 'locks') },
  });
}
