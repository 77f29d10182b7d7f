import type { Job } from '../config/job-config';
import type { ManagedHost } from '../ports/host-inventory';

/** The newest restorable backup each host made, as list-backups offers them (newest first). */
export interface HostBackup {
  readonly host: string;
  readonly runId: string;
  readonly finishedAt: string;
}

/** One host of a job: what SSM says of it, its newest backup, and what stands in the way. */
export interface JobHost {
  readonly host: string;
  /** Undefined: SSM does not know the host. */
  readonly managed?: ManagedHost;
  readonly lastBackup?: HostBackup;
  /** What to fix before the job can run on it; empty when nothing is known to be wrong. */
  readonly problems: readonly string[];
}

export interface JobHostsReport {
  readonly job: string;
  readonly targets: Job['targets'];
  readonly hosts: readonly JobHost[];
  /** Whether every host the job names is online in SSM and none has a known problem. */
  readonly ok: boolean;
}

/**
 * SSM Agent releases before 3.3.2746 do not export document parameters as environment variables;
 * cronsnap's loader then falls back to text interpolation, which the parameters' patterns keep
 * inert, but the agent is old enough to be worth naming.
 */
const ENV_VAR_AGENT = [3, 3, 2746];

function olderThan(version: string, floor: readonly number[]): boolean {
  const parts = version.split('.').map(Number);
  for (const [index, least] of floor.entries()) {
    const part = parts[index] ?? 0;
    if (part !== least) return part < least;
  }
  return false;
}

function problemsOf(managed: ManagedHost | undefined, lastBackup: HostBackup | undefined, policyExport: string): string[] {
  if (!managed) {
    return [
      'not a managed node in SSM: install and start the SSM Agent, and give the instance a role with AmazonSSMManagedInstanceCore (or turn on Default Host Management Configuration); on-premises hosts register with a hybrid activation',
    ];
  }
  const problems: string[] = [];
  if (managed.pingStatus !== 'Online') problems.push(`SSM says ${managed.pingStatus}${managed.lastPingAt ? ` since its last ping at ${managed.lastPingAt}` : ''}: the agent is stopped, or the host cannot reach SSM`);
  if (managed.agentVersion && olderThan(managed.agentVersion, ENV_VAR_AGENT)) problems.push(`SSM Agent ${managed.agentVersion} is older than ${ENV_VAR_AGENT.join('.')}: update it (AWS-UpdateSSMAgent)`);
  if (!lastBackup) problems.push(`no backup from this host yet: if runs were sent, attach the job's host policy (exported as ${policyExport}) to the host's instance role, then run \`cronsnap preflight\``);
  return problems;
}

/**
 * The hosts a job targets, joined from three places: the config (ids it names), SSM (the nodes its
 * ids or tags reach) and the bucket (the newest backup from each). A host the config names that
 * SSM does not know is listed too, with what is missing.
 */
export function jobHosts(job: Job, managed: readonly ManagedHost[], backups: readonly HostBackup[], policyExport: string): JobHostsReport {
  const named = job.targets.instanceIds ?? [];
  const ids = [...new Set([...named, ...managed.map((host) => host.id)])].sort();
  const newest = new Map<string, HostBackup>();
  for (const backup of backups) if (!newest.has(backup.host) || (newest.get(backup.host)?.finishedAt ?? '') < backup.finishedAt) newest.set(backup.host, backup);
  const hosts = ids.map((id): JobHost => {
    const described = managed.find((host) => host.id === id);
    const lastBackup = newest.get(id);
    return { host: id, ...(described ? { managed: described } : {}), ...(lastBackup ? { lastBackup } : {}), problems: problemsOf(described, lastBackup, policyExport) };
  });
  return { job: job.name, targets: job.targets, hosts, ok: hosts.length > 0 && hosts.every((host) => host.problems.length === 0) };
}
