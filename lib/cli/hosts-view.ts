import type { JobHostsReport } from '../hosts/job-hosts';
import { textTable } from './text-table';

/** One line per host, then what each needs; the first line says how the job reaches its hosts. */
export function hostsTable(report: JobHostsReport): string {
  const by = report.targets.instanceIds ? `instance ids ${report.targets.instanceIds.join(', ')}` : `tags ${Object.entries(report.targets.tags ?? {}).map(([key, values]) => `${key}=${values.join('|')}`).join(', ')}`;
  const header = `${report.job}: targets ${by}: ${report.hosts.length === 0 ? 'no managed node matches' : report.ok ? `${report.hosts.length} hosts ready` : 'some hosts need a look'}`;
  // SSM lists managed nodes only: an instance that carries the tags but never registered is not among them.
  const unseen = report.targets.tags ? ['(by tags, SSM shows managed nodes only: an instance with these tags whose agent never registered is not listed)'] : [];
  const rows = [
    ['HOST', 'SSM PING', 'LAST PING (UTC)', 'AGENT', 'PLATFORM', 'LAST BACKUP'],
    ...report.hosts.map((host) => [
      host.host,
      host.managed?.pingStatus ?? 'not managed',
      host.managed?.lastPingAt ? `${host.managed.lastPingAt.slice(0, 10)} ${host.managed.lastPingAt.slice(11, 16)}` : '-',
      host.managed?.agentVersion ?? '-',
      host.managed?.platform ?? '-',
      host.lastBackup ? `${host.lastBackup.runId} (${host.lastBackup.finishedAt})` : 'none',
    ]),
  ];
  const table = textTable(rows);
  const problems = report.hosts.flatMap((host) => host.problems.map((problem) => `${host.host}: ${problem}`));
  return [header, ...unseen, ...(report.hosts.length > 0 ? table : []), ...(problems.length > 0 ? ['', ...problems] : [])].join('\n');
}
