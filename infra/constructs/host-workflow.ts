import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { MAX_EXECUTION_SECONDS } from '../../lib/host-workflow/command-timeout';
import { tracedStateMachine } from './traced-state-machine';

export interface HostWorkflowProps {
  /**
   * The function each step invokes with the workflow's state (advanceHostWorkflow): the first
   * sends the planned commands, each later one looks at them once and says how long to wait.
   */
  readonly stepFunction: lambda.IFunction;
  /**
   * The state machine's name, fixed so that the function that starts it (the step function
   * itself) can be given its ARN without a dependency cycle.
   */
  readonly stateMachineName: string;
  /**
   * Longest an execution may take.
   * @default SSM's longest execution timeout, plus two hours for delivery and the last steps
   */
  readonly timeout?: Duration;
}

/**
 * A host program followed to its end, however long it runs: step, then the Choice (done?), then
 * a Wait of the state's own waitSeconds, and the step again. No invocation waits for a host, so
 * no function's 15 minutes limit a restore or a drill. A failed step fails the execution with
 * its own error name (RestoreRefusedError, RestoreError) and message.
 */
export class HostWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  /** The ARN the state machine will have, for the functions that start it. */
  static arnFor(scope: Construct, stateMachineName: string): string {
    return Stack.of(scope).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  constructor(scope: Construct, id: string, props: HostWorkflowProps) {
    super(scope, id);
    const step = new tasks.LambdaInvoke(this, 'Step', {
      stateName: 'step',
      lambdaFunction: props.stepFunction,
      payload: sfn.TaskInput.fromJsonPathAt('$'),
      payloadResponseOnly: true,
      retryOnServiceExceptions: true,
      taskTimeout: sfn.Timeout.duration(Duration.minutes(15)),
    });
    step.addCatch(new sfn.Fail(this, 'Failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' }), { resultPath: '$.error' });
    const wait = new sfn.Wait(this, 'Wait', { stateName: 'wait', time: sfn.WaitTime.secondsPath('$.waitSeconds') });
    const done = new sfn.Choice(this, 'Done', { stateName: 'done?' })
      .when(sfn.Condition.booleanEquals('$.done', true), new sfn.Succeed(this, 'Finished', { outputPath: '$.outcome' }))
      .otherwise(wait.next(step));
    this.stateMachine = tracedStateMachine(this, {
      definition: step.next(done),
      timeout: props.timeout ?? Duration.seconds(MAX_EXECUTION_SECONDS + 7200),
      stepFunction: props.stepFunction,
      stateMachineName: props.stateMachineName,
    });
  }
}
