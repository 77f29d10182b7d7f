import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';

export interface ScheduleInvokerProps {
  /** Where a firing goes when its function cannot be invoked; the invoker's role may send to it. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * What every job schedule of the stack fires through: one EventBridge Scheduler schedule group
 * and one execution role. Whatever the number of jobs, the role holds one statement per function
 * it may invoke and one for the dead-letter queue, and no function or queue policy grows with
 * the jobs (an EventBridge rule per job would add a statement to each of both).
 */
export class ScheduleInvoker extends Construct {
  /** The group every job schedule belongs to, named after the stack. */
  public readonly group: scheduler.CfnScheduleGroup;
  /** The role Scheduler assumes, for this account's schedules in the group only. */
  public readonly role: iam.Role;
  public readonly deadLetterQueue: sqs.IQueue;

  constructor(scope: Construct, id: string, props: ScheduleInvokerProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.group = new scheduler.CfnScheduleGroup(this, 'Group', { name: stack.stackName });
    // The confused-deputy guard of the Scheduler guide: this account's schedules of this group.
    // Scheduler names the schedule group, not the schedule, as the source of the role's use.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': this.group.attrArn } },
      }),
    });
    this.deadLetterQueue = props.deadLetterQueue;
    props.deadLetterQueue.grantSendMessages(this.role);
  }

  /** Lets the schedules invoke `fn`. */
  invokes(fn: lambda.IFunction): void {
    fn.grantInvoke(this.role);
    acknowledgeWildcards(this.role, [nagResource(this, `${fn.functionArn}:*`)], `grantInvoke covers the versions and aliases of ${fn.node.path}, which the job schedules invoke.`);
  }
}
