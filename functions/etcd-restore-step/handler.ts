import { awsDependencies } from '../../lib/lambda/aws-dependencies';
import { etcdRestoreStepFunction } from '../../lib/lambda/etcd-restore-step-function';
import { readLambdaEnvironment } from '../../lib/lambda/lambda-environment';
import { powertoolsFor } from '../../lib/lambda/powertools';
import { ETCD_COMMAND_TIMEOUT_SECONDS } from '../../lib/restore/etcd-restore-workflow';

const env = readLambdaEnvironment();
const { runner, store, now } = awsDependencies(env);

export const handler = etcdRestoreStepFunction({
  step: {
    runner,
    store,
    now,
    bucket: env.CRONSNAP_BUCKET,
    documentPrefix: env.CRONSNAP_DOCUMENT_PREFIX,
    timeoutMs: ETCD_COMMAND_TIMEOUT_SECONDS * 1000,
  },
  logger: powertoolsFor('etcd-restore-step').logger,
});
