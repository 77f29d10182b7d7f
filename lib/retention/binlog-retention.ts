import { parseBinlogChainFolder, parseShippedLogKey } from '../catalog/object-layout';
import { planShippedLogPruning, type ShippedLogObject, type ShippedLogPrunePlan } from './shipped-log-pruning';
import { chainFolderOf } from '../binlogs/binlog-chain';
import { logSequence } from '../catalog/binlog-manifest';
import type { BaseDump } from '../binlogs/point-in-time';

/** What pruning removes of a job's shipped binary logs, and where each chain's kept logs begin. */
export interface BinlogPrunePlan extends ShippedLogPrunePlan {
  /** In each chain's folder (of server `serverKey`), the oldest file kept: the oldest file a kept dump replays from. */
  readonly keptFrom: readonly { readonly serverKey: string; readonly folder: string; readonly file: string }[];
}

function binlogObject(key: string): ShippedLogObject | undefined {
  const log = parseShippedLogKey(key);
  return log && { chain: log.folder, position: BigInt(logSequence(log.file)), part: log.part };
}

/**
 * The shipped logs no kept dump needs: in each chain's folder a kept dump's coordinates are in, the
 * files before the oldest one such a dump replays from (planShippedLogPruning says what is never
 * touched: the chain before a reset, once no kept dump is of it, among them).
 */
export function planBinlogPruning(kept: readonly (BaseDump & { readonly startedAt: Date })[], keys: readonly string[]): BinlogPrunePlan {
  const folders = new Set(keys.flatMap((key) => parseShippedLogKey(key)?.folder ?? []));
  const oldestFile = new Map<string, string>();
  for (const dump of kept) {
    const folder = chainFolderOf(dump, folders);
    const current = oldestFile.get(folder);
    if (current === undefined || logSequence(dump.file) < logSequence(current)) oldestFile.set(folder, dump.file);
  }
  const oldest = new Map([...oldestFile].map(([folder, file]) => [folder, BigInt(logSequence(file))]));
  const oldestStart = new Date(Math.min(...kept.map((dump) => dump.startedAt.getTime())));
  return {
    ...planShippedLogPruning(oldest, oldestStart, keys, binlogObject),
    keptFrom: [...oldestFile]
      .map(([folder, file]) => ({ serverKey: parseBinlogChainFolder(folder).serverKey, folder, file }))
      .sort((a, b) => a.folder.localeCompare(b.folder)),
  };
}
