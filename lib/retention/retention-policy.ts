import type { Retention } from '../config/retention';
import type { ObjectVersion } from '../ports/object-store';

/**
 * One stored unit of a run: a host's backup (`host`) or a linked set beside it
 * (`host/member-config`). It is complete when its manifest is there and names every part.
 */
export interface StoredUnit {
  readonly name: string;
  readonly host: string;
  /** A host's own backup, as opposed to a linked set. */
  readonly main: boolean;
  readonly complete: boolean;
}

/** What is stored for one run of a job. */
export interface RunRecord {
  readonly runId: string;
  /** The scheduled time the run id starts with. */
  readonly startedAt: Date;
  readonly units: readonly StoredUnit[];
  /** The latest S3 Object Lock retain-until date among its objects, when one is known. */
  readonly lockedUntil?: Date;
  /** Started by an operator (backup-now), not by the schedule: never counted toward the policy's counts. */
  readonly onDemand?: boolean;
  /** An operator's keep (`cronsnap keep`): the run stays while it holds, whatever the policy says. */
  readonly kept?: RunKeep;
}

/** A keep as retention sees it; one whose `until` has passed no longer holds. */
export interface RunKeep {
  /** The keep holds until this time; forever when absent. */
  readonly until?: Date;
  readonly reason: string;
  /** The object versions on which the keep turned a legal hold on: cronsnap lifts exactly these once it ends. */
  readonly legalHolds?: readonly ObjectVersion[];
}

export interface RetentionInput {
  /** Every run with objects in the bucket, in any order. */
  readonly runs: readonly RunRecord[];
  /** The newest run that was started, whether or not it stored anything. */
  readonly latestStartedRunId?: string;
  readonly policy: Pick<Retention, 'keepLast' | 'keepDaily' | 'keepWeekly' | 'keepMonthly' | 'onDemandKeepDays'>;
  /** Each host keeps its own series (a file set); otherwise the job's runs form one series. */
  readonly seriesPerHost: boolean;
  readonly now: Date;
  /** A unit without a complete manifest this long after its run started is abandoned. */
  readonly incompleteAfterSeconds: number;
}

export interface Deletion {
  readonly runId: string;
  /** Only this unit of the run; the whole run when absent. */
  readonly unit?: string;
  readonly reason: string;
}

export type RetentionPlan =
  | { readonly kind: 'held'; readonly reason: string }
  | {
      readonly kind: 'prune';
      /** Kept runs, newest first, with the rules that keep each. */
      readonly keep: readonly { readonly runId: string; readonly reasons: readonly string[] }[];
      readonly delete: readonly Deletion[];
      /** Runs the policy would delete that S3 Object Lock still holds. */
      readonly locked: readonly { readonly runId: string; readonly until: Date }[];
    };

const newestFirst = (a: RunRecord, b: RunRecord) => b.startedAt.getTime() - a.startedAt.getTime() || b.runId.localeCompare(a.runId);

/** UTC buckets for the grandfather-father-son counts. */
const BUCKETS = {
  keepDaily: (time: Date) => time.toISOString().slice(0, 10),
  keepWeekly: (time: Date) => isoWeek(time),
  keepMonthly: (time: Date) => time.toISOString().slice(0, 7),
} as const;

function isoWeek(time: Date): string {
  // An ISO week belongs to the year of its Thursday, and is numbered from that year's first Thursday.
  const thursday = new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth(), time.getUTCDate() + 3 - ((time.getUTCDay() + 6) % 7)));
  const dayOfYear = (thursday.getTime() - Date.UTC(thursday.getUTCFullYear(), 0, 1)) / 86400000;
  return `${thursday.getUTCFullYear()}-W${String(Math.floor(dayOfYear / 7) + 1).padStart(2, '0')}`;
}

/** Why the history must not be pruned now, if it must not. */
function holdReason(input: RetentionInput, runs: readonly RunRecord[]): string | undefined {
  const newestStored = runs[0];
  const latest = input.latestStartedRunId !== undefined && (!newestStored || input.latestStartedRunId > newestStored.runId)
    ? input.latestStartedRunId
    : newestStored?.runId;
  if (latest === undefined) return 'the job has no backups';
  const run = runs.find((candidate) => candidate.runId === latest);
  if (!run || !run.units.some((unit) => unit.main && unit.complete)) return `the latest run ${latest} has no complete backup`;
  const unfinished = run.units.filter((unit) => !unit.complete).map((unit) => unit.name);
  if (unfinished.length > 0) return `the latest run ${latest} has no manifest yet for ${unfinished.join(', ')}`;
  return undefined;
}

/** Whether `keep` still holds at `now`: retention, list-backups and the report judge it alike. */
export function keepHolds(keep: RunKeep | undefined, now: Date): keep is RunKeep {
  return keep !== undefined && (keep.until === undefined || keep.until > now);
}

