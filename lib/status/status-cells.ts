import { humanDuration } from '../compliance/compliance-rules';
import { humanBytes } from '../human-bytes';
import { documentStepName } from '../ssm/command-document';
import { commandOutputUrls, commandStreamsUrl, type CommandLogGroup, type CommandOutputStream } from '../ssm/command-log-stream';
import type { JobStatus } from './job-status';

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

const copyLate = (copy: JobStatus['copy']) => copy?.newest === 'FAILED' || (copy?.pendingSeconds ?? 0) > (copy?.windowSeconds ?? Number.POSITIVE_INFINITY);

function copy(status: JobStatus): string {
  if (!status.copy) return '-';
  const { region, windowSeconds, newest, pendingSeconds } = status.copy;
  const state = newest === 'PENDING' ? `pending ${humanDuration(pendingSeconds ?? 0)}${copyLate(status.copy) ? ' LATE' : ''}` : newest === 'COMPLETED' ? 'copied' : (newest ?? 'unknown');
  return `${region}: ${state} (within ${humanDuration(windowSeconds)})`;
}

/** A column of the status table: its title and a job's cell. */
export type StatusColumn = readonly [title: string, cell: (status: JobStatus) => string];

/** What `cronsnap status` and the dashboard's status table show of every job, in this order. */
export const STATUS_COLUMNS: readonly StatusColumn[] = [
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

/**
 * Whether an enabled job needs a look, as a monitoring check would say: behind its RPO, its newest
 * run failed or reached only some hosts, its newest drill failed, or its copy failed or is late.
 */
export function needsALook(status: JobStatus): boolean {
  if (!status.enabled) return false;
  const runFailed = status.lastAttempt?.state === 'failed' || status.lastAttempt?.state === 'partial';
  return !status.withinRpo || runFailed || status.lastDrill?.passed === false || copyLate(status.copy);
}

/** A line under the table, with the console pages of a command's output where the line is about one. */
export interface StatusNote {
  readonly text: string;
  /** Indented under the line before it. */
  readonly detail?: true;
  /**
   * Where the command's output is in the deployment's command log group: a host's stdout and
   * stderr streams (SSM makes each only once there is some: a host program's failure line is on
   * stderr), or, for a command sent to tags, every stream of the command.
   */
  readonly output?: Partial<Record<CommandOutputStream | 'streams', string>>;
}

/**
 * What needs a look, per job: a run that failed or is still running (each host's command and
 * where its output is logged, when the log group is known), a failed drill, objects status could
 * not read.
 */
export function statusNotes(status: JobStatus, commandLog?: CommandLogGroup): StatusNote[] {
  const notes: StatusNote[] = [];
  const attempt = status.lastAttempt;
  if (attempt && attempt.state !== 'succeeded') {
    notes.push({ text: `${status.job}: run ${attempt.runId} ${attempt.state} (claimed ${attempt.claimedAt})` });
    for (const command of attempt.command?.commands ?? []) {
      // A command sent to tags names no hosts: its streams are named after the instances it reached.
      if (command.hosts.length === 0) notes.push({ text: `(hosts by tag): command ${command.commandId}`, detail: true, ...(commandLog ? { output: { streams: commandStreamsUrl(commandLog, command.commandId) } } : {}) });
      for (const host of command.hosts) {
        const output = commandLog && commandOutputUrls(commandLog, { commandId: command.commandId, instanceId: host, stepName: documentStepName(command.program) });
        notes.push({ text: `${host}: command ${command.commandId}`, detail: true, ...(output ? { output } : {}) });
      }
    }
  }
  if (status.lastDrill && !status.lastDrill.passed) notes.push({ text: `${status.job}: drill ${status.lastDrill.drillId} failed: ${status.lastDrill.reason ?? 'see its result'}` });
  for (const problem of status.unreadable ?? []) notes.push({ text: `${status.job}: unreadable: ${problem}` });
  return notes;
}
