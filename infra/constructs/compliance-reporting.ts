import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { COMPLIANCE_REPORT_OLD_SPACE_MB } from '../../lib/compliance/compliance-report';
import { MANIFEST_FILE } from '../../lib/catalog/object-layout';
import { INVENTORY_FIELDS } from '../../lib/compliance/inventory-manifest';
import { recoveryPointObjective, rpoAlarmWindow, type ScheduledWork } from '../../lib/config/recovery-point-objective';
import { shipsBinlogs, shipsWal, type Job } from '../../lib/config/job-config';
import { jobMetricAlarm } from '../job-metric-alarm';
import { keepMarkers } from '../fleet-grants';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { jobScopeIn, type JobGroups } from './job-groups';
import { CronsnapFunction } from './cronsnap-function';

/** Inventory files land under this prefix of the reports bucket; reports under `reports/`. */
const INVENTORY_PREFIX = 'inventory';
const INVENTORY_ID = 'cronsnap-daily';

export interface ComplianceReportingProps {
  /** Jobs to judge and to watch with an RPO alarm each. */
  readonly jobs: readonly Job[];
  /** The backup bucket: S3 Inventory is configured on it. */
  readonly backupBucket: s3.Bucket;
  /** The backup bucket's key: the report decrypts the manifests of jobs that ship binary logs. */
  readonly backupKey: kms.IKey;
  /** Where the reports bucket writes its access logs. */
  readonly accessLogsBucket: s3.IBucket;
  /** Violations and RPO alarms are published here. */
  readonly topic: sns.ITopic;
  /** The deployment's CloudWatch namespace, whose metrics the RPO alarms watch. */
  readonly metricsNamespace: string;
  /** The environment every cronsnap function gets. */
  readonly environment: Readonly<Record<string, string>>;
  /** The validated config as a JSON file, bundled with the function. */
  readonly configFile: string;
  /** Where failed invocations go. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The job groups whose stacks hold each job's alarms.
   * @default - every alarm in this construct
   */
  readonly jobGroups?: JobGroups;
  /**
   * Days inventory files are kept; reports are kept 400 days.
   * @default 30
   */
  readonly inventoryRetentionDays?: number;
  /**
   * What happens to the reports bucket when the stack is deleted.
   * @default RemovalPolicy.RETAIN - audit evidence outlives the stack
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Daily S3 Inventory of the backup bucket into a private reports bucket, the compliance-report
 * function run when an inventory's manifest.json lands, and an alarm per job that fires when no
 * backup succeeded within the RPO its schedule implies.
 */
export class ComplianceReporting extends Construct {
  public readonly reportsBucket: s3.Bucket;
  public readonly complianceReport: CronsnapFunction;
  /** The RPO alarm of each enabled job, by job name. */
  public readonly rpoAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** The alarm of each enabled job that ships binary logs or WAL, fired when no shipping succeeded within the log schedule's RPO. */
  public readonly logRpoAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** The alarm of each enabled WAL shipping job, fired when its replication slot holds more WAL on the server than `wal.alarmRetainedGiB`. */
  public readonly walRetainedAlarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: ComplianceReportingProps) {
    super(scope, id);
    // SSE-S3: S3 Inventory can deliver to it without a key policy for the S3 service.
    this.reportsBucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      eventBridgeEnabled: true,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'reports-bucket/',
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'inventory', prefix: `${INVENTORY_PREFIX}/`, expiration: Duration.days(props.inventoryRetentionDays ?? 30), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'reports', prefix: 'reports/', expiration: Duration.days(400), noncurrentVersionExpiration: Duration.days(30) },
      ],
    });

    props.backupBucket.addInventory({
      inventoryId: INVENTORY_ID,
      destination: { bucket: this.reportsBucket, prefix: INVENTORY_PREFIX },
      frequency: s3.InventoryFrequency.DAILY,
      format: s3.InventoryFormat.CSV,
      includeObjectVersions: s3.InventoryObjectVersion.ALL,
      optionalFields: [...INVENTORY_FIELDS],
    });

    this.complianceReport = new CronsnapFunction(this, 'ComplianceReport', {
      name: 'compliance-report',
      environment: {
        ...props.environment,
        CRONSNAP_REPORTS_BUCKET: this.reportsBucket.bucketName,
        NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${COMPLIANCE_REPORT_OLD_SPACE_MB}`,
      },
      deadLetterQueue: props.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
      timeout: Duration.minutes(10),
      memorySize: 1024,
    });
    const fn = this.complianceReport.function;
    const inventoryObjects = this.reportsBucket.arnForObjects(`${INVENTORY_PREFIX}/*`);
    const reportObjects = this.reportsBucket.arnForObjects('reports/*');
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [inventoryObjects] }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [reportObjects] }));
    props.topic.grantPublish(fn);
    // The window of a job that ships logs comes from its dumps' (or base backups' and shipping runs')
    // and its binary logs' manifests, not their payloads; every job's keeps from their markers.
    const manifestReads = [MANIFEST_FILE, 'binlogs/*.json'].map((file) => props.backupBucket.arnForObjects(`*/${file}`)).concat(keepMarkers(props.backupBucket));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: manifestReads }));
    props.backupKey.grant(fn, 'kms:Decrypt');
    acknowledgeWildcards(
      fn,
      ['Resource::*', 'Action::kms:GenerateDataKey*', nagResource(this, inventoryObjects), nagResource(this, reportObjects), ...manifestReads.map((arn) => nagResource(this, arn))],
      'X-Ray has no resource-level permissions; the SNS grant needs GenerateDataKey* on the topic key only; the ' +
        'function reads only inventory files, keep markers and manifests (of runs and shipped binary logs, never their payloads), and writes only under reports/.',
    );

    new events.Rule(this, 'InventoryDelivered', {
      description: 'cronsnap: an S3 Inventory of the backup bucket was delivered',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [this.reportsBucket.bucketName] },
          // Values of one array are alternatives: prefix-or-suffix matched every inventory data file.
          // A wildcard says both at once (its * spans '/').
          object: { key: events.Match.wildcard(`${INVENTORY_PREFIX}/*/manifest.json`) },
        },
      },
      targets: [new targets.LambdaFunction(fn, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.hours(6) })],
    });

    const alarms: Record<string, cloudwatch.Alarm> = {};
    const logAlarms: Record<string, cloudwatch.Alarm> = {};
    const retainedAlarms: Record<string, cloudwatch.Alarm> = {};
    // Fires when no datapoint of `metricName` arrived within the RPO that `work`'s schedule implies.
    const scopeOf = jobScopeIn(props.jobGroups, 'Compliance', this);
    const rpoAlarm = (id: string, job: Job, work: ScheduledWork, metricName: string, what: string) => {
      const { rpoSeconds } = recoveryPointObjective(work, new Date());
      const window = rpoAlarmWindow(rpoSeconds);
      return jobMetricAlarm(scopeOf(job.name), id, {
        namespace: props.metricsNamespace,
        description: `cronsnap: ${what} within its RPO of ${Math.round(rpoSeconds / 60)} minutes${window.clamped ? ' (watched over the last 7 days, the longest CloudWatch allows)' : ''}`,
        jobName: job.name,
        service: 'backup-completed',
        metricName,
        statistic: cloudwatch.Stats.SUM,
        periodSeconds: window.periodSeconds,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: window.evaluationPeriods,
        datapointsToAlarm: window.evaluationPeriods,
        topic: props.topic,
      });
    };
    for (const job of props.jobs.filter((candidate) => candidate.enabled)) {
      alarms[job.name] = rpoAlarm(`Rpo-${job.name}`, job, job, 'BackupSucceeded', `no ${job.name} backup succeeded`);
      // A job that ships logs recovers to its newest shipped log: that schedule is its recovery point.
      if (shipsBinlogs(job) && job.binlogs.enabled) {
        logAlarms[job.name] = rpoAlarm(`BinlogRpo-${job.name}`, job, job.binlogs, 'BinlogsShipped', `no ${job.name} binary log was shipped`);
      }
      // An idle server completes no segment, so the WAL's recovery point is the runs themselves.
      if (shipsWal(job) && job.wal.enabled) {
        logAlarms[job.name] = rpoAlarm(`WalRpo-${job.name}`, job, job.wal, 'WalShippingSucceeded', `no ${job.name} WAL shipping run succeeded`);
        const window = rpoAlarmWindow(recoveryPointObjective(job.wal, new Date()).rpoSeconds);
        retainedAlarms[job.name] = jobMetricAlarm(scopeOf(job.name), `WalRetained-${job.name}`, {
          namespace: props.metricsNamespace,
          description: `cronsnap: the replication slot ${job.wal.slot} of ${job.name} holds more than ${job.wal.alarmRetainedGiB} GiB of WAL on the server (or no run reported it): the server's disk fills while shipping lags`,
          jobName: job.name,
          service: 'backup-completed',
          metricName: 'WalSlotRetainedBytes',
          statistic: cloudwatch.Stats.MAXIMUM,
          periodSeconds: window.periodSeconds,
          threshold: job.wal.alarmRetainedGiB * 1024 ** 3,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: window.evaluationPeriods,
          datapointsToAlarm: window.evaluationPeriods,
          topic: props.topic,
        });
      }
    }
    this.rpoAlarms = alarms;
    this.logRpoAlarms = logAlarms;
    this.walRetainedAlarms = retainedAlarms;
    // eventBridgeEnabled is set through CDK's singleton BucketNotificationsHandler custom resource.
    const notificationsHandler = Stack.of(this).node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's own handler that turns on the reports bucket's EventBridge notifications at deploy time; it only writes its logs.",
      });
      acknowledgeWildcards(notificationsHandler, ['Resource::*'], 'PutBucketNotification on the reports bucket, as CDK writes it for its notifications handler.');
    }
  }
}
