import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { SfnWorkflowStarter } from '../../lib/adapters/sfn-workflow-starter';
import { loadBundledConfig } from '../../lib/config/load-config';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';
import { restore, restoreEventSchema, type RestoreEvent } from '../../lib/restore/restore';

const env = readLambdaEnvironment();
const config = loadBundledConfig(env.CRONSNAP_CONFIG_FILE);
const { logger } = powertoolsFor('restore');
const { runner, store, now } = awsDependencies(env);
const deps = {
  config,
  store,
  runner,
  now,
  workflows: new SfnWorkflowStarter(new SFNClient({}), env.CRONSNAP_RESTORE_STATE_MACHINE_ARN),
  bucket: env.CRONSNAP_BUCKET,
  documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX,
  // File-set restores run inside this invocation, which Lambda stops at 15 minutes.
  timeoutMs: 13 * 60 * 1000,
  workDir: '/var/tmp',
};

async function run(event: RestoreEvent) {
  logger.info('restore requested', { job: event.job, backup: event.backup, dryRun: event.dryRun });
  const outcome = await restore(event, deps);
  logger.info('restore answered', { job: event.job, kind: outcome.kind });
  return outcome;
}

export const handler = middy(run).use(injectLambdaContext(logger)).use(zodEventParser(restoreEventSchema));
