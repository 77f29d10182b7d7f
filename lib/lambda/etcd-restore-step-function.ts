import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { etcdRestoreStepEventSchema, type EtcdRestoreStepEvent } from '../restore/etcd-restore-step-event';
import { advanceEtcdRestoreStep, type EtcdStepDeps } from '../restore/etcd-restore-workflow';
import { zodEventParser } from './zod-event-parser';

export interface EtcdRestoreStepFunctionDeps {
  readonly step: EtcdStepDeps;
  readonly logger: Logger;
}

/**
 * The etcd restore workflow's step function: one look at a step (`{plan, step, progress}`) on
 * every member it concerns, sending its commands the first time; it never waits for a host.
 */
export function etcdRestoreStepFunction(deps: EtcdRestoreStepFunctionDeps) {
  const { logger } = deps;
  async function run(event: EtcdRestoreStepEvent) {
    const advance = await advanceEtcdRestoreStep(event.plan, event.step, event.progress, deps.step, 'failure' in event ? event.failure : undefined);
    if (advance.done) logger.info('etcd restore step done', { job: event.plan.job, step: event.step, members: advance.result.members.map((member) => member.member) });
    else logger.info('etcd restore step', { job: event.plan.job, step: event.step, status: advance.status });
    return advance;
  }
  return middy(run).use(injectLambdaContext(logger)).use(zodEventParser(etcdRestoreStepEventSchema));
}
