/**
 * `npm run demo`: the etcd backup flow on this machine. moto_server stands in for S3 and KMS, a
 * real etcd holds sample keys, and the job runs through the same logic as the Lambdas with the
 * SSM document script executed by LocalCommandRunner. The backup is then restored into a
 * throwaway etcd and compared key by key.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../lib/config/load-config';
import { restoreCheckEtcdBackup } from '../lib/local/etcd-restore-check';
import { dumpKeys, startEtcd, type Etcd } from '../lib/local/etcd-server';
import { LocalBackupService } from '../lib/local/local-backup-service';
import { startMoto, type Moto } from '../lib/local/moto-server';

const HOST = 'mi-0c0ffee0000000001';

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-demo-'));
  let moto: Moto | undefined;
  let etcd: Etcd | undefined;
  try {
    console.log('starting moto_server (S3, KMS) and etcd on loopback ...');
    [moto, etcd] = await Promise.all([startMoto(), startEtcd({ name: 'demo-member' })]);
    const { bucket, kmsKeyId } = await moto.createBackupBucket('cronsnap-demo-backups');

    for (let i = 0; i < 200; i += 1) await etcd.etcdctl(['put', `/registry/configmaps/demo/cm-${i}`, `{"index":${i},"note":"cronsnap demo ✓"}`]);
    const source = await dumpKeys(etcd);
    console.log(`wrote ${Object.keys(source).length} keys to ${etcd.clientUrl}`);

    const config = parseConfig({
      version: 1,
      jobs: [{ name: 'demo-etcd', engine: 'etcd', schedule: '*/30 * * * *', targets: { instanceIds: [HOST] }, etcd: { endpoints: [etcd.clientUrl], workDir: dir } }],
    });
    const service = new LocalBackupService({
      config,
      s3: moto.s3(),
      bucket,
      kmsKeyId,
      hosts: { [HOST]: {} },
      hostEnv: { ...moto.env, CRONSNAP_LOCK_DIR: join(dir, 'locks') },
    });

    const started = Date.now();
    const { start, completions } = await service.runJob('demo-etcd', `demo-${started}`);
    const completion = completions[0];
    if (start.kind !== 'started' || completion?.kind !== 'succeeded') {
      console.error('backup FAILED:', JSON.stringify({ start, completions, notifications: service.notifier.messages }, null, 2));
      return 1;
    }
    const { manifest } = completion;
    if (manifest.engine !== 'etcd') throw new Error(`expected an etcd manifest, got ${manifest.engine}`);
    console.log(`backup run ${start.runId} finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    console.log(`  snapshot: s3://${bucket}/${manifest.payload.key}`);
    console.log(`  manifest: s3://${bucket}/${manifest.payload.key.replace(/[^/]+$/, 'manifest.json')}`);
    console.log(`  etcd revision ${manifest.etcd.revision}, ${manifest.etcd.totalKeys} keys, ${manifest.payload.rawSize} bytes raw, ${manifest.payload.size} bytes zstd`);

    const check = await restoreCheckEtcdBackup(moto.s3(), bucket, manifest.payload.key.replace(/[^/]+$/, 'manifest.json'), dir);
    const same = JSON.stringify(check.keys) === JSON.stringify(source);
    console.log(`verified: sha256 ${manifest.payload.sha256.slice(0, 16)}… matches the manifest; restored into a throwaway etcd`);
    console.log(same ? `restore check: all ${Object.keys(check.keys).length} keys and values identical` : 'restore check: KEYS DIFFER');
    return same ? 0 : 1;
  } finally {
    await Promise.all([etcd?.stop(), moto?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
