import { chmodSync, mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '../../lib/catalog/manifest';
import { restoreCheckEtcdBackup } from '../../lib/local/etcd-restore-check';
import { dumpKeys, startEtcd } from '../../lib/local/etcd-server';
import { getObjectBytes } from '../../lib/local/object-bytes';
import { etcdJobInput } from '../helpers/config-factory';
import { startEtcdService, type EtcdService } from '../../lib/local/etcd-cluster';
import { makeSampleTree } from '../helpers/file-tree';
import { localServiceFor } from '../helpers/local-service';
import { NO_DAC_OVERRIDE, useMotoBucket } from '../helpers/moto-fixture';

const MEMBER_A = 'i-0e7cd000000000001';
const MEMBER_B = 'i-0e7cd000000000002';

describe('etcd members: config sets and cold copies', () => {
  const aws = useMotoBucket('cronsnap-members');

  it("takes every member's config set in the snapshot's run, linked from its manifest", async () => {
    const etcd = await startEtcd({ name: 'member-a' });
    try {
      await etcd.etcdctl(['put', '/registry/a', '1']);
      const tree = makeSampleTree(mkdtempSync(join(aws.dir, 'member-')));
      const service = localServiceFor(
        etcdJobInput({
          targets: { instanceIds: [MEMBER_A, MEMBER_B] },
          etcd: { endpoints: [etcd.clientUrl], workDir: aws.dir, memberConfig: [tree.etcdDir, '/etc/etcd-not-here'] },
        }),
        { ...aws, host: MEMBER_A, moreHosts: { [MEMBER_B]: {} } },
      );

      const { start, completions } = await service.runJob('prod-etcd', 'event-members', new Date('2026-11-23T12:00:00Z'));

      expect(start).toMatchObject({ kind: 'started', hosts: [MEMBER_A], linked: [{ setName: 'member-config', hosts: [MEMBER_A, MEMBER_B] }] });
      expect(completions.map((c) => [c.kind, c.kind === 'succeeded' ? c.manifest.engine : c])).toEqual([
        ['succeeded', 'etcd'],
        ['succeeded', 'files'],
        ['succeeded', 'files'],
      ]);
      const [snapshot] = completions;
      if (snapshot?.kind !== 'succeeded' || snapshot.manifest.engine !== 'etcd') throw new Error('no etcd manifest');
      const prefix = snapshot.manifest.payload.key.replace(/\/[^/]+\/snapshot\.db\.zst$/, '');
      expect(snapshot.manifest.etcd.memberConfig).toEqual([
        { host: MEMBER_A, manifestKey: `${prefix}/${MEMBER_A}/member-config/manifest.json` },
        { host: MEMBER_B, manifestKey: `${prefix}/${MEMBER_B}/member-config/manifest.json` },
      ]);
      const linked = snapshot.manifest.etcd.memberConfig[1];
      const memberB = parseManifest((await getObjectBytes(aws.moto.s3(), aws.bucket, linked?.manifestKey ?? '')).toString('utf8'), 'member B');
      if (memberB.engine !== 'files') throw new Error('member config is not a file set');
      expect(memberB).toMatchObject({ job: 'prod-etcd', host: MEMBER_B, runId: snapshot.runId, files: { setName: 'member-config' } });
      expect(memberB.files.paths).toEqual([
        { path: tree.etcdDir, required: false, present: true },
        { path: '/etc/etcd-not-here', required: false, present: false },
      ]);

      // Restoring them is the etcd restore's config step (etcd-restore.test.ts brings back a lost etcd.conf through it).
      expect(service.notifier.messages).toEqual([]);
    } finally {
      await etcd.stop();
    }
  });

  describe('cold copy', () => {
    let member: EtcdService;

    beforeEach(async () => {
      member = await startEtcdService(mkdtempSync(join(aws.dir, 'param-etcd-')), 'param-etcd');
      for (let i = 0; i < 30; i += 1) await member.etcdctl(['put', `/param/${i}`, `value-${i}`]);
    });

    afterEach(async () => {
      await member.stop();
    });

    function coldCopyService(jobName: string, wrapper?: string[]) {
      return localServiceFor(
        etcdJobInput({
          name: jobName,
          targets: { instanceIds: [MEMBER_A] },
          etcd: {
            endpoints: [member.clientUrl],
            workDir: aws.dir,
            mode: 'cold-copy',
            memberName: member.name,
            dataDir: member.dataDir,
            service: { stop: `${member.control} stop`, start: `${member.control} start`, healthTimeoutSeconds: 30 },
          },
        }),
        { ...aws, host: MEMBER_A, ...(wrapper ? { wrapper } : {}) },
      );
    }

    it('stops the member, copies its data dir, starts it healthy again, and the copy restores with --skip-hash-check', async () => {
      const before = await dumpKeys(member);
      const service = coldCopyService('param-etcd');

      const { completions } = await service.runJob('param-etcd', 'event-cold');

      const [completion] = completions;
      if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'etcd') throw new Error(`cold copy failed: ${JSON.stringify(completion)}`);
      expect(completion.manifest.etcd).toMatchObject({ mode: 'cold-copy', memberName: 'param-etcd', dataDir: member.dataDir, endpoint: member.clientUrl });
      expect(completion.manifest.payload.key).toMatch(/\/data-dir\.tar\.zst$/);
      await member.etcdctl(['put', '/after/cold-copy', 'still-writable']);
      const restored = await restoreCheckEtcdBackup(aws.moto.s3(), aws.bucket, completion.manifest.payload.key.replace(/data-dir\.tar\.zst$/, 'manifest.json'), aws.dir);
      expect(restored.keys).toEqual(before);
    });

    it('starts the member again when the copy fails after the stop, and says at which step', async () => {
      const blocker = join(member.dataDir, 'member', 'unreadable.tmp');
      writeFileSync(blocker, 'x');
      chmodSync(blocker, 0o000);
      const service = coldCopyService('param-etcd-fail', NO_DAC_OVERRIDE);

      const { completions } = await service.runJob('param-etcd-fail', 'event-cold-fail');

      expect(completions).toEqual([expect.objectContaining({ kind: 'failed', reason: expect.stringMatching(/^step=copy: /) })]);
      unlinkSync(blocker);
      expect(await member.etcdctl(['endpoint', 'health', '-w', 'json'])).toContain('"health":true');
      expect(Object.keys(await dumpKeys(member))).toHaveLength(30);
    });
  });
});
