import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { shipsBinlogs, shipsWal, type Job } from '../../lib/config/job-config';
import { binlogRoot, keepMarkersPrefix, onDemandMarkersPrefix, walRoot } from '../../lib/backup/object-layout';
import { documentName } from '../../lib/ssm/host-program';
import { REPORT_ROOT } from '../../lib/ssm/host-report';
import { etcdRestoreProgram, filesRestoreProgram, mysqlRestoreProgram, postgresRecoveryProgram, postgresRestoreProgram } from '../../lib/restore/restore-programs';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { sendCommandTargets, taggedTargetFindings } from '../send-command-targets';
import { CronsnapFunction } from './cronsnap-function';
import { EtcdRestoreWorkflow } from './etcd-restore-workflow';
import { HostWorkflow } from './host-workflow';

export interface RestoreFunctionsProps {
  /** The jobs whose backups operators may list and restore. */
  readonly jobs: readonly Job[];
  /** The backup bucket. */
  readonly bucket: s3.IBucket;
  /** The key the backups are encrypted with. */
  readonly key: kms.IKey;
  /** The environment every cronsnap function gets (bucket, key, topic, document prefix). */
  readonly environment: Readonly<Record<string, string>>;
  /** The validated config as a JSON file, bundled with the functions. */
  readonly configFile: string;
  /** Where failed asynchronous invocations go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Prefix of the SSM document names. */
  readonly documentPrefix: string;
  /**
   * The bucket has S3 Object Lock: a keep puts a legal hold on the run's objects.
   * @default false
   */
  readonly objectLock?: boolean;
  /**
   * Deploy keep-backup, whose role may write keep markers: the copy has no pruning to keep runs from.
   * @default true
   */
  readonly keeps?: boolean;
}

/**
 * What operators invoke by hand: list-backups (read only) and restore (dry run by default); the
 * restore workflow, whose steps are the restore function; and the etcd restore state machine
 * with the function that runs each of its steps.
 */
export class RestoreFunctions extends Construct {
  public readonly listBackups: CronsnapFunction;
  public readonly restore: CronsnapFunction;
  /** Keeps a run beyond retention, or ends the keep; it has the restore function's role, which hosts never get. */
  public readonly keepBackup?: CronsnapFunction;
  public readonly etcdRestoreStep: CronsnapFunction;
  public readonly etcdRestoreWorkflow: EtcdRestoreWorkflow;
  /** Runs database and file-set restores (dry runs too: they download the backup) to their end; its every step is the restore function. */
  public readonly restoreWorkflow: HostWorkflow;

