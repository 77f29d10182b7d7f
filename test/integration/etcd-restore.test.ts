import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { InvalidEventError, RestoreError } from '../../lib/errors';
import { dumpKeys } from '../../lib/local/etcd-server';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { etcdJobInput } from '../helpers/config-factory';
import { startEtcdCluster, type EtcdCluster, type EtcdService } from '../../lib/local/etcd-cluster';
import { REVISION_MARGIN } from '../../lib/restore/revision-bump';
import { watchFrom } from '../helpers/etcd-watch';
import { makeSampleTree, type SampleTree } from '../helpers/file-tree';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { pathWithout } from '../helpers/host-path';
import { currentProfile, hostsBumpRevisionsOffline } from '../helpers/host-profiles';
import { replicateObjects } from '../helpers/s3-objects';

const HOSTS = ['i-0e7cd100000000001', 'i-0e7cd100000000002', 'i-0e7cd100000000003'];
const NAMES = ['etcd-a', 'etcd-b', 'etcd-c'];
const RESTORE_TIME = new Date('2026-11-23T23:00:00Z');
const STAMP = '20261123T230000Z';

/** etcdctl 3.3.17 as the seeds saw it: `member add` applied by the cluster, yet reported as failed. */
function quirkyEtcdctl(dir: string): string {
  const path = join(dir, 'quirky-etcdctl');
  writeFileSync(path, `#!/bin/bash\netcdctl "$@" || exit\ncase " $* " in *" member add "*) echo 'Error: <nil>' >&2; exit 1 ;; esac\n`, { mode: 0o755 });
  return path;
}

/**
 * The dry run and the refusals before any member is touched are the same whatever the etcd
 * release; the legacy etcd profiles run the restores themselves and leave these to this machine's run.
 */
const everyRelease = currentProfile() === 'debian' ? it : it.skip;

