import type { CommandLogGroup } from '../ssm/command-log-stream';
import type { JobStatus } from '../status/job-status';
import { STATUS_COLUMNS, statusNotes, type StatusNote } from '../status/status-cells';
import { textTable } from './text-table';

const noteLine = (note: StatusNote) => [`${note.detail ? '  ' : ''}${note.text}`, ...Object.entries(note.output ?? {}).map(([stream, url]) => `    ${stream}: ${url}`)].join('\n');

/**
 * Every job on one line, like `pgbackrest info` or `velero backup get`, then what needs a look:
 * runs that failed or are still running (with each host's command and its output's log stream),
 * failed drills, objects that could not be read.
 */
export function statusTable(statuses: readonly JobStatus[], commandLog?: CommandLogGroup): string {
  const table = textTable([STATUS_COLUMNS.map(([title]) => title), ...statuses.map((status) => STATUS_COLUMNS.map(([, cell]) => cell(status)))]);
  const attention = statuses.flatMap((status) => statusNotes(status, commandLog)).map(noteLine);
  return [...table, ...(attention.length > 0 ? ['', ...attention] : [])].join('\n');
}
