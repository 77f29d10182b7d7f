import { Duration, NestedStack, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Job } from '../../lib/config/job-config';
import { dashboardConsoleUrl, logGroupConsoleUrl } from '../../lib/aws-console-urls';
import { JOB_STATUS_METRICS, type JobStatusMetric, type StatusSummary } from '../../lib/dashboard/job-status-metrics';
import { dashboardName } from '../../lib/deployment/deployment-names';

/** CloudWatch quotas: "Up to 2500 metrics per dashboard, across all widgets" and 500 per widget (these cannot be changed). */
const MAX_METRICS_PER_DASHBOARD = 2500;
const MAX_METRICS_PER_WIDGET = 500;
/** The most jobs a page may hold: each job is a row of at most every status table. */
const MAX_JOBS_PER_DASHBOARD = Math.min(MAX_METRICS_PER_WIDGET, Math.floor(MAX_METRICS_PER_DASHBOARD / JOB_STATUS_METRICS.length));
const SUMMARY_COLUMN: Readonly<Record<StatusSummary, cloudwatch.TableSummaryColumn>> = {
  SUM: cloudwatch.TableSummaryColumn.SUM,
  MAX: cloudwatch.TableSummaryColumn.MAXIMUM,
  MIN: cloudwatch.TableSummaryColumn.MINIMUM,
};

export interface JobDashboardsProps {
  /** Every configured job: a row of each status table that applies to it. */
  readonly jobs: readonly Job[];
  /** The deployment's stack name, which names the dashboards. */
  readonly stackName: string;
  /** The deployment's CloudWatch namespace, where the functions' metrics are. */
  readonly metricsNamespace: string;
  /** The log group of the hosts' command output, linked from each page. */
  readonly commandLogGroup: string;
  /**
   * The job-status function: each page's first table is its answer for the page's jobs, a
   * CloudWatch custom widget showing what `cronsnap status` prints (next run, point in time, copy
   * and failed runs' output links included), read from the bucket when the page opens. A viewer
   * needs `lambda:InvokeFunction` on it, and allows the widget to run once (CloudWatch asks).
   * @default - no such table: the pages show the functions' metrics only
   */
  readonly statusFunction?: lambda.IFunction;
  /**
   * Jobs per dashboard: a fleet larger than this gets further pages, each its own dashboard.
   * @default 100
   */
  readonly jobsPerDashboard?: number;
}

/**
 * The deployment's dashboards: per job, what `cronsnap status` shows where a metric holds it
 * (lib/dashboard/job-status-metrics.ts), a table per metric with a row per job and a column per
 * day of the last week. Jobs are paged by name, `jobsPerDashboard` to a dashboard, which keeps each
 * within CloudWatch's 2,500 metrics; each page is a nested stack of its own, as its body grows with
 * its jobs and the main template is near CloudFormation's 1 MB with a fleet. The first page is
 * the deployment's dashboard and links the others.
 */
export class JobDashboards extends Construct {
  /** The pages in job-name order; the first is the deployment's dashboard. */
  public readonly dashboards: readonly cloudwatch.Dashboard[];
  /** The first page's name: the `Dashboard` output. */
  public readonly dashboardName: string;

