import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import { SfnHostWorkflowStarter, SfnWorkflowStarter } from '../../lib/adapters/sfn-workflow-starter';
import { loadBundledConfig } from '../../lib/config/load-config';
import { advanceHostWorkflow, hostWorkflowSchema, type HostWorkflow } from '../../lib/host-workflow/host-workflow';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { workflowStepOr, zodEventParser } from '../../lib/lambda/zod-event-parser';
import { restore, restoreEventSchema, type RestoreEvent } from '../../lib/restore/restore';
import { restoreFinisher } from '../../lib/restore/restore-finisher';

const env = readLambdaEnvironment();
const config = loadBundledConfig(env.CRONSNAP_CONFIG_FILE);
const { logger } = powertoolsFor('restore');
const { runner, store, now } = awsDependencies(env);
const sfn = new SFNClient({});
const deps = {
  config,
  store,
  now,
  workflows: new SfnWorkflowStarter(sfn, env.CRONSNAP_RESTORE_STATE_MACHINE_ARN),
  hostWorkflows: new SfnHostWorkflowStarter(sfn, env.CRONSNAP_HOST_WORKFLOW_ARN),
  bucket: env.CRONSNAP_BUCKET,
  bucketRole: env.CRONSNAP_BUCKET_ROLE,
  workDir: '/var/tmp',
};
const stepDeps = { runner, store, now, documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX };

/** An operator's restore is planned here and run by the restore workflow, whose every step is this function again. */
async function run(event: RestoreEvent | HostWorkflow) {
  if ('commands' in event) {
    const state = await advanceHostWorkflow(event, stepDeps, restoreFinisher);
    logger.info('restore workflow step', { operation: state.operation, status: state.status, done: state.done });
    return state;
  }
  logger.info('restore requested', { job: event.job, backup: event.backup, dryRun: event.dryRun });
  const answer = await restore(event, deps);
  logger.info('restore answered', { job: event.job, kind: answer.kind });
  return answer;
}

export const handler = middy(run).use(injectLambdaContext(logger)).use(zodEventParser(workflowStepOr(hostWorkflowSchema, restoreEventSchema)));
