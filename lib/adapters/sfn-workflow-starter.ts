import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { HostWorkflowInput } from '../host-workflow/host-workflow';
import type { HostWorkflowStarter, StartedWorkflow, WorkflowStarter } from '../ports/workflow-starter';
import type { EtcdRestorePlan } from '../restore/etcd-restore-plan';

/** StartExecution's name: at most 80 of letters, digits, - and _. */
export function executionName(...parts: string[]): string {
  return parts.join('-').replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 80);
}

async function startExecution(client: SFNClient, stateMachineArn: string, name: string, input: unknown): Promise<StartedWorkflow> {
  try {
    const response = await client.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return { executionId: response.executionArn ?? name };
  } catch (error) {
    // The name is taken by another operation (other input), or by this one once it ended: either way nothing starts.
    if (error instanceof ExecutionAlreadyExists) throw new Error(`an execution named ${name} already exists, with other input or already ended`, { cause: error });
    throw error;
  }
}

/** Starts the etcd restore state machine; the execution name makes a retried invocation start nothing new. */
export class SfnWorkflowStarter implements WorkflowStarter<EtcdRestorePlan> {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  startEtcdRestore(plan: EtcdRestorePlan): Promise<StartedWorkflow> {
    return startExecution(this.client, this.stateMachineArn, executionName(plan.job, plan.runId.slice(-10), plan.stamp), { plan });
  }
}

/** Starts a host workflow's state machine (the restore's or the drill's). */
export class SfnHostWorkflowStarter implements HostWorkflowStarter<HostWorkflowInput> {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  start(workflow: HostWorkflowInput, name: string): Promise<StartedWorkflow> {
    return startExecution(this.client, this.stateMachineArn, executionName(name), workflow);
  }
}
