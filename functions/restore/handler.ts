import { SFNClient } from '@aws-sdk/client-sfn';
import { SfnHostWorkflowStarter, SfnWorkflowStarter } from '../../lib/adapters/sfn-workflow-starter';
import { loadBundledConfig } from '../../lib/config/load-config';
import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { restoreFunction } from '../../lib/lambda/restore-function';

const env = readLambdaEnvironment();
const { runner, store, now } = awsDependencies(env);
const sfn = new SFNClient({});

export const handler = restoreFunction({
  restore: {
    config: loadBundledConfig(env.CRONSNAP_CONFIG_FILE),
    store,
    now,
    workflows: new SfnWorkflowStarter(sfn, env.CRONSNAP_RESTORE_STATE_MACHINE_ARN),
    hostWorkflows: new SfnHostWorkflowStarter(sfn, env.CRONSNAP_HOST_WORKFLOW_ARN),
    bucket: env.CRONSNAP_BUCKET,
    bucketRole: env.CRONSNAP_BUCKET_ROLE,
    workDir: '/var/tmp',
  },
  step: { runner, store, now, documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX },
  logger: powertoolsFor('restore').logger,
});
