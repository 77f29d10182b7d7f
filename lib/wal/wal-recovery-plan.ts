import type { Manifest } from '../backup/manifest';
import { describeWindow, type RecoverableSpan } from '../binlogs/point-in-time';
import type { WalRunManifest } from './wal-manifest';
import { walBaseOf, type WalBase } from './wal-retention';
import { segmentName, segmentNumber, segmentOfLsn, segmentTimeline, walChain } from './wal-segments';

/** A physical base backup as a recovery starts from it. */
export interface RecoveryBase extends WalBase {
  readonly runId: string;
  readonly finishedAt: string;
  /** The segment of walEnd: recovery is consistent only once it has replayed this one. */
  readonly consistentSegment: string;
}

export function recoveryBaseOf(manifest: Manifest): RecoveryBase | undefined {
  const base = walBaseOf(manifest);
  const walEnd = manifest.engine === 'postgres' ? manifest.postgres.physical?.walEnd : undefined;
  if (!base || walEnd === undefined) return undefined;
  return { ...base, runId: manifest.runId, finishedAt: manifest.finishedAt, consistentSegment: segmentOfLsn(walEnd, base.timeline, base.segmentSize) };
}

/**
 * What one WAL shipping run proves: it started at `startedAt`, then wrote a commit and switched
 * segments, and shipped everything up to `newestShipped`. So every transaction committed before
 * it started is in the segments up to that one, and a commit follows them there, which a
 * recovery to any earlier time needs to stop at (PostgreSQL 13+ refuses to end short of it).
 */
export interface WalReach {
  readonly runId: string;
  readonly startedAt: string;
  readonly systemIdentifier: string;
  readonly newestShipped: string;
}

export function walReachOf(run: WalRunManifest): WalReach | undefined {
  if (run.newestShipped === '') return undefined;
  return { runId: run.runId, startedAt: run.startedAt, systemIdentifier: run.systemIdentifier, newestShipped: run.newestShipped };
}

/** A cluster's shipped segments (those with a manifest) and the bytes of each as stored. */
export type ShippedSegments = ReadonlyMap<string, number>;

/** The newest segment of the unbroken run from `base.startSegment`; undefined when that one is missing. */
function chainEnd(base: RecoveryBase, shipped: ShippedSegments): string | undefined {
  const chain = walChain(base.startSegment, [...shipped.keys()], base.segmentSize);
  if (chain.kind === 'whole') return chain.to;
  const hole = segmentNumber(chain.missing.from, base.segmentSize);
  return hole > segmentNumber(base.startSegment, base.segmentSize) ? segmentName(base.timeline, hole - 1n, base.segmentSize) : undefined;
}

