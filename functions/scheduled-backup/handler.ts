import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { scheduledBackupEventSchema, startBackup, type ScheduledBackupEvent } from '../../lib/backup/start-backup';
import { loadBundledConfig } from '../../lib/config/load-config';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';

const env = readLambdaEnvironment();
const config = loadBundledConfig(env.CRONSNAP_CONFIG_FILE);
const { logger, metrics } = powertoolsFor('scheduled-backup');
const deps = {
  config,
  ...awsDependencies(env),
  bucket: env.CRONSNAP_BUCKET,
  kmsKeyId: env.CRONSNAP_KMS_KEY_ID,
  documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX,
};

async function run(event: ScheduledBackupEvent, context: Context) {
  // A manual invocation has no EventBridge id; Lambda's request id is stable across its retries.
  const outcome = await startBackup(event, context.awsRequestId, deps);
  logger.info('backup start', { outcome });
  metrics.addDimension('job', outcome.job);
  metrics.addMetric(outcome.kind === 'started' ? 'BackupStarted' : 'BackupStartSkipped', 'Count', 1);
  return outcome;
}

export const handler = middy(run)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(zodEventParser(scheduledBackupEventSchema));
