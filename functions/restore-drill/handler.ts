import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadBundledConfig } from '../../lib/config/load-config';
import { drillAnswer, drillEventSchema, runDrill, type DrillEvent } from '../../lib/drill/run-drill';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';

const env = readLambdaEnvironment();
const { logger, metrics } = powertoolsFor('restore-drill');
const deps = {
  ...awsDependencies(env),
  config: loadBundledConfig(env.CRONSNAP_CONFIG_FILE),
  bucket: env.CRONSNAP_BUCKET,
  documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX,
  // The drill runs inside this invocation, which Lambda stops at 15 minutes.
  timeoutMs: 13 * 60 * 1000,
};

async function run(event: DrillEvent, context: Context) {
  const outcome = await runDrill(event, context.awsRequestId, deps);
  if (outcome.kind === 'duplicate') {
    logger.info('drill already run', { outcome });
    return outcome;
  }
  const { result } = outcome;
  metrics.addDimension('job', result.job);
  metrics.addMetric('DrillPassed', 'Count', result.passed ? 1 : 0);
  metrics.addMetric('DrillRestoreSeconds', 'Seconds', result.restoreSeconds);
  if (outcome.secondsSinceLastPass !== undefined) metrics.addMetric('SecondsSinceLastPassedDrill', 'Seconds', outcome.secondsSinceLastPass);
  if (result.passed) logger.info('drill passed', { result });
  else logger.error('drill failed', { result });
  return drillAnswer(outcome);
}

export const handler = middy(run)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(zodEventParser(drillEventSchema));
