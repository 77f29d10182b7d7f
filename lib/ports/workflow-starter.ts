export interface StartedWorkflow {
  /** The Step Functions execution ARN. */
  readonly executionId: string;
}

/**
 * Starts the etcd restore (a quorum restore or a member replacement) as a Step Functions
 * execution; `Plan` is the restore's plan, the execution's input.
 */
export interface WorkflowStarter<Plan> {
  startEtcdRestore(plan: Plan): Promise<StartedWorkflow>;
}

/**
 * Starts a workflow that sends host commands and follows them to the end, however long the hosts
 * take, as a Step Functions execution; `Workflow` is its input, which each step passes on. `name`
 * makes a retried start start nothing new.
 */
export interface HostWorkflowStarter<Workflow> {
  start(workflow: Workflow, name: string): Promise<StartedWorkflow>;
}
