import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { JobDashboards } from '../../infra/constructs/job-dashboards';
import { parseConfig } from '../../lib/config/load-config';
import { JOB_STATUS_METRICS } from '../../lib/dashboard/job-status-metrics';
import { dashboardsOf, limitViolations, type DashboardBody } from '../helpers/aws-limits';
import { fleetConfig } from '../helpers/fleet-config';
import { deployedTemplate, stackTemplates } from '../helpers/nested-stacks';

type Row = [string, string, ...string[]];

/** The dashboards of `count` fleet jobs, each page's template and body as CloudWatch receives it. */
function fleetDashboards(count: number, jobsPerDashboard?: number) {
  const stack = new Stack(new App(), 'Cronsnap', { env: { account: '123456789012', region: 'eu-central-1' } });
  const { jobs } = parseConfig(fleetConfig(count));
  const statusFunction = new lambda.Function(stack, 'JobStatus', { functionName: 'cronsnap-job-status', runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => []') });
  const dashboards = new JobDashboards(stack, 'Dashboards', {
    jobs,
    stackName: 'Cronsnap',
    metricsNamespace: 'cronsnap',
    commandLogGroup: '/cronsnap/Cronsnap/commands',
    statusFunction,
    ...(jobsPerDashboard === undefined ? {} : { jobsPerDashboard }),
  });
  const pages = stackTemplates(stack).filter(({ name }) => name !== 'Cronsnap');
  return {
    stack,
    statusFunction,
    jobs,
    dashboards,
    pages: pages.map(({ name, template }) => ({ name, template, body: dashboardsOf(template as never)[0]?.body ?? { widgets: [] } })),
  };
}

/** The metric rows of every table of a body. */
function rows(body: DashboardBody): Row[] {
  return body.widgets.flatMap((widget) => (widget.properties?.metrics ?? []) as Row[]);
}

/** The job named by a row: `[namespace, metric, 'job', <job>, 'service', <service>, {options}]`. */
const jobOf = (row: Row) => row[row.indexOf('job') + 1];

describe('job dashboards', () => {
  it.each([
    [1, 1],
    [40, 1],
    [500, 5],
  ])('shows each of %i jobs on one of %i dashboards, every body a dashboard CloudWatch takes', (count, dashboards) => {
    const { jobs, pages } = fleetDashboards(count);

    expect(pages).toHaveLength(dashboards);
    expect(pages.flatMap(({ name, template }) => limitViolations(template as never, name))).toEqual([]);
    const shown = new Set(pages.flatMap(({ body }) => rows(body).map(jobOf)));
    expect(jobs.filter((job) => !shown.has(job.name)).map((job) => job.name)).toEqual([]);
    // Every metric of a row is a metric the functions publish, for a job it applies to.
    for (const row of pages.flatMap(({ body }) => rows(body))) {
      const status = JOB_STATUS_METRICS.find((metric) => metric.metricName === row[1]);
      const job = jobs.find((candidate) => candidate.name === jobOf(row));
      expect(status && job && status.appliesTo(job) && row.includes(status.service)).toBe(true);
    }
  }, 60_000);

  it("gives a job every table of what `cronsnap status` shows that it has a metric for, in the deployment's namespace", () => {
    const { jobs, pages } = fleetDashboards(6);
    const of = (job: string) => rows(pages[0]?.body ?? { widgets: [] }).filter((row) => jobOf(row) === job);
    const [etcd = '', mysql = '', physicalPg = ''] = [jobs[0], jobs[2], jobs[3]].map((job) => job?.name ?? '');

    expect(of(etcd).map((row) => row[1])).toEqual(['BackupSucceeded', 'BackupFailed', 'BackupBytes', 'BackupDurationSeconds', 'NewestBackupAgeSeconds', 'ComplianceViolations', 'DrillPassed', 'SecondsSinceLastPassedDrill']);
    expect(of(mysql).map((row) => row[1])).toContain('BinlogsShipped');
    expect(of(physicalPg).map((row) => row[1])).toEqual(expect.arrayContaining(['WalShippingSucceeded', 'WalSlotRetainedBytes']));
    expect(new Set(rows(pages[0]?.body ?? { widgets: [] }).map((row) => row[0]))).toEqual(new Set(['cronsnap']));
  });

  it('names the first page after the stack and its region, and links the other pages and the command log group from each', () => {
    const { dashboards, pages } = fleetDashboards(500);
    const names = pages.map(({ template }) => Object.values(Template.fromJSON(template).findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties.DashboardName);

    expect(dashboards.dashboardName).toBe('Cronsnap-eu-central-1');
    expect(names).toEqual(['Cronsnap-eu-central-1', 'Cronsnap-eu-central-1-2', 'Cronsnap-eu-central-1-3', 'Cronsnap-eu-central-1-4', 'Cronsnap-eu-central-1-5']);
    const heading = (index: number) => String((pages[index]?.body.widgets[0]?.properties as { markdown?: string } | undefined)?.markdown);
    expect(heading(1)).toContain('[1](https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#dashboards/dashboard/Cronsnap-eu-central-1)');
    expect(heading(1)).toContain('$252Fcronsnap$252FCronsnap$252Fcommands');
  }, 60_000);

  it("opens each page with every job of the page now, as the job-status function answers its custom widget", () => {
    const { stack, statusFunction, jobs, pages } = fleetDashboards(500);
    const custom = pages.map(({ body }) => body.widgets.filter((widget) => widget.type === 'custom').map((widget) => widget.properties as { endpoint?: string; params?: { jobs?: string[] }; updateOn?: object }));

    expect(custom.map((widgets) => widgets.length)).toEqual([1, 1, 1, 1, 1]);
    expect(pages.map(({ body }) => body.widgets[1]?.type)).toEqual(['custom', 'custom', 'custom', 'custom', 'custom']);
    expect(custom.flat().map((widget) => widget.params?.jobs?.length)).toEqual([100, 100, 100, 100, 100]);
    expect(custom.flat().flatMap((widget) => widget.params?.jobs ?? []).sort()).toEqual(jobs.map((job) => job.name).sort());
    for (const widget of custom.flat()) expect(widget.updateOn).toEqual({ refresh: false, resize: true, timeRange: false });
    // Deployed, each page's widget calls the function's ARN, which the parent passes each page.
    const functionArn = { 'Fn::GetAtt': [stack.getLogicalId(statusFunction.node.defaultChild as never), 'Arn'] };
    const endpoints = Object.values(deployedTemplate(stack).findResources('AWS::CloudWatch::Dashboard')).map((dashboard) => {
      const parts = (dashboard.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
      return parts[parts.findIndex((part) => typeof part === 'string' && part.endsWith('"endpoint":"')) + 1];
    });
    expect(endpoints).toEqual(Array(5).fill(functionArn));
  }, 60_000);

  it('refuses more jobs on a dashboard than its 2,500 metrics hold, naming jobsPerDashboard', () => {
    expect(() => fleetDashboards(1, 228)).toThrow(/^jobsPerDashboard: 228 is not a whole number from 1 to 227: a dashboard shows at most 2500 metrics, and a job is up to 11 of them$/);
    expect(() => fleetDashboards(1, 0)).toThrow(/^jobsPerDashboard: 0 /);
  });
});
