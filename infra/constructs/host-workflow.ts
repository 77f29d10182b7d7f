import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { HOST_WORKFLOW_TIMEOUT_SECONDS } from '../../lib/host-workflow/command-timeout';
import { hostWorkflowDefinition } from '../../lib/state-machines/host-workflow-definition';
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

/** A host program followed to its end, however long it runs (hostWorkflowDefinition), traced and logged. */
export class HostWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  /** The ARN the state machine will have, for the functions that start it. */
  static arnFor(scope: Construct, stateMachineName: string): string {
    return Stack.of(scope).formatArn({ service: 'states', resource: 'stateMachine', resourceName: stateMachineName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  constructor(scope: Construct, id: string, props: HostWorkflowProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(HOST_WORKFLOW_TIMEOUT_SECONDS);
    this.stateMachine = tracedStateMachine(this, {
      definition: hostWorkflowDefinition(props.stepFunction.functionArn, timeout.toSeconds()),
      stepFunction: props.stepFunction,
      stateMachineName: props.stateMachineName,
    });
  }
}
