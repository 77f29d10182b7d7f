import { humanDuration } from '../compliance/compliance-rules';
import { humanBytes } from '../human-bytes';
import type { JobStatus } from '../status/job-status';
import { textTable } from './text-table';

/** `2026-12-07 08:10`: a UTC time in a table cell. */
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;

function result(status: JobStatus): string {
  if (!status.enabled) return 'disabled';
  if (status.lastAttempt) return status.lastAttempt.state;
  return status.lastBackup ? 'succeeded' : 'no backup';
}

function age(status: JobStatus): string {
  const rpo = humanDuration(status.rpoSeconds);
  if (status.ageSeconds === undefined) return `never / ${rpo} LATE`;
  return `${humanDuration(status.ageSeconds)} / ${rpo}${status.withinRpo ? '' : ' LATE'}`;
}

function drill(status: JobStatus): string {
  if (!status.lastDrill) return status.lastPassedDrill ? `passed ${status.lastPassedDrill.slice(0, 10)}` : '-';
  return `${status.lastDrill.passed ? 'passed' : 'FAILED'} ${status.lastDrill.finishedAt.slice(0, 10)}`;
}

function pointInTime(status: JobStatus): string {
  if (!status.pointInTime) return '-';
  const { reachesTo, lagSeconds } = status.pointInTime;
  return reachesTo ? `to ${minute(reachesTo)} (${humanDuration(lagSeconds ?? 0)} ago)` : 'none yet';
}

function copy(status: JobStatus): string {
  if (!status.copy) return '-';
  const { region, windowSeconds, newest, pendingSeconds } = status.copy;
  const state = newest === 'PENDING' ? `pending ${humanDuration(pendingSeconds ?? 0)}${(pendingSeconds ?? 0) > windowSeconds ? ' LATE' : ''}` : newest === 'COMPLETED' ? 'copied' : (newest ?? 'unknown');
  return `${region}: ${state} (within ${humanDuration(windowSeconds)})`;
}

const COLUMNS: readonly [string, (status: JobStatus) => string][] = [
  ['JOB', (status) => status.job],
  ['ENGINE', (status) => status.engine],
  ['LAST BACKUP (UTC)', (status) => (status.lastBackup ? minute(status.lastBackup.finishedAt) : 'never')],
  ['RESULT', result],
  ['SIZE', (status) => (status.lastBackup ? humanBytes(status.lastBackup.bytes) : '-')],
  ['TOOK', (status) => (status.lastBackup ? humanDuration(status.lastBackup.durationSeconds) : '-')],
  ['AGE / RPO', age],
  ['NEXT RUN (UTC)', (status) => (status.nextRun ? minute(status.nextRun) : '-')],
  ['DRILL', drill],
  ['POINT IN TIME', pointInTime],
  ['COPY', copy],
];

/** Lines under the table: what needs a look, with where to look. */
function notes(status: JobStatus, logLink: (commandId: string, host: string, program: string) => string | undefined): string[] {
  const lines: string[] = [];
  const attempt = status.lastAttempt;
  if (attempt && attempt.state !== 'succeeded') {
    lines.push(`${status.job}: run ${attempt.runId} ${attempt.state} (claimed ${attempt.claimedAt})`);
    for (const command of attempt.command?.commands ?? []) {
      const hosts = command.hosts.length > 0 ? command.hosts : ['(hosts by tag)'];
      for (const host of hosts) lines.push(`  ${host}: command ${command.commandId}${command.hosts.length > 0 ? `  ${logLink(command.commandId, host, command.program) ?? ''}` : ''}`.trimEnd());
    }
  }
  if (status.lastDrill && !status.lastDrill.passed) lines.push(`${status.job}: drill ${status.lastDrill.drillId} failed: ${status.lastDrill.reason ?? 'see its result'}`);
  for (const problem of status.unreadable ?? []) lines.push(`${status.job}: unreadable: ${problem}`);
  return lines;
}

/**
 * Every job on one line, like `pgbackrest info` or `velero backup get`, then what needs a look:
 * runs that failed or are still running (with each host's command and its output's log stream),
 * failed drills, objects that could not be read.
 */
export function statusTable(statuses: readonly JobStatus[], logLink: (commandId: string, host: string, program: string) => string | undefined = () => undefined): string {
  const table = textTable([COLUMNS.map(([title]) => title), ...statuses.map((status) => COLUMNS.map(([, cell]) => cell(status)))]);
  const attention = statuses.flatMap((status) => notes(status, logLink));
  return [...table, ...(attention.length > 0 ? ['', ...attention] : [])].join('\n');
}
