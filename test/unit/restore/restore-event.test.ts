import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../../lib/catalog/manifest';
import { parseConfig } from '../../../lib/config/load-config';
import { InvalidEventError, RestoreError, UnknownJobError } from '../../../lib/errors';
import { restore, restoreEventSchema } from '../../../lib/restore/restore';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { etcdManifest } from '../../helpers/manifest-factory';
import { MemoryObjectStore, RecordingRunner } from '../../helpers/recording-ports';

const SAMPLE_EVENTS = join(__dirname, '../../../events');

const MEMBERS = [
  { name: 'etcd-1', instanceId: 'i-0000000000000000a' },
  { name: 'etcd-2', instanceId: 'i-0000000000000000b' },
];

function storeBackup(store: MemoryObjectStore, overrides: Partial<Extract<Manifest, { engine: 'etcd' }>['etcd']> = {}): void {
  const base = etcdManifest() as Extract<Manifest, { engine: 'etcd' }>;
  const manifest = {
    ...base,
    payload: { ...base.payload, size: 3 },
    etcd: {
      ...base.etcd,
      members: [
        { id: '1', name: 'etcd-1', status: 'started', peerUrls: 'https://10.0.1.10:2380', clientUrls: 'https://10.0.1.10:2379' },
        { id: '2', name: 'etcd-2', status: 'started', peerUrls: 'https://10.0.1.11:2380', clientUrls: 'https://10.0.1.11:2379' },
      ],
      ...overrides,
    },
  };
  store.objects.set(manifest.payload.key, 'zst');
  store.objects.set(manifest.payload.key.replace('snapshot.db.zst', 'manifest.json'), JSON.stringify(manifest));
}

function depsFor(store: MemoryObjectStore, etcd: Record<string, unknown> = { members: MEMBERS }) {
  const started: unknown[] = [];
  const runner = new RecordingRunner([]);
  return {
    started,
    runner,
    deps: {
      config: parseConfig(configInput([etcdJobInput({ targets: { tags: { role: ['etcd'] } }, etcd: { endpoints: ['https://10.0.1.10:2379', 'https://10.0.1.11:2379'], ...etcd } } as never)])),
      store,
      runner,
      workflows: { startEtcdRestore: async (plan: unknown) => (started.push(plan), { executionId: 'exec-1' }) },
      hostWorkflows: { start: async (workflow: unknown) => (started.push(workflow), { executionId: 'exec-2' }) },
      bucket: 'cronsnap-backups',
      documentPrefix: 'cronsnap',
      now: () => new Date('2026-11-24T08:00:00Z'),
      timeoutMs: 60_000,
      workDir: '/var/tmp',
    },
  };
}

