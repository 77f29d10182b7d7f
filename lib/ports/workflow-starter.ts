import type { HostWorkflowInput } from '../host-workflow/host-workflow';
import type { EtcdRestorePlan } from '../restore/etcd-restore-plan';
import type { StepResult } from '../restore/etcd-restore-workflow';

export interface StartedWorkflow {
  /** The Step Functions execution ARN, or a local id. */
  readonly executionId: string;
  /** Filled when the workflow ran to the end before `start` returned (local mode): the etcd steps' results. */
  readonly results?: StepResult[];
  /** Likewise: a host workflow's outcome. */
  readonly output?: unknown;
}

/** Starts the etcd restore (a quorum restore or a member replacement): Step Functions in AWS, in-process locally. */
export interface WorkflowStarter {
  startEtcdRestore(plan: EtcdRestorePlan): Promise<StartedWorkflow>;
}

/**
 * Starts a workflow that sends host commands and follows them to the end, however long the hosts
 * take: Step Functions in AWS, in-process locally. `name` makes a retried start start nothing new.
 */
export interface HostWorkflowStarter {
  start(workflow: HostWorkflowInput, name: string): Promise<StartedWorkflow>;
}
