import { ArnFormat, CfnOutput, Stack } from 'aws-cdk-lib';
import { hostPolicyExportName } from '../../lib/config/host-policy-export';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Job } from '../../lib/config/job-config';
import type { PasswordSource } from '../../lib/config/password-source';
import { PROGRAM_ROOT } from '../../lib/catalog/object-layout';
import { REPORT_ROOT } from '../../lib/catalog/object-layout';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';

export interface HostAccessPolicyProps {
  /** The job whose hosts get this policy. */
  readonly jobName: string;
  /**
   * SSM SecureString parameter names the job's hosts read at run time (database passwords).
   * @default - none
   */
  readonly secretParameters?: readonly string[];
  /**
   * Secrets Manager secrets (names, or whole ARNs) the job's hosts read at run time.
   * @default - none
   */
  readonly secretsManagerSecrets?: readonly string[];
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  /** The deployment's log group in this stack's region, where the hosts' SSM agent writes every command's output. */
  readonly commandLogGroup: string;
  /**
   * Hosts only read backups (and write their reports): the policy for the copy's restores.
   * @default false
   */
  readonly readOnly?: boolean;
}

/** Where a job's hosts read passwords: the database's, and MaxScale's REST API's; other engines read none. */
function jobPasswordSources(job: Job): PasswordSource[] {
  if (job.engine === 'mysql') return typeof job.mysql.maxscale === 'object' ? [job.mysql, job.mysql.maxscale] : [job.mysql];
  if (job.engine === 'postgres') return [job.postgres];
  return [];
}

/** The secrets a job's hosts read, as HostAccessPolicy takes them. */
export function jobSecrets(job: Job): { secretParameters: string[]; secretsManagerSecrets: string[] } {
  const passwords = jobPasswordSources(job);
  return {
    secretParameters: passwords.flatMap((password) => password.passwordParameter ?? []),
    secretsManagerSecrets: passwords.flatMap((password) => password.passwordSecret?.id ?? []),
  };
}

/**
 * The managed policy to attach to the instance profile of a job's hosts: write backups under the
 * job's own prefix, read them back for restore, never delete.
 */
export class HostAccessPolicy extends Construct {
  public readonly policy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: HostAccessPolicyProps) {
    super(scope, id);
    const prefix = `${props.jobName}/*`;
    const readOnly = props.readOnly ?? false;
    const commandLogGroupArn = Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: props.commandLogGroup, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const commandLogStreams = `${commandLogGroupArn}:log-stream:*`;
    const commandLogStreamSpace = `${commandLogGroupArn}:*`;
    this.policy = new iam.ManagedPolicy(this, 'Policy', {
      description: `cronsnap hosts of job ${props.jobName}: ${readOnly ? 'get' : 'put and get'} under ${prefix}, no delete`,
      statements: [
        new iam.PolicyStatement({
          sid: readOnly ? 'ReadJobBackups' : 'WriteAndReadJobBackups',
          actions: readOnly ? ['s3:GetObject', 's3:GetObjectVersion'] : ['s3:PutObject', 's3:GetObject', 's3:GetObjectVersion', 's3:AbortMultipartUpload'],
          resources: [props.bucket.arnForObjects(prefix)],
        }),
        new iam.PolicyStatement({
          // What the documents' loaders fetch and run: published by the deployment, read by every host.
          sid: 'ReadHostPrograms',
          actions: ['s3:GetObject'],
          resources: [props.bucket.arnForObjects(`${PROGRAM_ROOT}/*`)],
        }),
        new iam.PolicyStatement({
          // What a host reports to the functions, whole (SSM returns only the start of its output).
          sid: 'WriteJobReports',
          actions: ['s3:PutObject'],
          resources: [props.bucket.arnForObjects(`${REPORT_ROOT}/${props.jobName}/*`)],
        }),
        new iam.PolicyStatement({
          sid: 'ListJobBackups',
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': [`${props.jobName}/`, prefix] } },
        }),
        new iam.PolicyStatement({
          sid: 'UseBackupKey',
          // Decrypt is needed for SSE-KMS multipart uploads as well as for restores.
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [props.key.keyArn],
        }),
        // The SSM agent sends each command's output with the instance's credentials: it finds the
        // group (DescribeLogGroups has no resource-level permission), then a stream of it, creates
        // the stream and puts the output (Systems Manager user guide, "Configuring Amazon CloudWatch
        // Logs for Run Command"). It may not create the group: the stack's keeps its retention.
        new iam.PolicyStatement({ sid: 'FindCommandLogGroup', actions: ['logs:DescribeLogGroups'], resources: ['*'] }),
        // CloudWatch Logs authorizes DescribeLogStreams on `log-group:<name>:log-stream:`, which only the `:*` form matches.
        new iam.PolicyStatement({ sid: 'FindCommandLogStreams', actions: ['logs:DescribeLogStreams'], resources: [commandLogStreamSpace] }),
        new iam.PolicyStatement({ sid: 'WriteCommandOutput', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [commandLogStreams] }),
      ],
    });
    const parameters = props.secretParameters ?? [];
    const secrets = props.secretsManagerSecrets ?? [];
    // Only this job's secrets. SecureStrings under the AWS-managed aws/ssm key, and secrets under
    // aws/secretsmanager, decrypt through their service without a KMS grant here.
    if (parameters.length > 0) {
      this.policy.addStatements(
        new iam.PolicyStatement({
          sid: 'ReadJobSecrets',
          actions: ['ssm:GetParameter'],
          resources: parameters.map((name) => Stack.of(this).formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') })),
        }),
      );
    }
    if (secrets.length > 0) {
      this.policy.addStatements(
        new iam.PolicyStatement({
          sid: 'ReadJobSecretValues',
          actions: ['secretsmanager:GetSecretValue'],
          resources: secrets.map((id) => (id.startsWith('arn:') ? id : secretArnOfName(this, id))),
        }),
      );
    }
    const reports = props.bucket.arnForObjects(`${REPORT_ROOT}/${props.jobName}/*`);
    acknowledgeWildcards(
      this.policy,
      [nagResource(this, props.bucket.arnForObjects(prefix)), nagResource(this, reports), nagResource(this, props.bucket.arnForObjects(`${PROGRAM_ROOT}/*`)), nagResource(this, commandLogStreams), nagResource(this, commandLogStreamSpace), 'Resource::*'],
      `Object actions are limited to the job's own prefix ${prefix}, its hosts' reports to ${REPORT_ROOT}/${props.jobName}/*, and reads of cronsnap's host programs to ${PROGRAM_ROOT}/*; ` +
        `the SSM agent finds and writes command output only in streams of ${props.commandLogGroup}, each named by its command, and DescribeLogGroups has no resource-level permission.`,
    );
  }
}

/** The ARN of the secret called `name`, whatever the 6-character suffix Secrets Manager gave it. */
function secretArnOfName(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${name}-??????`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * The output naming a job's host policy, beside the policy in the job's group stack, exported as
 * `<stack>-host-<job>` (`aws cloudformation list-exports`): the stack's own outputs stay few
 * (CloudFormation allows 200), whatever the number of jobs.
 */
export function hostPolicyOutput(scope: Construct, stack: Stack, jobName: string, host: HostAccessPolicy, description = `Attach to the instance profile of ${jobName}'s hosts`): void {
  new CfnOutput(scope, `HostPolicy-${jobName}`, {
    description,
    value: host.policy.managedPolicyArn,
    exportName: hostPolicyExportName(stack.stackName, jobName),
  });
}
