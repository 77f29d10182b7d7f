import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { loadBundledConfig } from '../../lib/config/load-config';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';
import { listBackups, listBackupsEventSchema, type ListBackupsEvent } from '../../lib/restore/list-backups';

const env = readLambdaEnvironment();
const config = loadBundledConfig(env.CRONSNAP_CONFIG_FILE);
const { logger } = powertoolsFor('list-backups');
const { store } = awsDependencies(env);

async function run(event: ListBackupsEvent) {
  const listing = await listBackups(event, { config, store, now: () => new Date(), bucketRole: env.CRONSNAP_BUCKET_ROLE });
  logger.info('listed backups', { job: listing.job, restorable: listing.backups.length, refused: listing.refused.length });
  return listing;
}

export const handler = middy(run).use(injectLambdaContext(logger)).use(zodEventParser(listBackupsEventSchema));
