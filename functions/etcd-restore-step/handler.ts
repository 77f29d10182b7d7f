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
    // One step per invocation; Lambda stops at 15 minutes, the state machine spans as many as it needs.
    timeoutMs: 14 * 60 * 1000,
  },
  logger: powertoolsFor('etcd-restore-step').logger,
});
