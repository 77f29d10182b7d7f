import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT_PATH } from '../../lib/adapters/local-command-runner';
import type { Manifest } from '../../lib/catalog/manifest';
import { dumpKeys } from '../../lib/local/etcd-server';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { etcdJobInput } from '../helpers/config-factory';
import { pathWithout } from '../helpers/host-path';
import { localServiceFor } from '../helpers/local-service';
import { currentProfile } from '../helpers/host-profiles';
import { useMotoBucket } from '../helpers/moto-fixture';
import { CONTAINER_DATA_DIR, NAMESPACE, NODE_ROOT, startStaticPodCluster, type StaticPodMember } from '../helpers/static-pod-node';

const HOSTS = ['i-0e7cd200000000001', 'i-0e7cd200000000002', 'i-0e7cd200000000003'];
const NAMES = ['etcd-a', 'etcd-b', 'etcd-c'];
const RESTORE_TIME = new Date('2026-12-02T05:00:00Z');
const STAMP = '20261202T050000Z';
const MANIFEST = `${NODE_ROOT}/manifests/etcd.yaml`;

type EtcdBackup = Extract<Manifest, { engine: 'etcd' }>;

/**
 * The runtimes' other lookups and the refusals are the same bash whatever etcd runs in the
 * container; the legacy etcd profiles run each host program once (backup, quorum restore, member
 * replacement) and leave those to this machine's own run.
 */
const everyVariant = currentProfile() === 'debian' ? it : it.skip;

