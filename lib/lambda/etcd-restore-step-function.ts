import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { etcdRestoreStepEventSchema, type EtcdRestoreStepEvent } from '../restore/etcd-restore-step-event';
import { cleanUpAfterFailure, runEtcdRestoreStep, type EtcdStepDeps } from '../restore/etcd-restore-workflow';
import { zodEventParser } from './zod-event-parser';

export interface EtcdRestoreStepFunctionDeps {
  readonly step: EtcdStepDeps;
  readonly logger: Logger;
}

/** The etcd restore workflow's step function: one step (`{plan, step}`) on every member it concerns. */
export function etcdRestoreStepFunction(deps: EtcdRestoreStepFunctionDeps) {
  const { logger } = deps;
  async function run(event: EtcdRestoreStepEvent) {
    logger.info('etcd restore step', { job: event.plan.job, runId: event.plan.runId, step: event.step });
    const result = 'failure' in event ? await cleanUpAfterFailure(event.plan, event.step, event.failure, deps.step) : await runEtcdRestoreStep(event.plan, event.step, deps.step);
    logger.info('etcd restore step done', { step: event.step, members: result.members.map((member) => member.member) });
    return result;
  }
  return middy(run).use(injectLambdaContext(logger)).use(zodEventParser(etcdRestoreStepEventSchema));
}