/** The whole seconds a reach covers: everything committed before its run started. */
function coveredUntil(reach: WalReach): string {
  return new Date(Date.parse(reach.startedAt) - 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The reaches that recovery from `base` can use: same cluster and timeline, past its consistent point, within its unbroken chain. */
function usableReaches(base: RecoveryBase, shipped: ShippedSegments, reaches: readonly WalReach[]): WalReach[] {
  const end = chainEnd(base, shipped);
  if (end === undefined) return [];
  const at = (segment: string) => segmentNumber(segment, base.segmentSize);
  return reaches
    .filter(
      (reach) =>
        reach.systemIdentifier === base.systemIdentifier &&
        segmentTimeline(reach.newestShipped) === base.timeline &&
        at(reach.newestShipped) >= at(base.consistentSegment) &&
        at(reach.newestShipped) <= at(end) &&
        coveredUntil(reach) >= base.finishedAt,
    )
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** The span restores from `base` reach: from its end to the newest second a shipping run covers. */
export function walRecoverableSpan(base: RecoveryBase, shipped: ShippedSegments, reaches: readonly WalReach[]): RecoverableSpan | undefined {
  const newest = usableReaches(base, shipped, reaches).at(-1);
  return newest && { runId: base.runId, from: base.finishedAt, until: coveredUntil(newest) };
}

export function walRecoverableWindow(bases: readonly RecoveryBase[], shippedOf: (systemIdentifier: string) => ShippedSegments, reaches: readonly WalReach[]): RecoverableSpan[] {
  return [...bases]
    .sort((a, b) => a.finishedAt.localeCompare(b.finishedAt))
    .flatMap((base) => walRecoverableSpan(base, shippedOf(base.systemIdentifier), reaches) ?? []);
}

/** What a recovery replays: the base backup, the segments from its first to `last`, and the second it stops after. */
export interface WalRecoveryPlan {
  readonly kind: 'plan';
  readonly base: RecoveryBase;
  readonly first: string;
  readonly last: string;
  readonly segments: number;
  /** Bytes of those segments as stored. */
  readonly bytes: number;
  /** The second a recovery to a time stops after; undefined to replay every segment of the chain. */
  readonly toTime: string | undefined;
  /** The span this base reaches, of which the plan takes what it needs. */
  readonly span: RecoverableSpan;
}

export type WalRecoveryChoice = WalRecoveryPlan | { readonly kind: 'refused'; readonly reason: string; readonly window: readonly RecoverableSpan[] };

const NOTHING_REACHED = 'no time can be reached yet (no physical base backup is followed by a WAL shipping run past its end)';

function segmentsBetween(base: RecoveryBase, shipped: ShippedSegments, last: string): { segments: number; bytes: number } {
  const from = segmentNumber(base.startSegment, base.segmentSize);
  const to = segmentNumber(last, base.segmentSize);
  let bytes = 0;
  for (let segment = from; segment <= to; segment++) bytes += shipped.get(segmentName(base.timeline, segment, base.segmentSize)) ?? 0;
  return { segments: Number(to - from + 1n), bytes };
}

/**
 * A recovery to `toTime`: the newest base backup finished at or before it, and its segments up to
 * those of the first shipping run that started after that second. Without a time, `base` (the
 * newest one when undefined) and every segment of its unbroken chain. Refused, with the window,
 * when the base backups and shipped WAL do not reach the time.
 */
export function planWalRecovery(
  bases: readonly RecoveryBase[],
  shippedOf: (systemIdentifier: string) => ShippedSegments,
  reaches: readonly WalReach[],
  target: { readonly toTime: Date } | { readonly base: RecoveryBase | undefined },
): WalRecoveryChoice {
  const window = walRecoverableWindow(bases, shippedOf, reaches);
  const refused = (reason: string): WalRecoveryChoice => ({ kind: 'refused', reason: `${reason}: ${describeWindow(window, NOTHING_REACHED)}`, window });
  if ('base' in target) {
    const base = target.base ?? [...bases].sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))[0];
    if (!base) return refused('no physical base backup');
    const shipped = shippedOf(base.systemIdentifier);
    const span = walRecoverableSpan(base, shipped, reaches);
    const last = chainEnd(base, shipped);
    if (!span || last === undefined) return refused(`no WAL shipping run has yet shipped what base backup ${base.runId} needs to be consistent`);
    return { kind: 'plan', base, first: base.startSegment, last, ...segmentsBetween(base, shipped, last), toTime: undefined, span };
  }
  const toTime = target.toTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const base = [...bases].filter((candidate) => candidate.finishedAt <= toTime).sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))[0];
  if (!base) return refused(`no physical base backup finished at or before ${toTime}`);
  const shipped = shippedOf(base.systemIdentifier);
  const usable = usableReaches(base, shipped, reaches);
  const reach = usable.find((candidate) => coveredUntil(candidate) >= toTime);
  const span = walRecoverableSpan(base, shipped, reaches);
  if (!reach || !span) {
    const reached = span ? `its shipped WAL reaches ${span.until}` : 'no WAL shipped after it reaches its end';
    return refused(`the newest base backup before ${toTime} is run ${base.runId}, and ${reached}`);
  }
  return { kind: 'plan', base, first: base.startSegment, last: reach.newestShipped, ...segmentsBetween(base, shipped, reach.newestShipped), toTime, span };
}
