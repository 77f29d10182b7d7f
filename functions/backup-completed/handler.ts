import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { completeBackup } from '../../lib/backup/complete-backup';
import { storedBytes } from '../../lib/backup/manifest';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';
import { statusChangeEventSchema, type StatusChangeEvent } from '../../lib/ssm/status-change-event';

const env = readLambdaEnvironment();
const { logger, metrics } = powertoolsFor('backup-completed');
const deps = awsDependencies(env);

async function run(event: StatusChangeEvent) {
  const outcome = await completeBackup(event, deps);
  if (outcome.kind === 'duplicate') {
    logger.info('completion already handled', { outcome });
    return outcome;
  }
  metrics.addDimension('job', outcome.job);
  if (outcome.kind === 'succeeded') {
    logger.info('backup succeeded', { job: outcome.job, runId: outcome.runId, host: outcome.host, payload: outcome.manifest.payload });
    metrics.addMetric('BackupSucceeded', 'Count', 1);
    metrics.addMetric('BackupDurationSeconds', 'Seconds', outcome.durationSeconds);
    metrics.addMetric('BackupBytes', 'Bytes', storedBytes(outcome.manifest));
    metrics.addMetric('BackupAgeSeconds', 'Seconds', outcome.ageSeconds);
  } else {
    logger.error('backup failed', { outcome });
    metrics.addMetric('BackupFailed', 'Count', 1);
  }
  return { kind: outcome.kind, job: outcome.job, runId: outcome.runId, host: outcome.host };
}

export const handler = middy(run)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(zodEventParser(statusChangeEventSchema));
