import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { tracedStateMachine } from './traced-state-machine';
import { ETCD_REPLACE_STEPS, ETCD_WORKFLOW_STEPS, onStepFailure, type EtcdWorkflowStep } from '../../lib/restore/etcd-restore-workflow';

export interface EtcdRestoreWorkflowProps {
  /** The function that runs one step (`{plan, step}`) on every member it concerns and waits for it. */
  readonly stepFunction: lambda.IFunction;
  /**
   * Longest a whole restore may take.
   * @default Duration.hours(6)
   */
  readonly timeout?: Duration;
}

/**
 * The etcd restores as a state machine: a member replacement runs ETCD_REPLACE_STEPS and stops
 * where one fails; the quorum-loss restore runs ETCD_WORKFLOW_STEPS (the order the local workflow
 * runs too): a failure before the stop abandons the prepared downloads, a failure from
 * the stop to the health check rolls every member back, and a failed revision bump on the healthy
 * restored cluster fails the execution as RevisionNotAdvanced; each way it says where.
 */
export class EtcdRestoreWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: EtcdRestoreWorkflowProps) {
    super(scope, id);
    // A replacement's steps share some names with the quorum restore's; state names must be unique.
    const invoke = (step: EtcdWorkflowStep, branch = '') =>
      new tasks.LambdaInvoke(this, `Step-${branch}${step}`, {
        stateName: `${branch}${step}`,
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
    const quorum = steps.reduce((chain, step) => chain.next(step), sfn.Chain.start(new sfn.Pass(this, 'Start'))).next(new sfn.Succeed(this, 'Restored'));
    // Membership changes are not undone blindly: a failed replacement stops where it failed, the old data dir kept.
    const replaceFailed = new sfn.Fail(this, 'ReplaceFailed', { error: 'ReplaceFailed', causePath: sfn.JsonPath.stringAt('$.error.Cause') });
    const replace = ETCD_REPLACE_STEPS.map((step) => invoke(step, 'replace-').addCatch(replaceFailed, { resultPath: '$.error' }));
    const replacement = replace.reduce((chain, step) => chain.next(step), sfn.Chain.start(new sfn.Pass(this, 'Replace'))).next(new sfn.Succeed(this, 'Replaced'));
    const definition = new sfn.Choice(this, 'Kind', { stateName: 'kind?' })
      .when(sfn.Condition.stringEquals('$.plan.kind', 'etcd-member-replace'), replacement)
      .otherwise(quorum);

    this.stateMachine = tracedStateMachine(this, { definition, timeout: props.timeout ?? Duration.hours(6), stepFunction: props.stepFunction });
  }
}
