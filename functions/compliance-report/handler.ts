import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { S3ObjectStore } from '../../lib/adapters/s3-object-store';
import { buildComplianceReport } from '../../lib/compliance/compliance-report';
import { objectCreatedEventSchema, type ObjectCreatedEvent } from '../../lib/compliance/object-created-event';
import { loadBundledConfig } from '../../lib/config/load-config';
import { InvalidEventError } from '../../lib/errors';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';

const env = readLambdaEnvironment();
const config = loadBundledConfig(env.CRONSNAP_CONFIG_FILE);
const { logger, metrics } = powertoolsFor('compliance-report');
// The backup bucket is read only for the manifests of jobs that ship binary logs.
const { notifier, now, store: backups } = awsDependencies(env);
// The reports bucket encrypts with its own default; no KMS key is named on writes.
const reports = new S3ObjectStore(new S3Client({}), env.CRONSNAP_REPORTS_BUCKET, '');

async function run(event: ObjectCreatedEvent) {
  if (event.detail.bucket.name !== env.CRONSNAP_REPORTS_BUCKET) {
    throw new InvalidEventError(`event.detail.bucket.name: ${event.detail.bucket.name} is not the reports bucket ${env.CRONSNAP_REPORTS_BUCKET}`);
  }
  const { report, keys } = await buildComplianceReport(event.detail.object.key, { config, reports, backupBucket: env.CRONSNAP_BUCKET, backups, now });
  for (const job of report.jobs) {
    const metric = metrics.singleMetric();
    metric.addDimension('job', job.job);
    metric.addMetric('ComplianceViolations', 'Count', job.checks.filter((check) => !check.ok).length);
    if (job.newestBackup) metric.addMetric('NewestBackupAgeSeconds', 'Seconds', job.newestBackup.ageSeconds);
    // The drill alarm of jobs drilled less often than every 3.5 days compares this daily age.
    if (job.lastPassedDrill) metric.addMetric('SecondsSinceLastPassedDrill', 'Seconds', job.lastPassedDrill.ageSeconds);
  }
  if (!report.ok) {
    const failing = report.jobs.flatMap((job) => job.checks.filter((check) => !check.ok).map((check) => ({ job: job.job, rule: check.rule, detail: check.detail })));
    const html = keys.find((key) => key.endsWith('/report.html')) ?? '';
    await notifier.publish(`cronsnap: ${report.violations} compliance violations`, { report: `s3://${env.CRONSNAP_REPORTS_BUCKET}/${html}`, failing });
  }
  logger.info('compliance report written', { ok: report.ok, violations: report.violations, rows: report.inventory.rows, keys });
  return { ok: report.ok, violations: report.violations, keys };
}

export const handler = middy(run)
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .use(zodEventParser(objectCreatedEventSchema));
