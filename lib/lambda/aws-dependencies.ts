import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { DRILL_ROOT, MANIFEST_FILE, MARK_ROOT } from '../catalog/object-layout';
import { REPORT_ROOT } from '../catalog/object-layout';
import { SnsNotifier } from '../adapters/sns-notifier';
import { SsmCommandRunner } from '../adapters/ssm-command-runner';
import type { CommandRunner } from '../ports/command-runner';
import type { Notifier } from '../ports/notifier';
import type { ObjectStore } from '../ports/object-store';
import type { LambdaEnvironment } from './lambda-environment';

export interface AwsDependencies {
  readonly runner: CommandRunner;
  readonly store: ObjectStore;
  readonly notifier: Notifier;
  readonly now: () => Date;
}

/**
 * Keys the functions read by name with no right to list where they lie (their s3:ListBucket is
 * held to a few exact prefixes): a manifest checked after a host's success, a drill's
 * last-passed record (absent until a drill passes), a host's report (absent when the host
 * had nothing to say or died first), and a run's keep or on-demand mark (absent for a run never
 * kept, which unkeep must answer as such). S3 answers a missing one with 403.
 */
export function readByNameOnly(key: string): boolean {
  return key.endsWith(`/${MANIFEST_FILE}`) || [DRILL_ROOT, REPORT_ROOT, MARK_ROOT].some((root) => key.startsWith(`${root}/`));
}

/** The AWS adapters every function uses; created once per container, at init. */
export function awsDependencies(env: LambdaEnvironment): AwsDependencies {
  return {
    runner: new SsmCommandRunner(new SSMClient({}), { commandLogGroup: env.CRONSNAP_COMMAND_LOG_GROUP }),
    store: new S3ObjectStore(new S3Client({}), env.CRONSNAP_BUCKET, env.CRONSNAP_KMS_KEY_ID, readByNameOnly),
    notifier: new SnsNotifier(new SNSClient({}), env.CRONSNAP_TOPIC_ARN),
    now: () => new Date(),
  };
}
