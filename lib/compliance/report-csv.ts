import { stringify } from 'csv-stringify/sync';
import type { ComplianceReport } from './report-contents';

/** One row per job and check, for spreadsheets and audit evidence. */
export function renderReportCsv(report: ComplianceReport): string {
  const rows = report.jobs.flatMap((job) =>
    job.checks.map((check) => [
      job.job,
      job.engine,
      check.rule,
      check.ok ? 'pass' : 'FAIL',
      check.detail,
      job.validBackups,
      job.newestBackup?.startedAt ?? '',
      job.newestBackup?.ageSeconds ?? '',
      job.rpoSeconds,
      job.lastPassedDrill?.finishedAt ?? '',
      job.lastPassedDrill?.ageSeconds ?? '',
      job.pointInTime?.earliest ?? '',
      job.pointInTime?.latest ?? '',
      job.kept.map((keep) => `${keep.runId} ${keep.until ? `until ${keep.until}` : 'forever'}`).join('; '),
      report.inventory.createdAt,
    ]),
  );
  return stringify(rows, {
    header: true,
    columns: ['job', 'engine', 'rule', 'result', 'detail', 'valid_backups', 'newest_backup', 'newest_age_seconds', 'rpo_seconds', 'last_passed_drill', 'drill_age_seconds', 'restorable_from', 'restorable_until', 'kept_runs', 'inventory_created_at'],
  });
}
