import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ETCD_RESTORE_TIMEOUT_SECONDS } from '../../lib/restore/etcd-restore-workflow';
import { etcdRestoreDefinition } from '../../lib/state-machines/etcd-restore-definition';
import { tracedStateMachine } from './traced-state-machine';

export interface EtcdRestoreWorkflowProps {
  /** The function that runs one step (`{plan, step}`) on every member it concerns and waits for it. */
  readonly stepFunction: lambda.IFunction;
  /**
   * Longest a whole restore may take.
   * @default ETCD_RESTORE_TIMEOUT_SECONDS: every phase of the longest path at its command's deadline, plus an hour
   */
  readonly timeout?: Duration;
}

/** The etcd restores as a state machine (etcdRestoreDefinition), traced and logged. */
export class EtcdRestoreWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: EtcdRestoreWorkflowProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(ETCD_RESTORE_TIMEOUT_SECONDS);
    this.stateMachine = tracedStateMachine(this, { definition: etcdRestoreDefinition(props.stepFunction.functionArn, timeout.toSeconds()), stepFunction: props.stepFunction });
  }
}