describe('etcd as static pods: backup from inside the container, restore through manifest moves', () => {
  const aws = useMotoBucket('cronsnap-static-pods');
  let members: StaticPodMember[];
  let workDir: string;

  async function startCluster(): Promise<void> {
    members = await startStaticPodCluster(mkdtempSync(join(aws.dir, 'nodes-')), NAMES, 'pod-token');
    // The job's default /var/tmp, which the containers have a private one of.
    workDir = mkdtempSync('/var/tmp/cronsnap-static-pod-work-');
  }

  async function stopCluster(): Promise<void> {
    await Promise.all(members.map((member) => member.stop()));
    rmSync(workDir, { recursive: true, force: true });
  }

  /**
   * The job's service: each host in its node's namespace, etcd in a container found by `container`
   * (crictl by default). `hostTools: false` leaves etcdctl, etcdutl and etcd off the hosts' PATH.
   */
  function serviceWith({ container = {}, hostTools = true }: { container?: Record<string, unknown>; hostTools?: boolean } = {}): LocalBackupService {
    const path = (member: StaticPodMember) => {
      if (hostTools) return undefined;
      const profile = process.env.CRONSNAP_LOCAL_HOST_PATH;
      return [member.node.bin, pathWithout(['etcdctl', 'etcdutl', 'etcd'], join(member.node.dir, 'host-path'), profile ? [profile, ...AGENT_PATH.split(':')] : undefined)].join(':');
    };
    const hostOf = (member: StaticPodMember) => ({ env: { PATH: `${member.node.bin}:${AGENT_PATH}` }, wrapper: member.node.hostWrapper(path(member)) });
    const [first, ...others] = members;
    if (!first) throw new Error('no members');
    return localServiceFor(
      etcdJobInput({
        targets: { instanceIds: HOSTS },
        etcd: {
          endpoints: members.map((member) => member.clientUrl),
          workDir,
          dataDir: CONTAINER_DATA_DIR,
          container: { runtime: 'crictl', name: 'etcd', namespace: NAMESPACE, sharedDir: { host: `${NODE_ROOT}/etcd-data`, container: CONTAINER_DATA_DIR }, ...container },
          members: members.map((member, i) => ({ name: member.name, instanceId: HOSTS[i] ?? '' })),
          service: { staticPod: { manifest: MANIFEST }, healthTimeoutSeconds: 60 },
          initialClusterToken: 'pod-token',
        },
      }),
      {
        ...aws,
        host: HOSTS[0] ?? '',
        now: () => RESTORE_TIME,
        hostEnv: hostOf(first).env,
        wrapper: hostOf(first).wrapper,
        moreHosts: Object.fromEntries(others.map((member, i) => [HOSTS[i + 1] ?? '', hostOf(member)])),
      },
    );
  }

  async function backUp(service: LocalBackupService, event: string): Promise<EtcdBackup> {
    const { completions } = await service.runJob('prod-etcd', event, new Date());
    const [completion] = completions;
    if (completion?.kind !== 'succeeded' || completion.manifest.engine !== 'etcd') throw new Error(JSON.stringify(completions));
    return completion.manifest;
  }

  async function failureOf(service: LocalBackupService, event: string): Promise<string> {
    const { completions } = await service.runJob('prod-etcd', event, new Date());
    const [completion] = completions;
    if (completion?.kind !== 'failed') throw new Error(`expected a failed run: ${JSON.stringify(completions)}`);
    return completion.reason;
  }

  async function writeKeys(count: number, prefix = '/registry/pods/default'): Promise<void> {
    const [leader] = members;
    for (let i = 0; i < count; i += 1) await leader?.etcdctl(['put', `${prefix}/pod-${i}`, `{"i":${i}}`]);
  }

  async function revisionOf(member: StaticPodMember): Promise<number> {
    const [status] = JSON.parse(await member.etcdctl(['endpoint', 'status', '-w', 'json'])) as { Status: { header: { revision: number } } }[];
    return status?.Status.header.revision ?? 0;
  }

  describe('backups, one cluster for all', () => {
    beforeAll(startCluster);
    afterAll(stopCluster);

  it('backs up from inside the container on a host without etcdctl: through the shared dir, in the container\'s environment, and again after the pod restarts with a new id', async () => {
    await writeKeys(40);
    const [first] = members;
    if (!first) throw new Error('no members');
    const service = serviceWith({ hostTools: false });
    const before = first.node.containerId();

    const manifest = await backUp(service, 'pod-event-1');
    await first.node.crash();
    await first.node.waitFor(true);
    const after = await backUp(service, 'pod-event-2');

    expect(manifest.etcd.keyCount).toBe(40);
    expect(manifest.tools.container).toBe(`crictl ${before} (etcd in namespace kube-system)`);
    expect(after.tools.container).toBe(`crictl ${first.node.containerId()} (etcd in namespace kube-system)`);
    expect(first.node.containerId()).not.toBe(before);
    // The snapshot went through the dir the pod shares with the host, and was removed there after the upload.
    expect(readdirSync(first.dataDir).filter((name) => name.startsWith('cronsnap-'))).toEqual([]);
    expect(readdirSync(workDir)).toEqual([]);
  });

  everyVariant('says which container is not running, and that a dir is not shared, with nothing uploaded', async () => {
    const [first] = members;
    if (!first) throw new Error('no members');
    const notShared = serviceWith({ container: { sharedDir: { host: `${NODE_ROOT}/etcd-data`, container: '/var/tmp' } } });
    expect(await failureOf(notShared, 'pod-event-3')).toMatch(
      /^step=snapshot: etcdctl in container [0-9a-f]{64} saved \/var\/tmp\/cronsnap-prod-etcd-\S+\.db, which is not \/srv\/cronsnap-node\/etcd-data\/cronsnap-prod-etcd-\S+\.db on the host: sharedDir\.container \/var\/tmp is not the container's mount/,
    );

    const other = serviceWith({ container: { namespace: 'openshift-etcd' } });
    expect(await failureOf(other, 'pod-event-4')).toBe(`step=requirements: no running container etcd in namespace openshift-etcd on ${HOSTS[0]} (crictl)`);
  });

  everyVariant.each([
    ['docker, by the kubelet\'s labels', { runtime: 'docker' }],
    ['oc, the pod on this node', { runtime: 'oc', pod: 'etcd' }],
    ['podman, by the kubelet\'s labels', { runtime: 'podman' }],
  ])('finds the container through %s', async (_label, container) => {
    await writeKeys(5, `/registry/${container.runtime}`);
    const manifest = await backUp(serviceWith({ container, hostTools: false }), `pod-event-${container.runtime}`);
    expect(manifest.etcd.keyCount).toBe(Object.keys(await dumpKeys(members[0] as StaticPodMember)).length);
    expect(manifest.tools.container).toMatch(container.runtime === 'oc' ? /^oc etcd-node-etcd-a \(pod etcd-<node> \(container etcd\) in namespace kube-system\)$/ : new RegExp(`^${container.runtime} [0-9a-f]{64} `));
  });

  });

  describe('restores, a cluster each', () => {
    beforeEach(startCluster);
    afterEach(stopCluster);

  it("restores a lost quorum through manifest moves: every key back, each data dir restored where its manifest's hostPath says, the old ones kept", async () => {
    await writeKeys(60);
    const snapshotKeys = await dumpKeys(members[0] as StaticPodMember);
    const service = serviceWith();
    const { start } = await service.runJob('prod-etcd', 'pod-event-5', new Date());
    if (start.kind !== 'started') throw new Error('backup did not start');
    await writeKeys(10, '/registry/after-backup');
    const lostRevision = await revisionOf(members[0] as StaticPodMember);
    // Two members' disks go bad: etcd cannot open its db and the kubelet restarts it in vain.
    for (const member of members.slice(1)) {
      await member.node.stop();
      writeFileSync(join(member.dataDir, 'member', 'snap', 'db'), Buffer.alloc(65536, 0x5a));
      member.node.resume();
    }

    const outcome = await service.restore({ job: 'prod-etcd', backup: start.runId, dryRun: false, confirm: 'prod-etcd' });

    if (outcome.kind !== 'etcd-started') throw new Error(`expected a started workflow, got ${outcome.kind}`);
    expect(outcome.workflow.results?.map((result) => result.step)).toEqual(['prepare', 'stop', 'config', 'restore', 'start', 'health', 'revision']);
    for (const member of members) {
      expect(await dumpKeys(member)).toEqual(snapshotKeys);
      expect(existsSync(`${member.dataDir}.old-${STAMP}/member`)).toBe(true);
      expect(existsSync(member.node.manifest)).toBe(true);
    }
    expect(await revisionOf(members[0] as StaticPodMember)).toBeGreaterThan(lostRevision);
    const olds = outcome.workflow.results?.find((result) => result.step === 'revision')?.members.flatMap((member) => member.reports.filter((report) => report.kind === 'oldRevision'));
    expect(olds?.map((report) => report.value)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ member: 'etcd-a', revision: expect.any(Number) }),
        expect.objectContaining({ member: 'etcd-b', revision: null, unreadable: expect.stringContaining('invalid database') }),
      ]),
    );
    const stops = outcome.workflow.results?.find((result) => result.step === 'stop')?.members.flatMap((member) => member.reports.filter((report) => report.kind === 'manifest'));
    expect(stops?.map((report) => report.value)).toEqual(
      expect.arrayContaining(HOSTS.map((host) => ({ host, from: MANIFEST, to: `${NODE_ROOT}/manifests-stopped/etcd.yaml` }))),
    );
  });

  everyVariant('refuses a quorum restore on hosts with neither etcdutl nor etcdctl before anything is stopped', async () => {
    await writeKeys(5);
    const { start } = await serviceWith().runJob('prod-etcd', 'pod-event-7', new Date());
    if (start.kind !== 'started') throw new Error('backup did not start');

    const refused = serviceWith({ hostTools: false }).restore({ job: 'prod-etcd', backup: start.runId, dryRun: false, confirm: 'prod-etcd' });

    await expect(refused).rejects.toThrow(/step=prepare: neither etcdutl nor etcdctl is on i-0e7cd20{10}\d: the member's container is stopped while its data dir is restored/);
    for (const member of members) expect(existsSync(member.node.manifest)).toBe(true);
    expect(Object.keys(await dumpKeys(members[0] as StaticPodMember))).toHaveLength(5);
  });

  it('replaces one lost member, which joins the running cluster with --initial-cluster-state=existing set in its manifest', async () => {
    await writeKeys(30);
    const service = serviceWith();
    const { start } = await service.runJob('prod-etcd', 'pod-event-6', new Date());
    if (start.kind !== 'started') throw new Error('backup did not start');
    const lost = members[2] as StaticPodMember;
    // Its disk is replaced: the kubelet starts etcd on an empty data dir, which cannot rejoin as it was.
    await lost.node.stop();
    rmSync(join(lost.dataDir, 'member'), { recursive: true, force: true });
    lost.node.resume();

    const outcome = await service.restore({ job: 'prod-etcd', backup: start.runId, targets: [HOSTS[2] ?? ''], dryRun: false, confirm: 'prod-etcd' });

    if (outcome.kind !== 'etcd-started' || outcome.plan.kind !== 'etcd-member-replace') throw new Error(`expected a replaced member, got ${outcome.kind}`);
    // Read from the replaced member's own store (serializable), not through the leader.
    const count = async (member: StaticPodMember) => JSON.parse(await member.etcdctl(['get', '', '--prefix', '--keys-only', '--consistency=s', '-w', 'json'])) as { count: number };
    expect((await count(lost)).count).toBe(30);
    expect(readFileSync(lost.node.manifest, 'utf8')).toContain('--initial-cluster-state=existing');
    expect(readFileSync(join(lost.node.dir, 'manifests-stopped', `etcd.yaml.before-${STAMP}`), 'utf8')).not.toContain('--initial-cluster-state');
  });
  });
});
