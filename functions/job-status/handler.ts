import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { loadBundledConfig } from '../../lib/config/load-config';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';
import { jobStatuses, statusEventSchema, type StatusEvent } from '../../lib/status/job-status';

const env = readLambdaEnvironment();
const config = loadBundledConfig(env.CRONSNAP_CONFIG_FILE);
const { logger } = powertoolsFor('job-status');
const { store } = awsDependencies(env);

async function run(event: StatusEvent) {
  const statuses = await jobStatuses(event, { config, store, now: () => new Date() });
  logger.info('job status', { jobs: statuses.length, behind: statuses.filter((status) => status.enabled && !status.withinRpo).map((status) => status.job) });
  return statuses;
}

export const handler = middy(run).use(injectLambdaContext(logger)).use(zodEventParser(statusEventSchema));
