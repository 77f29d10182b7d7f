import { parseShippedLogKey } from '../backup/object-layout';
import { oldestPerChain, planShippedLogPruning, type ShippedLogObject, type ShippedLogPrunePlan } from '../retention/shipped-log-pruning';
import { logSequence } from './binlog-manifest';
import type { BaseDump } from './point-in-time';

/** What pruning removes of a job's shipped binary logs, and where each server's kept logs begin. */
export interface BinlogPrunePlan extends ShippedLogPrunePlan {
  /** On each server folder, the oldest file kept: the oldest file a kept dump replays from. */
  readonly keptFrom: readonly { readonly serverKey: string; readonly file: string }[];
}

function binlogObject(key: string): ShippedLogObject | undefined {
  const log = parseShippedLogKey(key);
  return log && { chain: log.serverKey, position: BigInt(logSequence(log.file)), part: log.part };
}

/**
 * The shipped logs no kept dump needs: on each server folder a kept dump was taken from, the files
 * before the oldest one such a dump replays from (planShippedLogPruning says what is never touched).
 */
export function planBinlogPruning(kept: readonly (BaseDump & { readonly startedAt: Date })[], keys: readonly string[]): BinlogPrunePlan {
  const oldestFile = new Map<string, string>();
  for (const dump of kept) {
    const current = oldestFile.get(dump.serverKey);
    if (current === undefined || logSequence(dump.file) < logSequence(current)) oldestFile.set(dump.serverKey, dump.file);
  }
  const oldest = oldestPerChain(kept.map((dump) => ({ chain: dump.serverKey, position: BigInt(logSequence(dump.file)) })));
  const oldestStart = new Date(Math.min(...kept.map((dump) => dump.startedAt.getTime())));
  return {
    ...planShippedLogPruning(oldest, oldestStart, keys, binlogObject),
    keptFrom: [...oldestFile].map(([serverKey, file]) => ({ serverKey, file })).sort((a, b) => a.serverKey.localeCompare(b.serverKey)),
  };
}
