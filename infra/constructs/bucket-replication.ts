import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { ReplicaSettings } from '../../lib/config/storage-settings';
import { replicationRoleName, replicationWindowSeconds, type ReplicaTarget } from '../../lib/replica/replica-target';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';

export interface BucketReplicationProps {
  /** The backup bucket whose every object is copied. */
  readonly source: s3.Bucket;
  /** The key the source objects are encrypted with. */
  readonly sourceKey: kms.IKey;
  /** Where the copy is. */
  readonly target: ReplicaTarget;
  /**
   * The key the copies are encrypted with: the replica stack's own, or another account's. The rule
   * and the role name it by its key ARN, never an alias.
   */
  readonly copyKey: kms.IKey;
  /** The config's `storage.replica`: time control and storage class. */
  readonly settings: ReplicaSettings;
  /** The source bucket has Object Lock: the copies carry each version's retention and legal hold. */
  readonly objectLock: boolean;
  /** Where the alarms on failed and late copies publish. */
  readonly topic: sns.ITopic;
}

/** The one replication rule's id: the replication metrics carry it as their RuleId dimension. */
export const REPLICATION_RULE_ID = 'cronsnap-copy';

/**
 * S3 Replication of the whole backup bucket to the copy, re-encrypted with the copy's key, with
 * its role and alarms on failed and late copies.
 *
 * Pruning reaches the copy as delete markers only: retention deletes without a version id, and S3
 * never replicates the deletion of a version, so each copy lives out the copy's own noncurrent
 * expiry, and neither a bad prune nor a compromised source account can destroy it earlier.
 * Lifecycle expirations are not replicated at all; the copy's bucket runs the same rules.
 */
export class BucketReplication extends Construct {
  public readonly role: iam.Role;
  public readonly failedAlarm: cloudwatch.Alarm;
  public readonly latencyAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BucketReplicationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { source, target, settings } = props;
    const destinationArn = `arn:${stack.partition}:s3:::${target.bucketName}`;
    // A fixed name, so another account's bucket and key policies can name the role.
    this.role = new iam.Role(this, 'Role', {
      roleName: replicationRoleName(stack.stackName, stack.region),
      assumedBy: new iam.ServicePrincipal('s3.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: `S3 copies ${source.node.path} to ${target.bucketName} in ${target.region}`,
    });
    const sourceObjects = source.arnForObjects('*');
    this.role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetReplicationConfiguration', 's3:ListBucket'], resources: [source.bucketArn] }));
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: [
          's3:GetObjectVersionForReplication',
          's3:GetObjectVersionAcl',
          's3:GetObjectVersionTagging',
          ...(props.objectLock ? ['s3:GetObjectRetention', 's3:GetObjectLegalHold'] : []),
        ],
        resources: [sourceObjects],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', ...(target.crossAccount ? ['s3:ObjectOwnerOverrideToBucketOwner'] : [])],
        resources: [`${destinationArn}/*`],
      }),
    );
    // Decrypt the source and encrypt the copy only through S3 in each bucket's region. Each key
    // serves its one bucket, so no encryption-context condition is added (the IAM evaluation's
    // simulator could not judge one: it ignores kms:EncryptionContext:<key> context).
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.sourceKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [props.copyKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${target.region}.amazonaws.com` } },
      }),
    );

    const timeControl = settings.replicationTimeControl ? { minutes: 15 } : undefined;
    const bucket = source.node.defaultChild as s3.CfnBucket;
    bucket.replicationConfiguration = {
      role: this.role.roleArn,
      rules: [
        {
          id: REPLICATION_RULE_ID,
          priority: 0,
          status: 'Enabled',
          filter: { prefix: '' },
          deleteMarkerReplication: { status: 'Enabled' },
          sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
          destination: {
            bucket: destinationArn,
            storageClass: settings.storageClass,
            // S3 takes a key ARN or an alias ARN and recommends the key ARN, since it resolves an
            // alias in the requester's account (API_EncryptionConfiguration, "ReplicaKmsKeyID":
            // https://docs.aws.amazon.com/AmazonS3/latest/API/API_EncryptionConfiguration.html).
            // The key ARN also pins the key, where an alias can be repointed to another.
            encryptionConfiguration: { replicaKmsKeyId: props.copyKey.keyArn },
            metrics: { status: 'Enabled', ...(timeControl ? { eventThreshold: timeControl } : {}) },
            ...(timeControl ? { replicationTime: { status: 'Enabled', time: timeControl } } : {}),
            ...(target.crossAccount ? { account: target.account, accessControlTranslation: { owner: 'Destination' } } : {}),
          },
        },
      ],
    };

    const dimensionsMap = { SourceBucket: source.bucketName, DestinationBucket: target.bucketName, RuleId: REPLICATION_RULE_ID };
    const metric = (metricName: string, statistic: string) =>
      new cloudwatch.Metric({ namespace: 'AWS/S3', metricName, dimensionsMap, statistic, period: Duration.minutes(5) });
    const windowSeconds = replicationWindowSeconds(settings);
    // No data means nothing was written: a quiet hour is not a failure.
    this.failedAlarm = new cloudwatch.Alarm(this, 'FailedAlarm', {
      alarmDescription: `Objects of ${source.node.path} failed to copy to ${target.bucketName}; each needs S3 Batch Replication or a new backup`,
      metric: metric('OperationsFailedReplication', cloudwatch.Stats.SUM),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.latencyAlarm = new cloudwatch.Alarm(this, 'LatencyAlarm', {
      alarmDescription: `Copies to ${target.bucketName} lag more than ${windowSeconds / 60} minutes behind the backups`,
      metric: metric('ReplicationLatency', cloudwatch.Stats.MAXIMUM),
      threshold: windowSeconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    for (const alarm of [this.failedAlarm, this.latencyAlarm]) alarm.addAlarmAction(new actions.SnsAction(props.topic));

    acknowledgeWildcards(
      this.role,
      [sourceObjects, `${destinationArn}/*`].map((arn) => nagResource(this, arn)),
      'Replication copies every object of the backup bucket.',
    );
  }
}
