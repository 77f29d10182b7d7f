import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface JobMetricAlarmProps {
  /** The deployment's CloudWatch namespace (lib/deployment/deployment-names.ts). */
  readonly namespace: string;
  /** The job its `job` dimension names. */
  readonly jobName: string;
  /** The function that emits the metric: Powertools adds it as the `service` dimension. */
  readonly service: string;
  readonly metricName: string;
  /** `cloudwatch.Stats.SUM`, `cloudwatch.Stats.MAXIMUM`, ... */
  readonly statistic: string;
  readonly periodSeconds: number;
  readonly threshold: number;
  readonly comparisonOperator: cloudwatch.ComparisonOperator;
  readonly evaluationPeriods: number;
  /** Breaching periods (of `evaluationPeriods`) that fire it. */
  readonly datapointsToAlarm: number;
  readonly description: string;
  /** Where it publishes when it fires. */
  readonly topic: sns.ITopic;
}

/**
 * An alarm on one cronsnap metric of one job, published to the failure topic. Missing data
 * breaches: a function that stopped emitting is as alarming as a bad value.
 */
export function jobMetricAlarm(scope: Construct, id: string, props: JobMetricAlarmProps): cloudwatch.Alarm {
  const alarm = new cloudwatch.Alarm(scope, id, {
    alarmDescription: props.description,
    metric: new cloudwatch.Metric({
      namespace: props.namespace,
      metricName: props.metricName,
      dimensionsMap: { service: props.service, job: props.jobName },
      statistic: props.statistic,
      period: Duration.seconds(props.periodSeconds),
    }),
    threshold: props.threshold,
    comparisonOperator: props.comparisonOperator,
    evaluationPeriods: props.evaluationPeriods,
    datapointsToAlarm: props.datapointsToAlarm,
    treatMissingData: cloudwatch.TreatMissingData.BREACHING,
  });
  alarm.addAlarmAction(new actions.SnsAction(props.topic));
  return alarm;
}
