import type { StartedWorkflow, WorkflowStarter } from '../ports/workflow-starter';
import type { EtcdRestorePlan } from '../restore/etcd-restore-plan';
import { runEtcdRestoreWorkflow, type EtcdStepDeps } from '../restore/etcd-restore-workflow';

/** Runs the restore workflow in this process, step by step as the state machine would. */
export class LocalWorkflowStarter implements WorkflowStarter {
  constructor(private readonly deps: EtcdStepDeps) {}

  async startEtcdRestore(plan: EtcdRestorePlan): Promise<StartedWorkflow> {
    const { results } = await runEtcdRestoreWorkflow(plan, this.deps);
    return { executionId: `local-${plan.job}-${plan.stamp}`, results };
  }
}
