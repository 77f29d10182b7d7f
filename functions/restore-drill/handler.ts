import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnHostWorkflowStarter } from '../../lib/adapters/sfn-workflow-starter';
import { loadBundledConfig } from '../../lib/config/load-config';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { restoreDrillFunction } from '../../lib/lambda/restore-drill-function';

const env = readLambdaEnvironment();
const { runner, store, notifier, now } = awsDependencies(env);

export const handler = restoreDrillFunction({
  drill: {
    config: loadBundledConfig(env.CRONSNAP_CONFIG_FILE),
    store,
    notifier,
    now,
    bucket: env.CRONSNAP_BUCKET,
    commandLog: { region: env.AWS_REGION, name: env.CRONSNAP_COMMAND_LOG_GROUP },
    hostWorkflows: new SfnHostWorkflowStarter(new SFNClient({}), env.CRONSNAP_HOST_WORKFLOW_ARN),
  },
  step: { runner, documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX },
  ...powertoolsFor('restore-drill'),
});
