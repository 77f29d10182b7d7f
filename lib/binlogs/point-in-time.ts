import type { Manifest } from '../catalog/manifest';
import { parseShippedLogKey } from '../catalog/object-layout';
import { byInstant, wholeSecond } from '../iso-time';
import { binlogChain, chainFolderOf, type BinlogChain, type ChainedDump, type DumpCoordinates } from './binlog-chain';
import { logSequence, type BinlogManifest } from '../catalog/binlog-manifest';

/** A dump a point-in-time restore can start from: where its data ends in the logs, and when it ran. */
export interface BaseDump extends DumpCoordinates, ChainedDump {
  readonly finishedAt: string;
}

/** The dump a manifest describes as a base for replay; undefined without binary log coordinates (log_bin off). */
export function baseDumpOf(manifest: Manifest): BaseDump | undefined {
  if (manifest.engine !== 'mysql' || !manifest.mysql.binlogServer || manifest.mysql.binlogPosition === null || !manifest.mysql.binlogFile) return undefined;
  const { binlogFile: file, binlogPosition: position, binlogServer: serverKey } = manifest.mysql;
  return { runId: manifest.runId, file, position, dumpStartedAt: manifest.startedAt, finishedAt: manifest.finishedAt, serverKey };
}

/** Shipped logs by the folder of their chain (where their payload is stored), then by file. */
type ChainLogs = ReadonlyMap<string, ReadonlyMap<string, BinlogManifest>>;

function byChain(logs: readonly BinlogManifest[]): ChainLogs {
  const chains = new Map<string, Map<string, BinlogManifest>>();
  for (const log of logs) {
    const folder = parseShippedLogKey(log.payload.key)?.folder ?? log.serverKey;
    chains.set(folder, (chains.get(folder) ?? new Map<string, BinlogManifest>()).set(log.file, log));
  }
  return chains;
}

/**
 * Whether `log` can be the file the dump's coordinates are in: it was open while the dump ran (its
 * first event, when it was opened, is no later than the dump's end, and its last, when it was
 * closed, no earlier than the second the dump began). A same-named file of the server's logs
 * before a reset was closed before the dump began.
 */
function openDuring(log: BinlogManifest, dump: BaseDump): boolean {
  const began = Math.floor(Date.parse(dump.dumpStartedAt) / 1000) * 1000;
  return Date.parse(log.firstEventAt) <= Date.parse(dump.finishedAt) && Date.parse(log.lastEventAt) >= began;
}

/** The span of time restores from one dump can reach: from the end of the dump to the last replayable event. */
export interface RecoverableSpan {
  readonly runId: string;
  readonly from: string;
  readonly until: string;
}

export type PointInTimePlan =
  | { readonly kind: 'plan'; readonly dump: BaseDump; readonly folder: string; readonly logs: readonly BinlogManifest[]; readonly toTime: string }
  | { readonly kind: 'refused'; readonly reason: string; readonly window: readonly RecoverableSpan[] };

/** How far the logs after a dump reach, as planning reads them. */
interface Reach {
  /** The folder of the chain the dump's coordinates are in. */
  readonly folder: string;
  readonly chain: BinlogChain;
  /** The logs of that folder, by file. */
  readonly logs: ReadonlyMap<string, BinlogManifest>;
  readonly files: readonly BinlogManifest[];
  readonly until: string | undefined;
  /** The shipped file of the dump's name that was not open while it ran: another chain's, so nothing is replayed. */
  readonly foreign?: BinlogManifest;
}

/**
 * How far the logs shipped after `dump` reach: the files of its unbroken chain, in the folder of
 * the chain its coordinates are in, and the last event among them. Without them a dump reaches no
 * second for certain: its snapshot was taken at some moment of the run, not at its end.
 */
function reach(dump: BaseDump, chains: ChainLogs): Reach {
  const folder = chainFolderOf(dump, chains.keys());
  const logs = chains.get(folder) ?? new Map<string, BinlogManifest>();
  const chain = binlogChain(dump, [...logs.keys()]);
  const files = chain.files.flatMap((file) => logs.get(file) ?? []);
  const [own] = files;
  if (own && !openDuring(own, dump)) return { folder, chain, logs, files: [], until: undefined, foreign: own };
  return { folder, chain, logs, files, until: files.at(-1)?.lastEventAt };
}

/** What restores from `dump` can reach when its chain's last event is at `until`: nothing when the logs end before the dump does. */
export function recoverableSpan(dump: BaseDump, until: string | undefined): RecoverableSpan | undefined {
  return until !== undefined && Date.parse(until) >= Date.parse(dump.finishedAt) ? { runId: dump.runId, from: dump.finishedAt, until } : undefined;
}

const byFinish = byInstant((dump: BaseDump) => dump.finishedAt);

/** The spans of time restores to a time can reach, oldest first, one per dump the shipped logs follow; gaps lie between them. */
export function recoverableWindow(dumps: readonly BaseDump[], logs: readonly BinlogManifest[]): RecoverableSpan[] {
  const chains = byChain(logs);
  return [...dumps].sort(byFinish).flatMap((dump) => recoverableSpan(dump, reach(dump, chains).until) ?? []);
}

