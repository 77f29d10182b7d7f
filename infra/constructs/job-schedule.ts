import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { toEventBridgeSchedule } from '../../lib/schedule/schedule-expression';
import type { ScheduleInvoker } from './schedule-invoker';

export interface JobScheduleProps {
  /** The job the events name: `{job, eventId, scheduledTime, trigger: 'schedule'[, kind]}`. */
  readonly jobName: string;
  /** Crontab, macro or EventBridge expression, as in the config. */
  readonly schedule: string;
  /**
   * IANA zone to run the schedule in.
   * @default 'UTC'
   */
  readonly timezone?: string | undefined;
  readonly enabled: boolean;
  /** What the schedule starts, for its description, e.g. `backup` or `restore drill`. */
  readonly purpose: string;
  /**
   * Sent as the event's `kind`, for a target that starts more than one kind of run.
   * @default - none: the target's main run (a backup, a drill)
   */
  readonly kind?: string;
  /** The function the events go to; `invoker` must be allowed to invoke it. */
  readonly target: lambda.IFunction;
  /** The schedule group and role every job schedule fires through. */
  readonly invoker: ScheduleInvoker;
}

/**
 * One schedule of a job (its backups, its log shipping, or its restore drills): an EventBridge
 * Scheduler schedule in the job's zone (UTC by default, where a UTC cron would drift by an hour at
 * every daylight-saving change elsewhere), fired through the stack's one ScheduleInvoker.
 */
export class JobSchedule extends Construct {
  public readonly schedule: scheduler.CfnSchedule;

  constructor(scope: Construct, id: string, props: JobScheduleProps) {
    super(scope, id);
    const kind = props.kind === undefined ? {} : { kind: props.kind };
    this.schedule = new scheduler.CfnSchedule(this, 'Schedule', {
      description: `cronsnap ${props.purpose} of ${props.jobName} (${props.schedule})`,
      groupName: props.invoker.group.ref,
      state: props.enabled ? 'ENABLED' : 'DISABLED',
      scheduleExpression: toEventBridgeSchedule(props.schedule),
      scheduleExpressionTimezone: props.timezone ?? 'UTC',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: props.target.functionArn,
        roleArn: props.invoker.role.roleArn,
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
        deadLetterConfig: { arn: props.invoker.deadLetterQueue.queueArn },
      },
    });
  }
}
