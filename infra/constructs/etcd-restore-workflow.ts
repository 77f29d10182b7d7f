import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { ETCD_WORKFLOW_STEPS, onStepFailure, type EtcdWorkflowStep } from '../../lib/restore/etcd-restore-workflow';

export interface EtcdRestoreWorkflowProps {
  /** The function that runs one step (`{plan, step}`) on every member and waits for it. */
  readonly stepFunction: lambda.IFunction;
  /**
   * Longest a whole restore may take.
   * @default Duration.hours(6)
   */
  readonly timeout?: Duration;
}

/**
 * The quorum-loss restore as a state machine, built from ETCD_WORKFLOW_STEPS (the order the local
 * workflow runs too): a failure before the stop abandons the prepared downloads, a failure from
 * the stop to the health check rolls every member back, and a failed revision bump on the healthy
 * restored cluster fails the execution as RevisionNotAdvanced; each way it says where.
 */
export class EtcdRestoreWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: EtcdRestoreWorkflowProps) {
    super(scope, id);
    const invoke = (step: EtcdWorkflowStep) =>
      new tasks.LambdaInvoke(this, `Step-${step}`, {
        stateName: step,
        lambdaFunction: props.stepFunction,
        payload: sfn.TaskInput.fromObject({ plan: sfn.JsonPath.objectAt('$.plan'), step }),
        payloadResponseOnly: true,
        resultPath: `$.results.${step}`,
        retryOnServiceExceptions: true,
        taskTimeout: sfn.Timeout.duration(Duration.minutes(15)),
      });
    const failed = new sfn.Fail(this, 'RestoreFailed', { error: 'RestoreFailed', causePath: sfn.JsonPath.stringAt('$.error.Cause') });
    const rollback = invoke('rollback').next(new sfn.Fail(this, 'RolledBack', { error: 'RestoreRolledBack', causePath: sfn.JsonPath.stringAt('$.error.Cause') }));
    const abandon = invoke('abandon').next(failed);
    (rollback.startState as tasks.LambdaInvoke).addCatch(failed, { resultPath: '$.rollbackError' });
    (abandon.startState as tasks.LambdaInvoke).addCatch(failed, { resultPath: '$.abandonError' });

    const notAdvanced = new sfn.Fail(this, 'RevisionNotAdvanced', { error: 'RevisionNotAdvanced', causePath: sfn.JsonPath.stringAt('$.error.Cause') });
    const handlers = { abandon, rollback, report: notAdvanced };
    const steps = ETCD_WORKFLOW_STEPS.map((step) => invoke(step).addCatch(handlers[onStepFailure(step)], { resultPath: '$.error' }));
    const definition = steps.reduce((chain, step) => chain.next(step), sfn.Chain.start(new sfn.Pass(this, 'Start'))).next(new sfn.Succeed(this, 'Restored'));

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: props.timeout ?? Duration.hours(6),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    acknowledgeWildcards(
      this.stateMachine,
      ['Resource::*', `${nagResource(this, props.stepFunction.functionArn)}:*`],
      'X-Ray and log delivery have no resource-level permissions; invoking the step function\'s versions needs its ARN with :*.',
    );
  }
}
