import type { Manifest } from '../catalog/manifest';
import { parseShippedWalKey } from '../catalog/object-layout';
import { oldestPerChain, planShippedLogPruning, type ShippedLogObject, type ShippedLogPrunePlan } from './shipped-log-pruning';
import { segmentName, segmentNumber, segmentOfLsn, segmentTimeline } from '../catalog/wal-segments';

/** Where a physical base backup's WAL starts; undefined for any other backup. */
export interface WalBase {
  readonly systemIdentifier: string;
  readonly timeline: number;
  readonly segmentSize: number;
  /** The segment holding the base backup's walStart: the first one its restore replays. */
  readonly startSegment: string;
}

export function walBaseOf(manifest: Manifest): WalBase | undefined {
  const physical = manifest.engine === 'postgres' ? manifest.postgres.physical : undefined;
  if (!physical) return undefined;
  const { systemIdentifier, timeline, walSegmentSize: segmentSize, walStart } = physical;
  return { systemIdentifier, timeline, segmentSize, startSegment: segmentOfLsn(walStart, timeline, segmentSize) };
}

/** What pruning removes of a job's shipped WAL, and where each cluster's kept WAL begins. */
export interface WalPrunePlan extends ShippedLogPrunePlan {
  readonly keptFrom: readonly { readonly systemIdentifier: string; readonly segment: string }[];
}

/**
 * The shipped WAL no kept base backup needs: on each cluster and timeline a kept base backup
 * replays, the segments before the oldest such backup's first segment. Other clusters and
 * timelines are left alone (planShippedLogPruning says why).
 */
export function planWalPruning(kept: readonly (WalBase & { readonly startedAt: Date })[], keys: readonly string[]): WalPrunePlan {
  const segmentSize = new Map(kept.map((base) => [base.systemIdentifier, base.segmentSize]));
  const chainOf = (systemIdentifier: string, timeline: number) => `${systemIdentifier}/${timeline}`;
  const oldest = oldestPerChain(kept.map((base) => ({ chain: chainOf(base.systemIdentifier, base.timeline), position: segmentNumber(base.startSegment, base.segmentSize) })));
  const walObject = (key: string): ShippedLogObject | undefined => {
    const wal = parseShippedWalKey(key);
    const size = wal && segmentSize.get(wal.systemIdentifier);
    return wal && size ? { chain: chainOf(wal.systemIdentifier, segmentTimeline(wal.segment)), position: segmentNumber(wal.segment, size), part: wal.part } : undefined;
  };
  const oldestStart = new Date(Math.min(...kept.map((base) => base.startedAt.getTime())));
  const keptFrom = [...oldest].map(([chain, position]) => {
    const [systemIdentifier = '', timeline = '1'] = chain.split('/');
    return { systemIdentifier, segment: segmentName(Number(timeline), position, segmentSize.get(systemIdentifier) ?? 0) };
  });
  return { ...planShippedLogPruning(oldest, oldestStart, keys, walObject), keptFrom: keptFrom.sort((a, b) => a.systemIdentifier.localeCompare(b.systemIdentifier)) };
}
