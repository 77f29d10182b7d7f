import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { MARKER_ROOT, onDemandMarkersPrefix } from '../../lib/catalog/object-layout';
import type { Job } from '../../lib/config/job-config';
import { TERMINAL_STATUSES } from '../../lib/ssm/status-change-event';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { fleetGrantFindings, hostReports, jobObjects, keepMarkers, listJobFolders, sendToFleet } from '../fleet-grants';
import { CronsnapFunction } from './cronsnap-function';
import { deadLetterQueue, functionEnvironment } from './function-support';

export interface BackupFunctionsProps {
  /** The configured jobs: their targets, and the prefixes backup-completed may prune. */
  readonly jobs: readonly Job[];
  /**
   * The bucket has S3 Object Lock, so pruning reads each candidate's retain-until date.
   * @default false
   */
  readonly objectLock?: boolean;
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly topic: sns.ITopic;
  /** Names of the backup documents, by engine. */
  readonly documentNames: readonly string[];
  /** Prefix the functions use to name documents. */
  readonly documentPrefix: string;
  /** The log group every command the functions send writes its output to. */
  readonly commandLogGroup: string;
  /** The deployment's CloudWatch namespace, where the functions' metrics go. */
  readonly metricsNamespace: string;
  /** The validated config as a JSON file, bundled with the functions. */
  readonly configFile: string;
}

/** scheduled-backup and backup-completed, their dead-letter queue, permissions and the completion rule. */
export class BackupFunctions extends Construct {
  public readonly scheduledBackup: CronsnapFunction;
  public readonly backupCompleted: CronsnapFunction;
  public readonly deadLetterQueue: sqs.Queue;
  /** The environment every cronsnap function gets. */
  public readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: BackupFunctionsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.deadLetterQueue = deadLetterQueue(this, 'DeadLetters');

    const environment = (this.environment = functionEnvironment({
      bucket: props.bucket,
      key: props.key,
      topic: props.topic,
      documentPrefix: props.documentPrefix,
      bucketRole: 'source',
      commandLogGroup: props.commandLogGroup,
      metricsNamespace: props.metricsNamespace,
    }));
    this.scheduledBackup = new CronsnapFunction(this, 'ScheduledBackup', {
      name: 'scheduled-backup',
      environment,
      deadLetterQueue: this.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
    });
    this.backupCompleted = new CronsnapFunction(this, 'BackupCompleted', {
      name: 'backup-completed',
      environment,
      // The last host of a run prunes its job: for a fleet, thousands of manifests (30 hosts times
      // 500 kept runs is 15,000 reads, 16 at a time) and their deletions, well past a minute.
      timeout: Duration.minutes(5),
      deadLetterQueue: this.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
    });

    const scheduled = this.scheduledBackup.function;
    const completed = this.backupCompleted.function;
    for (const fn of [scheduled, completed]) {
      props.topic.grantPublish(fn);
      props.key.grant(fn, 'kms:GenerateDataKey', 'kms:Decrypt');
    }
    // Written out rather than bucket.grantPut/grantRead: those add List*, GetBucket*, Abort* and
    // ReEncrypt*, which these functions never need.
    const runMarkers = props.bucket.arnForObjects(`${MARKER_ROOT}/runs/*`);
    const commandRecords = props.bucket.arnForObjects(`${MARKER_ROOT}/commands/*`);
    const binlogRunMarkers = props.bucket.arnForObjects(`${MARKER_ROOT}/binlog-runs/*`);
    const walRunMarkers = props.bucket.arnForObjects(`${MARKER_ROOT}/wal-runs/*`);
    const completionMarkers = props.bucket.arnForObjects(`${MARKER_ROOT}/completions/*`);
    const onDemandMarkers = props.bucket.arnForObjects(`${onDemandMarkersPrefix('*')}*`);
    const keeps = keepMarkers(props.bucket);
    const manifests = props.bucket.arnForObjects('*/manifest.json');

    // scheduled-backup: claim runs, find hosts, send only our documents to each job's targets, record the commands sent.
    scheduled.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [runMarkers, commandRecords, binlogRunMarkers, walRunMarkers, onDemandMarkers] }));
    scheduled.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ssm:DescribeInstanceInformation'], resources: ['*'] }),
    );
    scheduled.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['ssm:SendCommand'],
        resources: props.documentNames.map((name) => stack.formatArn({ service: 'ssm', resource: 'document', resourceName: name })),
      }),
    );
    scheduled.addToRolePolicy(sendToFleet(stack));

    // backup-completed: read the run's command, its manifest, and mark the completion handled;
    // then prune: list the job's folder, run markers, keeps and on-demand marks (and, for a
    // shipping run's check, its server's log folder; for a multi-host run its hosts' completion
    // markers), delete the job's objects only.
    const reports = hostReports(props.bucket);
    const objects = jobObjects(props.bucket);
    completed.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [manifests, reports, keeps] }));
    completed.addToRolePolicy(listJobFolders(props.bucket));
    completed.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: objects }));
    if (props.objectLock) {
      // Pruning reads each candidate's retention, and lifts the legal holds a keep placed once it lapses.
      completed.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectRetention', 's3:PutObjectLegalHold'], resources: objects }));
    }
    completed.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [completionMarkers] }));
    completed.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation', 'ssm:ListCommands'], resources: ['*'] }),
    );

    new events.Rule(this, 'CommandFinished', {
      description: 'cronsnap: a backup document finished on a host',
      eventPattern: {
        source: ['aws.ssm'],
        detailType: ['EC2 Command Invocation Status-change Notification'],
        detail: { 'document-name': [...props.documentNames], status: [...TERMINAL_STATUSES] },
      },
      targets: [new targets.LambdaFunction(completed, { deadLetterQueue: this.deadLetterQueue, retryAttempts: 4, maxEventAge: Duration.hours(6) })],
    });

    const noResourceLevel = 'Resource::*';
    const kmsFromTopicGrant = 'Action::kms:GenerateDataKey*';
    acknowledgeWildcards(
      scheduled,
      [noResourceLevel, kmsFromTopicGrant, nagResource(this, runMarkers), nagResource(this, commandRecords), nagResource(this, binlogRunMarkers), nagResource(this, walRunMarkers), nagResource(this, onDemandMarkers), ...fleetGrantFindings(stack, props.bucket)],
      'DescribeInstanceInformation and X-Ray have no resource-level permissions; the SNS grant needs GenerateDataKey* on the ' +
        "topic key only; run markers (of dumps and of binary log and WAL shipping), the commands each run was sent as and on-demand marks are one key pattern each; SendCommand reaches the fleet's nodes with cronsnap's documents only.",
    );
    acknowledgeWildcards(
      completed,
      [noResourceLevel, kmsFromTopicGrant, ...[manifests, completionMarkers, reports, keeps].map((arn) => nagResource(this, arn)), ...fleetGrantFindings(stack, props.bucket)],
      'GetCommandInvocation, ListCommands and X-Ray have no resource-level permissions; the SNS grant needs GenerateDataKey* ' +
        "on the topic key only; reads are limited to manifest.json keys, host reports and keep markers, writes to completion markers, and pruning " +
        "deletes (and, with Object Lock, reads retention and lifts lapsed keeps' legal holds) only the jobs' objects by the object layout.",
    );
  }
}