/** A keep as list-backups and the report answer with it. */
export function keepAsJson(keep: RunKeep): { readonly until?: string; readonly reason: string } {
  return { ...(keep.until ? { until: keep.until.toISOString() } : {}), reason: keep.reason };
}

/** Why a keep still holds at `now`, or undefined once it has lapsed. */
export function keepReason(keep: RunKeep | undefined, now: Date): string | undefined {
  if (!keepHolds(keep, now)) return undefined;
  return `kept ${keep.until ? `until ${keep.until.toISOString()}` : 'forever'}${keep.reason ? `: ${keep.reason}` : ''}`;
}

/**
 * Which runs each series keeps, and why (restic's semantics: counts of buckets that have a
 * backup). Only scheduled runs fill the counts, so a backup taken by hand never pushes a
 * scheduled one out; on-demand runs stay `onDemandKeepDays`, and a kept run stays while kept.
 */
function keptRuns(input: RetentionInput, runs: readonly RunRecord[]): Map<string, Set<string>> {
  const reasons = new Map<string, Set<string>>();
  const keep = (runId: string, reason: string) => reasons.set(runId, (reasons.get(runId) ?? new Set()).add(reason));
  const series = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const hosts = run.units.filter((unit) => unit.main && unit.complete).map((unit) => unit.host);
    for (const name of input.seriesPerHost ? hosts : hosts.length > 0 ? ['job'] : []) {
      const history = series.get(name);
      if (history) history.push(run);
      else series.set(name, [run]);
    }
  }
  const onDemandSince = input.now.getTime() - input.policy.onDemandKeepDays * 86400000;
  for (const [name, history] of series) {
    const label = input.seriesPerHost ? ` of ${name}` : '';
    const newest = history[0];
    if (newest) keep(newest.runId, `newest${label}`);
    const scheduled = history.filter((run) => !run.onDemand);
    scheduled.slice(0, input.policy.keepLast).forEach((run) => run !== newest && keep(run.runId, `last ${input.policy.keepLast}${label}`));
    for (const rule of ['keepDaily', 'keepWeekly', 'keepMonthly'] as const) {
      const wanted = input.policy[rule];
      const seen = new Set<string>();
      for (const run of scheduled) {
        if (seen.size >= wanted) break;
        const bucket = BUCKETS[rule](run.startedAt);
        if (seen.has(bucket)) continue;
        seen.add(bucket);
        keep(run.runId, `${rule.slice(4).toLowerCase()} ${bucket}${label}`);
      }
    }
    for (const run of history) {
      if (run.onDemand && run.startedAt.getTime() > onDemandSince) keep(run.runId, `on demand, kept ${input.policy.onDemandKeepDays} days`);
    }
  }
  for (const run of runs) {
    const reason = keepReason(run.kept, input.now);
    if (reason) keep(run.runId, reason);
  }
  return reasons;
}

/**
 * Decides what pruning deletes. Invariants (each tested): the newest complete backup of every
 * series is kept; nothing is deleted while the latest run failed or is unfinished; a unit without a
 * complete manifest goes only once `incompleteAfterSeconds` have passed; runs are deleted whole;
 * nothing under Object Lock is deleted; a kept run is never deleted; on-demand runs never count
 * toward keepLast or the daily/weekly/monthly buckets.
 */
export function planRetention(input: RetentionInput): RetentionPlan {
  const runs = [...input.runs].sort(newestFirst);
  const held = holdReason(input, runs);
  if (held) return { kind: 'held', reason: held };

  const reasons = keptRuns(input, runs);
  const abandoned = (run: RunRecord) => input.now.getTime() - run.startedAt.getTime() > input.incompleteAfterSeconds * 1000;
  const deletions: Deletion[] = [];
  const locked: { runId: string; until: Date }[] = [];
  for (const run of runs) {
    const kept = reasons.has(run.runId);
    const hasComplete = run.units.some((unit) => unit.main && unit.complete);
    let deletion: Deletion | undefined;
    if (!kept && hasComplete) deletion = { runId: run.runId, reason: 'outside the retention policy' };
    else if (!kept && abandoned(run)) deletion = { runId: run.runId, reason: 'incomplete: no complete backup' };
    if (deletion && run.lockedUntil && run.lockedUntil > input.now) {
      locked.push({ runId: run.runId, until: run.lockedUntil });
      continue;
    }
    if (deletion) {
      deletions.push(deletion);
      continue;
    }
    if (!kept || !abandoned(run) || (run.lockedUntil && run.lockedUntil > input.now)) continue;
    for (const unit of run.units.filter((candidate) => !candidate.complete)) {
      deletions.push({ runId: run.runId, unit: unit.name, reason: `incomplete: ${unit.name} has no complete manifest` });
    }
  }
  const keep = runs.filter((run) => reasons.has(run.runId)).map((run) => ({ runId: run.runId, reasons: [...(reasons.get(run.runId) ?? [])] }));
  return { kind: 'prune', keep, delete: deletions, locked };
}
