import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { loadBundledConfig } from '../../lib/config/load-config';
import { isStatusWidgetEvent, STATUS_WIDGET_DESCRIPTION, statusWidgetEventSchema, statusWidgetHtml, type StatusWidgetEvent } from '../../lib/dashboard/status-widget';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { zodEventParser } from '../../lib/lambda/zod-event-parser';
import { jobStatuses, statusEventSchema, type StatusEvent } from '../../lib/status/job-status';

const env = readLambdaEnvironment();
const config = loadBundledConfig(env.CRONSNAP_CONFIG_FILE);
const { logger } = powertoolsFor('job-status');
const { store } = awsDependencies(env);
const commandLog = { region: env.AWS_REGION, name: env.CRONSNAP_COMMAND_LOG_GROUP };

/** The CLI's `status` gets the statuses; the dashboard's custom widget gets them as an HTML table. */
async function run(event: StatusEvent | StatusWidgetEvent) {
  const widget = isStatusWidgetEvent(event);
  if (widget && 'describe' in event && event.describe) return STATUS_WIDGET_DESCRIPTION;
  const now = new Date();
  const statuses = await jobStatuses(event, { config, store, now: () => now });
  logger.info('job status', { jobs: statuses.length, behind: statuses.filter((status) => status.enabled && !status.withinRpo).map((status) => status.job) });
  return widget ? statusWidgetHtml(statuses, now, commandLog) : statuses;
}

export const handler = middy(run)
  .use(injectLambdaContext(logger))
  .use(zodEventParser((event) => (isStatusWidgetEvent(event) ? statusWidgetEventSchema : statusEventSchema)));
