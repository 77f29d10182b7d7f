import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DRILL_ROOT, MARKER_ROOT } from '../../lib/catalog/object-layout';
import { isDrilled, type Job } from '../../lib/config/job-config';
import { drillAlarmPlan } from '../../lib/drill/drill-alarm';
import { drillProgramFor } from '../../lib/drill/drill-programs';
import { documentName } from '../../lib/ssm/host-program';
import { jobMetricAlarm } from '../job-metric-alarm';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { fleetGrantFindings, hostReports, jobObjects, listJobFolders, sendToFleet } from '../fleet-grants';
import { CronsnapFunction } from './cronsnap-function';
import { HostWorkflow } from './host-workflow';
import { jobScopeIn, type JobGroups } from './job-groups';
import { JobSchedule } from './job-schedule';
import type { ScheduleInvoker } from './schedule-invoker';

export interface RestoreDrillsProps {
  /** Every configured job; those with a `drill` get a schedule and an alarm. */
  readonly jobs: readonly Job[];
  /** The backup bucket: backups are read from the jobs' prefixes, results written under `drills/`. */
  readonly bucket: s3.IBucket;
  /** The key the backups and the results are encrypted with. */
  readonly key: kms.IKey;
  /** Where failed drills and alarms are published. */
  readonly topic: sns.ITopic;
  /** The deployment's CloudWatch namespace, whose drill metrics the alarms watch. */
  readonly metricsNamespace: string;
  /** The environment every cronsnap function gets (bucket, key, topic, document prefix). */
  readonly environment: Readonly<Record<string, string>>;
  /** The validated config as a JSON file, bundled with the function. */
  readonly configFile: string;
  /** Where failed asynchronous invocations go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The schedule group and role the drill schedules fire through. */
  readonly scheduleInvoker: ScheduleInvoker;
  /** Prefix of the SSM document names. */
  readonly documentPrefix: string;
  /**
   * The job groups whose stacks hold each drill's schedule and alarm.
   * @default - every schedule and alarm in this construct
   */
  readonly jobGroups?: JobGroups;
}

/**
 * Scheduled restore drills: the restore-drill function, one schedule per job with a drill, and an
 * alarm per job that fires when no drill has passed for twice the drill interval.
 */
export class RestoreDrills extends Construct {
  public readonly restoreDrill: CronsnapFunction;
  /** Follows each drill's host program to its end and judges it there; its every step is the restore-drill function. */
  public readonly drillWorkflow: HostWorkflow;
  /** One alarm per enabled drill, by job name. */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: RestoreDrillsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const drilled = props.jobs.filter(isDrilled);
    const workflowName = `${stack.stackName}-drill`;
    this.restoreDrill = new CronsnapFunction(this, 'RestoreDrill', {
      name: 'restore-drill',
      environment: { ...props.environment, CRONSNAP_HOST_WORKFLOW_ARN: HostWorkflow.arnFor(this, workflowName) },
      deadLetterQueue: props.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
      timeout: Duration.minutes(15),
    });
    const fn = this.restoreDrill.function;
    this.drillWorkflow = new HostWorkflow(this, 'DrillWorkflow', { stepFunction: fn, stateMachineName: workflowName });
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [HostWorkflow.arnFor(this, workflowName)] }));

    const reports = hostReports(props.bucket);
    const resultWrites = [props.bucket.arnForObjects(`${DRILL_ROOT}/*`), props.bucket.arnForObjects(`${MARKER_ROOT}/drills/*`)];
    if (drilled.length > 0) {
      // The drill lists the job's folder, and for a drill to a second the shipped binary logs, or
      // the WAL and the shipping runs, as a restore to a time does; never the drill results, so
      // S3 answers the read of a missing last-passed record with 403.
      fn.addToRolePolicy(listJobFolders(props.bucket));
      // GetObject also answers HeadObject; the drill reads manifests and its own last passed result.
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [...jobObjects(props.bucket), reports, ...resultWrites] }));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: resultWrites }));
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['ssm:SendCommand'],
          resources: [...new Set(drilled.map(drillProgramFor))].map((program) => stack.formatArn({ service: 'ssm', resource: 'document', resourceName: documentName(props.documentPrefix, program) })),
        }),
      );
      fn.addToRolePolicy(sendToFleet(stack));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation', 'ssm:ListCommands'], resources: ['*'] }));
    }
    props.key.grant(fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    props.topic.grantPublish(fn);
    acknowledgeWildcards(
      fn,
      ['Resource::*', 'Action::kms:GenerateDataKey*', ...[reports, ...resultWrites].map((arn) => nagResource(this, arn)), ...fleetGrantFindings(stack, props.bucket)],
      "X-Ray, GetCommandInvocation and ListCommands have no resource-level permissions; the SNS grant needs GenerateDataKey* on the topic key only; " +
        "reads are limited to the jobs' objects by the object layout and host reports, and writes to drill results; " +
        "SendCommand reaches the fleet's nodes with the drill documents only.",
    );

    if (drilled.length > 0) props.scheduleInvoker.invokes(fn);
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const scopeOf = jobScopeIn(props.jobGroups, 'Drills', this);
    for (const job of drilled) {
      const { drill } = job;
      new JobSchedule(scopeOf(job.name), `Schedule-${job.name}`, {
        jobName: job.name,
        schedule: drill.schedule,
        timezone: drill.timezone,
        enabled: job.enabled && drill.enabled,
        purpose: 'restore drill',
        target: fn,
        invoker: props.scheduleInvoker,
      });
      if (!job.enabled || !drill.enabled) continue;
      const plan = drillAlarmPlan(drill, new Date());
      const days = (plan.windowSeconds / 86400).toFixed(1);
      // Within CloudWatch's 7 days the function's own DrillPassed is watched; beyond, the report's daily age.
      const metric =
        plan.kind === 'passes'
          ? {
              service: 'restore-drill',
              metricName: 'DrillPassed',
              statistic: cloudwatch.Stats.SUM,
              threshold: 1,
              comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
              datapointsToAlarm: plan.evaluationPeriods,
            }
          : {
              service: 'compliance-report',
              metricName: 'SecondsSinceLastPassedDrill',
              statistic: cloudwatch.Stats.MAXIMUM,
              threshold: plan.windowSeconds,
              comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
              datapointsToAlarm: 1,
            };
      alarms[job.name] = jobMetricAlarm(scopeOf(job.name), `NoPassedDrill-${job.name}`, {
        ...metric,
        namespace: props.metricsNamespace,
        description: `cronsnap: no restore drill of ${job.name} passed in ${days} days, twice its drill interval${plan.kind === 'age' ? ' (from the daily compliance report)' : ''}`,
        jobName: job.name,
        periodSeconds: plan.periodSeconds,
        evaluationPeriods: plan.evaluationPeriods,
        topic: props.topic,
      });
    }
    this.alarms = alarms;
  }
}
