import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { deploymentNames } from '../lib/deployment/deployment-names';
import { REPLICA_STACK_SUFFIX, replicaTarget } from '../lib/replica/replica-target';
import { RESTORE_PROGRAMS } from '../lib/restore/restore-programs';
import { BackupStorage } from './constructs/backup-storage';
import { CommandLog } from './constructs/command-log';
import { FailureTopic } from './constructs/failure-topic';
import { deadLetterQueue, functionEnvironment } from './constructs/function-support';
import { HostAccessPolicy, hostPolicyOutput, jobSecrets } from './constructs/host-access-policy';
import { JobGroups } from './constructs/job-groups';
import { HostDocuments } from './constructs/host-documents';
import { HostProgramObjects } from './constructs/host-program-objects';
import { RestoreFunctions } from './constructs/restore-functions';
import type { CronsnapStackProps } from './cronsnap-stack';

/**
 * The main stack's props: the same config (`storage.replica` must be set; this stack deploys to
 * its region) and the same deployment name and document prefix, so both regions' documents have
 * the same names. The deployment name defaults to this stack's name less its `Replica` suffix.
 */
export type CronsnapReplicaStackProps = CronsnapStackProps;

/**
 * The copy's side, in the copy's region: the bucket S3 Replication fills (in this account; another
 * account's bucket is only named) and the restore functions, documents and host policies that
 * list and restore from it while the source region is down. It takes no backups and prunes
 * nothing: the copy's own lifecycle rules, the source's per job, expire what the source deleted.
 */
export class CronsnapReplicaStack extends Stack {
  /** The key the copies are encrypted with: the one this stack creates, or another account's. */
  public readonly copyKey: kms.IKey;

  constructor(scope: Construct, id: string, props: CronsnapReplicaStackProps) {
    super(scope, id, props);
    const { jobs, storage } = props.config;
    if (!storage.replica) throw new Error('CronsnapReplicaStack needs storage.replica in the config');
    const names = deploymentNames(props.deploymentName ?? this.stackName.replace(new RegExp(`${REPLICA_STACK_SUFFIX}$`), ''));
    const target = replicaTarget(storage.replica, this.account, names.replicaBucketPrefix);
    const documentPrefix = props.documentPrefix ?? names.documentPrefix;
    // Restores from the copy send their commands here, with this region's log group.
    const commandLog = new CommandLog(this, 'CommandLog', { logGroupName: names.commandLogGroup });

    let bucket: s3.IBucket;
    let key: kms.IKey;
    if (target.crossAccount) {
      bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', { bucketName: target.bucketName, account: target.account, region: target.region });
      key = kms.Key.fromKeyArn(this, 'Key', target.kmsKeyArn);
    } else {
      // The copies keep each source version's lock; the default retention covers the reports written here.
      const copy = new BackupStorage(this, 'Storage', {
        jobs,
        ...(storage.objectLock ? { objectLock: storage.objectLock } : {}),
        bucketName: target.bucketName,
        keyAlias: names.replicaKeyAlias,
      });
      bucket = copy.bucket;
      key = copy.key;
    }
    this.copyKey = key;
    const failures = new FailureTopic(this, 'Failures', { emails: props.config.notifications.emails });
    const documents = new HostDocuments(this, 'RestoreDocuments', { namePrefix: documentPrefix, programs: RESTORE_PROGRAMS, bucket });
    // The copy's bucket gets its programs at deploy time, before its documents name them: this
    // stack deploys first, and the copy is needed most when the source region (or its deployment)
    // is not there. Another account's bucket gets them by replication only, as every other object.
    if (!target.crossAccount) documents.node.addDependency(new HostProgramObjects(this, 'HostPrograms', { bucket, key, programs: RESTORE_PROGRAMS }));
    const restore = new RestoreFunctions(this, 'Restore', {
      jobs,
      bucket,
      key,
      environment: functionEnvironment({ bucket, key, topic: failures.topic, documentPrefix, bucketRole: 'replica', commandLogGroup: commandLog.logGroup.logGroupName, metricsNamespace: names.metricsNamespace }),
      configFile: props.configFile,
      deadLetterQueue: deadLetterQueue(this, 'DeadLetters'),
      documentPrefix,
      objectLock: storage.objectLock !== undefined,
      keeps: false,
      status: false,
    });
    const jobGroups = new JobGroups(this, 'Jobs');
    for (const job of jobs) {
      // The same parameter and secret names, read in this region: copy them here (Secrets Manager can replicate a secret).
      const scope = jobGroups.scopeOf(job.name);
      const host = new HostAccessPolicy(scope, `HostAccess-${job.name}`, {
        jobName: job.name,
        bucket: jobGroups.bucketFor(job.name, bucket),
        key,
        commandLogGroup: names.commandLogGroup,
        readOnly: true,
        ...jobSecrets(job),
      });
      hostPolicyOutput(scope, this, job.name, host, `Attach to the instance profile of the hosts ${job.name} is restored to in ${target.region}`);
    }
    new CfnOutput(this, 'BackupBucket', { value: bucket.bucketName });
    // The CLI's --from-replica finds these by name (lib/cli/stack-outputs.ts).
    new CfnOutput(this, 'ListBackupsFunction', { value: restore.listBackups.function.functionName });
    new CfnOutput(this, 'RestoreFunction', { value: restore.restore.function.functionName });
    new CfnOutput(this, 'DocumentPrefix', { value: documentPrefix });
    new CfnOutput(this, 'RestoreWorkflow', { value: restore.restoreWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'EtcdRestoreWorkflow', { value: restore.etcdRestoreWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'CommandLogGroup', { value: commandLog.logGroup.logGroupName });
  }
}
