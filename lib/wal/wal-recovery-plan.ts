import type { Manifest } from '../catalog/manifest';
import { describeMissing, describeWindow, type RecoverableSpan } from '../binlogs/point-in-time';
import { byInstant, wholeSecond } from '../iso-time';
import type { WalRunManifest } from '../catalog/wal-manifest';
import { walBaseOf, type WalBase } from '../retention/wal-retention';
import { segmentName, segmentNumber, segmentOfLsn, segmentTimeline, walChain } from '../catalog/wal-segments';

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
 * segments, and shipped everything up to `newestShipped` before `finishedAt`. So every transaction
 * committed before it started is in the segments up to that one, and a commit follows them there,
 * which a recovery to any earlier time needs to stop at (PostgreSQL 13+ refuses to end short of
 * it); and nothing in those segments was committed after it finished.
 */
export interface WalReach {
  readonly runId: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly systemIdentifier: string;
  readonly newestShipped: string;
}

export function walReachOf(run: WalRunManifest): WalReach | undefined {
  if (run.newestShipped === '') return undefined;
  return { runId: run.runId, startedAt: run.startedAt, finishedAt: run.finishedAt, systemIdentifier: run.systemIdentifier, newestShipped: run.newestShipped };
}

/** A cluster's replayable segments (manifest and payload both stored) and the bytes of each as stored. */
export type ShippedSegments = ReadonlyMap<string, number>;

/** The unbroken run of segments from `base.startSegment`: its newest (undefined when the first is missing), and the hole that ends it, as a refusal names it. */
function chainOf(base: RecoveryBase, shipped: ShippedSegments): { readonly end: string | undefined; readonly hole: string | undefined } {
  const chain = walChain(base.startSegment, [...shipped.keys()], base.segmentSize);
  if (chain.kind === 'whole') return { end: chain.to, hole: undefined };
  const [from, to] = [segmentNumber(chain.missing.from, base.segmentSize), segmentNumber(chain.missing.to, base.segmentSize)];
  const name = (segment: bigint) => segmentName(base.timeline, segment, base.segmentSize);
  const before = from > segmentNumber(base.startSegment, base.segmentSize) ? name(from - 1n) : undefined;
  return { end: before, hole: describeMissing('WAL segment', chain.missing.from, chain.missing.to, { before, after: name(to + 1n) }) };
}

/** The whole seconds a reach covers: everything committed before its run started. */
function coveredUntil(reach: WalReach): string {
  return wholeSecond(new Date(Date.parse(reach.startedAt) - 1000));
}

const byStart = byInstant((reach: WalReach) => reach.startedAt);
const byFinish = byInstant((base: RecoveryBase) => base.finishedAt);

/** The reaches that recovery from `base` can use: same cluster and timeline, past its consistent point, within its unbroken chain. */
function usableReaches(base: RecoveryBase, shipped: ShippedSegments, reaches: readonly WalReach[]): WalReach[] {
  const { end } = chainOf(base, shipped);
  if (end === undefined) return [];
  const at = (segment: string) => segmentNumber(segment, base.segmentSize);
  return reaches
    .filter(
      (reach) =>
        reach.systemIdentifier === base.systemIdentifier &&
        segmentTimeline(reach.newestShipped) === base.timeline &&
        at(reach.newestShipped) >= at(base.consistentSegment) &&
        at(reach.newestShipped) <= at(end) &&
        Date.parse(coveredUntil(reach)) >= Date.parse(base.finishedAt),
    )
    .sort(byStart);
}

/** The span restores from `base` reach: from its end to the newest second a shipping run covers. */
export function walRecoverableSpan(base: RecoveryBase, shipped: ShippedSegments, reaches: readonly WalReach[]): RecoverableSpan | undefined {
  const newest = usableReaches(base, shipped, reaches).at(-1);
  return newest && { runId: base.runId, from: base.finishedAt, until: coveredUntil(newest) };
}

export function walRecoverableWindow(bases: readonly RecoveryBase[], shippedOf: (systemIdentifier: string) => ShippedSegments, reaches: readonly WalReach[]): RecoverableSpan[] {
  return [...bases].sort(byFinish).flatMap((base) => walRecoverableSpan(base, shippedOf(base.systemIdentifier), reaches) ?? []);
}

