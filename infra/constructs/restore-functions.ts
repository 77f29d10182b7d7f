import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DRILL_ROOT, MARKER_ROOT } from '../../lib/catalog/object-layout';
import { type Job } from '../../lib/config/job-config';
import { documentName } from '../../lib/ssm/host-program';
import { etcdRestoreProgram, filesRestoreProgram, mysqlRestoreProgram, postgresRecoveryProgram, postgresRestoreProgram } from '../../lib/restore/restore-programs';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { fleetGrantFindings, hostReports, jobObjects as jobObjectPatterns, keepMarkers, listJobFolders, sendToFleet } from '../fleet-grants';
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
  /**
   * Deploy job-status: the copy holds no run claims, commands or drill results to judge.
   * @default true
   */
  readonly status?: boolean;
}

/**
 * What operators invoke by hand: list-backups and job-status (read only) and restore (dry run by default); the
 * restore workflow, whose steps are the restore function; and the etcd restore state machine
 * with the function that runs each of its steps.
 */
export class RestoreFunctions extends Construct {
  public readonly listBackups: CronsnapFunction;
  /** Every job at a glance (`cronsnap status`): reads the catalog, run markers, drill results and shipped logs. */
  public readonly jobStatus?: CronsnapFunction;
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
    const jobObjects = jobObjectPatterns(props.bucket);
    const document = (program: { id: string }) => stack.formatArn({ service: 'ssm', resource: 'document', resourceName: documentName(props.documentPrefix, program) });
    const list = this.listBackups.function;
    const restore = this.restore.function;
    const step = this.etcdRestoreStep.function;
    // list-backups and restore find backups: list the job's folder (a restore to a time also its
    // server's shipped binary logs, or its cluster's WAL and shipping runs), and the keeps and
    // runs started by hand, which list-backups shows; read manifests, heads and keep markers.
    const keepMarks = keepMarkers(props.bucket);
    for (const fn of [list, restore]) {
      fn.addToRolePolicy(listJobFolders(props.bucket));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [keepMarks] }));
    }
    if (keeps) {
      // The restore role (keep-backup) writes and ends keeps; with Object Lock a keep holds every object
      // of its run, reading first which holds are on already (somebody else's, never to be lifted).
      restore.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:DeleteObject'], resources: [keepMarks] }));
      props.key.grant(restore, 'kms:GenerateDataKey');
      if (props.objectLock) restore.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObjectLegalHold', 's3:PutObjectLegalHold'], resources: jobObjects }));
    }
    // GetObject also answers HeadObject, which checks each payload is stored at its promised size.
    for (const fn of [list, restore, step]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: jobObjects }));
      props.key.grant(fn, 'kms:Decrypt');
    }
    // restore and the step function read what their hosts report, whole.
    const reports = hostReports(props.bucket);
    for (const fn of [restore, step]) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [reports] }));
    // restore's workflow steps send file-set and database restores; the etcd step function sends etcd steps.
    const sendersOf = (fn: lambda.IFunction, programs: { id: string }[]) => {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: programs.map(document) }));
      fn.addToRolePolicy(sendToFleet(stack));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation', 'ssm:ListCommands'], resources: ['*'] }));
    };
    if (props.jobs.some((job) => job.engine !== 'etcd')) sendersOf(restore, [filesRestoreProgram, mysqlRestoreProgram, postgresRestoreProgram, postgresRecoveryProgram]);
    sendersOf(step, [etcdRestoreProgram, filesRestoreProgram]);
    this.etcdRestoreWorkflow.stateMachine.grantStartExecution(restore);
    restore.addToRolePolicy(new iam.PolicyStatement({ actions: ['states:StartExecution'], resources: [HostWorkflow.arnFor(this, restoreWorkflowName)] }));

    const xray = 'Resource::*';
    const fleet = fleetGrantFindings(stack, props.bucket);
    const [reportReads, keepWrites] = [nagResource(this, reports), nagResource(this, keepMarks)];
    acknowledgeWildcards(list, [xray, ...fleet, keepWrites], "X-Ray has no resource-level permissions; reads are limited to the jobs' objects by the object layout, and keep markers.");
    if (props.status ?? true) this.jobStatus = this.jobStatusFunction(props, [xray, ...fleet]);
    acknowledgeWildcards(
      restore,
      [xray, ...fleet, reportReads, keepWrites],
      "X-Ray, GetCommandInvocation and ListCommands have no resource-level permissions; reads are limited to the jobs' objects by the object layout and host reports, writes to keep markers (and legal holds on the jobs' objects); " +
        "SendCommand reaches the fleet's nodes with the restore documents only.",
    );
    acknowledgeWildcards(
      step,
      [xray, ...fleet, reportReads],
      "X-Ray, GetCommandInvocation and ListCommands have no resource-level permissions; reads are limited to the jobs' objects by the object layout and host reports; " +
        "SendCommand reaches the fleet's nodes with the etcd restore documents only.",
    );
  }

  /** job-status reads what list-backups reads, and the runs' claims and commands and the drill results beside. */
  private jobStatusFunction(props: RestoreFunctionsProps, findings: string[]): CronsnapFunction {
    const status = new CronsnapFunction(this, 'JobStatus', {
      name: 'job-status',
      environment: props.environment,
      deadLetterQueue: props.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
      // 500 jobs, eight at a time, each a few listings and reads.
      timeout: Duration.minutes(5),
      memorySize: 512,
    });
    const fn = status.function;
    const reads = [props.bucket.arnForObjects(`${MARKER_ROOT}/runs/*`), props.bucket.arnForObjects(`${MARKER_ROOT}/commands/*`), props.bucket.arnForObjects(`${DRILL_ROOT}/*`)];
    fn.addToRolePolicy(listJobFolders(props.bucket));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${DRILL_ROOT}/*`] } } }));
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [...jobObjectPatterns(props.bucket), ...reads] }));
    props.key.grant(fn, 'kms:Decrypt');
    acknowledgeWildcards(
      fn,
      [...findings, ...reads.map((arn) => nagResource(this, arn))],
      "X-Ray has no resource-level permissions; reads are limited to the jobs' objects by the object layout, the runs' claims and commands, and the drill results.",
    );
    return status;
  }
}