const NOTHING_REACHED = 'no time can be reached yet (no dump with binary log coordinates is followed by shipped logs)';

/** The newest second any span of `window` reaches; undefined for an empty window. */
export function newestReachable(window: readonly RecoverableSpan[]): string | undefined {
  return window.reduce<string | undefined>((newest, span) => (newest === undefined || Date.parse(span.until) > Date.parse(newest) ? span.until : newest), undefined);
}

/** `2026-12-03 16:40:02`: the UTC second after `toTime`, before which a restore to `toTime` replays every event. */
export function secondAfter(toTime: string): string {
  const after = new Date(Date.parse(toTime) + 1000).toISOString();
  return `${after.slice(0, 10)} ${after.slice(11, 19)}`;
}

/** A stretch inside the window that no restore reaches: the logs after one dump break off, and the next dump finished later. */
export interface WindowGap {
  readonly from: string;
  readonly until: string;
}

/** The gaps between the spans of a window. */
export function windowGaps(window: readonly RecoverableSpan[]): WindowGap[] {
  const gaps: WindowGap[] = [];
  let reached: string | undefined;
  for (const span of [...window].sort(byInstant((candidate) => candidate.from))) {
    if (reached !== undefined && Date.parse(span.from) > Date.parse(reached)) gaps.push({ from: reached, until: span.from });
    if (reached === undefined || Date.parse(span.until) > Date.parse(reached)) reached = span.until;
  }
  return gaps;
}

/** The window as a refusal names it; `none` says why it is empty. */
export function describeWindow(window: readonly RecoverableSpan[], none: string): string {
  if (window.length === 0) return none;
  return `restores can reach ${window.map((span) => `${span.from} to ${span.until} (from run ${span.runId})`).join(', ')}`;
}

/**
 * `WAL segments A to B are missing from the shipped logs between P and N`: a hole in a chain of
 * shipped logs as a refusal names it, with the logs on either side of it that are there.
 */
export function describeMissing(noun: string, first: string, last: string, neighbours: { readonly before: string | undefined; readonly after: string | undefined }): string {
  const names = first === last ? `${noun} ${first} is` : `${noun}s ${first} to ${last} are`;
  const { before, after } = neighbours;
  const where = before && after ? ` between ${before} and ${after}` : before ? ` after ${before}` : after ? ` before ${after}` : '';
  return `${names} missing from the shipped logs${where}`;
}

/** The first hole of a broken chain: its run of missing files, and the shipped files around it. */
function describeHole(chain: Extract<BinlogChain, { kind: 'broken' }>, logs: ReadonlyMap<string, BinlogManifest>): string {
  const [first = ''] = chain.missing;
  let last = first;
  for (const file of chain.missing.slice(1)) {
    if (logSequence(file) !== logSequence(last) + 1) break;
    last = file;
  }
  const after = [...logs.keys()].find((file) => logSequence(file) === logSequence(last) + 1);
  return describeMissing('binary log', first, last, { before: chain.files.at(-1), after });
}

/** Why a shipped file of the dump's name is not the one its coordinates are in. */
function describeForeign(log: BinlogManifest, dump: BaseDump): string {
  return (
    `the shipped ${log.file} was written from ${log.firstEventAt} to ${log.lastEventAt}, not while the dump ran from ${dump.dumpStartedAt} to ${dump.finishedAt}: ` +
    `it is of another chain of the server's logs (they were reset), and the file the dump's coordinates are in is not shipped`
  );
}

/**
 * The newest dump finished at or before the second of `toTime`, and the shipped logs that replay it
 * up to that second: from the dump's own file to the first whose last event is at or past it, all
 * of the chain its coordinates are in (logs of another chain of its server are never mixed in).
 * Refused, with the window (and the hole in the logs that stops them, if one does), when no dump is
 * that old or the logs after it do not reach the time.
 */
export function planPointInTime(dumps: readonly BaseDump[], logs: readonly BinlogManifest[], toTime: Date): PointInTimePlan {
  const window = recoverableWindow(dumps, logs);
  const target = wholeSecond(toTime);
  const at = Date.parse(target);
  const dump = [...dumps].filter((candidate) => Date.parse(candidate.finishedAt) <= at).sort((a, b) => byFinish(b, a))[0];
  if (!dump) return { kind: 'refused', reason: `no dump finished at or before ${target}: ${describeWindow(window, NOTHING_REACHED)}`, window };
  const { folder, chain, logs: byFile, files, until, foreign } = reach(dump, byChain(logs));
  if (until === undefined || Date.parse(until) < at) {
    const reached = until === undefined ? 'no binary log shipped after it' : `the binary logs shipped after it reach ${until}`;
    const hole = foreign ? ` (${describeForeign(foreign, dump)})` : chain.kind === 'broken' ? ` (${describeHole(chain, byFile)})` : '';
    return { kind: 'refused', reason: `the newest dump before ${target} is run ${dump.runId}, and ${reached}${hole}: ${describeWindow(window, NOTHING_REACHED)}`, window };
  }
  const last = files.findIndex((log) => Date.parse(log.lastEventAt) >= at);
  return { kind: 'plan', dump, folder, logs: files.slice(0, last + 1), toTime: target };
}
