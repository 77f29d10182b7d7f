import * as z from 'zod';
import { escapeHtml } from '../escape-html';
import type { CommandLogGroup } from '../ssm/command-log-stream';
import { statusEventSchema, type JobStatus } from '../status/job-status';
import { needsALook, STATUS_COLUMNS, statusNotes, type StatusNote } from '../status/status-cells';

/**
 * What the custom widget's "Get documentation" shows (CloudWatch calls the function with
 * `describe`): the YAML block is the parameters the console fills in.
 */
export const STATUS_WIDGET_DESCRIPTION = [
  "## cronsnap status",
  "Every job at a glance, as `cronsnap status` prints it: last run, result, size and duration, age against its RPO, next run, last drill, point-in-time window, copy. Rows that need a look are marked; failed runs link each host's output.",
  '```yaml',
  'jobs: [job-a, job-b] # optional: every job when absent',
  '```',
].join('\n');

const STYLE = '<style>tr.look td{color:#d13212;font-weight:bold} td,th{white-space:nowrap;padding:0 6px} ul{margin:4px 0}</style>';

const noteItem = (note: StatusNote) => {
  const text = escapeHtml(note.text);
  const links = Object.entries(note.output ?? {}).map(([stream, url]) => `<a href="${escapeHtml(url)}" target="_blank">${stream}</a>`);
  const line = links.length > 0 ? `${text} ${links.join(' | ')}` : text;
  return `<li${note.detail ? ' style="margin-left:1.5em"' : ''}>${line}</li>`;
};

/**
 * The dashboard's status table, as HTML for a CloudWatch custom widget: the columns `cronsnap
 * status` prints, a job that needs a look in red, and under the table what needs a look with a
 * link to each failed host's output.
 */
export function statusWidgetHtml(statuses: readonly JobStatus[], now: Date, commandLog?: CommandLogGroup): string {
  const head = `<tr>${STATUS_COLUMNS.map(([title]) => `<th>${escapeHtml(title)}</th>`).join('')}</tr>`;
  const rows = statuses.map((status) => `<tr${needsALook(status) ? ' class="look"' : ''}>${STATUS_COLUMNS.map(([, cell]) => `<td>${escapeHtml(cell(status))}</td>`).join('')}</tr>`);
  const notes = statuses.flatMap((status) => statusNotes(status, commandLog));
  const looks = statuses.filter(needsALook).length;
  const summary = `${statuses.length} job${statuses.length === 1 ? '' : 's'}, ${looks === 0 ? 'none needs' : looks === 1 ? 'one needs' : `${looks} need`} a look; read ${escapeHtml(now.toISOString().slice(0, 16).replace('T', ' '))} UTC.`;
  return [STYLE, `<p>${summary}</p>`, `<table>${head}${rows.join('')}</table>`, ...(notes.length > 0 ? [`<ul>${notes.map(noteItem).join('')}</ul>`] : [])].join('\n');
}

/**
 * A CloudWatch custom widget's call: its parameters at the top (here the page's `jobs`) and the
 * dashboard's `widgetContext`; `describe` asks for the documentation only.
 */
export const statusWidgetEventSchema = statusEventSchema.extend({
  widgetContext: z.looseObject({}).optional(),
  describe: z.boolean().optional(),
});

export type StatusWidgetEvent = z.infer<typeof statusWidgetEventSchema>;

/** A custom widget's call rather than the CLI's: the dashboard always sends `widgetContext`, and `describe` comes from the console's editor. */
export const isStatusWidgetEvent = (event: unknown): boolean => typeof event === 'object' && event !== null && ('widgetContext' in event || 'describe' in event);
