import { Logger } from '@aws-lambda-powertools/logger';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { LambdaHandler, LocalFunctionBinding } from '../../lib/adapters/local-state-machine';
import { SfnHostWorkflowStarter, SfnWorkflowStarter } from '../../lib/adapters/sfn-workflow-starter';
import { SfnStandIn, type LocalStateMachine } from '../../lib/local/sfn-stand-in';
import { standInClient } from '../../lib/local/stand-in-handler';
import type { HostWorkflowInput } from '../../lib/host-workflow/host-workflow';
import type { StartedWorkflow } from '../../lib/ports/workflow-starter';
import type { EtcdRestorePlan } from '../../lib/restore/etcd-restore-plan';
import { etcdStepResults, type StepResult } from '../../lib/restore/etcd-restore-workflow';
import { hostWorkflowDefinition } from '../../lib/state-machines/host-workflow-definition';

export const STEP_FUNCTION_ARN = 'arn:aws:lambda:eu-central-1:123456789012:function:cronsnap-step';
const STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:123456789012:stateMachine:cronsnap-workflow';

export const silentLogger = () => new Logger({ logLevel: 'SILENT' });

/**
 * One state machine executed by the Step Functions stand-in and started through the deployed
 * starters, as the functions start it; each execution followed to its end as the CLI follows it.
 */
export class LocalWorkflows {
  private readonly sfn: SfnStandIn;
  readonly hostWorkflows: SfnHostWorkflowStarter;
  readonly etcdRestores: SfnWorkflowStarter;

  constructor(machine: LocalStateMachine) {
    this.sfn = new SfnStandIn({ [STATE_MACHINE_ARN]: machine });
    const client = standInClient(SFNClient, this.sfn, { region: 'eu-central-1', accessKeyId: 'test-starter' });
    this.hostWorkflows = new SfnHostWorkflowStarter(client, STATE_MACHINE_ARN);
    this.etcdRestores = new SfnWorkflowStarter(client, STATE_MACHINE_ARN);
  }

  /** The started execution's output at its end, or the error its failure stands for. */
  async outputOf(started: StartedWorkflow | Promise<StartedWorkflow>): Promise<unknown> {
    return this.sfn.outputOf((await started).executionId);
  }

  /** A host workflow started and followed to its end. */
  run(workflow: HostWorkflowInput, name: string): Promise<unknown> {
    return this.outputOf(this.hostWorkflows.start(workflow, name));
  }

  /** An etcd restore started and followed to its end: its steps' results. */
  async runEtcd(plan: EtcdRestorePlan): Promise<StepResult[]> {
    return etcdStepResults(await this.outputOf(this.etcdRestores.startEtcdRestore(plan)));
  }
}

/**
 * The host workflow's state machine (hostWorkflowDefinition, as deployed) with its Task bound to
 * `handler`, made once the workflows exist (the function that starts a workflow is its step too).
 */
export function hostWorkflowStarter(handler: () => LambdaHandler, options: { timeoutMs?: number; waitMs?: number } = {}): LocalWorkflows {
  const binding: LocalFunctionBinding = { name: 'cronsnap-step', timeoutMs: options.timeoutMs ?? 900_000, handler: (event, ...rest) => handler()(event, ...rest) };
  return new LocalWorkflows({ definition: hostWorkflowDefinition(STEP_FUNCTION_ARN, 180_000), options: { functions: { [STEP_FUNCTION_ARN]: binding }, waitMs: options.waitMs ?? 0 } });
}
