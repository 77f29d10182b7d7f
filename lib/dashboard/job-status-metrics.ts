import { isDrilled, shipsBinlogs, shipsWal, type Job } from '../config/job-config';

/** How a column sums up a job's datapoints over the dashboard's time range (CloudWatch table summaries). */
export type StatusSummary = 'SUM' | 'MAX' | 'MIN';

/**
 * One thing `cronsnap status` shows of a job, as the metric a function publishes for it: one table
 * on the dashboard, a row per job it applies to.
 */
export interface JobStatusMetric {
  /** The table's title. */
  readonly title: string;
  readonly metricName: string;
  /** The function that publishes it: Powertools adds it as the `service` dimension, beside `job`. */
  readonly service: 'backup-completed' | 'restore-drill' | 'compliance-report';
  /** CloudWatch statistic of each daily datapoint. */
  readonly statistic: 'Sum' | 'Maximum' | 'Minimum';
  readonly summary: StatusSummary;
  /** The jobs that publish it. */
  readonly appliesTo: (job: Job) => boolean;
}

const everyJob = () => true;

/**
 * What `cronsnap status` shows of every job where a metric holds it: last runs and their result,
 * size and duration, age against the RPO, drills, point-in-time log shipping. The names are the
 * ones functions/backup-completed, lib/lambda/restore-drill-function.ts and
 * functions/compliance-report publish.
 */
export const JOB_STATUS_METRICS: readonly JobStatusMetric[] = [
  { title: 'Backups succeeded', metricName: 'BackupSucceeded', service: 'backup-completed', statistic: 'Sum', summary: 'SUM', appliesTo: everyJob },
  { title: 'Runs failed (backups and log shipping)', metricName: 'BackupFailed', service: 'backup-completed', statistic: 'Sum', summary: 'SUM', appliesTo: everyJob },
  { title: 'Backup size stored (bytes)', metricName: 'BackupBytes', service: 'backup-completed', statistic: 'Maximum', summary: 'MAX', appliesTo: everyJob },
  { title: 'Backup duration (seconds)', metricName: 'BackupDurationSeconds', service: 'backup-completed', statistic: 'Maximum', summary: 'MAX', appliesTo: everyJob },
  { title: 'Newest backup age (seconds, daily report)', metricName: 'NewestBackupAgeSeconds', service: 'compliance-report', statistic: 'Maximum', summary: 'MAX', appliesTo: everyJob },
  { title: 'Compliance violations (daily report)', metricName: 'ComplianceViolations', service: 'compliance-report', statistic: 'Maximum', summary: 'MAX', appliesTo: everyJob },
  // A day with a failed drill shows 0 even when another drill passed that day.
  { title: 'Restore drill passed (1) or failed (0)', metricName: 'DrillPassed', service: 'restore-drill', statistic: 'Minimum', summary: 'MIN', appliesTo: isDrilled },
  { title: 'Since the last passed drill (seconds, daily report)', metricName: 'SecondsSinceLastPassedDrill', service: 'compliance-report', statistic: 'Maximum', summary: 'MAX', appliesTo: isDrilled },
  { title: 'Binary logs shipped', metricName: 'BinlogsShipped', service: 'backup-completed', statistic: 'Sum', summary: 'SUM', appliesTo: shipsBinlogs },
  { title: 'WAL shipping runs succeeded', metricName: 'WalShippingSucceeded', service: 'backup-completed', statistic: 'Sum', summary: 'SUM', appliesTo: shipsWal },
  { title: 'WAL held on the server by the replication slot (bytes)', metricName: 'WalSlotRetainedBytes', service: 'backup-completed', statistic: 'Maximum', summary: 'MAX', appliesTo: shipsWal },
];
