import { parseConfig } from '../../../lib/config/load-config';
import { jobHosts } from '../../../lib/hosts/job-hosts';
import type { ManagedHost } from '../../../lib/ports/host-inventory';
import { configInput, etcdJobInput } from '../../helpers/config-factory';

const EXPORT = 'Cronsnap-host-prod-etcd';
const node = (id: string, overrides: Partial<ManagedHost> = {}): ManagedHost => ({ id, pingStatus: 'Online', lastPingAt: '2026-12-07T10:00:00.000Z', agentVersion: '3.3.3050.0', platform: 'Amazon Linux 2023', ...overrides });
function jobOf(targets: object) {
  const [job] = parseConfig(configInput([etcdJobInput({ targets } as never)])).jobs;
  if (!job) throw new Error('the config has no job');
  return job;
}

describe('a job\'s hosts', () => {
  it('names a host SSM does not know, one offline, an old agent and one that never backed up, each with its fix', () => {
    const job = jobOf({ instanceIds: ['i-0000000000000000a', 'i-0000000000000000b', 'i-0000000000000000c', 'i-0000000000000000d', 'i-0000000000000000e'] });
    const managed = [node('i-0000000000000000b', { pingStatus: 'ConnectionLost' }), node('i-0000000000000000c', { agentVersion: '3.2.582.0' }), node('i-0000000000000000d'), node('i-0000000000000000e')];
    const backups = [
      { host: 'i-0000000000000000b', runId: '20261207T080000Z-0123456789', finishedAt: '2026-12-07T08:00:40Z' },
      { host: 'i-0000000000000000c', runId: '20261207T080000Z-0123456789', finishedAt: '2026-12-07T08:00:40Z' },
      { host: 'i-0000000000000000e', runId: '20261207T080000Z-0123456789', finishedAt: '2026-12-07T08:00:41Z' },
      { host: 'i-0000000000000000e', runId: '20261207T020000Z-0123456789', finishedAt: '2026-12-07T02:00:41Z' },
    ];

    const report = jobHosts(job, managed, backups, EXPORT);

    expect(report.ok).toBe(false);
    expect(Object.fromEntries(report.hosts.map((host) => [host.host, host.problems]))).toEqual({
      'i-0000000000000000a': [expect.stringMatching(/^not a managed node in SSM: install and start the SSM Agent.*AmazonSSMManagedInstanceCore.*Default Host Management Configuration/)],
      'i-0000000000000000b': [expect.stringMatching(/^SSM says ConnectionLost since its last ping at 2026-12-07T10:00:00.000Z/)],
      'i-0000000000000000c': ['SSM Agent 3.2.582.0 is older than 3.3.2746: update it (AWS-UpdateSSMAgent)'],
      'i-0000000000000000d': [expect.stringContaining(`attach the job's host policy (exported as ${EXPORT}) to the host's instance role`)],
      'i-0000000000000000e': [],
    });
    expect(report.hosts.find((host) => host.host === 'i-0000000000000000e')?.lastBackup?.runId).toBe('20261207T080000Z-0123456789');
  });

  it('lists the nodes a tag-targeted job reaches, ready when every one is online and has backed up', () => {
    const job = jobOf({ tags: { 'cronsnap:cluster': ['prod'] } });
    const managed = [node('i-0000000000000000f'), node('mi-0123456789abcdef0', { iamRole: 'SSMServiceRole' })];
    const backups = managed.map((host) => ({ host: host.id, runId: '20261207T080000Z-0123456789', finishedAt: '2026-12-07T08:00:40Z' }));

    expect(jobHosts(job, managed, backups, EXPORT)).toMatchObject({ ok: true, hosts: [{ host: 'i-0000000000000000f', problems: [] }, { host: 'mi-0123456789abcdef0', problems: [] }] });
    expect(jobHosts(job, [], [], EXPORT)).toMatchObject({ ok: false, hosts: [] });
  });
});
