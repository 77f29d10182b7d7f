import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';
import { etcdRestoreStepEventSchema, type EtcdRestoreStepEvent } from '../../lib/restore/etcd-restore-step-event';
import { runEtcdRestoreStep } from '../../lib/restore/etcd-restore-workflow';

const env = readLambdaEnvironment();
const { logger } = powertoolsFor('etcd-restore-step');
const { runner, store, now } = awsDependencies(env);
const deps = {
  runner,
  store,
  now,
  bucket: env.CRONSNAP_BUCKET,
  documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX,
  // One step per invocation; Lambda stops at 15 minutes, the state machine spans as many as it needs.
  timeoutMs: 14 * 60 * 1000,
};

async function run(event: EtcdRestoreStepEvent) {
  logger.info('etcd restore step', { job: event.plan.job, runId: event.plan.runId, step: event.step });
  const result = await runEtcdRestoreStep(event.plan, event.step, deps);
  logger.info('etcd restore step done', { step: event.step, members: result.members.map((member) => member.member) });
  return result;
}

export const handler = middy(run).use(injectLambdaContext(logger)).use(zodEventParser(etcdRestoreStepEventSchema));
