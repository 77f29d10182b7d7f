import type { CronsnapConfig } from '../config/cronsnap-config';
import { isDrilled, type Job } from '../config/job-config';
import { logShippingsOf, type LogShipping, type ShippingKind } from '../engines/log-shipping';
import { incompleteAfterSeconds } from '../retention/prune-job';
import { keepAsJson, keepHolds, planRetention, type RunKeep, type RunRecord } from '../retention/retention-policy';
import { scheduledTimes } from '../schedule/schedule-times';
import { drillAlarmPlan } from '../drill/drill-alarm';
import { recoveryPointObjective } from '../config/recovery-point-objective';
import type { JobTally, KeyCount } from './inventory-tally';
import type { PointInTimeStatus } from './point-in-time-status';
import { newestReachable } from '../binlogs/point-in-time';
import type { ReplicaSettings } from '../config/storage-settings';
import { replicationWindowSeconds } from '../replica/replica-target';

export const RULES = ['valid-backups', 'rpo', 'schedule-gaps', 'encryption', 'object-lock', 'incomplete', 'retention', 'restore-drill', 'point-in-time', 'replication'] as const;
export type RuleName = (typeof RULES)[number];

export interface ComplianceCheck {
  readonly rule: RuleName;
  readonly ok: boolean;
  readonly detail: string;
}

export interface JobReport {
  readonly job: string;
  readonly engine: Job['engine'];
  readonly schedule: string;
  /** The longest wait the schedule allows plus the job's timeout: the log shipping schedule's where the job ships logs. */
  readonly rpoSeconds: number;
  readonly validBackups: number;
  readonly newestBackup?: { readonly runId: string; readonly startedAt: string; readonly ageSeconds: number };
  /** The newest passed restore drill, when one is stored. */
  readonly lastPassedDrill?: { readonly finishedAt: string; readonly ageSeconds: number };
  /** Jobs that ship binary logs or WAL: the earliest and latest second a restore to a time can reach, and what breaks it. */
  readonly pointInTime?: {
    readonly earliest?: string;
    readonly latest?: string;
    readonly gaps: readonly { readonly from: string; readonly until: string }[];
    readonly missingLogs: readonly string[];
    readonly newestLogShippedAt?: string;
  };
  readonly ok: boolean;
  readonly checks: readonly ComplianceCheck[];
  readonly currentBytesByStorageClass: Readonly<Record<string, number>>;
  readonly noncurrentBytes: number;
  /** Runs an operator keeps beyond the policy, while the keep holds: the until is absent for a keep forever. */
  readonly kept: readonly { readonly runId: string; readonly until?: string; readonly reason: string }[];
  /** Complete backups, oldest first (the newest 500), for the size chart. */
  readonly backups: readonly { readonly runId: string; readonly startedAt: string; readonly bytes: number }[];
}

const MAX_LISTED = 5;
/** A run's id carries its scheduled time exactly; this much slack allows for clock skew in a manual run. */
const SLOT_TOLERANCE_MS = 15 * 60 * 1000;
const CHART_POINTS = 500;

/** `1d 2h`, `3h 5m`, `42s`: an age an operator reads at a glance. */
export function humanDuration(seconds: number): string {
  const units: [number, string][] = [[86400, 'd'], [3600, 'h'], [60, 'm'], [1, 's']];
  const parts: string[] = [];
  let rest = Math.max(0, Math.round(seconds));
  for (const [size, label] of units) {
    if (rest >= size && parts.length < 2) {
      parts.push(`${Math.floor(rest / size)}${label}`);
      rest %= size;
    }
  }
  return parts.join(' ') || '0s';
}

const listed = (counter: KeyCount) => `${counter.samples.join(', ')}${counter.count > counter.samples.length ? ', ...' : ''}`;

interface CompleteRun {
  readonly runId: string;
  readonly startedAt: number;
  readonly bytes: number;
}

function completeRuns(tally: JobTally): CompleteRun[] {
  const runs: CompleteRun[] = [];
  for (const [runId, run] of tally.runs) {
    if (!run.units.some((unit) => unit.main && unit.manifest)) continue;
    runs.push({ runId, startedAt: run.startedAt, bytes: run.bytes });
  }
  return runs.sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId));
}

/**
 * Scheduled times in the window the policy keeps every run of (from the oldest of the newest
 * `keepLast` backups up to `now - grace`) that have no complete backup started at that time.
 * A `rate(...)` has no fixed times: there, any wait longer than its interval plus the grace is a gap.
 */
