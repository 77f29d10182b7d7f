import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { StartedWorkflow, WorkflowStarter } from '../ports/workflow-starter';
import type { EtcdRestorePlan } from '../restore/etcd-restore-plan';

/** Starts the etcd restore state machine; the execution name makes a retried invocation start nothing new. */
export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async startEtcdRestore(plan: EtcdRestorePlan): Promise<StartedWorkflow> {
    const name = `${plan.job}-${plan.runId.slice(-10)}-${plan.stamp}`;
    try {
      const response = await this.client.send(new StartExecutionCommand({ stateMachineArn: this.stateMachineArn, name, input: JSON.stringify({ plan }) }));
      return { executionId: response.executionArn ?? name };
    } catch (error) {
      // Same name, different input: a different restore under the same name, which must not start.
      if (error instanceof ExecutionAlreadyExists) throw new Error(`a restore execution named ${name} already exists with other input`, { cause: error });
      throw error;
    }
  }
}
