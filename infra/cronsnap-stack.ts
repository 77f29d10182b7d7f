import { CfnOutput, CrossStackReferences, ReferenceStrength, Stack, type StackProps } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { preflightProgram } from '../lib/preflight/preflight-program';
import type { Construct } from 'constructs';
import type { CronsnapConfig } from '../lib/config/cronsnap-config';
import { logShippingsOf, type ShippingKind } from '../lib/engines/log-shipping';
import { BACKUP_PROGRAMS } from '../lib/engines';
import { DRILL_DOCUMENTS } from '../lib/drill/drill-programs';
import { RESTORE_PROGRAMS } from '../lib/restore/restore-programs';
import { BackupFunctions } from './constructs/backup-functions';
import { BackupStorage } from './constructs/backup-storage';
import { BucketReplication } from './constructs/bucket-replication';
import { replicaTarget } from '../lib/replica/replica-target';
import { ComplianceReporting } from './constructs/compliance-reporting';
import { FailureTopic } from './constructs/failure-topic';
import { HostAccessPolicy, hostPolicyOutput, jobSecrets } from './constructs/host-access-policy';
import { HostDocuments } from './constructs/host-documents';
import { HostProgramObjects } from './constructs/host-program-objects';
import { JobGroups } from './constructs/job-groups';
import { JobSchedule } from './constructs/job-schedule';
import { ScheduleInvoker } from './constructs/schedule-invoker';
import { CommandLog } from './constructs/command-log';
import { JobDashboards } from './constructs/job-dashboards';
import { dashboardConsoleUrl } from '../lib/aws-console-urls';
import { deploymentNames } from '../lib/deployment/deployment-names';
import { RestoreDrills } from './constructs/restore-drills';
import { RestoreFunctions } from './constructs/restore-functions';

/** Construct ids of the log shipping schedules (the binary logs' id predates the WAL's). */
const SCHEDULE_ID: Readonly<Record<ShippingKind, string>> = { binlogs: 'BinlogSchedule', wal: 'WalSchedule' };

export interface CronsnapStackProps extends StackProps {
  /** The validated config. */
  readonly config: CronsnapConfig;
  /** The same config written as JSON, bundled with the functions. */
  readonly configFile: string;
  /**
   * The deployment's name: its main stack's, which the copy's stack shares. Every name the
   * deployment gives what it creates derives from it (lib/deployment/deployment-names.ts).
   * @default - this stack's name
   */
  readonly deploymentName?: string;
  /**
   * Prefix of the SSM document names.
   * @default - the deployment name in lower case: `cronsnap` for the stack Cronsnap
   */
  readonly documentPrefix?: string;
  /**
   * The copy's key, from the CronsnapReplica stack: the one it creates in the copy's region, or
   * another account's. Replication names it by its key ARN.
   * @default - none; required with `storage.replica`
   */
  readonly replicaKey?: kms.IKey;
}