describe('restore requests', () => {
  it.each([
    ['a backup that is neither latest nor a run id', { job: 'prod-etcd', backup: 'yesterday' }, 'backup'],
    ['an unknown field', { job: 'prod-etcd', backup: 'latest', force: true }, 'force'],
    ['dryRun as a string', { job: 'prod-etcd', backup: 'latest', dryRun: 'false' }, 'dryRun'],
    ['a toTime that is no ISO-8601 time', { job: 'prod-mysql', backup: 'latest', toTime: 'yesterday at noon' }, 'toTime'],
  ])('refuses %s, naming the field', (_label, event, field) => {
    const result = restoreEventSchema.safeParse(event);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain(field);
  });

  it('is a dry run by default: returns the plan and starts nothing', async () => {
    const store = new MemoryObjectStore();
    storeBackup(store);
    const { deps, started, runner } = depsFor(store);

    const outcome = await restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest' }), deps);

    expect(outcome.kind).toBe('etcd-plan');
    if (outcome.kind !== 'etcd-plan') return;
    expect(outcome.plan).toMatchObject({
      initialCluster: 'etcd-1=https://10.0.1.10:2380,etcd-2=https://10.0.1.11:2380',
      clusterToken: 'etcd-cluster-1',
      stamp: '20261124T080000Z',
      moves: [
        { host: 'i-0000000000000000a', from: '/var/lib/etcd', to: '/var/lib/etcd.old-20261124T080000Z' },
        { host: 'i-0000000000000000b', from: '/var/lib/etcd', to: '/var/lib/etcd.old-20261124T080000Z' },
      ],
    });
    expect(started).toEqual([]);
    expect(runner.sent).toEqual([]);
  });

  it("plans a static pod member's stop and start as manifest moves, and says its data dir is the manifest's hostPath", async () => {
    const store = new MemoryObjectStore();
    storeBackup(store);
    const { deps } = depsFor(store, {
      members: MEMBERS,
      container: { runtime: 'crictl', name: 'etcd', namespace: 'kube-system', sharedDir: { host: '/var/lib/etcd', container: '/var/lib/etcd' } },
      service: { staticPod: { manifest: '/etc/kubernetes/manifests/etcd.yaml' } },
    });

    const outcome = await restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest' }), deps);

    if (outcome.kind !== 'etcd-plan') throw new Error(`expected a plan, got ${outcome.kind}`);
    expect(outcome.plan.steps).toEqual(
      expect.arrayContaining([
        'stop etcd on every member (move /etc/kubernetes/manifests/etcd.yaml to /etc/kubernetes/manifests-stopped/ and wait until the kubelet has removed the container) and check it no longer answers',
        'start etcd on every member (move /etc/kubernetes/manifests/etcd.yaml back from /etc/kubernetes/manifests-stopped/ and wait until the kubelet runs the container)',
      ]),
    );
    expect(outcome.plan.notes.join('\n')).toContain("each host restores the hostPath volume its manifest mounts there, with the host's etcdutl or etcdctl");
    expect(outcome.plan.host.access).toMatchObject({ containerRuntime: 'crictl', staticPodManifest: '/etc/kubernetes/manifests/etcd.yaml', stopCommand: '', startCommand: '' });
  });

  it('refuses a real restore without confirm equal to the job name, before reading anything', async () => {
    const store = new MemoryObjectStore();
    storeBackup(store);
    const { deps, started } = depsFor(store);

    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest', dryRun: false, confirm: 'yes' }), deps)).rejects.toThrow(
      new InvalidEventError("event.confirm: a real restore needs confirm equal to the job name 'prod-etcd'; nothing was changed"),
    );
    expect(started).toEqual([]);
  });

  it('starts the workflow for a confirmed restore', async () => {
    const store = new MemoryObjectStore();
    storeBackup(store);
    const { deps, started } = depsFor(store);

    const outcome = await restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest', dryRun: false, confirm: 'prod-etcd' }), deps);

    expect(outcome).toMatchObject({ kind: 'etcd-started', workflow: { executionId: 'exec-1' } });
    expect(started).toHaveLength(1);
  });

  it('refuses to plan when the config does not say which host runs a member, naming the field', async () => {
    const store = new MemoryObjectStore();
    storeBackup(store);
    const { deps } = depsFor(store, { members: MEMBERS.slice(0, 1) });

    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest' }), deps)).rejects.toThrow(
      new RestoreError("job prod-etcd: etcd.members names no host for member 'etcd-2' of the backed-up cluster; add {name, instanceId} for every member"),
    );
  });

  it('takes every sample restore event of events/ as it stands', () => {
    const samples = readdirSync(SAMPLE_EVENTS).filter((name) => /^restore-(?!drill\.json)[a-z-]+\.json$/.test(name));
    expect(samples).toEqual(expect.arrayContaining(['restore-mysql-to-time.json', 'restore-postgres-to-time.json']));
    for (const name of samples) {
      expect({ name, issues: restoreEventSchema.safeParse(JSON.parse(readFileSync(join(SAMPLE_EVENTS, name), 'utf8'))).error?.issues }).toEqual({ name, issues: undefined });
    }
  });

  it('restores from the copy only on the copy\'s function and only when asked to, before reading anything', async () => {
    const store = new MemoryObjectStore();
    storeBackup(store);
    const { deps, started } = depsFor(store);
    const copy = { ...deps, bucketRole: 'replica' as const };

    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest', fromReplica: true }), deps)).rejects.toThrow(/^event\.fromReplica: this function reads the source bucket/);
    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest' }), copy)).rejects.toThrow(/^event\.fromReplica: this function reads the copy/);
    expect(started).toEqual([]);
    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest', fromReplica: true }), copy)).resolves.toMatchObject({ kind: 'etcd-plan' });
  });

  it('refuses a restore to a time of an etcd job, before reading anything', async () => {
    const store = new MemoryObjectStore();
    storeBackup(store);
    const { deps, started } = depsFor(store);
    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest', toTime: '2026-11-24T07:00:00Z' }), deps)).rejects.toThrow(
      new InvalidEventError('event.toTime: job prod-etcd is etcd; restores to a point in time replay MySQL binary logs or PostgreSQL WAL (postgres.mode physical)'),
    );
    expect(started).toEqual([]);
  });

  it('refuses an unknown job, an unknown run and a truncated payload, starting nothing', async () => {
    const store = new MemoryObjectStore();
    storeBackup(store);
    const { deps, started, runner } = depsFor(store);
    const apply = { dryRun: false, confirm: 'prod-etcd' };

    await expect(restore(restoreEventSchema.parse({ job: 'nope-etcd', backup: 'latest', ...apply }), deps)).rejects.toThrow(UnknownJobError);
    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: '20261101T000000Z-ffffffffff', ...apply }), deps)).rejects.toThrow(
      'job prod-etcd has no restorable backup with run id 20261101T000000Z-ffffffffff',
    );
    const payloadKey = [...store.objects.keys()].find((key) => key.endsWith('snapshot.db.zst')) ?? '';
    store.objects.set(payloadKey, 'z');
    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest', ...apply }), deps)).rejects.toThrow('job prod-etcd has no restorable backup');
    expect(started).toEqual([]);
    expect(runner.sent).toEqual([]);
  });

  it('refuses to guess a cluster token the backup and config do not give', async () => {
    const store = new MemoryObjectStore();
    storeBackup(store, { clusterToken: '' });
    const { deps } = depsFor(store);

    await expect(restore(restoreEventSchema.parse({ job: 'prod-etcd', backup: 'latest' }), deps)).rejects.toThrow('set etcd.initialClusterToken');
  });
});
