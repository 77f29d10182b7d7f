import { Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { toEventBridgeSchedule } from '../../lib/schedule/schedule-expression';

export interface JobScheduleProps {
  /** The job the events name: `{job, eventId, scheduledTime, trigger: 'schedule'[, kind]}`. */
  readonly jobName: string;
  /** Crontab, macro or EventBridge expression, as in the config. */
  readonly schedule: string;
  /** IANA zone to run the schedule in; UTC when absent. */
  readonly timezone?: string | undefined;
  readonly enabled: boolean;
  /** What the schedule starts, for its description, e.g. `backup` or `restore drill`. */
  readonly purpose: string;
  /**
   * Sent as the event's `kind`, for a target that starts more than one kind of run.
   * @default - none: the target's main run (a backup, a drill)
   */
  readonly kind?: string;
  /** The function the events go to. */
  readonly target: lambda.IFunction;
  /** Where an event goes when the target cannot be invoked. */
  readonly deadLetterQueue: sqs.IQueue;
}

/**
 * One schedule of a job (its backups, or its restore drills). UTC jobs get an EventBridge rule; a job with a `timezone` gets an
 * EventBridge Scheduler schedule in that zone, because rules are UTC-only and a UTC cron drifts
 * by an hour at every daylight-saving change.
 */
export class JobSchedule extends Construct {
  public readonly rule?: events.Rule;
  public readonly schedule?: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: JobScheduleProps) {
    super(scope, id);
    const expression = toEventBridgeSchedule(props.schedule);
    const description = `cronsnap ${props.purpose} of ${props.jobName} (${props.schedule})`;
    const kind = props.kind === undefined ? {} : { kind: props.kind };

    if (props.timezone === undefined) {
      this.rule = new events.Rule(this, 'Rule', {
        description,
        enabled: props.enabled,
        schedule: events.Schedule.expression(expression),
        targets: [
          new targets.LambdaFunction(props.target, {
            event: events.RuleTargetInput.fromObject({ job: props.jobName, eventId: events.EventField.eventId, scheduledTime: events.EventField.time, trigger: 'schedule', ...kind }),
            deadLetterQueue: props.deadLetterQueue,
            retryAttempts: 2,
          }),
        ],
      });
      return;
    }

    // Only schedules of this account may act as the role (the confused-deputy guard AWS's Scheduler guide gives).
    const role = new iam.Role(this, 'InvokeRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
    });
    props.target.grantInvoke(role);
    acknowledgeWildcards(role, [nagResource(this, `${props.target.functionArn}:*`)], `grantInvoke covers the versions and aliases of the one function the ${props.purpose} schedule invokes.`);
    props.deadLetterQueue.grantSendMessages(role);
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description,
      state: props.enabled ? 'ENABLED' : 'DISABLED',
      scheduleExpression: expression,
      scheduleExpressionTimezone: props.timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.target.functionArn,
        roleArn: role.roleArn,
        // Scheduler gives every attempt a new execution-id, so a retry would claim a new run: the
        // event id is the schedule and its scheduled time, the same for every attempt of one firing.
        input: JSON.stringify({
          job: props.jobName,
          eventId: `${scheduler.ContextAttribute.scheduleArn}@${scheduler.ContextAttribute.scheduledTime}`,
          scheduledTime: scheduler.ContextAttribute.scheduledTime,
          trigger: 'schedule',
          ...kind,
        }),
        retryPolicy: { maximumRetryAttempts: 2 },
        deadLetterConfig: { arn: props.deadLetterQueue.queueArn },
      },
    });
  }
}
