import { parseBinlogChainFolder } from '../catalog/object-layout';
import { logSequence } from '../catalog/binlog-manifest';

/** Where a dump's data ends in the binary logs: a restore replays from here. */
export interface DumpCoordinates {
  readonly runId: string;
  readonly file: string;
  readonly position: number;
}

export type BinlogChain =
  /** Every file from the dump's to the newest shipped one is there, in sequence. */
  | { readonly kind: 'complete'; readonly from: DumpCoordinates; readonly files: readonly string[] }
  /** Files in between are missing (purged on the server before they were shipped): replays stop before the first. */
  | { readonly kind: 'broken'; readonly from: DumpCoordinates; readonly files: readonly string[]; readonly missing: readonly string[] };

/** `binlog.000041` → `binlog.000042`, zero-padded as the server names them (six digits, more past 999999). */
function logNamed(like: string, sequence: number): string {
  const digits = like.length - like.lastIndexOf('.') - 1;
  return `${like.slice(0, like.lastIndexOf('.') + 1)}${String(sequence).padStart(digits, '0')}`;
}

/**
 * The chain of shipped binary logs a restore of the dump at `from` replays: the dump's own file and
 * every later one up to the newest shipped. `files` holds the replayable run, from the dump's
 * file to the file before the first gap; logs shipped before the dump's file play no part.
 */
export function binlogChain(from: DumpCoordinates, shipped: readonly string[]): BinlogChain {
  const present = new Set(shipped.map(logSequence));
  const first = logSequence(from.file);
  const newest = Math.max(first - 1, ...present);
  const files: string[] = [];
  const missing: string[] = [];
  for (let sequence = first; sequence <= newest; sequence++) {
    const name = logNamed(from.file, sequence);
    if (!present.has(sequence)) missing.push(name);
    else if (missing.length === 0) files.push(name);
  }
  return missing.length === 0 ? { kind: 'complete', from, files } : { kind: 'broken', from, files, missing };
}

/** What a broken chain means to an operator, naming the missing files. */
export function describeGap(chain: Extract<BinlogChain, { kind: 'broken' }>): string {
  const missing = chain.missing.length > 3 ? `${chain.missing.slice(0, 3).join(', ')} and ${chain.missing.length - 3} more` : chain.missing.join(', ');
  const reach = chain.files.length > 0 ? `restores of run ${chain.from.runId} reach no further than the end of ${chain.files.at(-1)}` : `run ${chain.from.runId} can be restored only as dumped`;
  return `binary logs ${missing} are missing from the chain after the newest dump (${chain.from.file}:${chain.from.position}): they were purged on the server before they were shipped; ${reach}`;
}

/** A dump as its server's chains of logs see it. */
export interface ChainedDump {
  /** The key of the server it was dumped from, which names the folders of that server's shipped logs. */
  readonly serverKey: string;
  /** When the dump's run began on its host: its coordinates are of no earlier. */
  readonly dumpStartedAt: string;
}

/**
 * The folder of the chain a dump's coordinates are in, among a job's folders of shipped logs: the
 * newest chain of its server begun by the time the dump started, else its server's first. A chain
 * begins after the last event of the one before it (parseBinlogChainFolder), so a dump of an
 * older chain started before it. One started as its server's logs were reset may be given the
 * chain before: its file there was written before it ran, which planning refuses.
 */
export function chainFolderOf(dump: ChainedDump, folders: Iterable<string>): string {
  const started = Date.parse(dump.dumpStartedAt);
  let chosen: { folder: string; since: number } = { folder: dump.serverKey, since: Number.NEGATIVE_INFINITY };
  for (const folder of folders) {
    const { serverKey, since } = parseBinlogChainFolder(folder);
    const begun = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since);
    if (serverKey === dump.serverKey && begun <= started && begun > chosen.since) chosen = { folder, since: begun };
  }
  return chosen.folder;
}