/** What a recovery replays: the base backup, the segments from its first to at most `last`, and the second it stops after. */
export interface WalRecoveryPlan {
  readonly kind: 'plan';
  readonly base: RecoveryBase;
  readonly first: string;
  /** The last segment it may need: the end of its chain, or of the first shipping run that started after the target second. */
  readonly last: string;
  /**
   * To a time: where the host starts looking for the segment the recovery ends in, the one that
   * holds the first commit at or past the second after the target (it stops before that commit),
   * which no manifest records. Every segment before this one is needed and holds no such commit;
   * the host reads them from here on and stops at that one. Undefined without a time: every
   * segment to `last` is replayed.
   */
  readonly searchFrom: string | undefined;
  /** Segments from `first` to `last`: the most it downloads. */
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
 * Where the search for the segment that ends a recovery to the second at `at` starts: past the
 * segments of every usable run that had finished by then (runs write their times cut to the second,
 * so one stamped at or before `at` finished before that second ended: what it shipped holds no
 * commit past it), and never before the base backup's consistent point.
 */
function searchStart(base: RecoveryBase, usable: readonly WalReach[], at: number, last: string): string {
  const number = (segment: string) => segmentNumber(segment, base.segmentSize);
  const past = usable.filter((reach) => Date.parse(reach.finishedAt) <= at).map((reach) => number(reach.newestShipped) + 1n);
  const from = [number(base.consistentSegment), ...past].reduce((a, b) => (b > a ? b : a));
  return from < number(last) ? segmentName(base.timeline, from, base.segmentSize) : last;
}

/**
 * A recovery to `toTime`: the newest base backup finished at or before its second, and its segments
 * up to those of the first shipping run that started after that second, searched from where the
 * runs that had finished by then left off. Without a time, `base` (the newest one when undefined)
 * and every segment of its unbroken chain. Refused, with the window and the segments missing from
 * the base's chain, when the base backups and shipped WAL do not reach the time.
 */
export function planWalRecovery(
  bases: readonly RecoveryBase[],
  shippedOf: (systemIdentifier: string) => ShippedSegments,
  reaches: readonly WalReach[],
  target: { readonly toTime: Date } | { readonly base: RecoveryBase | undefined },
): WalRecoveryChoice {
  const window = walRecoverableWindow(bases, shippedOf, reaches);
  const refused = (reason: string, hole: string | undefined): WalRecoveryChoice => ({
    kind: 'refused',
    reason: `${reason}${hole ? ` (${hole})` : ''}: ${describeWindow(window, NOTHING_REACHED)}`,
    window,
  });
  if ('base' in target) {
    const base = target.base ?? [...bases].sort((a, b) => byFinish(b, a))[0];
    if (!base) return refused('no physical base backup', undefined);
    const shipped = shippedOf(base.systemIdentifier);
    const span = walRecoverableSpan(base, shipped, reaches);
    const { end: last, hole } = chainOf(base, shipped);
    if (!span || last === undefined) return refused(`no WAL shipping run has yet shipped what base backup ${base.runId} needs to be consistent`, hole);
    return { kind: 'plan', base, first: base.startSegment, last, searchFrom: undefined, ...segmentsBetween(base, shipped, last), toTime: undefined, span };
  }
  const toTime = wholeSecond(target.toTime);
  const at = Date.parse(toTime);
  const base = [...bases].filter((candidate) => Date.parse(candidate.finishedAt) <= at).sort((a, b) => byFinish(b, a))[0];
  if (!base) return refused(`no physical base backup finished at or before ${toTime}`, undefined);
  const shipped = shippedOf(base.systemIdentifier);
  const usable = usableReaches(base, shipped, reaches);
  const reach = usable.find((candidate) => Date.parse(coveredUntil(candidate)) >= at);
  const span = walRecoverableSpan(base, shipped, reaches);
  if (!reach || !span) {
    const reached = span ? `its shipped WAL reaches ${span.until}` : 'no WAL shipped after it reaches its end';
    return refused(`the newest base backup before ${toTime} is run ${base.runId}, and ${reached}`, chainOf(base, shipped).hole);
  }
  const last = reach.newestShipped;
  return { kind: 'plan', base, first: base.startSegment, last, searchFrom: searchStart(base, usable, at, last), ...segmentsBetween(base, shipped, last), toTime, span };
}
