import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Job } from '../../lib/config/job-config';
import { documentName } from '../../lib/ssm/host-program';
import { REPORT_ROOT } from '../../lib/ssm/host-report';
import { etcdRestoreProgram, filesRestoreProgram, mysqlRestoreProgram, postgresRestoreProgram } from '../../lib/restore/restore-programs';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { sendCommandTargets, taggedTargetFindings } from '../send-command-targets';
import { CronsnapFunction } from './cronsnap-function';
import { EtcdRestoreWorkflow } from './etcd-restore-workflow';

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
}

/**
 * What operators invoke by hand: list-backups (read only) and restore (dry run by default), and
 * the etcd restore state machine with the function that runs each of its steps.
 */
export class RestoreFunctions extends Construct {
  public readonly listBackups: CronsnapFunction;
  public readonly restore: CronsnapFunction;
  public readonly etcdRestoreStep: CronsnapFunction;
  public readonly etcdRestoreWorkflow: EtcdRestoreWorkflow;

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
    this.restore = new CronsnapFunction(this, 'Restore', {
      name: 'restore',
      environment: { ...props.environment, CRONSNAP_RESTORE_STATE_MACHINE_ARN: this.etcdRestoreWorkflow.stateMachine.stateMachineArn },
      deadLetterQueue: props.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
      timeout: Duration.minutes(15),
    });

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
    // GetObject also answers HeadObject, which checks each payload is stored at its promised size.
    for (const fn of [list, restore, step]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: jobObjects }));
      props.key.grant(fn, 'kms:Decrypt');
    }
    // restore and the step function read what their hosts report, whole.
    const hostReports = props.jobs.map((job) => props.bucket.arnForObjects(`${REPORT_ROOT}/${job.name}/*`));
    for (const fn of [restore, step]) fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: hostReports }));
    // restore runs file-set and database restores itself and starts the etcd workflow; the step function sends etcd steps.
    const sendersOf = (fn: lambda.IFunction, programs: { id: string }[], jobs: readonly Job[]) => {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:SendCommand'], resources: programs.map(document) }));
      for (const job of jobs) fn.addToRolePolicy(sendCommandTargets(stack, job));
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['ssm:GetCommandInvocation', 'ssm:ListCommands'], resources: ['*'] }));
    };
    const etcdJobs = props.jobs.filter((job) => job.engine === 'etcd');
    // restore also replaces a single etcd member itself (a few short commands).
    sendersOf(restore, [filesRestoreProgram, mysqlRestoreProgram, postgresRestoreProgram, etcdRestoreProgram], props.jobs);
    sendersOf(step, [etcdRestoreProgram, filesRestoreProgram], etcdJobs);
    this.etcdRestoreWorkflow.stateMachine.grantStartExecution(restore);

    const xray = 'Resource::*';
    const jobReads = jobObjects.map((arn) => nagResource(this, arn));
    const reportReads = hostReports.map((arn) => nagResource(this, arn));
    acknowledgeWildcards(list, [xray, ...jobReads], "X-Ray has no resource-level permissions; reads are limited to the configured jobs' prefixes.");
    acknowledgeWildcards(
      restore,
      [xray, ...jobReads, ...reportReads, ...taggedTargetFindings(stack, props.jobs)],
      "X-Ray, GetCommandInvocation and ListCommands have no resource-level permissions; reads are limited to the jobs' prefixes and host reports; " +
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