describe('etcd restore after quorum loss, three members', () => {
  const aws = useMotoBucket('cronsnap-restore');
  let cluster: EtcdCluster;
  let tree: SampleTree;
  let service: LocalBackupService;

  beforeEach(async () => {
    const dir = mkdtempSync(join(aws.dir, 'cluster-'));
    cluster = await startEtcdCluster(dir, NAMES, 'prod-token');
    tree = makeSampleTree(mkdtempSync(join(aws.dir, 'config-')));
    service = serviceWith();
  });

  afterEach(async () => {
    await cluster.stop();
  });

  /**
   * The job's local service on this test's cluster, with `etcd` settings over the job's, and
   * `hostEnv` and a shell `wrapper` on every member's host; with `copy`, the copy stack's service
   * on the copy's bucket in another region.
   */
  function serviceWith(etcd: Record<string, unknown> = {}, hostEnv: Record<string, string> = {}, wrapper?: string[], copy?: { bucket: string; kmsKeyId: string }): LocalBackupService {
    return localServiceFor(
      etcdJobInput({
        targets: { instanceIds: HOSTS },
        etcd: {
          endpoints: cluster.members.map((member) => member.clientUrl),
          workDir: aws.dir,
          memberConfig: [tree.etcdDir],
          members: cluster.members.map((member, i) => ({ name: member.name, instanceId: HOSTS[i] ?? '', dataDir: member.dataDir })),
          service: { stop: `${cluster.control} stop`, start: `${cluster.control} start`, healthTimeoutSeconds: 60 },
          quotaBackendBytes: 4294967296,
          initialClusterToken: 'prod-token',
          ...etcd,
        },
      }),
      {
        ...aws,
        ...(copy ? { ...copy, bucketRole: 'replica' as const } : {}),
        storage: { replica: { region: 'eu-west-1' } },
        host: HOSTS[0] ?? '',
        now: () => RESTORE_TIME,
        hostEnv: { CRONSNAP_TEST_MEMBER: NAMES[0] ?? '', ...hostEnv },
        ...(wrapper ? { wrapper } : {}),
        moreHosts: {
          [HOSTS[1] ?? '']: { env: { CRONSNAP_TEST_MEMBER: NAMES[1] ?? '', ...hostEnv }, ...(wrapper ? { wrapper } : {}) },
          [HOSTS[2] ?? '']: { env: { CRONSNAP_TEST_MEMBER: NAMES[2] ?? '', ...hostEnv }, ...(wrapper ? { wrapper } : {}) },
        },
      },
    );
  }

  /** Backs up, then loses two members with their data; returns the keys at backup time, the run id, and the revision the cluster had reached. */
  async function backUpAndLoseQuorum(): Promise<{ snapshotKeys: Record<string, string>; runId: string; lostRevision: number }> {
    const [leader] = cluster.members;
    if (!leader) throw new Error('no members');
    for (let i = 0; i < 100; i += 1) await leader.etcdctl(['put', `/registry/pods/default/pod-${i}`, `{"i":${i}}`]);
    const snapshotKeys = await dumpKeys(leader);
    // Each test's backup is its own run in the shared bucket; the restores name it, not `latest`.
    const { start, completions } = await service.runJob('prod-etcd', `event-${Date.now()}`, new Date());
    expect(completions.map((completion) => completion.kind)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    if (start.kind !== 'started') throw new Error('backup did not start');
    // Writes after the backup: the revision a watcher saw before the loss is past the snapshot's.
    for (let i = 0; i < 20; i += 1) await leader.etcdctl(['put', '/registry/after-backup', `gone after the restore ${i}`]);
    const lostRevision = await revisionOf(leader);
    // Two of three members lost with their data: no quorum left.
    for (const member of cluster.members.slice(1)) {
      await member.stop();
      rmSync(member.dataDir, { recursive: true, force: true });
    }
    return { snapshotKeys, runId: start.runId, lostRevision };
  }

  async function revisionOf(member: EtcdService): Promise<number> {
    const [status] = JSON.parse(await member.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { header: { revision: number } } }[];
    return status?.Status.header.revision ?? 0;
  }

  everyRelease('plans the restore in a dry run and touches nothing', async () => {
    const { runId } = await backUpAndLoseQuorum();

    const outcome = await service.restore({ job: 'prod-etcd', backup: runId });

    if (outcome.kind !== 'etcd-plan') throw new Error(`expected a plan, got ${outcome.kind}`);
    const { plan } = outcome;
    // In the order `member list` gave at backup time.
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(plan.members.map((member) => [member.host, member.name, member.dataDir, member.peerUrls]).sort()).toEqual(
      cluster.members.map((member, i) => [HOSTS[i], member.name, member.dataDir, member.peerUrl]).sort(),
    );
    expect(plan.initialCluster.split(',').sort()).toEqual(cluster.members.map((member) => `${member.name}=${member.peerUrl}`).sort());
    expect(plan.clusterToken).toBe('prod-token');
    expect([...plan.moves].sort((a, b) => a.host.localeCompare(b.host))).toEqual(
      [...cluster.members].sort(byName).map((member, i) => ({ host: HOSTS[i], from: member.dataDir, to: `${member.dataDir}.old-${STAMP}` })),
    );
    expect(plan.members.every((member) => member.configManifestKey?.endsWith('/member-config/manifest.json'))).toBe(true);
    expect(existsSync(`${cluster.members[0]?.dataDir}.old-${STAMP}`)).toBe(false);
    expect(await cluster.members[0]?.etcdctl(['get', '/registry/after-backup', '--print-value-only', '--consistency=s'])).toContain('gone after the restore');
  });

  it('restores every member from one snapshot with its own flags and config set: every key back, cluster healthy, old data dirs kept, revision past the lost cluster\'s', async () => {
    const { snapshotKeys, runId, lostRevision } = await backUpAndLoseQuorum();
    unlinkSync(tree.conf);

    const outcome = await service.restore({ job: 'prod-etcd', backup: runId, dryRun: false, confirm: 'prod-etcd' });

    if (outcome.kind !== 'etcd-started') throw new Error(`expected a started workflow, got ${outcome.kind}`);
    const steps = outcome.workflow.results?.map((result) => result.step);
    expect(steps).toEqual(['prepare', 'stop', 'config', 'restore', 'start', 'health', 'revision']);
    const health = outcome.workflow.results?.find((result) => result.step === 'health');
    expect(health?.members.map((member) => member.reports.find((report) => report.kind === 'healthy')?.value)).toEqual(
      expect.arrayContaining(cluster.members.map((member, i) => ({ host: HOSTS[i], member: member.name, keys: Object.keys(snapshotKeys).length }))),
    );
    for (const member of cluster.members) {
      expect(await dumpKeys(member)).toEqual(snapshotKeys);
    }
    expect(existsSync(`${cluster.members[0]?.dataDir}.old-${outcome.plan.stamp}`)).toBe(true);
    expect(readFileSync(tree.conf, 'utf8')).toContain('ETCD_NAME=member-a');
    const memberList = await cluster.members[0]?.etcdctl(['member', 'list', '-w', 'json']);
    expect((JSON.parse(memberList ?? '{}') as { members: unknown[] }).members).toHaveLength(3);
    // Without etcdutl 3.5 the survivor's moved-aside db gives the revision to pass, plus the
    // margin, and one member bumps it through the API; with it every member's restore moved its
    // revisions up a billion, compacted there.
    const offline = hostsBumpRevisionsOffline(currentProfile());
    const revision = outcome.workflow.results?.find((result) => result.step === 'revision');
    const reports = revision?.members.flatMap((member) => member.reports) ?? [];
    expect(reports.filter((report) => report.kind === 'oldRevision').map((report) => report.value)).toEqual(
      expect.arrayContaining([expect.objectContaining({ member: NAMES[0], revision: lostRevision, offlineBump: offline })]),
    );
    const [first] = cluster.members;
    const target = offline && first ? await revisionOf(first) : lostRevision + REVISION_MARGIN;
    if (offline) {
      expect(target).toBeGreaterThan(1_000_000_000);
      expect(reports.find((report) => report.kind === 'bumped')).toBeUndefined();
    } else {
      expect(reports.find((report) => report.kind === 'bumped')?.value).toEqual(expect.objectContaining({ target, to: target, compacted: target }));
    }
    for (const member of cluster.members) expect(await revisionOf(member)).toBe(target);
    // A kube-apiserver resuming its watch from a revision of the lost cluster must list again.
    expect(await watchFrom(cluster.members[1]?.clientUrl ?? '', '/registry/after-backup', lostRevision)).toEqual(
      expect.objectContaining({ compactRevision: target, eventRevisions: [] }),
    );
  });

  it('restores from the copy in another region, and leaves the restored cluster running when its revision cannot be advanced, saying to restart the kube-apiservers', async () => {
    const { snapshotKeys, runId } = await backUpAndLoseQuorum();
    // The source region is gone: the copy stack's functions restore from the copy's bucket.
    const copy = await aws.moto.createBackupBucket(`cronsnap-restore-copy-${Date.now() % 100_000}`);
    await replicateObjects(aws.moto.s3(), aws.bucket, copy, 'prod-etcd/');
    service = serviceWith({}, { PATH: pathWithout(['curl'], join(aws.dir, 'no-curl-bin')) }, undefined, copy);
    const dryRun = await service.restore({ job: 'prod-etcd', backup: runId, fromReplica: true });
    if (dryRun.kind !== 'etcd-plan') throw new Error(`expected a plan, got ${dryRun.kind}`);
    // The plan's first member is the one that advances the revision.
    const [firstMember] = dryRun.plan.members;

    const failure = service.restore({ job: 'prod-etcd', backup: runId, dryRun: false, confirm: 'prod-etcd', fromReplica: true });

    await expect(failure).rejects.toThrow(
      `etcd restore of prod-etcd: step revision failed: every member is restored and healthy, but the revision was not advanced past the old cluster's ` +
        `(${String(firstMember?.host)} (${String(firstMember?.name)}): step=requirements: missing on this host: curl (package curl (curl-minimal on Amazon Linux 2023), for the revision bump after an etcd restore before 3.5)); ` +
        'restart every kube-apiserver so that their watch caches list again',
    );
    // Not rolled back: the old data dirs hold a cluster without quorum.
    for (const member of cluster.members) expect(await dumpKeys(member)).toEqual(snapshotKeys);
    expect(existsSync(`${cluster.members[0]?.dataDir}.old-${STAMP}`)).toBe(true);
  });

  it('rolls every member back when a step fails after the stop, and says at which step and host', async () => {
    const { runId } = await backUpAndLoseQuorum();
    const [survivor, , lost] = cluster.members;
    // etcd ignores a stray file beside member/: it tells the survivor's own data dir from a restored one.
    writeFileSync(join(survivor?.dataDir ?? '', 'original-data-dir'), '');
    // A leftover from an earlier restore with the same stamp: the restore step must refuse to overwrite it.
    mkdirSync(`${lost?.dataDir}.old-${STAMP}`);

    const failure = service.restore({ job: 'prod-etcd', backup: runId, dryRun: false, confirm: 'prod-etcd' });

    await expect(failure).rejects.toThrow(RestoreError);
    await expect(failure).rejects.toThrow(
      `step restore failed: ${HOSTS[2]} (etcd-c): step=restore: ${lost?.dataDir}.old-${STAMP} already exists; nothing was changed; every member was rolled back to its old data dir`,
    );
    // The survivor is back on its own data dir; what was restored is kept beside it.
    expect(existsSync(join(survivor?.dataDir ?? '', 'original-data-dir'))).toBe(true);
    expect(existsSync(join(`${survivor?.dataDir}.failed-${STAMP}`, 'member'))).toBe(true);
    expect(existsSync(`${survivor?.dataDir}.old-${STAMP}`)).toBe(false);
    expect(readdirSync(`${lost?.dataDir}.old-${STAMP}`)).toEqual([]);
  });

  it.each([
    ['etcdctl', false],
    ['an etcdctl that fails an add the cluster applied (3.3.17\'s "Error: <nil>")', true],
  ])('replaces one lost member while the others keep quorum: removed, added back, rejoined with every key (%s)', async (_label, quirky) => {
    if (quirky) service = serviceWith({ etcdctl: quirkyEtcdctl(aws.dir) });
    const [leader, , lost] = cluster.members;
    for (let i = 0; i < 50; i += 1) await leader?.etcdctl(['put', `/registry/services/svc-${i}`, `${i}`]);
    const { start, completions } = await service.runJob('prod-etcd', 'event-replace', new Date());
    expect(completions.every((completion) => completion.kind === 'succeeded')).toBe(true);
    if (start.kind !== 'started') throw new Error('backup did not start');
    await lost?.stop();
    rmSync(lost?.dataDir ?? '', { recursive: true, force: true });
    await leader?.etcdctl(['put', '/registry/written-while-c-was-down', 'kept']);
    unlinkSync(tree.conf);

    const outcome = await service.restore({ job: 'prod-etcd', backup: start.runId, targets: [HOSTS[2] ?? ''], dryRun: false, confirm: 'prod-etcd' });

    if (outcome.kind !== 'etcd-started') throw new Error(`expected a replacement, got ${outcome.kind}`);
    const results = outcome.workflow.results ?? [];
    expect(results.map((result) => [result.step, result.members.map((member) => member.member)])).toEqual([
      ['membership', ['etcd-c']],
      ['config', ['etcd-c']],
      ['rejoin', ['etcd-c']],
      ['health', expect.arrayContaining(NAMES)],
    ]);
    expect(results[0]?.members[0]?.host).not.toBe(HOSTS[2]);
    expect(await dumpKeys(lost as NonNullable<typeof lost>)).toEqual(await dumpKeys(leader as NonNullable<typeof leader>));
    expect(await lost?.etcdctl(['get', '/registry/written-while-c-was-down', '--print-value-only'])).toContain('kept');
    expect(readFileSync(tree.conf, 'utf8')).toContain('ETCD_NAME=member-a');
  });

  it('refuses to replace a member of a cluster that has lost quorum, pointing to the whole-cluster restore', async () => {
    const { start, completions } = await service.runJob('prod-etcd', 'event-replace-no-quorum', new Date());
    expect(completions.every((completion) => completion.kind === 'succeeded')).toBe(true);
    if (start.kind !== 'started') throw new Error('backup did not start');
    const [, second, third] = cluster.members;
    await second?.stop();
    await third?.stop();

    const failure = service.restore({ job: 'prod-etcd', backup: start.runId, targets: [HOSTS[2] ?? ''], dryRun: false, confirm: 'prod-etcd' });

    // The survivor answers but cannot serve without quorum: etcd reports it unhealthy too.
    await expect(failure).rejects.toThrow(
      'step=membership: 0 of 3 members are healthy: the cluster has lost quorum, and a member can be replaced only while it has one; restore the whole cluster instead (a restore without targets); nothing was changed',
    );
    expect(existsSync(`${third?.dataDir}.old-${STAMP}`)).toBe(false);
  });

  everyRelease('refuses a snapshot whose stored bytes differ from the manifest before touching any member', async () => {
    const { runId } = await backUpAndLoseQuorum();
    const [survivor] = cluster.members;
    writeFileSync(join(survivor?.dataDir ?? '', 'original-data-dir'), '');
    const outcome = await service.restore({ job: 'prod-etcd', backup: runId });
    if (outcome.kind !== 'etcd-plan') throw new Error(`expected a plan, got ${outcome.kind}`);
    // Same size, other bytes: list-backups still offers it; only the checksum can tell.
    const size = (await aws.moto.s3().send(new HeadObjectCommand({ Bucket: aws.bucket, Key: outcome.plan.payload.key }))).ContentLength ?? 0;
    await aws.moto.s3().send(
      new PutObjectCommand({ Bucket: aws.bucket, Key: outcome.plan.payload.key, Body: Buffer.alloc(size, 7), ServerSideEncryption: 'aws:kms', SSEKMSKeyId: aws.kmsKeyId }),
    );

    const failure = service.restore({ job: 'prod-etcd', backup: runId, dryRun: false, confirm: 'prod-etcd' });

    await expect(failure).rejects.toThrow(/failed before anything was touched: step prepare failed: .*but the manifest says [0-9a-f]{64}; nothing was changed/);
    expect(existsSync(join(survivor?.dataDir ?? '', 'original-data-dir'))).toBe(true);
    expect(existsSync(`${survivor?.dataDir}.old-${STAMP}`)).toBe(false);
    expect(readdirSync(aws.dir).filter((name) => name.startsWith('cronsnap-restore-prod-etcd-'))).toEqual([]);
  });

  it('says so when cleaning up a failed prepare fails too, since its restore markers would hold the job\'s backups', async () => {
    const { runId } = await backUpAndLoseQuorum();
    // Every member's prepare fails (no parent dir for the data dir) and the clean-up after it cannot run.
    const members = cluster.members.map((member, i) => ({ name: member.name, instanceId: HOSTS[i] ?? '', dataDir: '/nonexistent-parent/etcd' }));
    service = serviceWith({ members }, {}, ['sh', '-c', 'if [ "$SSM_action" = abandon ]; then echo "agent: cannot start the command" >&2; exit 7; fi; exec "$@"', 'host']);

    const failure = service.restore({ job: 'prod-etcd', backup: runId, dryRun: false, confirm: 'prod-etcd' });

    await expect(failure).rejects.toThrow(/failed before anything was touched: step prepare failed: .*the data dir's parent \/nonexistent-parent does not exist/);
    await expect(failure).rejects.toThrow(/; cleaning up failed too, so the members' restore markers \(\/var\/lock\/cronsnap-prod-etcd\.restoring\) may still hold the job's backups: step abandon failed: .*SSM status Failed: agent: cannot start the command/);
  });

  everyRelease('refuses a real restore without confirm, and an unknown backup, touching nothing', async () => {
    const [member] = cluster.members;
    if (!member) throw new Error('no members');
    await member.etcdctl(['put', '/registry/configmaps/kept', 'untouched']);
    const keysBefore = await dumpKeys(member);
    const dirsBefore = readdirSync(join(member.dataDir, '..')).sort();
    const revisionBefore = await revisionOf(member);

    await expect(service.restore({ job: 'prod-etcd', backup: 'latest', dryRun: false })).rejects.toThrow(InvalidEventError);
    await expect(service.restore({ job: 'prod-etcd', backup: '20261101T000000Z-ffffffffff' })).rejects.toThrow('has no restorable backup');

    for (const each of cluster.members) expect(await dumpKeys(each)).toEqual(keysBefore);
    expect(await revisionOf(member)).toBe(revisionBefore);
    expect(readdirSync(join(member.dataDir, '..')).sort()).toEqual(dirsBefore);
    expect(readdirSync(aws.dir).filter((name) => name.startsWith('cronsnap-restore-'))).toEqual([]);
  });
});
