import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEtcdCluster, type EtcdCluster } from '../../lib/local/etcd-cluster';
import { issueCertificate, makeTlsFiles, startEtcd } from '../../lib/local/etcd-server';
import { waitUntil } from '../../lib/local/processes';
import { run } from '../../lib/local/run-command';
import { etcdJobInput } from '../helpers/config-factory';
import { startFailingProxy } from '../helpers/failing-proxy';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0fa01700000000001';

describe('faults', () => {
  const aws = useMotoBucket('cronsnap-faults');

  function serviceFor(job: string, etcd: Record<string, unknown>, hostEnv: Record<string, string> = {}, wrapper?: string[]) {
    const workDir = (etcd.workDir as string | undefined) ?? mkdtempSync(join(aws.dir, 'work-'));
    return localServiceFor(etcdJobInput({ name: job, targets: { instanceIds: [HOST] }, etcd: { workDir, ...etcd } } as never), {
      ...aws,
      host: HOST,
      hostEnv,
      ...(wrapper ? { wrapper } : {}),
    });
  }

  /** An etcd with about `mb` MB of incompressible values, so its snapshot upload takes a while. */
  async function bigEtcd(name: string, mb: number) {
    const etcd = await startEtcd({ name });
    const blob = join(aws.dir, `${name}.bin`);
    writeFileSync(blob, randomBytes(1024 * 1024));
    for (let i = 0; i < mb; i += 1) await run('sh', ['-c', `ETCDCTL_API=3 etcdctl --endpoints=${etcd.clientUrl} put /big/${i} < '${blob}'`]);
    return etcd;
  }

  describe('with a 3-member cluster', () => {
    let cluster: EtcdCluster;
    beforeAll(async () => {
      cluster = await startEtcdCluster(mkdtempSync(join(aws.dir, 'cluster-')), ['fault-a', 'fault-b', 'fault-c']);
      for (let i = 0; i < 20; i += 1) await cluster.members[1]?.etcdctl(['put', `/faults/key-${i}`, `value ${i}`]);
    });
    afterAll(async () => cluster?.stop());

    it('takes the snapshot from another healthy member when the first endpoint is down, and records the down one', async () => {
      const [down] = cluster.members;
      if (!down) throw new Error('no members');
      await down.stop();
      const service = serviceFor('one-down', { endpoints: cluster.members.map((member) => member.clientUrl) });

      const { completions } = await service.runJob('one-down', 'event-one-down');

      const [completion] = completions;
      if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'etcd') throw new Error(JSON.stringify(completion));
      expect(cluster.members.slice(1).map((member) => member.clientUrl)).toContain(completion.manifest.etcd.endpoint);
      expect(completion.manifest.etcd.health).toEqual(expect.arrayContaining([expect.objectContaining({ endpoint: down.clientUrl, health: false })]));
      await run(down.control, ['start']);
    });
  });

  it('fails clearly when the host\'s work dir is full, and leaves nothing behind there', async () => {
    const etcd = await startEtcd({ name: 'full-disk' });
    const tmpfs = join(aws.dir, 'tmpfs');
    mkdirSync(tmpfs);
    await run('mount', ['-t', 'tmpfs', '-o', 'size=512k', 'cronsnap-test', tmpfs]);
    try {
      const blob = join(aws.dir, 'blob.bin');
      writeFileSync(blob, randomBytes(256 * 1024));
      for (let i = 0; i < 8; i += 1) await run('sh', ['-c', `ETCDCTL_API=3 etcdctl --endpoints=${etcd.clientUrl} put /big/${i} < '${blob}'`]);
      const service = serviceFor('full-disk', { endpoints: [etcd.clientUrl], workDir: tmpfs });

      const { completions } = await service.runJob('full-disk', 'event-full-disk');

      expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/^step=free-space: not enough free space in \/.*tmpfs.*: need \d+ bytes, have \d+/) })]);
      expect(readdirSync(tmpfs)).toEqual([]);
      expect(await listKeys(aws.moto.s3(), aws.bucket, 'full-disk/')).toEqual([]);
    } finally {
      await run('umount', [tmpfs]);
      await etcd.stop();
    }
  });

  it('fails the run with no manifest when S3 goes away mid-upload, and the next run succeeds', async () => {
    const etcd = await bigEtcd('s3-outage', 12);
    const proxy = await startFailingProxy(new URL(aws.moto.endpoint));
    try {
      const service = serviceFor('s3-outage', { endpoints: [etcd.clientUrl] }, { CRONSNAP_AWS_ENDPOINT_URL: proxy.url });

      const outage = proxy.bytesPassed(2 * 1024 * 1024).then(() => proxy.cut());
      const failed = await service.runJob('s3-outage', 'event-outage-1');
      await outage;

      expect(failed.completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/^step=upload: /) })]);
      expect((await listKeys(aws.moto.s3(), aws.bucket, 's3-outage/')).filter((key) => key.endsWith('manifest.json'))).toEqual([]);
      expect(service.notifier.messages).toEqual([expect.objectContaining({ subject: 'cronsnap: s3-outage backup failed on i-0fa01700000000001' })]);

      const healthy = serviceFor('s3-outage', { endpoints: [etcd.clientUrl] });
      const next = await healthy.runJob('s3-outage', 'event-outage-2');
      expect(next.completions).toEqual([expect.objectContaining({ kind: 'succeeded' })]);
    } finally {
      await proxy.close();
      await etcd.stop();
    }
  });

  it('leaves no manifest when the host\'s backup process is killed mid-upload, and the next run takes the lock and succeeds', async () => {
    const etcd = await bigEtcd('killed', 12);
    const proxy = await startFailingProxy(new URL(aws.moto.endpoint));
    const pidfile = join(aws.dir, 'killed.pid');
    try {
      // The agent's shell in a session of its own, so the whole pipeline can be killed at once.
      const wrapper = ['setsid', 'sh', '-c', `echo $$ > '${pidfile}'; exec "$@"`, 'agent'];
      const service = serviceFor('killed', { endpoints: [etcd.clientUrl] }, { CRONSNAP_AWS_ENDPOINT_URL: proxy.url }, wrapper);

      const kill = proxy.bytesPassed(2 * 1024 * 1024).then(() => process.kill(-Number(readFileSync(pidfile, 'utf8').trim()), 'SIGKILL'));
      const killed = await service.runJob('killed', 'event-killed-1');
      await kill;

      expect(killed.completions).toEqual([expect.objectContaining({ kind: 'failed' })]);
      expect((await listKeys(aws.moto.s3(), aws.bucket, 'killed/')).filter((key) => key.endsWith('manifest.json'))).toEqual([]);

      const next = await serviceFor('killed', { endpoints: [etcd.clientUrl] }).runJob('killed', 'event-killed-2');
      expect(next.completions).toEqual([expect.objectContaining({ kind: 'succeeded' })]);
    } finally {
      await proxy.close();
      await etcd.stop();
    }
  });

  it('refuses a run while another run of the job holds the host\'s lock, with a clear message, and takes it once free', async () => {
    const etcd = await startEtcd({ name: 'overlap' });
    const lockDir = join(aws.dir, 'locks', HOST);
    mkdirSync(lockDir, { recursive: true });
    // A run in progress: something holding the job's flock on this host.
    const holder = spawn('flock', [join(lockDir, 'cronsnap-overlap.lock'), 'sleep', '60'], { stdio: 'ignore', detached: true });
    // flock's child inherits the lock: end the holder's whole process group.
    const release = () => process.kill(-(holder.pid ?? 0), 'SIGKILL');
    try {
      await waitUntil('the lock to be held', async () => (await run('sh', ['-c', `flock -n '${join(lockDir, 'cronsnap-overlap.lock')}' true && echo free || echo held`])).trim() === 'held');
      const service = serviceFor('overlap', { endpoints: [etcd.clientUrl] });

      const refused = await service.runJob('overlap', 'event-overlap-1');
      const exited = once(holder, 'exit');
      release();
      await exited;
      const next = await service.runJob('overlap', 'event-overlap-2');

      expect(refused.completions).toEqual([expect.objectContaining({ kind: 'failed', reason: `step=preflight: another run of job 'overlap' is still in progress on ${HOST}` })]);
      expect(next.completions).toEqual([expect.objectContaining({ kind: 'succeeded' })]);
    } finally {
      if (holder.exitCode === null && holder.signalCode === null) release();
      await etcd.stop();
    }
  });

  it('refuses an etcd certificate signed by another CA with a clear reason', async () => {
    const [serverTls, otherTls] = await Promise.all([makeTlsFiles(mkdtempSync(join(aws.dir, 'tls-'))), makeTlsFiles(mkdtempSync(join(aws.dir, 'other-ca-')))]);
    const etcd = await startEtcd({ name: 'tls-fault', tls: serverTls });
    try {
      const service = serviceFor('bad-ca', { endpoints: [etcd.clientUrl], tls: otherTls });

      const { completions } = await service.runJob('bad-ca', 'event-bad-ca');

      expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/^step=health: no healthy etcd endpoint among https:\/\/\S+ \(TLS to 127\.0\.0\.1:\d+: .*verify error.*certificate/) })]);
    } finally {
      await etcd.stop();
    }
  });

  it('refuses an expired etcd certificate, saying it has expired, with nothing uploaded', async () => {
    const client = await makeTlsFiles(mkdtempSync(join(aws.dir, 'expired-')));
    const etcd = await startEtcd({ name: 'expired-tls', tls: await issueCertificate(client.caFile, 'expired-server', -1), clientTls: client });
    try {
      const service = serviceFor('expired-cert', { endpoints: [etcd.clientUrl], tls: client });

      const { completions } = await service.runJob('expired-cert', 'event-expired-cert');

      expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/^step=health: no healthy etcd endpoint among https:\/\/\S+ \(TLS to 127\.0\.0\.1:\d+: verify error:num=10:certificate has expired\)/) })]);
      expect(await listKeys(aws.moto.s3(), aws.bucket, 'expired-cert/')).toEqual([]);
    } finally {
      await etcd.stop();
    }
  });
});
