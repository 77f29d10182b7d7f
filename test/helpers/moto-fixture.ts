import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectLockSettings } from '../../lib/config/storage-settings';
import { startMoto, type Moto } from '../../lib/local/moto-server';

export interface MotoFixture {
  readonly moto: Moto;
  readonly bucket: string;
  readonly kmsKeyId: string;
  /** A temp dir for the suite, removed after it. */
  readonly dir: string;
}

/** moto with a KMS-encrypted, versioned backup bucket and a temp dir, for one describe block. */
export function useMotoBucket(bucketName: string, objectLock?: ObjectLockSettings): MotoFixture {
  const fixture = {} as { -readonly [K in keyof MotoFixture]: MotoFixture[K] };
  beforeAll(async () => {
    fixture.dir = mkdtempSync(join(tmpdir(), `${bucketName}-`));
    fixture.moto = await startMoto();
    Object.assign(fixture, await fixture.moto.createBackupBucket(bucketName, objectLock));
  });
  afterAll(async () => {
    await fixture.moto?.stop();
    // KEEP=1 leaves the dir (etcd logs, data dirs) for a look after a failure.
    if (fixture.dir && !process.env.KEEP) rmSync(fixture.dir, { recursive: true, force: true });
  });
  return fixture;
}

/** A host agent without CAP_DAC_OVERRIDE: as root on a root-squashed NFS mount, some files stay unreadable. */
export const NO_DAC_OVERRIDE = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search', '--'];
