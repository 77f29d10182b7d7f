import { parseShippedLogKey, parseShippingRunKey } from '../backup/object-layout';
import { runStartedAt } from '../backup/run-id';
import { logSequence } from './binlog-manifest';
import type { BaseDump } from './point-in-time';

/** What pruning removes of a job's shipped logs; manifests go first, so a cut-short deletion never leaves a manifest without its log. */
export interface BinlogPrunePlan {
  readonly manifests: readonly string[];
  readonly payloads: readonly string[];
  /** Shipping runs' own records older than every kept dump. */
  readonly runRecords: readonly string[];
  /** On each server folder, the oldest file kept: the oldest file a kept dump replays from. */
  readonly keptFrom: readonly { readonly serverKey: string; readonly file: string }[];
}

/**
 * The shipped logs no kept dump needs: on each server folder a kept dump was taken from, the files
 * before the oldest one such a dump replays from. Nothing on a server no kept dump was taken from
 * is touched (a dump of it may be running, and will need the newest of its logs), and nothing at
 * all while no kept dump has coordinates: a restore needs every log from its dump on, never one fewer.
 */
export function planBinlogPruning(kept: readonly (BaseDump & { readonly startedAt: Date })[], keys: readonly string[]): BinlogPrunePlan {
  const oldestFile = new Map<string, string>();
  for (const dump of kept) {
    const current = oldestFile.get(dump.serverKey);
    if (current === undefined || logSequence(dump.file) < logSequence(current)) oldestFile.set(dump.serverKey, dump.file);
  }
  const oldestStart = Math.min(...kept.map((dump) => dump.startedAt.getTime()));
  const manifests: string[] = [];
  const payloads: string[] = [];
  const runRecords: string[] = [];
  for (const key of keys) {
    const log = parseShippedLogKey(key);
    if (log) {
      const from = oldestFile.get(log.serverKey);
      if (from === undefined || logSequence(log.file) >= logSequence(from)) continue;
      (log.part === 'manifest' ? manifests : payloads).push(key);
      continue;
    }
    const startedAt = runStartedAt(parseShippingRunKey(key)?.runId ?? '');
    if (startedAt && startedAt.getTime() < oldestStart) runRecords.push(key);
  }
  return { manifests, payloads, runRecords, keptFrom: [...oldestFile].map(([serverKey, file]) => ({ serverKey, file })).sort((a, b) => a.serverKey.localeCompare(b.serverKey)) };
}
