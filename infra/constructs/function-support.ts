import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { BucketRole } from '../../lib/replica/bucket-role';

/** The queue failed asynchronous invocations of a stack's functions go to. */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter queue of the cronsnap functions.' });
  return queue;
}

export interface FunctionEnvironmentProps {
  readonly bucket: s3.IBucket;
  readonly key: kms.IKey;
  readonly topic: sns.ITopic;
  readonly documentPrefix: string;
  /** Whether the bucket is the source or its copy in another region. */
  readonly bucketRole: BucketRole;
  /** The log group every command the functions send writes its output to. */
  readonly commandLogGroup: string;
  /** The deployment's CloudWatch namespace, where the functions' metrics go. */
  readonly metricsNamespace: string;
}

/** The environment every cronsnap function of a stack gets (lib/lambda/lambda-environment.ts reads it). */
export function functionEnvironment(props: FunctionEnvironmentProps): Readonly<Record<string, string>> {
  return {
    CRONSNAP_BUCKET: props.bucket.bucketName,
    CRONSNAP_KMS_KEY_ID: props.key.keyArn,
    CRONSNAP_TOPIC_ARN: props.topic.topicArn,
    CRONSNAP_DOCUMENT_PREFIX: props.documentPrefix,
    CRONSNAP_BUCKET_ROLE: props.bucketRole,
    CRONSNAP_COMMAND_LOG_GROUP: props.commandLogGroup,
    POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace,
  };
}
