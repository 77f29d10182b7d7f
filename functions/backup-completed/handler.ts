import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { completeBackup, type JudgedSuccess, type RetentionOutcome } from '../../lib/backup/complete-backup';
import { loadBundledConfig } from '../../lib/config/load-config';
import { storedBytes } from '../../lib/catalog/manifest';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';
import { statusChangeEventSchema, type StatusChangeEvent } from '../../lib/ssm/status-change-event';

const env = readLambdaEnvironment();
const { logger, metrics } = powertoolsFor('backup-completed');

/** A success's metrics, published the moment it is judged: pruning comes after, and may run long. */
function publishSuccess(success: JudgedSuccess): void {
  metrics.addDimension('job', success.job);
  metrics.addMetric('BackupSucceeded', 'Count', 1);
  metrics.addMetric('BackupDurationSeconds', 'Seconds', success.durationSeconds);
  metrics.addMetric('BackupBytes', 'Bytes', storedBytes(success.manifest));
  metrics.addMetric('BackupAgeSeconds', 'Seconds', success.ageSeconds);
  metrics.publishStoredMetrics();
}

const deps = {
  ...awsDependencies(env),
  config: loadBundledConfig(env.CRONSNAP_CONFIG_FILE),
  onSucceeded: publishSuccess,
  commandLog: { region: env.AWS_REGION, name: env.CRONSNAP_COMMAND_LOG_GROUP },
};

function logRetention(retention: RetentionOutcome): void {
  if (retention.kind === 'pruned') {
    logger.info('retention applied', { deleted: retention.deleted, locked: retention.locked, invalid: retention.invalid, kept: retention.kept.length });
    metrics.addMetric('BackupsPruned', 'Count', retention.deleted.length);
  } else if (retention.kind === 'held') {
    logger.warn('retention held', { reason: retention.reason });
  } else {
    logger.error('retention failed', { reason: retention.reason });
  }
}

async function run(event: StatusChangeEvent) {
  const outcome = await completeBackup(event, deps);
  if (outcome.kind === 'duplicate') {
    logger.info('completion already handled', { outcome });
    return outcome;
  }
  metrics.addDimension('job', outcome.job);
  if (outcome.kind === 'succeeded') {
    logger.info('backup succeeded', { job: outcome.job, runId: outcome.runId, host: outcome.host, payload: outcome.manifest.payload });
    logRetention(outcome.retention);
  } else if (outcome.kind === 'shipped') {
    logger.info('binary logs shipped', { job: outcome.job, runId: outcome.runId, shipped: outcome.manifest.shipped, chain: outcome.chain });
    metrics.addMetric('BinlogsShipped', 'Count', outcome.manifest.shipped.length);
  } else if (outcome.kind === 'wal-shipped') {
    const { shipped, slot, slotRetainedBytes } = outcome.manifest;
    logger.info('WAL shipped', { job: outcome.job, runId: outcome.runId, shipped, slot, slotRetainedBytes, chain: outcome.chain });
    metrics.addMetric('WalShippingSucceeded', 'Count', 1);
    metrics.addMetric('WalSegmentsShipped', 'Count', shipped.length);
    metrics.addMetric('WalSlotRetainedBytes', 'Bytes', slotRetainedBytes);
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