  constructor(scope: Construct, id: string, props: RestoreFunctionsProps) {
    super(scope, id);
    this.listBackups = new CronsnapFunction(this, 'ListBackups', {
      name: 'list-backups',
      environment: props.environment,
      deadLetterQueue: props.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
      timeout: Duration.minutes(2),
    });
    this.etcdRestoreStep = new CronsnapFunction(this, 'EtcdRestoreStep', {
      name: 'etcd-restore-step',
      environment: props.environment,
      deadLetterQueue: props.deadLetterQueue,
      timeout: Duration.minutes(15),
    });
    this.etcdRestoreWorkflow = new EtcdRestoreWorkflow(this, 'EtcdRestoreWorkflow', { stepFunction: this.etcdRestoreStep.function });
    const restoreWorkflowName = `${Stack.of(this).stackName}-restore`;
    this.restore = new CronsnapFunction(this, 'Restore', {
      name: 'restore',
      environment: {
        ...props.environment,
        CRONSNAP_RESTORE_STATE_MACHINE_ARN: this.etcdRestoreWorkflow.stateMachine.stateMachineArn,
        CRONSNAP_HOST_WORKFLOW_ARN: HostWorkflow.arnFor(this, restoreWorkflowName),
      },
      deadLetterQueue: props.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
      timeout: Duration.minutes(15),
    });

    const keeps = props.keeps ?? true;
    if (keeps) {
      this.keepBackup = new CronsnapFunction(this, 'KeepBackup', {
        name: 'keep-backup',
        environment: props.environment,
        deadLetterQueue: props.deadLetterQueue,
        extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
        timeout: Duration.minutes(2),
        ...(this.restore.function.role ? { role: this.restore.function.role } : {}),
      });
    }

    this.restoreWorkflow = new HostWorkflow(this, 'RestoreWorkflow', { stepFunction: this.restore.function, stateMachineName: restoreWorkflowName });

    const stack = Stack.of(this);
    const jobObjects = props.jobs.map((job) => props.bucket.arnForObjects(`${job.name}/*`));
    const document = (program: { id: string }) => stack.formatArn({ service: 'ssm', resource: 'document', resourceName: documentName(props.documentPrefix, program) });
    const list = this.listBackups.function;
    const restore = this.restore.function;
    const step = this.etcdRestoreStep.function;
    // list-backups and restore find backups: list the jobs' prefixes, read manifests and heads.
    for (const fn of [list, restore]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringEquals: { 's3:prefix': props.jobs.map((job) => `${job.name}/`) } },
        }),
      );
    }
    // Keeps: list-backups shows them and runs started by hand; the restore role (keep-backup) writes and ends them.
    const keepMarkers = props.jobs.map((job) => props.bucket.arnForObjects(`${keepMarkersPrefix(job.name)}*`));
    for (const fn of [list, restore]) {
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringEquals: { 's3:prefix': props.jobs.flatMap((job) => [keepMarkersPrefix(job.name), onDemandMarkersPrefix(job.name)]) } },
        }),
      );
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: keepMarkers }));
    }
    if (keeps) {
      restore.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: keepMarkers }));
      props.key.grant(restore, 'kms:GenerateDataKey');
      if (props.objectLock) {
        // A keep holds every object of its run: listed by the run's folder, which the job's prefix already lists.
        restore.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObjectLegalHold'], resources: jobObjects }));
        restore.addToRolePolicy(
          new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': props.jobs.map((job) => `${job.name}/*`) } } }),
        );
      }
    }

    // A restore to a time lists the shipped binary logs of the dump's server, or the WAL and the
    // shipping runs of the base backup's cluster.
    const logFolders = props.jobs.flatMap((job) => [...(shipsBinlogs(job) ? [`${binlogRoot(job.name)}*`] : []), ...(shipsWal(job) ? [`${walRoot(job.name)}*`] : [])]);
    if (logFolders.length > 0) {
      restore.addToRolePolicy(
        new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': logFolders } } }),
      );
    }
    // GetObject also answers HeadObject, which checks each payload is stored at its promised size.
    for (const fn of [list, restore, step]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: jobObjects }));
      props.key.grant(fn, 'kms:Decrypt');
    }
    // restore and the step function read what their hosts report, whole.
    const hostReports = props.jobs.map((job) => props.bucket.arnForObjects(`${REPORT_ROOT}/${job.name}/*`));
    for (const fn of [restore, step]) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: hostReports }));
    // restore's workflow steps send file-set and database restores; the etcd step function sends etcd steps.
    const sendersOf = (fn: lambda.IFunction, programs: { id: string }[], jobs: readonly Job[]) => {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: programs.map(document) }));
      for (const job of jobs) fn.addToRolePolicy(sendCommandTargets(stack, job));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation', 'ssm:ListCommands'], resources: ['*'] }));
    };
    const etcdJobs = props.jobs.filter((job) => job.engine === 'etcd');
    const restored = props.jobs.filter((job) => job.engine !== 'etcd');
    if (restored.length > 0) sendersOf(restore, [filesRestoreProgram, mysqlRestoreProgram, postgresRestoreProgram, postgresRecoveryProgram], restored);
    sendersOf(step, [etcdRestoreProgram, filesRestoreProgram], etcdJobs);
    this.etcdRestoreWorkflow.stateMachine.grantStartExecution(restore);
    restore.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [HostWorkflow.arnFor(this, restoreWorkflowName)] }));

    const xray = 'Resource::*';
    const jobReads = jobObjects.map((arn) => nagResource(this, arn));
    const reportReads = hostReports.map((arn) => nagResource(this, arn));
    const keepWrites = keepMarkers.map((arn) => nagResource(this, arn));
    acknowledgeWildcards(list, [xray, ...jobReads, ...keepWrites], "X-Ray has no resource-level permissions; reads are limited to the configured jobs' prefixes and keep markers.");
    acknowledgeWildcards(
      restore,
      [xray, ...jobReads, ...reportReads, ...keepWrites, ...taggedTargetFindings(stack, restored)],
      "X-Ray, GetCommandInvocation and ListCommands have no resource-level permissions; reads are limited to the jobs' prefixes and host reports, writes to the jobs' keep markers (and legal holds on their objects); " +
        'SendCommand on tagged targets is held to the tags by an ssm:resourceTag condition.',
    );
    acknowledgeWildcards(
      step,
      [xray, ...jobReads, ...reportReads, ...taggedTargetFindings(stack, etcdJobs)],
      "X-Ray, GetCommandInvocation and ListCommands have no resource-level permissions; reads are limited to the jobs' prefixes and host reports; " +
        'SendCommand on tagged targets is held to the tags by an ssm:resourceTag condition.',
    );
  }
}