/** Everything cronsnap deploys; each concern is one construct. */
export class CronsnapStack extends Stack {
  constructor(scope: Construct, id: string, props: CronsnapStackProps) {
    super(scope, id, props);
    // The replica stack's key ARN crosses regions by CloudFormation's Fn::GetStackOutput, read when
    // this stack deploys, after the replica stack. CDK's strong kind would add a custom resource
    // with its function and role to both stacks, and SSM parameters here, only to refuse a change
    // of that ARN; the key is retained and nothing in cronsnap replaces it (were it replaced, this
    // stack would keep the old ARN until its next deployment).
    CrossStackReferences.of(this).consume(ReferenceStrength.WEAK);
    const { jobs } = props.config;
    const deploymentName = props.deploymentName ?? this.stackName;
    const names = deploymentNames(deploymentName);
    const documentPrefix = props.documentPrefix ?? names.documentPrefix;

    const { objectLock, replica } = props.config.storage;
    const commandLog = new CommandLog(this, 'CommandLog', { logGroupName: names.commandLogGroup });
    const storage = new BackupStorage(this, 'Storage', { jobs, ...(objectLock ? { objectLock } : {}) });
    const failures = new FailureTopic(this, 'Failures', { emails: props.config.notifications.emails });
    if (replica) {
      new BucketReplication(this, 'Replication', {
        source: storage.bucket,
        sourceKey: storage.key,
        target: replicaTarget(replica, this.account, names.replicaBucketPrefix),
        copyKey: requireReplicaKey(props.replicaKey),
        settings: replica,
        objectLock: objectLock !== undefined,
        topic: failures.topic,
      });
    }
    const programs = new HostProgramObjects(this, 'HostPrograms', { bucket: storage.bucket, key: storage.key, programs: [...BACKUP_PROGRAMS, ...RESTORE_PROGRAMS, ...DRILL_DOCUMENTS, preflightProgram] });
    const programSource = { namePrefix: documentPrefix, bucket: storage.bucket };
    const documents = new HostDocuments(this, 'Documents', { ...programSource, programs: BACKUP_PROGRAMS });
    // Restores are run by operators; the scheduled functions get no right to send these.
    const restoreDocuments = new HostDocuments(this, 'RestoreDocuments', { ...programSource, programs: RESTORE_PROGRAMS });
    const drillDocuments = new HostDocuments(this, 'DrillDocuments', { ...programSource, programs: DRILL_DOCUMENTS });
    // Read-only; sent by `cronsnap preflight` with the operator's own credentials, by no function.
    const preflightDocuments = new HostDocuments(this, 'PreflightDocuments', { ...programSource, programs: [preflightProgram] });
    // A document's new version is what every command sends from then on: never before its program is there.
    for (const each of [documents, restoreDocuments, drillDocuments, preflightDocuments]) each.node.addDependency(programs);
    const functions = new BackupFunctions(this, 'Functions', {
      jobs,
      bucket: storage.bucket,
      key: storage.key,
      topic: failures.topic,
      documentNames: Object.values(documents.names),
      documentPrefix,
      commandLogGroup: commandLog.logGroup.logGroupName,
      metricsNamespace: names.metricsNamespace,
      configFile: props.configFile,
      objectLock: objectLock !== undefined,
    });

    // Every job schedule fires through one group and one role: no policy grows with the jobs.
    const schedules = new ScheduleInvoker(this, 'Schedules', { deadLetterQueue: functions.deadLetterQueue });
    schedules.invokes(functions.scheduledBackup.function);

    const restore = new RestoreFunctions(this, 'Restore', {
      jobs,
      bucket: storage.bucket,
      key: storage.key,
      environment: functions.environment,
      configFile: props.configFile,
      deadLetterQueue: functions.deadLetterQueue,
      documentPrefix,
      objectLock: objectLock !== undefined,
    });

    // Each job's own resources (schedules, alarms, host policy) in its group's nested stack.
    const jobGroups = new JobGroups(this, 'Jobs');
    const drills = new RestoreDrills(this, 'Drills', {
      jobGroups,
      jobs,
      bucket: storage.bucket,
      key: storage.key,
      topic: failures.topic,
      metricsNamespace: names.metricsNamespace,
      environment: functions.environment,
      configFile: props.configFile,
      deadLetterQueue: functions.deadLetterQueue,
      documentPrefix,
      scheduleInvoker: schedules,
    });

    const compliance = new ComplianceReporting(this, 'Compliance', {
      jobGroups,
      jobs,
      backupBucket: storage.bucket,
      backupKey: storage.key,
      accessLogsBucket: storage.accessLogsBucket,
      topic: failures.topic,
      metricsNamespace: names.metricsNamespace,
      environment: functions.environment,
      configFile: props.configFile,
      deadLetterQueue: functions.deadLetterQueue,
    });

    for (const job of jobs) {
      const scope = jobGroups.scopeOf(job.name);
      new JobSchedule(scope, `Schedule-${job.name}`, {
        jobName: job.name,
        schedule: job.schedule,
        timezone: job.timezone,
        enabled: job.enabled,
        purpose: 'backup',
        target: functions.scheduledBackup.function,
        invoker: schedules,
      });
      for (const shipping of logShippingsOf(job)) {
        new JobSchedule(scope, `${SCHEDULE_ID[shipping.kind]}-${job.name}`, {
          jobName: job.name,
          schedule: shipping.schedule,
          timezone: shipping.timezone,
          enabled: shipping.enabled,
          purpose: shipping.what,
          kind: shipping.kind,
          target: functions.scheduledBackup.function,
          invoker: schedules,
        });
      }
      const host = new HostAccessPolicy(scope, `HostAccess-${job.name}`, {
        jobName: job.name,
        bucket: jobGroups.bucketFor(job.name, storage.bucket),
        key: storage.key,
        commandLogGroup: names.commandLogGroup,
        ...jobSecrets(job),
      });
      hostPolicyOutput(scope, this, job.name, host);
    }
    const dashboards = new JobDashboards(this, 'Dashboards', {
      jobs,
      stackName: deploymentName,
      metricsNamespace: names.metricsNamespace,
      commandLogGroup: names.commandLogGroup,
      ...(restore.jobStatus ? { statusFunction: restore.jobStatus.function } : {}),
    });
    new CfnOutput(this, 'BackupBucket', { value: storage.bucket.bucketName });
    new CfnOutput(this, 'FailureTopicArn', { value: failures.topic.topicArn });
    new CfnOutput(this, 'ReportsBucket', { value: compliance.reportsBucket.bucketName });
    // The CLI finds the functions it invokes by these output names (lib/cli/stack-outputs.ts).
    new CfnOutput(this, 'ScheduledBackupFunction', { value: functions.scheduledBackup.function.functionName });
    new CfnOutput(this, 'ListBackupsFunction', { value: restore.listBackups.function.functionName });
    if (restore.jobStatus) new CfnOutput(this, 'JobStatusFunction', { value: restore.jobStatus.function.functionName });
    new CfnOutput(this, 'RestoreFunction', { value: restore.restore.function.functionName });
    if (restore.keepBackup) new CfnOutput(this, 'KeepBackupFunction', { value: restore.keepBackup.function.functionName });
    new CfnOutput(this, 'RestoreDrillFunction', { value: drills.restoreDrill.function.functionName });
    new CfnOutput(this, 'DocumentPrefix', { value: documentPrefix });
    // Where an operator watches a restore or a drill in the Step Functions console.
    new CfnOutput(this, 'RestoreWorkflow', { value: restore.restoreWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'EtcdRestoreWorkflow', { value: restore.etcdRestoreWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'DrillWorkflow', { value: drills.drillWorkflow.stateMachine.stateMachineArn });
    // Where an operator watches every job and reads what a command printed on a host.
    new CfnOutput(this, 'CommandLogGroup', { value: commandLog.logGroup.logGroupName });
    new CfnOutput(this, 'Dashboard', { value: dashboards.dashboardName });
    new CfnOutput(this, 'DashboardUrl', { value: dashboardConsoleUrl(this.region, dashboards.dashboardName) });
  }
}

function requireReplicaKey(key: kms.IKey | undefined): kms.IKey {
  if (!key) throw new Error("storage.replica needs the CronsnapReplica stack's key: build the stacks with addCronsnapStacks");
  return key;
}
