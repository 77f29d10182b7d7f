import { parseShippingRunKey } from '../catalog/object-layout';
import { runStartedAt } from '../catalog/run-id';

/** One shipped log object as retention sees it: which chain it belongs to and its place in it. */
export interface ShippedLogObject {
  /** The chain: a server's binary logs, or one timeline of one cluster's WAL. */
  readonly chain: string;
  readonly position: bigint;
  readonly part: 'payload' | 'manifest';
}

/** What pruning removes of a job's shipped logs; manifests go first, so a cut-short deletion never leaves a manifest without its log. */
export interface ShippedLogPrunePlan {
  readonly manifests: readonly string[];
  readonly payloads: readonly string[];
  /** Shipping runs' own records older than every kept base backup. */
  readonly runRecords: readonly string[];
}

/**
 * The shipped logs no kept base backup needs: on each chain a kept backup replays, the logs before
 * the oldest position one replays from (`oldestNeeded`). Logs of a chain no kept backup replays are
 * not touched (a backup of it may be running and will need them), and the caller plans nothing at
 * all while a kept backup cannot say where it starts: a restore needs every log from it on.
 */
export function planShippedLogPruning(
  oldestNeeded: ReadonlyMap<string, bigint>,
  oldestKeptStart: Date,
  keys: readonly string[],
  parseLog: (key: string) => ShippedLogObject | undefined,
): ShippedLogPrunePlan {
  const manifests: string[] = [];
  const payloads: string[] = [];
  const runRecords: string[] = [];
  for (const key of keys) {
    const log = parseLog(key);
    if (log) {
      const from = oldestNeeded.get(log.chain);
      if (from !== undefined && log.position < from) (log.part === 'manifest' ? manifests : payloads).push(key);
      continue;
    }
    const startedAt = runStartedAt(parseShippingRunKey(key)?.runId ?? '');
    if (startedAt && startedAt < oldestKeptStart) runRecords.push(key);
  }
  return { manifests, payloads, runRecords };
}

/** The smallest position per chain of `starts`. */
export function oldestPerChain(starts: readonly { readonly chain: string; readonly position: bigint }[]): Map<string, bigint> {
  const oldest = new Map<string, bigint>();
  for (const { chain, position } of starts) {
    const current = oldest.get(chain);
    if (current === undefined || position < current) oldest.set(chain, position);
  }
  return oldest;
}
