import type { Manifest } from '../backup/manifest';
import { binlogChain, type DumpCoordinates } from './binlog-chain';
import type { BinlogManifest } from './binlog-manifest';

/** A dump a point-in-time restore can start from: where its data ends in the logs, and when it finished. */
export interface BaseDump extends DumpCoordinates {
  readonly finishedAt: string;
  /** The folder of the shipped logs of the server it was dumped from. */
  readonly serverKey: string;
}

/** The dump a manifest describes as a base for replay; undefined without binary log coordinates (log_bin off). */
export function baseDumpOf(manifest: Manifest): BaseDump | undefined {
  if (manifest.engine !== 'mysql' || !manifest.mysql.binlogServer || manifest.mysql.binlogPosition === null || !manifest.mysql.binlogFile) return undefined;
  const { binlogFile: file, binlogPosition: position, binlogServer: serverKey } = manifest.mysql;
  return { runId: manifest.runId, file, position, finishedAt: manifest.finishedAt, serverKey };
}

/** The span of time restores from one dump can reach: from the end of the dump to the last replayable event. */
export interface RecoverableSpan {
  readonly runId: string;
  readonly from: string;
  readonly until: string;
}

export type PointInTimePlan =
  | { readonly kind: 'plan'; readonly dump: BaseDump; readonly logs: readonly BinlogManifest[]; readonly toTime: string }
  | { readonly kind: 'refused'; readonly reason: string; readonly window: readonly RecoverableSpan[] };

/**
 * How far the logs shipped after `dump` reach: the files of its unbroken chain and the last event
 * among them. Without them a dump reaches no second for certain: its snapshot was taken at some
 * moment of the run, not at its end.
 */
function reach(dump: BaseDump, logs: ReadonlyMap<string, BinlogManifest>): { files: BinlogManifest[]; until: string | undefined } {
  const chain = binlogChain(dump, [...logs.keys()]);
  const files = chain.files.flatMap((file) => logs.get(file) ?? []);
  return { files, until: files.at(-1)?.lastEventAt };
}

/** What restores from `dump` can reach when its chain's last event is at `until`: nothing when the logs end before the dump does. */
export function recoverableSpan(dump: BaseDump, until: string | undefined): RecoverableSpan | undefined {
  return until !== undefined && until >= dump.finishedAt ? { runId: dump.runId, from: dump.finishedAt, until } : undefined;
}

/** The spans of time restores to a time can reach, oldest first, one per dump the shipped logs follow; gaps lie between them. */
export function recoverableWindow(dumps: readonly BaseDump[], logs: readonly BinlogManifest[]): RecoverableSpan[] {
  const byFile = new Map(logs.map((log) => [log.file, log]));
  return [...dumps].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt)).flatMap((dump) => recoverableSpan(dump, reach(dump, byFile).until) ?? []);
}

const NOTHING_REACHED = 'no time can be reached yet (no dump with binary log coordinates is followed by shipped logs)';

/** The newest second any span of `window` reaches; undefined for an empty window. */
export function newestReachable(window: readonly RecoverableSpan[]): string | undefined {
  return window.reduce<string | undefined>((newest, span) => (newest === undefined || span.until > newest ? span.until : newest), undefined);
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
  for (const span of [...window].sort((a, b) => a.from.localeCompare(b.from))) {
    if (reached !== undefined && span.from > reached) gaps.push({ from: reached, until: span.from });
    if (reached === undefined || span.until > reached) reached = span.until;
  }
  return gaps;
}

/** The window as a refusal names it; `none` says why it is empty. */
export function describeWindow(window: readonly RecoverableSpan[], none: string): string {
  if (window.length === 0) return none;
  return `restores can reach ${window.map((span) => `${span.from} to ${span.until} (from run ${span.runId})`).join(', ')}`;
}

/**
 * The newest dump finished at or before `toTime`, and the shipped logs that replay it up to that
 * second: from the dump's own file to the first whose last event is at or past it. Refused, with
 * the window, when no dump is that old or the logs after it do not reach the time.
 */
export function planPointInTime(dumps: readonly BaseDump[], logs: readonly BinlogManifest[], toTime: Date): PointInTimePlan {
  const window = recoverableWindow(dumps, logs);
  const target = toTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const dump = [...dumps].filter((candidate) => Date.parse(candidate.finishedAt) <= toTime.getTime()).sort((a, b) => b.finishedAt.localeCompare(a.finishedAt))[0];
  if (!dump) return { kind: 'refused', reason: `no dump finished at or before ${target}: ${describeWindow(window, NOTHING_REACHED)}`, window };
  const { files, until } = reach(dump, new Map(logs.map((log) => [log.file, log])));
  if (until === undefined || Date.parse(until) < toTime.getTime()) {
    const reached = until === undefined ? 'no binary log shipped after it' : `the binary logs shipped after it reach ${until}`;
    return { kind: 'refused', reason: `the newest dump before ${target} is run ${dump.runId}, and ${reached}: ${describeWindow(window, NOTHING_REACHED)}`, window };
  }
  const last = files.findIndex((log) => Date.parse(log.lastEventAt) >= toTime.getTime());
  return { kind: 'plan', dump, logs: files.slice(0, last + 1), toTime: target };
}