function missedRuns(job: Job, runs: readonly CompleteRun[], now: number, intervalSeconds: number, graceSeconds: number): string[] {
  const window = runs.slice(-job.retention.keepLast);
  const first = window[0];
  if (!first) return [];
  const graceMs = graceSeconds * 1000;
  if (job.schedule.trim().startsWith('rate(')) {
    const gaps: string[] = [];
    const times = [...window.map((run) => run.startedAt), now];
    for (let index = 1; index < times.length; index += 1) {
      const [previous = 0, next = 0] = [times[index - 1], times[index]];
      if (next - previous > intervalSeconds * 1000 + graceMs) gaps.push(`${new Date(previous).toISOString()} + ${humanDuration((next - previous) / 1000)}`);
    }
    return gaps;
  }
  const starts = window.map((run) => run.startedAt);
  const missed: string[] = [];
  const spec = { schedule: job.schedule, ...(job.timezone ? { timezone: job.timezone } : {}) };
  for (const slot of scheduledTimes(spec, new Date(first.startedAt - 1), new Date(now - graceMs), 10000)) {
    const at = slot.getTime();
    if (!starts.some((start) => start >= at && start <= at + SLOT_TOLERANCE_MS)) missed.push(slot.toISOString());
  }
  return missed;
}

function retentionCheck(job: Job, tally: JobTally, now: number, keeps: ReadonlyMap<string, RunKeep>): ComplianceCheck {
  const records: RunRecord[] = [...tally.runs].map(([runId, run]) => ({
    runId,
    startedAt: new Date(run.startedAt),
    ...(tally.onDemandRuns.has(runId) ? { onDemand: true } : {}),
    ...(keeps.has(runId) ? { kept: keeps.get(runId) } : {}),
    units: run.units.map((unit) => ({ name: unit.name, host: unit.host, main: unit.main, complete: unit.manifest })),
    ...(run.lockedUntil > 0 ? { lockedUntil: new Date(run.lockedUntil) } : {}),
  }));
  const problems: string[] = [];
  const plan = planRetention({
    runs: records,
    policy: job.retention,
    seriesPerHost: job.engine === 'files',
    now: new Date(now),
    incompleteAfterSeconds: incompleteAfterSeconds(job),
  });
  const beyond = plan.kind === 'prune' ? plan.delete.filter((deletion) => deletion.reason === 'outside the retention policy') : [];
  if (beyond.length > 0) problems.push(`${beyond.length} backups kept beyond the policy (oldest ${beyond[beyond.length - 1]?.runId})`);
  const { maxAgeDays } = job.retention;
  // Lifecycle expiration runs once a day and may lag a day more.
  if (maxAgeDays !== undefined && now - tally.oldestCurrent > (maxAgeDays + 2) * 86400 * 1000) {
    problems.push(`an object from ${new Date(tally.oldestCurrent).toISOString()} outlived maxAgeDays ${maxAgeDays}`);
  }
  const policy = `keepLast ${job.retention.keepLast}, daily ${job.retention.keepDaily}, weekly ${job.retention.keepWeekly}, monthly ${job.retention.keepMonthly}`;
  const held = plan.kind === 'held' ? `; pruning is held: ${plan.reason}` : '';
  return { rule: 'retention', ok: problems.length === 0, detail: problems.length > 0 ? problems.join('; ') : `within ${policy}${held}` };
}

/** A drilled job's newest passed drill must be younger than twice its drill interval, as its alarm says. */
function drillCheck(job: Job, tally: JobTally, now: number): ComplianceCheck | undefined {
  if (!isDrilled(job) || !job.drill.enabled || !job.enabled) return undefined;
  const { windowSeconds } = drillAlarmPlan(job.drill, new Date(now));
  if (tally.lastPassedDrill === 0) return { rule: 'restore-drill', ok: false, detail: `no drill has passed; limit ${humanDuration(windowSeconds)}` };
  const age = (now - tally.lastPassedDrill) / 1000;
  return { rule: 'restore-drill', ok: age <= windowSeconds, detail: `last passed ${humanDuration(age)} ago; limit ${humanDuration(windowSeconds)}, twice the drill interval` };
}

/** Every current object of the job is in the copy, or on its way there within the replication window. */
function replicationCheck(replica: ReplicaSettings, tally: JobTally): ComplianceCheck {
  const { failed, late, uncovered, pending, completed, unlisted } = tally.replication;
  const window = humanDuration(replicationWindowSeconds(replica));
  if (unlisted > 0) return { rule: 'replication', ok: false, detail: 'the inventory lists no ReplicationStatus: its configuration predates the copy (redeploy)' };
  const problems = [
    failed.count > 0 ? `${failed.count} FAILED to copy: ${listed(failed)}` : '',
    late.count > 0 ? `${late.count} PENDING longer than ${window}: ${listed(late)}` : '',
    uncovered.count > 0 ? `${uncovered.count} never copied (stored before replication was set up): ${listed(uncovered)}` : '',
  ].filter(Boolean);
  if (problems.length > 0) return { rule: 'replication', ok: false, detail: `${problems.join('; ')}; S3 Batch Replication copies them` };
  const waiting = pending > 0 ? `; ${pending} PENDING within ${window}` : '';
  return { rule: 'replication', ok: true, detail: `${completed} objects copied to ${replica.region}${waiting}` };
}

