import { Logger } from '@aws-lambda-powertools/logger';
import { LocalHostWorkflowStarter } from '../../lib/adapters/local-workflow-starter';
import type { LambdaHandler, LocalFunctionBinding } from '../../lib/adapters/local-state-machine';
import { hostWorkflowDefinition } from '../../lib/state-machines/host-workflow-definition';

export const STEP_FUNCTION_ARN = 'arn:aws:lambda:eu-central-1:123456789012:function:cronsnap-step';

export const silentLogger = () => new Logger({ logLevel: 'SILENT' });

/**
 * The host workflow's state machine run here (hostWorkflowDefinition, as deployed) with its Task
 * bound to `handler`, made once the starter exists (the function that starts a workflow is its step too).
 */
export function hostWorkflowStarter(handler: () => LambdaHandler, options: { timeoutMs?: number; waitMs?: number } = {}): LocalHostWorkflowStarter {
  const binding: LocalFunctionBinding = { name: 'cronsnap-step', timeoutMs: options.timeoutMs ?? 900_000, handler: (event, ...rest) => handler()(event, ...rest) };
  return new LocalHostWorkflowStarter({ definition: hostWorkflowDefinition(STEP_FUNCTION_ARN, 180_000), options: { functions: { [STEP_FUNCTION_ARN]: binding }, waitMs: options.waitMs ?? 0 } });
}
