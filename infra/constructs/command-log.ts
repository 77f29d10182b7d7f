import { RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface CommandLogProps {
  /** The group's name, the deployment's own (lib/deployment/deployment-names.ts): two deployments in a region never share it. */
  readonly logGroupName: string;
  /**
   * How long the hosts' output is kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly retention?: logs.RetentionDays;
}

/**
 * The log group the hosts write every command's output to (SendCommand's CloudWatchOutputConfig),
 * whole, where SSM keeps only its first 24,000 characters. CloudWatch Logs encrypts it at rest with
 * a key of its own: the backup key is left out, since the copy's stack may only name another
 * account's key, and the hosts' writes would then depend on a grant no test can see work.
 */
export class CommandLog extends Construct {
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CommandLogProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Group', {
      logGroupName: props.logGroupName,
      retention: props.retention ?? logs.RetentionDays.THREE_MONTHS,
      // Its name is the stack's: a group kept after the stack is deleted would stop a deployment of
      // that name from being created again. What ran stays in the bucket's manifests and reports.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
