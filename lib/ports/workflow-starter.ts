import type { HostWorkflowInput } from '../host-workflow/host-workflow';
import type { EtcdRestorePlan } from '../restore/etcd-restore-plan';

export interface StartedWorkflow {
  /** The Step Functions execution ARN. */
  readonly executionId: string;
}

/** Starts the etcd restore (a quorum restore or a member replacement) as a Step Functions execution. */
export interface WorkflowStarter {
  startEtcdRestore(plan: EtcdRestorePlan): Promise<StartedWorkflow>;
}

/**
 * Starts a workflow that sends host commands and follows them to the end, however long the hosts
 * take, as a Step Functions execution. `name` makes a retried start start nothing new.
 */
export interface HostWorkflowStarter {
  start(workflow: HostWorkflowInput, name: string): Promise<StartedWorkflow>;
}
