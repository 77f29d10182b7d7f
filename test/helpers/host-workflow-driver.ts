import { StartExecutionCommand, type SFNClient, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-sfn';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { HostWorkflow } from '../../lib/host-workflow/host-workflow';
import { lambdaContext } from './events';

type Handler = (event: never, context: typeof lambdaContext) => Promise<unknown>;

/**
 * Runs the host workflow the mocked StartExecution last got as its state machine would: the step
 * function invoked with the state again and again until it is done (the Wait states skipped); a
 * step's error fails the execution, as the state machine's Catch does.
 */
export async function driveHostWorkflow(handler: Handler, sfn: AwsStub<ServiceInputTypes, ServiceOutputTypes, SFNClient['config']>): Promise<unknown> {
  const input = sfn.commandCalls(StartExecutionCommand).at(-1)?.args[0].input.input;
  if (!input) throw new Error('no workflow was started');
  let state = JSON.parse(input) as HostWorkflow;
  for (let step = 0; step < 50; step += 1) {
    state = (await handler(state as never, lambdaContext)) as HostWorkflow;
    if (state.done) return state.outcome;
  }
  throw new Error('the workflow did not finish in 50 steps');
}
