import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { etcdRestoreStepFunction } from '../../lib/lambda/etcd-restore-step-function';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';

const env = readLambdaEnvironment();
const { runner, store, now } = awsDependencies(env);

export const handler = etcdRestoreStepFunction({
  step: {
    runner,
    store,
    now,
    bucket: env.CRONSNAP_BUCKET,
    documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX,
    // Each host command's execution timeout: no invocation waits for one, so a step's downloads and health checks may outlast a function's 15 minutes.
    timeoutMs: 3600 * 1000,
  },
  logger: powertoolsFor('etcd-restore-step').logger,
});
