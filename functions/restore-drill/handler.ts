import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { SfnHostWorkflowStarter } from '../../lib/adapters/sfn-workflow-starter';
import { loadBundledConfig } from '../../lib/config/load-config';
import { drillAnswer, drillEventSchema, drillFinisher, runDrill, type DrilledOutcome, type DrillEvent } from '../../lib/drill/run-drill';
import { advanceHostWorkflow, hostWorkflowSchema, type HostWorkflow } from '../../lib/host-workflow/host-workflow';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { workflowStepOr, zodEventParser } from '../../lib/lambda/zod-event-parser';

const env = readLambdaEnvironment();
const { logger, metrics } = powertoolsFor('restore-drill');
const { runner, ...aws } = awsDependencies(env);
const record = { ...aws, config: loadBundledConfig(env.CRONSNAP_CONFIG_FILE), bucket: env.CRONSNAP_BUCKET };
const deps = { ...record, hostWorkflows: new SfnHostWorkflowStarter(new SFNClient({}), env.CRONSNAP_HOST_WORKFLOW_ARN) };
const finisher = drillFinisher(record);
const stepDeps = { runner, store: aws.store, now: aws.now, documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX };

/** The verdict's metrics, which the no-passed-drill alarm watches. */
function measured(outcome: DrilledOutcome): void {
  const { result } = outcome;
  metrics.addDimension('job', result.job);
  metrics.addMetric('DrillPassed', 'Count', result.passed ? 1 : 0);
  metrics.addMetric('DrillRestoreSeconds', 'Seconds', result.restoreSeconds);
  if (outcome.secondsSinceLastPass !== undefined) metrics.addMetric('SecondsSinceLastPassedDrill', 'Seconds', outcome.secondsSinceLastPass);
  if (result.passed) logger.info('drill passed', { result });
  else logger.error('drill failed', { result });
}

/** A scheduled drill is claimed and started here; the drill workflow's every step is this function again, the last one judging it. */
async function run(event: DrillEvent | HostWorkflow, context: Context) {
  if ('commands' in event) {
    const state = await advanceHostWorkflow(event, stepDeps, finisher);
    if (state.done) measured(state.outcome as DrilledOutcome);
    else logger.info('drill workflow step', { operation: state.operation, status: state.status });
    return state;
  }
  const outcome = await runDrill(event, context.awsRequestId, deps);
  if (outcome.kind === 'drilled') measured(outcome);
  else logger.info(outcome.kind === 'duplicate' ? 'drill already run' : 'drill started', { outcome });
  return outcome.kind === 'started' ? outcome : drillAnswer(outcome);
}

export const handler = middy(run)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(zodEventParser(workflowStepOr(hostWorkflowSchema, drillEventSchema)));
