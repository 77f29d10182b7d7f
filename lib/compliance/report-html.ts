import { escapeHtml } from '../escape-html';
import { humanDuration, type JobReport } from './compliance-rules';
import type { ComplianceReport } from './report-contents';
import { humanBytes } from '../human-bytes';

/** Backup sizes over time as inline SVG bars: no script, no external asset. */
function sizeChart(job: JobReport): string {
  if (job.backups.length === 0) return '<p class="muted">No backups to chart.</p>';
  const width = 720;
  const height = 160;
  const largest = Math.max(...job.backups.map((backup) => backup.bytes), 1);
  const first = Date.parse(job.backups[0]?.startedAt ?? '');
  const span = Math.max(Date.parse(job.backups[job.backups.length - 1]?.startedAt ?? '') - first, 1);
  const barWidth = Math.max(2, Math.min(24, (width - 20) / job.backups.length - 1));
  const bars = job.backups
    .map((backup) => {
      const x = 10 + ((Date.parse(backup.startedAt) - first) / span) * (width - 20 - barWidth);
      const barHeight = Math.max(1, (backup.bytes / largest) * (height - 30));
      return `<rect x="${x.toFixed(1)}" y="${(height - 20 - barHeight).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${barHeight.toFixed(1)}"><title>${escapeHtml(backup.startedAt)}: ${humanBytes(backup.bytes)}</title></rect>`;
    })
    .join('');
  const from = escapeHtml(job.backups[0]?.startedAt.slice(0, 16) ?? '');
  const to = escapeHtml(job.backups[job.backups.length - 1]?.startedAt.slice(0, 16) ?? '');
  return `<svg class="chart" role="img" aria-label="backup sizes of ${escapeHtml(job.job)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
<text x="10" y="12">${humanBytes(largest)}</text>${bars}
<text x="10" y="${height - 4}">${from}</text><text x="${width - 10}" y="${height - 4}" text-anchor="end">${to}</text></svg>`;
}

/** The window of a job that ships binary logs, with the stretches inside it that no restore reaches. */
function pointInTimeLine(job: JobReport): string {
  const window = job.pointInTime;
  if (!window) return '';
  const reach = window.earliest && window.latest ? `${escapeHtml(window.earliest)} to ${escapeHtml(window.latest)}` : 'no second yet';
  const gaps = window.gaps.map((gap) => `${escapeHtml(gap.from)} to ${escapeHtml(gap.until)}`).join(', ');
  return `\n<p>Restores to a point in time reach ${reach}${gaps ? `, except ${gaps}` : ''}; newest binary log shipped ${window.newestLogShippedAt ? escapeHtml(window.newestLogShippedAt) : 'never'}.</p>`;
}

/** The runs operators keep beyond the policy, as list shows them. */
function keptLine(job: JobReport): string {
  if (job.kept.length === 0) return '';
  const runs = job.kept.map((keep) => `${escapeHtml(keep.runId)} ${keep.until ? `until ${escapeHtml(keep.until)}` : 'forever'}${keep.reason ? ` (${escapeHtml(keep.reason)})` : ''}`);
  return `\n<p class="kept">Kept beyond retention: ${runs.join('; ')}.</p>`;
}

function jobSection(job: JobReport): string {
  const rows = job.checks
    .map((check) => `<tr class="${check.ok ? 'pass' : 'fail'}"><td>${check.rule}</td><td>${check.ok ? 'pass' : 'FAIL'}</td><td>${escapeHtml(check.detail)}</td></tr>`)
    .join('\n');
  const classes = Object.entries(job.currentBytesByStorageClass)
    .map(([storageClass, size]) => `${escapeHtml(storageClass)} ${humanBytes(size)}`)
    .join(', ');
  return `<section id="job-${escapeHtml(job.job)}" class="job ${job.ok ? 'pass' : 'fail'}">
<h2>${escapeHtml(job.job)} <small>${escapeHtml(job.engine)} · ${escapeHtml(job.schedule)}</small></h2>
<p>${job.validBackups} valid backups; newest ${job.newestBackup ? `${escapeHtml(job.newestBackup.startedAt)} (${humanDuration(job.newestBackup.ageSeconds)} old)` : 'none'}; RPO ${humanDuration(job.rpoSeconds)}; last passed restore drill ${job.lastPassedDrill ? `${escapeHtml(job.lastPassedDrill.finishedAt)} (${humanDuration(job.lastPassedDrill.ageSeconds)} ago)` : 'none'}.
Current: ${classes || 'nothing'}; noncurrent versions ${humanBytes(job.noncurrentBytes)}.</p>${pointInTimeLine(job)}${keptLine(job)}
<table class="checks"><thead><tr><th>check</th><th>result</th><th>detail</th></tr></thead><tbody>
${rows}
</tbody></table>
${sizeChart(job)}
</section>`;
}

/** A single self-contained page: a summary row per job, red or green, then each job's checks and chart. */
export function renderReportHtml(report: ComplianceReport): string {
  const summary = report.jobs
    .map(
      (job) =>
        `<tr class="${job.ok ? 'pass' : 'fail'}"><td><a href="#job-${escapeHtml(job.job)}">${escapeHtml(job.job)}</a></td><td>${job.ok ? 'OK' : 'VIOLATION'}</td><td>${job.validBackups}</td><td>${job.newestBackup ? humanDuration(job.newestBackup.ageSeconds) : '-'}</td><td>${job.lastPassedDrill ? `${escapeHtml(job.lastPassedDrill.finishedAt)} (${humanDuration(job.lastPassedDrill.ageSeconds)} ago)` : '-'}</td><td>${job.checks.filter((check) => !check.ok).map((check) => check.rule).join(', ')}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cronsnap compliance report ${escapeHtml(report.inventory.createdAt.slice(0, 10))}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}
tr.pass td:nth-child(2){background:#d7f5dd;color:#14532d}tr.fail td:nth-child(2){background:#fde0e0;color:#7f1d1d;font-weight:bold}
section.job{border-left:6px solid #16a34a;padding-left:1em;margin:1.5em 0}section.job.fail{border-left-color:#dc2626}
small,.muted{color:#666}.chart rect{fill:#2563eb}.chart text{font-size:11px;fill:#444}
</style></head><body>
<h1>cronsnap compliance report</h1>
<p id="verdict" class="${report.ok ? 'pass' : 'fail'}">${report.ok ? 'All jobs compliant.' : `${report.violations} violations.`}
Inventory of ${escapeHtml(report.inventory.sourceBucket)} created ${escapeHtml(report.inventory.createdAt)}, ${report.inventory.rows} rows; generated ${escapeHtml(report.generatedAt)}.</p>
<table id="summary"><thead><tr><th>job</th><th>status</th><th>valid backups</th><th>newest age</th><th>last passed drill</th><th>failed checks</th></tr></thead><tbody>
${summary}
</tbody></table>
${report.jobs.map(jobSection).join('\n')}
</body></html>
`;
}
