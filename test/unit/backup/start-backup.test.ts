import { startBackup } from '../../../lib/backup/start-backup';
import { parseConfig } from '../../../lib/config/load-config';
import { InvalidEventError } from '../../../lib/errors';
import { configInput, etcdJobInput, filesJobInput } from '../../helpers/config-factory';
import { startBackupDeps } from '../../helpers/recording-ports';

const MEMBERS = ['i-0aaaaaaaaaaaaaaa3', 'i-0aaaaaaaaaaaaaaa1', 'i-0aaaaaaaaaaaaaaa2'];

function depsFor(jobs: Parameters<typeof configInput>[0], online = MEMBERS) {
  return startBackupDeps(parseConfig(configInput(jobs)), online, new Date('2026-11-23T10:30:00Z'));
}

describe('startBackup', () => {
  it("sends the members' config set to every online member in the same run, named in the snapshot's parameters", async () => {
    const deps = depsFor([etcdJobInput({ targets: { tags: { role: ['etcd'] } }, etcd: { endpoints: ['https://10.0.0.1:2379'], memberConfig: ['/etc/etcd', { path: '/etc/kubernetes/pki', required: true }] } })]);

    const outcome = await startBackup({ job: 'prod-etcd', eventId: 'event-1' }, 'fallback', deps);

    expect(outcome).toMatchObject({ kind: 'started', hosts: ['i-0aaaaaaaaaaaaaaa1'], linked: [{ setName: 'member-config', commandId: 'cmd-2', hosts: [...MEMBERS].sort() }] });
    const [snapshot, memberConfig] = deps.runner.sent;
    expect(snapshot).toMatchObject({ documentName: 'cronsnap-etcd-backup', hostIds: ['i-0aaaaaaaaaaaaaaa1'] });
    expect(snapshot?.parameters.memberConfigHosts).toBe([...MEMBERS].sort().join(','));
    expect(memberConfig).toMatchObject({ documentName: 'cronsnap-files-backup', hostIds: [...MEMBERS].sort() });
    expect(memberConfig?.parameters).toMatchObject({
      runId: snapshot?.parameters.runId,
      runPrefix: snapshot?.parameters.runPrefix,
      paths: '/etc/etcd,/etc/kubernetes/pki',
      requiredPaths: '/etc/kubernetes/pki',
      setName: 'member-config',
    });
  });

  it('marks a run as on demand unless its schedule started it, before claiming it', async () => {
    const deps = depsFor([etcdJobInput({ targets: { tags: { role: ['etcd'] } } })]);

    const byHand = await startBackup({ job: 'prod-etcd', eventId: 'console-test' }, 'fallback', deps);
    const scheduled = await startBackup({ job: 'prod-etcd', eventId: 'event-2', trigger: 'schedule' }, 'fallback', deps);

    const marks = [...deps.store.objects.keys()].filter((key) => key.startsWith('_cronsnap-marks/on-demand/'));
    expect(byHand.kind === 'started' && scheduled.kind === 'started').toBe(true);
    expect(marks).toEqual([`_cronsnap-marks/on-demand/prod-etcd/${'runId' in byHand ? byHand.runId : ''}.json`]);
  });

  it('sends a snapshot only when the etcd job names no member config', async () => {
    const deps = depsFor([etcdJobInput({ targets: { tags: { role: ['etcd'] } } })]);

    const outcome = await startBackup({ job: 'prod-etcd', eventId: 'event-1' }, 'fallback', deps);

    expect(outcome).toMatchObject({ kind: 'started', linked: [] });
    expect(deps.runner.sent.map((request) => request.documentName)).toEqual(['cronsnap-etcd-backup']);
    expect(deps.runner.sent[0]?.parameters.memberConfigHosts).toBe('');
  });

  it('runs a files job on every host with its tags in one request, at the configured rate, each its own backup', async () => {
    const deps = depsFor([filesJobInput({ targets: { tags: { role: ['master'] } }, rollout: { maxConcurrency: '10%', maxErrors: '5' } } as never)]);

    const outcome = await startBackup({ job: 'node-files', eventId: 'event-1' }, 'fallback', deps);

    expect(outcome).toMatchObject({ kind: 'started', hosts: [] });
    expect(deps.runner.sent).toEqual([
      expect.objectContaining({
        documentName: 'cronsnap-files-backup',
        hostIds: [],
        tags: { role: ['master'] },
        rollout: { maxConcurrency: '10%', maxErrors: '5' },
        parameters: expect.objectContaining({ paths: '/etc/etcd', setName: '', packageList: 'true' }),
      }),
    ]);
  });

  it('runs a files job with listed instances on each of them', async () => {
    const deps = depsFor([filesJobInput({ targets: { instanceIds: [...MEMBERS] } })]);

    const outcome = await startBackup({ job: 'node-files', eventId: 'event-1' }, 'fallback', deps);

    expect(outcome).toMatchObject({ kind: 'started', hosts: [...MEMBERS].sort() });
    expect(deps.runner.sent[0]).toMatchObject({ hostIds: [...MEMBERS].sort(), rollout: { maxConcurrency: '50', maxErrors: '100%' } });
  });

  it('refuses, before claiming the run, a document parameter SSM would refuse', async () => {
    const deps = depsFor([filesJobInput()]);
    deps.config.jobs[0] = { ...deps.config.jobs[0], files: { paths: [{ path: '/etc/with,comma', required: false }], packageList: true } } as never;

    await expect(startBackup({ job: 'node-files', eventId: 'event-1' }, 'fallback', deps)).rejects.toThrow(InvalidEventError);
    expect(deps.store.objects.size).toBe(0);
    expect(deps.runner.sent).toEqual([]);
  });
});
