import type { EtcdRestorePlan } from '../restore/etcd-restore-plan';
import type { StepResult } from '../restore/etcd-restore-workflow';

export interface StartedWorkflow {
  /** The Step Functions execution ARN, or a local id. */
  readonly executionId: string;
  /** Filled when the workflow ran to the end before `start` returned (local mode). */
  readonly results?: StepResult[];
}

/** Starts the multi-member etcd restore: Step Functions in AWS, in-process locally. */
export interface WorkflowStarter {
  startEtcdRestore(plan: EtcdRestorePlan): Promise<StartedWorkflow>;
}
