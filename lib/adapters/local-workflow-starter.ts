import type { HostWorkflowInput } from '../host-workflow/host-workflow';
import type { HostWorkflowStarter, StartedWorkflow, WorkflowStarter } from '../ports/workflow-starter';
import type { EtcdRestorePlan } from '../restore/etcd-restore-plan';
import { etcdStepResults } from '../restore/etcd-restore-workflow';
import type { AslDefinition } from '../state-machines/asl';
import { executeLocally, type LocalExecutionOptions } from './local-state-machine';

/** A deployed state machine's definition run in this process, each Task's function bound to its handler here. */
export interface LocalStateMachine {
  readonly definition: AslDefinition;
  readonly options: LocalExecutionOptions;
}

/** Starts a host workflow's state machine (the restore's or the drill's) and runs it to its end. */
export class LocalHostWorkflowStarter implements HostWorkflowStarter {
  constructor(private readonly machine: LocalStateMachine) {}

  async start(workflow: HostWorkflowInput, name: string): Promise<StartedWorkflow> {
    const output = await executeLocally(this.machine.definition, workflow, name, this.machine.options);
    return { executionId: `local-${name}`, output };
  }
}

/** Starts the etcd restore state machine and runs it to its end; its steps' results in the order they ran. */
export class LocalWorkflowStarter implements WorkflowStarter {
  constructor(private readonly machine: LocalStateMachine) {}

  async startEtcdRestore(plan: EtcdRestorePlan): Promise<StartedWorkflow> {
    const name = `${plan.job}-${plan.stamp}`;
    const output = await executeLocally(this.machine.definition, { plan }, name, this.machine.options);
    return { executionId: `local-${name}`, results: etcdStepResults(output) };
  }
}
