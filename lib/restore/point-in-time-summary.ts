/** The chain a restore to a time replays, as the restore function answers and the CLI prints it. */
export type PointInTimeSummary =
  | {
      readonly kind: 'binlogs';
      readonly toTime: string;
      readonly dump: { readonly runId: string; readonly finishedAt: string; readonly binlogFile: string; readonly binlogPosition: number };
      readonly logs: { readonly count: number; readonly first: string; readonly last: string; readonly from: string; readonly until: string };
    }
  | {
      readonly kind: 'wal';
      /** Undefined for a recovery to the end of the shipped WAL. */
      readonly toTime: string | undefined;
      readonly base: { readonly runId: string; readonly finishedAt: string };
      readonly segments: { readonly count: number; readonly first: string; readonly last: string };
      /** What the base backup's WAL reaches: any second from `from` to `until`. */
      readonly reaches: { readonly from: string; readonly until: string };
    };

/** One line for an operator: the base, the logs and the span they cover. */
export function describePointInTime(summary: PointInTimeSummary): string {
  if (summary.kind === 'wal') {
    const { base, segments, reaches } = summary;
    // To a time, the host fetches them only up to the one that holds the first commit past it.
    const most = summary.toTime === undefined ? '' : 'at most ';
    return `to ${summary.toTime ?? 'the end of the shipped WAL'}: base backup ${base.runId} (finished ${base.finishedAt}), then ${most}${segments.count} WAL segments ${segments.first}..${segments.last} (this base reaches ${reaches.from} to ${reaches.until})`;
  }
  const { dump, logs } = summary;
  return `to ${summary.toTime}: run ${dump.runId} (finished ${dump.finishedAt}, from ${dump.binlogFile}:${dump.binlogPosition}), then ${logs.count} binary logs ${logs.first}..${logs.last} covering ${logs.from} to ${logs.until}`;
}
