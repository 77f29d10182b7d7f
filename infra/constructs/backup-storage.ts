import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { Job } from '../../lib/config/job-config';
import type { ObjectLockSettings } from '../../lib/config/storage-settings';
import { MARK_ROOT, MARKER_ROOT } from '../../lib/catalog/object-layout';

export interface BackupStorageProps {
  /** Jobs whose prefixes get lifecycle rules. */
  readonly jobs: readonly Job[];
  /**
   * S3 Object Lock with a default retention on every new object version. Can only be turned on
   * when the bucket is created.
   * @default - no Object Lock
   */
  readonly objectLock?: ObjectLockSettings;
  /**
   * What happens to the bucket and key when the stack is deleted.
   * @default RemovalPolicy.RETAIN - backups outlive the stack
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Days the run and completion markers under `_cronsnap/` are kept.
   * @default 90
   */
  readonly markerRetentionDays?: number;
  /**
   * The bucket's name, for a copy the source stack names without a reference into this stack.
   * @default - a name CloudFormation generates
   */
  readonly bucketName?: string;
  /**
   * An alias of the key, by which people and tools find it.
   * @default - no alias
   */
  readonly keyAlias?: string;
}

/** The KMS key and the versioned, encrypted backup bucket with per-job lifecycle rules. */
export class BackupStorage extends Construct {
  public readonly key: kms.Key;
  public readonly bucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: BackupStorageProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new kms.Key(this, 'Key', {
      description: 'cronsnap backups',
      enableKeyRotation: true,
      ...(props.keyAlias ? { alias: props.keyAlias } : {}),
      removalPolicy,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy,
      lifecycleRules: [{ expiration: Duration.days(365) }],
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access-log bucket of the backup bucket; logging it to itself would loop.',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...(props.bucketName ? { bucketName: props.bucketName } : {}),
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      versioned: true,
      ...(props.objectLock ? { objectLockEnabled: true, objectLockDefaultRetention: objectLockRetention(props.objectLock) } : {}),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'backup-bucket/',
      removalPolicy,
      lifecycleRules: [
        ...props.jobs.map((job) => jobLifecycleRule(job)),
        {
          id: 'cronsnap-markers',
          prefix: `${MARKER_ROOT}/`,
          expiration: Duration.days(props.markerRetentionDays ?? 90),
          noncurrentVersionExpiration: Duration.days(1),
        },
        // Keeps and on-demand marks last while their runs do; an unkept keep's history stays a month.
        { id: 'cronsnap-marks', prefix: `${MARK_ROOT}/`, noncurrentVersionExpiration: Duration.days(30) },
      ],
    });

    // Default encryption makes every object SSE-KMS with our key; these deny a writer that asks
    // for anything else. (A deny on a *missing* header would also refuse multipart UploadPart
    // requests, which never carry it.)
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOtherEncryption',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' },
          Null: { 's3:x-amz-server-side-encryption': 'false' },
        },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyOtherKmsKey',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: {
          StringNotEquals: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.key.keyArn },
          Null: { 's3:x-amz-server-side-encryption-aws-kms-key-id': 'false' },
        },
      }),
    );
  }
}

function objectLockRetention({ mode, days }: ObjectLockSettings): s3.ObjectLockRetention {
  return mode === 'compliance' ? s3.ObjectLockRetention.compliance(Duration.days(days)) : s3.ObjectLockRetention.governance(Duration.days(days));
}

function jobLifecycleRule(job: Job): s3.LifecycleRule {
  const { retention } = job;
  const transitions: s3.Transition[] = [];
  if (retention.infrequentAccessAfterDays !== undefined) {
    transitions.push({ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(retention.infrequentAccessAfterDays) });
  }
  if (retention.glacierAfterDays !== undefined) {
    transitions.push({ storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(retention.glacierAfterDays) });
  }
  return {
    id: `job-${job.name}`,
    prefix: `${job.name}/`,
    transitions,
    noncurrentVersionExpiration: Duration.days(retention.noncurrentVersionDays),
    abortIncompleteMultipartUploadAfter: Duration.days(1),
    ...(retention.maxAgeDays !== undefined ? { expiration: Duration.days(retention.maxAgeDays) } : {}),
  };
}
