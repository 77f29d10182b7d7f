import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest, type Manifest } from '../catalog/manifest';
import { ManifestError } from '../errors';
import { dumpKeys, startEtcd } from './etcd-server';
import { getObjectBytes } from './object-bytes';
import { freePort } from './processes';
import { run } from './run-command';
import { etcdSnapshotRestoreArgs, skipsHashCheck, snapshotPathIn } from '../restore/etcd-restore-args';

export interface RestoreCheck {
  readonly manifest: Manifest;
  /** Every key and value of a throwaway etcd started from the restored snapshot. */
  readonly keys: Record<string, string>;
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * Proves a stored etcd backup restores: both checksums against the manifest, `etcdctl snapshot
 * restore` into a scratch dir (a cold copy's db from its unpacked member dir, with
 * --skip-hash-check), a throwaway member on free loopback ports, and its keys read back.
 */
export async function restoreCheckEtcdBackup(s3: S3Client, bucket: string, manifestKey: string, scratchParent: string): Promise<RestoreCheck> {
  const manifest = parseManifest((await getObjectBytes(s3, bucket, manifestKey)).toString('utf8'), manifestKey);
  if (manifest.engine !== 'etcd') throw new ManifestError(`${manifestKey} is a ${manifest.engine} backup, not etcd`);
  const payload = await getObjectBytes(s3, bucket, manifest.payload.key);
  if (sha256(payload) !== manifest.payload.sha256) throw new ManifestError(`${manifest.payload.key}: sha256 differs from the manifest`);
  const scratch = mkdtempSync(join(scratchParent, 'cronsnap-restore-'));
  try {
    const raw = join(scratch, 'payload');
    writeFileSync(`${raw}.zst`, payload);
    await run('zstd', ['-q', '-d', `${raw}.zst`, '-o', raw]);
    if (sha256(readFileSync(raw)) !== manifest.payload.rawSha256) {
      throw new ManifestError(`${manifest.payload.key}: decompressed sha256 differs from the manifest`);
    }
    let unpacked = raw;
    if (manifest.etcd.mode === 'cold-copy') {
      unpacked = join(scratch, 'copy');
      await run('mkdir', [unpacked]);
      await run('tar', ['-x', '-f', raw, '-C', unpacked]);
    }
    const peerPort = await freePort();
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const restore = etcdSnapshotRestoreArgs({
      snapshotPath: snapshotPathIn(manifest, unpacked),
      name: 'restore-check',
      dataDir: join(scratch, 'data'),
      initialCluster: `restore-check=${peerUrl}`,
      initialAdvertisePeerUrls: peerUrl,
      skipHashCheck: skipsHashCheck(manifest),
    });
    await run('etcdctl', restore, { ETCDCTL_API: '3' });
    const etcd = await startEtcd({ name: 'restore-check', dataDir: join(scratch, 'data'), peerPort });
    try {
      return { manifest, keys: await dumpKeys(etcd) };
    } finally {
      await etcd.stop();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