  constructor(scope: Construct, id: string, props: JobDashboardsProps) {
    super(scope, id);
    const perPage = props.jobsPerDashboard ?? 100;
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_JOBS_PER_DASHBOARD) {
      throw new Error(`jobsPerDashboard: ${perPage} is not a whole number from 1 to ${MAX_JOBS_PER_DASHBOARD}: a dashboard shows at most ${MAX_METRICS_PER_DASHBOARD} metrics, and a job is up to ${JOB_STATUS_METRICS.length} of them`);
    }
    const { region } = Stack.of(this);
    const jobs = [...props.jobs].sort((a, b) => a.name.localeCompare(b.name));
    const pages = Array.from({ length: Math.max(1, Math.ceil(jobs.length / perPage)) }, (_, index) => jobs.slice(index * perPage, (index + 1) * perPage));
    const names = pages.map((_, index) => dashboardName(props.stackName, region, index + 1));
    this.dashboardName = names[0] ?? '';
    this.dashboards = pages.map((pageJobs, index) => {
      const page = new NestedStack(this, `Page${index + 1}`, { description: `cronsnap: dashboard page ${index + 1} of ${pages.length}, ${pageJobs.length} jobs` });
      // Each page's own construct id: merged into one template, the pages' resources must not share logical IDs.
      const dashboard = new cloudwatch.Dashboard(page, `Page${index + 1}Dashboard`, {
        dashboardName: names[index],
        start: '-P7D',
        periodOverride: cloudwatch.PeriodOverride.INHERIT,
      });
      dashboard.addWidgets(header(props, region, pageJobs, names, index));
      if (props.statusFunction) dashboard.addWidgets(statusNow(props.statusFunction, pageJobs));
      const tables = JOB_STATUS_METRICS.map((metric) => statusTable(metric, pageJobs, props.metricsNamespace)).filter((table) => table !== undefined);
      for (let at = 0; at < tables.length; at += 2) dashboard.addWidgets(...tables.slice(at, at + 2));
      return dashboard;
    });
  }
}

/** The page's heading: which jobs it shows, the other pages, and where the hosts' output is. */
function header(props: JobDashboardsProps, region: string, jobs: readonly Job[], names: readonly string[], index: number): cloudwatch.TextWidget {
  const range = jobs.length === 0 ? 'no jobs' : `jobs ${jobs[0]?.name} to ${jobs[jobs.length - 1]?.name}`;
  const pages = names.length > 1 ? ` Pages: ${names.map((name, other) => (other === index ? `${other + 1}` : `[${other + 1}](${dashboardConsoleUrl(region, name)})`)).join(' ')}.` : '';
  return new cloudwatch.TextWidget({
    width: 24,
    height: 3,
    markdown: [
      `# cronsnap ${props.stackName}: ${range}`,
      `${props.statusFunction ? 'Every job now, then per' : 'Per'} job and day over the last week, as the functions report them; the daily report's rows start once S3 Inventory has delivered.${pages}`,
      `Each command's whole output on the hosts: [${props.commandLogGroup}](${logGroupConsoleUrl(region, props.commandLogGroup)}).`,
    ].join('\n\n'),
  });
}

/**
 * Every job of the page as `cronsnap status` shows it now: the job-status function's answer as
 * HTML. It is read when the page opens, not on the dashboard's refreshes: a read is a few S3
 * listings a job, and a page left open on a one-minute auto-refresh would make them 43,000 times
 * a month. The status does not depend on the dashboard's time range either.
 */
function statusNow(statusFunction: lambda.IFunction, jobs: readonly Job[]): cloudwatch.CustomWidget {
  return new cloudwatch.CustomWidget({
    title: 'Every job now (as cronsnap status)',
    functionArn: statusFunction.functionArn,
    params: { jobs: jobs.map((job) => job.name) },
    width: 24,
    // A row of the table is about a third of a grid unit high; the line above it and the notes under it take the rest.
    height: Math.min(60, 4 + Math.ceil(jobs.length / 3)),
    updateOnRefresh: false,
    updateOnTimeRangeChange: false,
  });
}

/** One status metric's table: a row per job of the page it applies to, none when it applies to none. */
function statusTable(status: JobStatusMetric, jobs: readonly Job[], namespace: string): cloudwatch.TableWidget | undefined {
  const rows = jobs.filter(status.appliesTo);
  if (rows.length === 0) return undefined;
  return new cloudwatch.TableWidget({
    title: status.title,
    width: 12,
    height: Math.min(40, Math.max(6, 3 + Math.ceil(rows.length / 2))),
    layout: cloudwatch.TableLayout.HORIZONTAL,
    summary: { columns: [SUMMARY_COLUMN[status.summary]], sticky: true },
    metrics: rows.map(
      (job) =>
        new cloudwatch.Metric({
          namespace,
          metricName: status.metricName,
          dimensionsMap: { service: status.service, job: job.name },
          statistic: status.statistic,
          period: Duration.days(1),
          label: job.name,
        }),
    ),
  });
}
