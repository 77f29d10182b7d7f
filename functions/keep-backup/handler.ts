import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadBundledConfig } from '../../lib/config/load-config';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';
import { keepBackup, keepEventSchema, type KeepEvent } from '../../lib/retention/backup-keeps';

const env = readLambdaEnvironment();
const config = loadBundledConfig(env.CRONSNAP_CONFIG_FILE);
const { logger } = powertoolsFor('keep-backup');
const { store, now } = awsDependencies(env);

/** An operator keeps a run beyond retention, or ends the keep. Lambda is not told who invoked it: CloudTrail's Invoke record with this request id is. */
async function run(event: KeepEvent, context: Context) {
  const outcome = await keepBackup(event, { config, store, now, caller: `keep-backup request ${context.awsRequestId}` });
  logger.info('keep changed', { outcome });
  return outcome;
}

export const handler = middy(run).use(injectLambdaContext(logger)).use(zodEventParser(keepEventSchema));