const latestOf = (status: PointInTimeStatus) => newestReachable(status.window);

/** The recovery point of a job that ships logs: the latest second a restore reaches, against the log schedule's RPO. */
function logRpoCheck(status: PointInTimeStatus, shipping: LogShipping, rpoSeconds: number, now: number): ComplianceCheck {
  const latest = latestOf(status);
  const shipped = status.newestShippedAt > 0 ? `newest log shipped ${humanDuration((now - status.newestShippedAt) / 1000)} ago` : 'no log shipped';
  const objective = `RPO ${humanDuration(rpoSeconds)}, the ${shipping.what} schedule`;
  if (latest === undefined) return { rule: 'rpo', ok: false, detail: `no second can be restored to yet (${shipped}); ${objective}` };
  const age = (now - Date.parse(latest)) / 1000;
  return { rule: 'rpo', ok: age <= rpoSeconds, detail: `restores reach ${latest}, ${humanDuration(age)} ago (${shipped}); ${objective}` };
}

/** How the window's check names a job's logs and what they follow. */
const LOG_NOUNS: Readonly<Record<ShippingKind, { readonly logs: string; readonly base: string }>> = {
  binlogs: { logs: 'binary logs', base: 'dump' },
  wal: { logs: 'WAL segments', base: 'base backup' },
};

/** The window restores to a time can reach: there, unbroken, and every manifest readable. */
function windowCheck(status: PointInTimeStatus, kind: ShippingKind): ComplianceCheck {
  const nouns = LOG_NOUNS[kind];
  const problems: string[] = [];
  const earliest = status.window[0]?.from;
  const latest = latestOf(status);
  if (status.gaps.length > 0) {
    const gaps = status.gaps.slice(0, MAX_LISTED).map((gap) => `${gap.from} to ${gap.until}`).join(', ');
    problems.push(`no restore reaches ${gaps}${status.gaps.length > MAX_LISTED ? ', ...' : ''}`);
  }
  if (status.missing.length > 0) {
    problems.push(`${nouns.logs} ${status.missing.slice(0, MAX_LISTED).join(', ')}${status.missing.length > MAX_LISTED ? ', ...' : ''} are missing from the chain after a kept ${nouns.base}`);
  }
  problems.push(...status.unreadable.slice(0, MAX_LISTED));
  const reach = earliest === undefined || latest === undefined ? `no ${nouns.base} is followed by shipped logs` : `restores reach ${earliest} to ${latest}`;
  return { rule: 'point-in-time', ok: earliest !== undefined && problems.length === 0, detail: [reach, ...problems].join('; ') };
}

/**
 * Every rule for one job, judged at `now` (the inventory's creation time). A job that ships
 * binary logs is given `pointInTime`: its recovery point is the last second a restore reaches.
 */
