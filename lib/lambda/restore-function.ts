import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { advanceHostWorkflow, hostWorkflowSchema, type HostWorkflow, type HostWorkflowDeps } from '../host-workflow/host-workflow';
import { restore, restoreEventSchema, type RestoreDeps, type RestoreEvent } from '../restore/restore';
import { restoreFinisher } from '../restore/restore-finisher';
import { workflowStepOr, zodEventParser } from './zod-event-parser';

export interface RestoreFunctionDeps {
  /** What planning a restore needs: config, bucket, and the starters of its workflows. */
  readonly restore: RestoreDeps;
  /** What a step of the restore workflow needs: the command runner, the bucket, the clock. */
  readonly step: HostWorkflowDeps;
  readonly logger: Logger;
}

/**
 * The restore function: an operator's restore is planned here and run by the restore workflow,
 * whose every step is this function again. Deployed with AWS's adapters, locally with this
 * machine's, the same handler either way.
 */
export function restoreFunction(deps: RestoreFunctionDeps) {
  const { logger } = deps;
  async function run(event: RestoreEvent | HostWorkflow) {
    if ('commands' in event) {
      const state = await advanceHostWorkflow(event, deps.step, restoreFinisher);
      logger.info('restore workflow step', { operation: state.operation, status: state.status, done: state.done });
      return state;
    }
    logger.info('restore requested', { job: event.job, backup: event.backup, dryRun: event.dryRun });
    const answer = await restore(event, deps.restore);
    logger.info('restore answered', { job: event.job, kind: answer.kind });
    return answer;
  }
  return middy(run).use(injectLambdaContext(logger)).use(zodEventParser(workflowStepOr(hostWorkflowSchema, restoreEventSchema)));
}
