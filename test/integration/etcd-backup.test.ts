import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { restoreCheckEtcdBackup } from '../../lib/local/etcd-restore-check';
import { etcdJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { run } from '../../lib/local/run-command';
import { headObject, listKeys } from '../helpers/s3-objects';
import { dumpKeys, makeTlsFiles, startEtcd, type Etcd, type TlsFiles } from '../../lib/local/etcd-server';
import type { Moto } from '../../lib/local/moto-server';
import { useMotoBucket } from '../helpers/moto-fixture';
import { pathWithout } from '../helpers/host-path';

const HOST = 'i-0a1b2c3d4e5f60001';

describe('etcd backup, end to end', () => {
  // moto through the call recorder: the file's calls are judged against the stack's IAM after it.
  const aws = useMotoBucket('cronsnap-backups');
  let moto: Moto;
  let bucket: string;
  let dir: string;
  let tls: TlsFiles;

  beforeAll(async () => {
    ({ moto, bucket, dir } = aws);
    tls = await makeTlsFiles(dir);
  });

  function serviceFor(etcd: Etcd, jobName = 'prod-etcd', { hostEnv, etcdctl }: { hostEnv?: Record<string, string>; etcdctl?: string } = {}) {
    const workDir = mkdtempSync(join(dir, 'work-'));
    return localServiceFor(
      etcdJobInput({
        name: jobName,
        targets: { instanceIds: [HOST] },
        etcd: { endpoints: [etcd.clientUrl], workDir, ...(etcd.tls ? { tls: etcd.tls } : {}), memberName: etcd.name, ...(etcdctl ? { etcdctl } : {}) },
      }),
      { ...aws, host: HOST, ...(hostEnv ? { hostEnv } : {}) },
    );
  }

  async function writeSampleKeys(etcd: Etcd): Promise<void> {
    const values = join(dir, `value-${etcd.name}.bin`);
    writeFileSync(values, Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256)));
    for (let i = 0; i < 50; i += 1) await etcd.etcdctl(['put', `/registry/pods/ns-${i % 5}/pod-${i}`, `{"n":${i},"ü":"ünïcode"}`]);
    await run('sh', ['-c', `ETCDCTL_API=3 etcdctl --endpoints=${etcd.clientUrl} ${etcd.tls ? `--cacert ${etcd.tls.caFile} --cert ${etcd.tls.certFile} --key ${etcd.tls.keyFile}` : ''} put /binary/blob < ${values}`]);
  }

  it.each([
    ['plain HTTP', false],
    ['TLS with client certificates', true],
  ])('leaves a verified snapshot and manifest that restore every key (%s)', async (_label, withTls) => {
    const etcd = await startEtcd({ name: withTls ? 'tls-member' : 'plain-member', ...(withTls ? { tls } : {}) });
    try {
      await writeSampleKeys(etcd);
      const source = await dumpKeys(etcd);
      const service = serviceFor(etcd);

      const { start, completions } = await service.runJob('prod-etcd', `event-${withTls}`, new Date('2026-11-23T10:30:00Z'));

      expect(start.kind).toBe('started');
      expect(completions).toHaveLength(1);
      const [completion] = completions;
      if (completion?.kind !== 'succeeded') throw new Error(`backup failed: ${JSON.stringify(completion)}`);
      const { manifest } = completion;
      if (manifest.engine !== 'etcd') throw new Error(`expected an etcd manifest, got ${manifest.engine}`);
      expect(manifest).toMatchObject({ job: 'prod-etcd', engine: 'etcd', host: HOST, runId: start.kind === 'started' ? start.runId : '' });
      expect(manifest.payload.key).toMatch(new RegExp(`^prod-etcd/2026/11/23/20261123T103000Z-[0-9a-f]{10}/${HOST}/snapshot\\.db\\.zst$`));
      expect(manifest.etcd.totalKeys).toBeGreaterThanOrEqual(51);
      expect(manifest.etcd.memberName).toBe(etcd.name);
      expect(manifest.etcd.health).toEqual([expect.objectContaining({ endpoint: etcd.clientUrl, health: true })]);
      expect(manifest.tools.etcdctl).toMatch(/^3\./);

      const head = await headObject(moto.s3(), bucket, manifest.payload.key);
      expect(head.ServerSideEncryption).toBe('aws:kms');
      expect(head.Metadata).toMatchObject({ 'etcd-revision': String(manifest.etcd.revision), 'etcd-hash': String(manifest.etcd.hash) });

      const manifestKey = manifest.payload.key.replace(/snapshot\.db\.zst$/, 'manifest.json');
      const restored = await restoreCheckEtcdBackup(moto.s3(), bucket, manifestKey, dir);
      expect(restored.keys).toEqual(source);
      expect(service.notifier.messages).toEqual([]);
    } finally {
      await etcd.stop();
    }
  });

  it('gives a failed run, an SNS message and no manifest when etcd is down', async () => {
    const etcd = await startEtcd({ name: 'doomed' });
    const service = serviceFor(etcd, 'down-etcd');
    await etcd.stop();

    const { start, completions } = await service.runJob('down-etcd', 'event-down');

    if (start.kind !== 'started') throw new Error(`expected a started run, got ${start.kind}`);
    expect(completions).toEqual([expect.objectContaining({ kind: 'failed', host: HOST, reason: expect.stringContaining('step=health') })]);
    expect(service.notifier.messages).toEqual([
      {
        subject: `cronsnap: down-etcd backup failed on ${HOST}`,
        message: expect.objectContaining({ job: 'down-etcd', host: HOST, runId: start.runId, reason: expect.stringContaining('no healthy etcd endpoint') }),
      },
    ]);
    expect(await listKeys(moto.s3(), bucket, 'down-etcd/')).toEqual([]);
  });

  it('starts one run for a redelivered schedule event', async () => {
    const etcd = await startEtcd({ name: 'dup-member' });
    try {
      const service = serviceFor(etcd, 'dup-etcd');
      const time = new Date('2026-11-23T11:00:00Z');
      const first = await service.runJob('dup-etcd', 'same-event', time);
      const second = await service.runJob('dup-etcd', 'same-event', time);

      expect(first.start.kind).toBe('started');
      expect(second.start).toEqual({ kind: 'duplicate', job: 'dup-etcd', runId: first.start.kind === 'started' ? first.start.runId : '' });
      expect((await listKeys(moto.s3(), bucket, 'dup-etcd/')).filter((key) => key.endsWith('manifest.json'))).toHaveLength(1);
    } finally {
      await etcd.stop();
    }
  });

  it.each([
    ['without zstd', 'no-zstd', () => ({ hostEnv: { PATH: pathWithout(['zstd'], join(dir, 'no-zstd-bin')) } }), /^step=requirements: missing on this host: zstd \(package zstd: EPEL on RHEL\/CentOS 7/],
    ['with etcdctl 3.1', 'old-etcdctl', () => ({ etcdctl: etcdctlOfVersion('3.1.20') }), /^step=requirements: etcdctl 3\.1\.20 is older than 3\.2 with the v3 API.*install etcd 3\.2 or later/],
  ])('fails at step=requirements on a host %s, naming the tool and the fix, and uploads nothing', async (_label, job, host, reason) => {
    const etcd = await startEtcd({ name: `${job}-member` });
    try {
      const service = serviceFor(etcd, job, host());

      const { completions } = await service.runJob(job, `event-${job}`);

      expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(reason) })]);
      expect(await listKeys(moto.s3(), bucket, `${job}/`)).toEqual([]);
    } finally {
      await etcd.stop();
    }
  });

  /** An etcdctl that answers as release `version` does, and runs nothing. */
  function etcdctlOfVersion(version: string): string {
    const path = join(dir, `etcdctl-${version}`);
    writeFileSync(path, `#!/bin/sh\n[ "$1" = version ] && printf 'etcdctl version: ${version}\\nAPI version: 3.1\\n' && exit 0\nexit 1\n`, { mode: 0o755 });
    return path;
  }

  it('preflight finds this host ready for the job, and names zstd and its fix on a host without it', async () => {
    const etcd = await startEtcd({ name: 'preflight-member' });
    try {
      const ready = serviceFor(etcd, 'preflight-etcd');
      const lacking = serviceFor(etcd, 'preflight-etcd', { hostEnv: { PATH: pathWithout(['zstd'], join(dir, 'preflight-no-zstd-bin')) } });
      const job = ready.config.jobs[0];
      if (!job) throw new Error('no job');

      const [good, bad] = [await ready.preflight(job), await lacking.preflight(job)];

      expect(good).toMatchObject({ job: 'preflight-etcd', ok: true, hosts: [{ host: HOST, ok: true }] });
      expect(good.hosts[0]?.checks.map((check) => check.requirement)).toEqual(expect.arrayContaining(['bash 4.2+', 'etcdctl 3.2+ (v3 API)', 'zstd', 'aws region']));
      expect(bad.ok).toBe(false);
      expect(bad.hosts[0]?.checks.filter((check) => !check.ok)).toEqual([{ requirement: 'zstd', found: 'missing', ok: false, fix: expect.stringContaining('EPEL on RHEL/CentOS 7') }]);
    } finally {
      await etcd.stop();
    }
  });
});
