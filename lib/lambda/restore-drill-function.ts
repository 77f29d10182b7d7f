import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { drillAnswer, drillEventSchema, drillFinisher, runDrill, type DrillDeps, type DrilledOutcome, type DrillEvent } from '../drill/run-drill';
import { advanceHostWorkflow, hostWorkflowSchema, type HostWorkflow, type HostWorkflowDeps } from '../host-workflow/host-workflow';
import { workflowStepOr, zodEventParser } from './zod-event-parser';

export interface RestoreDrillFunctionDeps {
  /** What claiming, starting and judging a drill needs. */
  readonly drill: DrillDeps;
  /** What a step of the drill workflow needs: the command runner and the document prefix. */
  readonly step: Pick<HostWorkflowDeps, 'runner' | 'documentPrefix'>;
  readonly logger: Logger;
  /**
   * The verdict's metrics, which the no-passed-drill alarm watches.
   * @default - none: the verdict is only logged (the local mode has no CloudWatch)
   */
  readonly metrics?: Metrics;
}

/**
 * The restore-drill function: a scheduled drill is claimed and started here; the drill
 * workflow's every step is this function again, the last one judging it.
 */
export function restoreDrillFunction(deps: RestoreDrillFunctionDeps) {
  const { logger, metrics } = deps;
  const finisher = drillFinisher(deps.drill);
  const stepDeps = { ...deps.step, store: deps.drill.store, now: deps.drill.now };

  function measured(outcome: DrilledOutcome): void {
    const { result } = outcome;
    if (metrics) {
      metrics.addDimension('job', result.job);
      metrics.addMetric('DrillPassed', 'Count', result.passed ? 1 : 0);
      metrics.addMetric('DrillRestoreSeconds', 'Seconds', result.restoreSeconds);
      if (outcome.secondsSinceLastPass !== undefined) metrics.addMetric('SecondsSinceLastPassedDrill', 'Seconds', outcome.secondsSinceLastPass);
    }
    if (result.passed) logger.info('drill passed', { result });
    else logger.error('drill failed', { result });
  }

  async function run(event: DrillEvent | HostWorkflow, context: Context) {
    if ('commands' in event) {
      const state = await advanceHostWorkflow(event, stepDeps, finisher);
      if (state.done) measured(state.outcome as DrilledOutcome);
      else logger.info('drill workflow step', { operation: state.operation, status: state.status });
      return state;
    }
    const outcome = await runDrill(event, context.awsRequestId, deps.drill);
    if (outcome.kind === 'drilled') measured(outcome);
    else logger.info(outcome.kind === 'duplicate' ? 'drill already run' : 'drill started', { outcome });
    return outcome.kind === 'started' ? outcome : drillAnswer(outcome);
  }

  const handler = middy(run).use(injectLambdaContext(logger));
  if (metrics) handler.use(logMetrics(metrics));
  return handler.use(zodEventParser(workflowStepOr(hostWorkflowSchema, drillEventSchema)));
}