export function judgeJob(job: Job, tally: JobTally, config: CronsnapConfig, now: number, pointInTime?: PointInTimeStatus, keeps: ReadonlyMap<string, RunKeep> = new Map()): JobReport {
  const { intervalSeconds, graceSeconds, rpoSeconds: dumpRpoSeconds } = recoveryPointObjective(job, new Date(now));
  const shipping = logShippingsOf(job)[0];
  const logs = shipping?.enabled ? { status: pointInTime, settings: shipping } : undefined;
  if (logs && !logs.status) throw new Error(`job ${job.name} ships ${logs.settings.kind}: judging it needs its point-in-time status`);
  const rpoSeconds = logs ? recoveryPointObjective(logs.settings, new Date(now)).rpoSeconds : dumpRpoSeconds;
  const runs = completeRuns(tally);
  const newest = runs[runs.length - 1];
  const checks: ComplianceCheck[] = [];

  checks.push({ rule: 'valid-backups', ok: runs.length > 0, detail: `${runs.length} backups with a manifest` });
  if (!job.enabled) {
    checks.push({ rule: 'rpo', ok: true, detail: 'job disabled' });
  } else if (logs?.status) {
    checks.push(logRpoCheck(logs.status, logs.settings, rpoSeconds, now));
  } else if (!newest) {
    checks.push({ rule: 'rpo', ok: false, detail: `no backup; RPO ${humanDuration(rpoSeconds)}` });
  } else {
    const age = (now - newest.startedAt) / 1000;
    checks.push({ rule: 'rpo', ok: age <= rpoSeconds, detail: `newest ${humanDuration(age)} old; RPO ${humanDuration(rpoSeconds)}` });
  }
  const missed = job.enabled ? missedRuns(job, runs, now, intervalSeconds, graceSeconds) : [];
  checks.push({
    rule: 'schedule-gaps',
    ok: missed.length === 0,
    detail: missed.length === 0 ? 'every scheduled run since the oldest kept backup stored one' : `${missed.length} missed: ${missed.slice(0, MAX_LISTED).join(', ')}${missed.length > MAX_LISTED ? ', ...' : ''}`,
  });
  checks.push({
    rule: 'encryption',
    ok: tally.notKmsEncrypted.count === 0,
    detail: tally.notKmsEncrypted.count === 0 ? `all ${tally.currentObjects} objects SSE-KMS` : `${tally.notKmsEncrypted.count} not under KMS: ${listed(tally.notKmsEncrypted)}`,
  });
  if (config.storage.objectLock) {
    const mode = config.storage.objectLock.mode.toUpperCase();
    checks.push({
      rule: 'object-lock',
      ok: tally.withoutLock.count === 0,
      detail: tally.withoutLock.count === 0 ? `all objects under ${mode} lock` : `${tally.withoutLock.count} without a ${mode} lock: ${listed(tally.withoutLock)}`,
    });
  }
  const abandonedBefore = now - incompleteAfterSeconds(job) * 1000;
  const incomplete: string[] = [];
  for (const [runId, run] of tally.runs) {
    if (run.startedAt >= abandonedBefore) continue;
    for (const unit of run.units) if (!unit.manifest) incomplete.push(`${runId}/${unit.name}`);
  }
  checks.push({
    rule: 'incomplete',
    ok: incomplete.length === 0 && tally.outsideLayout.count === 0,
    detail:
      incomplete.length === 0 && tally.outsideLayout.count === 0
        ? 'none older than the incomplete threshold'
        : [
            incomplete.length > 0 ? `${incomplete.length} without a manifest: ${incomplete.slice(0, MAX_LISTED).join(', ')}` : '',
            tally.outsideLayout.count > 0 ? `${tally.outsideLayout.count} outside the object layout: ${listed(tally.outsideLayout)}` : '',
          ].filter(Boolean).join('; '),
  });
  checks.push(retentionCheck(job, tally, now, keeps));
  if (config.storage.replica) checks.push(replicationCheck(config.storage.replica, tally));
  const drill = drillCheck(job, tally, now);
  if (drill) checks.push(drill);
  if (logs?.status) checks.push(windowCheck(logs.status, logs.settings.kind));
  const latest = logs?.status && latestOf(logs.status);
  const window = logs?.status && {
    ...(logs.status.window[0] ? { earliest: logs.status.window[0].from } : {}),
    ...(latest ? { latest } : {}),
    gaps: logs.status.gaps,
    missingLogs: logs.status.missing,
    ...(logs.status.newestShippedAt > 0 ? { newestLogShippedAt: new Date(logs.status.newestShippedAt).toISOString() } : {}),
  };

  return {
    job: job.name,
    engine: job.engine,
    schedule: job.schedule,
    rpoSeconds,
    validBackups: runs.length,
    ...(newest ? { newestBackup: { runId: newest.runId, startedAt: new Date(newest.startedAt).toISOString(), ageSeconds: Math.round((now - newest.startedAt) / 1000) } } : {}),
    ...(tally.lastPassedDrill > 0
      ? { lastPassedDrill: { finishedAt: new Date(tally.lastPassedDrill).toISOString(), ageSeconds: Math.round((now - tally.lastPassedDrill) / 1000) } }
      : {}),
    ...(window ? { pointInTime: window } : {}),
    ok: checks.every((check) => check.ok),
    checks,
    currentBytesByStorageClass: Object.fromEntries([...tally.currentBytesByStorageClass].sort()),
    noncurrentBytes: tally.noncurrentBytes,
    kept: [...keeps]
      .filter(([runId, keep]) => tally.runs.has(runId) && keepHolds(keep, new Date(now)))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([runId, keep]) => ({ runId, ...keepAsJson(keep) })),
    backups: runs.slice(-CHART_POINTS).map((run) => ({ runId: run.runId, startedAt: new Date(run.startedAt).toISOString(), bytes: run.bytes })),
  };
}
