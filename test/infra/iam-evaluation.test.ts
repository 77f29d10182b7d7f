import { binlogRoot, binlogRunMarkerKey, binlogRunPrefix, completionMarkerKey, completionMarkersPrefix, drillMarkerKey, drillResultKey, keepMarkerKey, lastPassedDrillKey, onDemandMarkerKey, programKey, runMarkerKey, runPrefix, walRoot, walRunMarkerKey, walRunPrefix } from '../../lib/catalog/object-layout';
import { runIdFor } from '../../lib/catalog/run-id';
import { buildComplianceReport } from '../../lib/compliance/compliance-report';
import { findJob, parseConfig } from '../../lib/config/load-config';
import { keepBackup, keepEventSchema } from '../../lib/retention/backup-keeps';
import { pruneJob } from '../../lib/retention/prune-job';
import { runIdAt, storedEtcdBackup } from '../helpers/stored-backups';
import { configInput, etcdJobInput, filesJobInput, mysqlJobInput } from '../helpers/config-factory';
import { IamRecordingStore, type StoreAction } from '../helpers/iam-recording-store';
import { writeInventory } from '../helpers/inventory-fixture';
import { binlogManifest, mysqlManifest } from '../helpers/manifest-factory';
import { MemoryObjectStore } from '../helpers/recording-ports';
import { commandLogStreamName } from '../../lib/ssm/command-log-stream';
import { newReportKey } from '../../lib/ssm/host-report';
import { IamWorld, type IamRequest } from '../helpers/iam-world';
import { synthStack } from '../helpers/stack-factory';
import { iamRequestsOf } from '../helpers/iam-audit';
import { COMMAND_FINISHED_KEY, functionKey, hostKey, INVENTORY_DELIVERED_KEY, scheduleKey, stateMachineKey, standInCall, type RecordedCall } from '../../lib/local/aws-call-recorder';

const jobs = configInput([
    etcdJobInput({
      name: 'prod-etcd',
      targets: { tags: { 'cronsnap:role': ['etcd'] } },
      etcd: { endpoints: ['https://10.0.0.1:2379'], memberConfig: ['/etc/etcd'] },
      drill: { schedule: '@daily' },
    }),
    filesJobInput({ name: 'node-files', targets: { tags: { 'cronsnap:role': ['node'] } } }),
    mysqlJobInput({ name: 'shop-mysql', timezone: 'Europe/Berlin', targets: { instanceIds: ['i-0123456789abcdef1'] }, binlogs: { schedule: '*/15 * * * *' } }),
]);
const { template } = synthStack(jobs);
const world = new IamWorld(template.toJSON() as never);
const bucket = world.arnOf('AWS::S3::Bucket', 'StorageBucket');
const role = (prefix: string) => `role/${world.logicalId('AWS::IAM::Role', prefix)}`;
const COMMAND_ID = '4a0c9f57-2b1e-4c61-9d53-8f2a7b6e1c30';

/** Every request here with its decision, so a failure names the call. */
async function decide(request: IamRequest): Promise<string> {
  return `${request.principal} ${request.action} ${request.resource}: ${await world.evaluate(request)}`;
}

describe('IAM of the synthesized stack, evaluated as AWS would', () => {
  it('lets backup-completed count the completion markers of a multi-host command', async () => {
    const request = { principal: role('FunctionsBackupCompleted'), action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': completionMarkersPrefix(COMMAND_ID) } };

    await expect(decide(request)).resolves.toMatch(/: Allowed$/);
  });

  it('fails the same request against a planted over-narrow policy: exact prefixes only, as before issue 19', async () => {
    const narrowed = structuredClone(template.toJSON()) as { Resources: Record<string, { Type: string; Properties: { PolicyDocument?: { Statement: Record<string, unknown>[] } } }> };
    for (const resource of Object.values(narrowed.Resources)) {
      for (const statement of resource.Properties?.PolicyDocument?.Statement ?? []) {
        const like = (statement.Condition as { StringLike?: Record<string, string[]> } | undefined)?.StringLike?.['s3:prefix'];
        if (statement.Action === 's3:ListBucket' && like) statement.Condition = { StringEquals: { 's3:prefix': like.filter((prefix) => !prefix.includes('*')) } };
      }
    }
    const request = { principal: role('FunctionsBackupCompleted'), action: 's3:ListBucket', resource: bucket, context: { 's3:prefix': completionMarkersPrefix(COMMAND_ID) } };

    await expect(new IamWorld(narrowed as never).evaluate(request)).resolves.toBe('ImplicitlyDenied');
  });

  it("lets backup-completed list only its jobs' prefixes and markers, not the bucket", async () => {
    const list = (prefix?: string): IamRequest => ({
      principal: role('FunctionsBackupCompleted'),
      action: 's3:ListBucket',
      resource: bucket,
      context: prefix === undefined ? {} : { 's3:prefix': prefix },
    });

    await expect(decide(list())).resolves.toMatch(/: ImplicitlyDenied$/);
    await expect(decide(list('drills/'))).resolves.toMatch(/: ImplicitlyDenied$/);
    await expect(decide(list('node-files/'))).resolves.toMatch(/: Allowed$/);
  });

  it('lets CloudWatch alarms of this account publish to the encrypted failure topic', async () => {
    const topic = world.arnOf('AWS::SNS::Topic', 'FailuresTopic');
    const topicKey = world.arnOf('AWS::KMS::Key', 'FailuresKey');
    const alarm = world.arnOf('AWS::CloudWatch::Alarm', 'ComplianceRpoprodetcd');
    const context = { 'aws:SourceArn': alarm, 'aws:SourceAccount': world.account };
    const asCloudWatch = (action: string, resource: string, extra = context) => ({ principal: 'cloudwatch.amazonaws.com', action, resource, context: extra });

    await expect(
      Promise.all([decide(asCloudWatch('sns:Publish', topic)), decide(asCloudWatch('kms:GenerateDataKey', topicKey)), decide(asCloudWatch('kms:Decrypt', topicKey))]),
    ).resolves.toEqual([expect.stringMatching(/: Allowed$/), expect.stringMatching(/: Allowed$/), expect.stringMatching(/: Allowed$/)]);
  });

  it("refuses another account's alarm the topic, and CloudWatch the backup key", async () => {
    const topic = world.arnOf('AWS::SNS::Topic', 'FailuresTopic');
    const foreign = { 'aws:SourceArn': 'arn:aws:cloudwatch:eu-central-1:999999999999:alarm:theirs', 'aws:SourceAccount': '999999999999' };

    await expect(decide({ principal: 'cloudwatch.amazonaws.com', action: 'sns:Publish', resource: topic, context: foreign })).resolves.toMatch(/Denied$/);
    await expect(
      decide({ principal: 'cloudwatch.amazonaws.com', action: 'kms:Decrypt', resource: world.arnOf('AWS::KMS::Key', 'StorageKey'), context: { 'aws:SourceAccount': world.account } }),
    ).resolves.toMatch(/Denied$/);
  });

  it('gives restore-drill no bucket-wide ListBucket, so S3 answers its read of a missing last-passed record with 403', async () => {
    const drill = role('DrillsRestoreDrill');

    await expect(decide({ principal: drill, action: 's3:GetObject', resource: `${bucket}/${lastPassedDrillKey('prod-etcd')}` })).resolves.toMatch(/: Allowed$/);
    // S3 turns a missing key into 404 only for a caller allowed to list the bucket.
    await expect(decide({ principal: drill, action: 's3:ListBucket', resource: bucket })).resolves.toMatch(/: ImplicitlyDenied$/);
  });

  it("keeps a host to its own job: no read of another job's backups, no delete of its own", async () => {
    const host = 'host/node-files';

    await expect(
      Promise.all([
        decide({ principal: host, action: 's3:PutObject', resource: `${bucket}/node-files/2026/11/30/run/i-0123456789abcdef0/files.tar.zst`, context: { 's3:x-amz-server-side-encryption': 'aws:kms' } }),
        decide({ principal: host, action: 's3:GetObject', resource: `${bucket}/prod-etcd/2026/11/30/run/i-0123456789abcdef0/snapshot.db.zst` }),
        decide({ principal: host, action: 's3:DeleteObject', resource: `${bucket}/node-files/2026/11/30/run/i-0123456789abcdef0/files.tar.zst` }),
        decide({ principal: host, action: 's3:PutObject', resource: `${bucket}/_cronsnap/runs/node-files/run.json` }),
      ]),
    ).resolves.toEqual([expect.stringMatching(/: Allowed$/), expect.stringMatching(/: ImplicitlyDenied$/), expect.stringMatching(/: ImplicitlyDenied$/), expect.stringMatching(/: ImplicitlyDenied$/)]);
  });

  it("lets every job's hosts read the host programs and none write them; lets the programs' deployment add them, and write, delete or read no backup", async () => {
    const program = `${bucket}/_cronsnap-programs/${'a'.repeat(64)}.sh`;
    const backup = `${bucket}/prod-etcd/2026/11/30/run/i-0123456789abcdef0/snapshot.db.zst`;
    const deployment = role('CustomCDKBucketDeployment');
    const kms = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': world.arnOf('AWS::KMS::Key', 'StorageKey') };

    await expect(
      Promise.all([
        decide({ principal: 'host/node-files', action: 's3:GetObject', resource: program }),
        decide({ principal: 'host/shop-mysql', action: 's3:GetObject', resource: program }),
        decide({ principal: 'host/node-files', action: 's3:PutObject', resource: program, context: kms }),
        decide({ principal: deployment, action: 's3:PutObject', resource: program, context: kms }),
        decide({ principal: deployment, action: 's3:PutObject', resource: backup, context: kms }),
        decide({ principal: deployment, action: 's3:DeleteObject', resource: backup }),
        decide({ principal: deployment, action: 's3:DeleteObjectVersion', resource: program }),
        decide({ principal: deployment, action: 's3:GetObject', resource: backup }),
      ]),
    ).resolves.toEqual([
      expect.stringMatching(/: Allowed$/),
      expect.stringMatching(/: Allowed$/),
      expect.stringMatching(/: ImplicitlyDenied$/),
      expect.stringMatching(/: Allowed$/),
      expect.stringMatching(/: ExplicitlyDenied$/),
      expect.stringMatching(/: ExplicitlyDenied$/),
      expect.stringMatching(/: ExplicitlyDenied$/),
      expect.stringMatching(/: ExplicitlyDenied$/),
    ]);
  });

  it.each(['abc', 'abcd', 'runs', 'keeps', 'reports', 'drills-2', 'x'.repeat(63)])(
    "lets pruning delete every kind of object a job '%s' holds, and none of the markers, reports, drill results or programs beside the jobs",
    async (job) => {
      const when = new Date('2026-12-07T03:00:00Z');
      const runId = runIdFor(`keys-${job}`, when);
      const host = 'i-0123456789abcdef0';
      const jobKeys = [
        `${runPrefix(job, runId, when)}/${host}/manifest.json`,
        `${runPrefix(job, runId, when)}/${host}/member-config/etc.tar.zst`,
        `${binlogRoot(job)}server-1/binlog.000014.zst`,
        `${binlogRunPrefix(job, runId, when)}/${host}/manifest.json`,
        `${walRoot(job)}7301234567890123456/000000010000000000000001.zst`,
        `${walRunPrefix(job, runId, when)}/${host}/manifest.json`,
      ];
      const besideKeys = [
        runMarkerKey(job, runId),
        binlogRunMarkerKey(job, runId),
        walRunMarkerKey(job, runId),
        keepMarkerKey(job, runId),
        onDemandMarkerKey(job, runId),
        completionMarkerKey(COMMAND_ID, host),
        `${newReportKey(job)}${host}`,
        drillResultKey(job, runId),
        lastPassedDrillKey(job),
        drillMarkerKey(job, runId),
        programKey('a'.repeat(64)),
      ];
      const prune = (key: string) => decide({ principal: role('FunctionsBackupCompleted'), action: 's3:DeleteObject', resource: `${bucket}/${key}` });

      await expect(Promise.all(jobKeys.map(prune))).resolves.toEqual(jobKeys.map(() => expect.stringMatching(/: Allowed$/)));
      await expect(Promise.all(besideKeys.map(prune))).resolves.toEqual(besideKeys.map(() => expect.stringMatching(/: ImplicitlyDenied$/)));
    },
  );

  it('lets the restore role, and neither a host nor pruning nor the schedule, keep or unkeep a backup', async () => {
    const marker = `${bucket}/${keepMarkerKey('node-files', '20261130T010000Z-0123456789')}`;
    const kms = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': world.arnOf('AWS::KMS::Key', 'StorageKey') };
    const writers = ['host/node-files', role('FunctionsBackupCompleted'), role('FunctionsScheduledBackup'), role('RestoreListBackups'), role('RestoreFunction')];

    const puts = await Promise.all(writers.map((principal) => decide({ principal, action: 's3:PutObject', resource: marker, context: kms })));
    const deletes = await Promise.all(writers.map((principal) => decide({ principal, action: 's3:DeleteObject', resource: marker })));

    const verdicts = ['ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied', 'Allowed'].map((verdict) => expect.stringMatching(new RegExp(`: ${verdict}$`)));
    expect(puts).toEqual(verdicts);
    expect(deletes).toEqual(verdicts);
  });

  it("lets a keep read and set legal holds, and pruning lift a lapsed keep's, under Object Lock: the calls each makes, on the jobs' objects only", async () => {
    const lockedJobs = { ...jobs, storage: { objectLock: { mode: 'governance' as const, days: 1 } } };
    const locked = new IamWorld(synthStack(lockedJobs).template.toJSON() as never);
    const lockedBucket = locked.arnOf('AWS::S3::Bucket', 'StorageBucket');
    const lockedRole = (prefix: string) => `role/${locked.logicalId('AWS::IAM::Role', prefix)}`;
    const kms = { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': locked.arnOf('AWS::KMS::Key', 'StorageKey') };
    const asRequest = (principal: string) => (call: StoreAction): IamRequest =>
      call.action === 's3:ListBucket'
        ? { principal, action: call.action, resource: lockedBucket, context: { 's3:prefix': call.prefix ?? '' } }
        : { principal, action: call.action, resource: `${lockedBucket}/${call.key ?? ''}`, ...(call.action === 's3:PutObject' ? { context: kms } : {}) };
    const judged = async (request: IamRequest) => `${request.principal} ${request.action} ${request.resource}: ${await locked.evaluate(request)}`;
    const config = parseConfig(lockedJobs);
    const now = new Date('2026-11-24T12:00:00Z');
    const memory = new MemoryObjectStore();
    const runId = runIdAt(now, 1);
    for (const [key, body] of storedEtcdBackup(runId)) memory.objects.set(key, body);
    const keeping = new IamRecordingStore(memory);
    const pruning = new IamRecordingStore(memory);

    await keepBackup(keepEventSchema.parse({ job: 'prod-etcd', runId, until: '2026-11-25' }), { config, store: keeping, now: () => now, caller: 'an operator' });
    await pruneJob(findJob(config, 'prod-etcd'), { store: pruning, now: () => new Date('2026-11-27T00:00:00Z'), objectLock: true });

    expect(keeping.actions.filter((call) => call.action === 's3:GetObjectLegalHold')).toHaveLength(2);
    expect(pruning.actions.filter((call) => call.action === 's3:PutObjectLegalHold')).toHaveLength(2);
    const requests = [...keeping.actions.map(asRequest(lockedRole('RestoreFunction'))), ...pruning.actions.map(asRequest(lockedRole('FunctionsBackupCompleted')))];
    expect(await Promise.all(requests.map(judged))).toEqual(requests.map((request) => expect.stringMatching(new RegExp(`^${request.principal} ${request.action} .*: Allowed$`))));
    const marker = `${lockedBucket}/${keepMarkerKey('prod-etcd', runId)}`;
    const payload = `${lockedBucket}/${[...memory.objects.keys()].find((key) => key.endsWith('snapshot.db.zst')) ?? ''}`;
    await expect(judged({ principal: lockedRole('FunctionsBackupCompleted'), action: 's3:PutObjectLegalHold', resource: marker })).resolves.toMatch(/: ImplicitlyDenied$/);
    await expect(judged({ principal: 'host/prod-etcd', action: 's3:PutObjectLegalHold', resource: payload })).resolves.toMatch(/Denied$/);
  }, 120_000);

  it("lets a host write its job's reports, not another job's, and the functions that send commands read them", async () => {
    const report = (job: string) => `${bucket}/${newReportKey(job)}i-0123456789abcdef0`;

    await expect(
      Promise.all([
        decide({ principal: 'host/node-files', action: 's3:PutObject', resource: report('node-files') }),
        decide({ principal: 'host/node-files', action: 's3:PutObject', resource: report('prod-etcd') }),
        decide({ principal: role('FunctionsBackupCompleted'), action: 's3:GetObject', resource: report('node-files') }),
        decide({ principal: role('RestoreFunctionServiceRole'), action: 's3:GetObject', resource: report('shop-mysql') }),
        decide({ principal: role('RestoreEtcdRestoreStep'), action: 's3:GetObject', resource: report('prod-etcd') }),
        decide({ principal: role('DrillsRestoreDrill'), action: 's3:GetObject', resource: report('prod-etcd') }),
      ]),
    ).resolves.toEqual(['Allowed', 'ImplicitlyDenied', 'Allowed', 'Allowed', 'Allowed', 'Allowed'].map((decision) => expect.stringMatching(new RegExp(`: ${decision}$`))));
  });

  it("lets a host's SSM agent write each command's output to the deployment's log group, and to no other group", async () => {
    const group = String(world.output('CommandLogGroup'));
    const groupArn = (name: string) => `arn:aws:logs:${world.region}:${world.account}:log-group:${name}`;
    const stream = (name: string) => `${groupArn(name)}:log-stream:${commandLogStreamName({ commandId: COMMAND_ID, instanceId: 'i-0123456789abcdef0', stepName: 'cronsnap-files-backup' }, 'stdout')}`;
    const host = 'host/node-files';

    await expect(
      Promise.all([
        // The calls the agent makes (Systems Manager user guide, "Configuring Amazon CloudWatch Logs for Run Command").
        decide({ principal: host, action: 'logs:DescribeLogGroups', resource: '*' }),
        // CloudWatch Logs authorizes it on the group's stream space, `log-group:<name>:log-stream:`.
        decide({ principal: host, action: 'logs:DescribeLogStreams', resource: `${groupArn(group)}:log-stream:` }),
        decide({ principal: host, action: 'logs:CreateLogStream', resource: stream(group) }),
        decide({ principal: host, action: 'logs:PutLogEvents', resource: stream(group) }),
        // Another group, in this account or the deployment's own in another region; or a new group.
        decide({ principal: host, action: 'logs:PutLogEvents', resource: stream('/aws/ssm/AWS-RunShellScript') }),
        decide({ principal: host, action: 'logs:CreateLogStream', resource: stream('/cronsnap/Staging/commands') }),
        decide({ principal: host, action: 'logs:PutLogEvents', resource: stream(group).replace(world.region, 'us-east-1') }),
        decide({ principal: host, action: 'logs:CreateLogGroup', resource: groupArn(group) }),
        decide({ principal: host, action: 'logs:DeleteLogStream', resource: stream(group) }),
      ]),
    ).resolves.toEqual(
      ['Allowed', 'Allowed', 'Allowed', 'Allowed', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied', 'ImplicitlyDenied'].map((decision) => expect.stringMatching(new RegExp(`: ${decision}$`))),
    );
  });

  it("refuses a host's upload that asks for another KMS key, by the bucket policy", async () => {
    const request = {
      principal: 'host/node-files',
      action: 's3:PutObject',
      resource: `${bucket}/node-files/2026/11/30/run/i-0123456789abcdef0/files.tar.zst`,
      context: { 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': 'arn:aws:kms:eu-central-1:999999999999:key/other' },
    };

    await expect(decide(request)).resolves.toMatch(/: ExplicitlyDenied$/);
  });

  it('lets the completion rule, and no other, invoke backup-completed', async () => {
    const completed = world.arnOf('AWS::Lambda::Function', 'FunctionsBackupCompleted');
    const invoke = (rule: string) => ({ principal: 'events.amazonaws.com', action: 'lambda:InvokeFunction', resource: completed, context: { 'aws:SourceArn': rule, 'aws:SourceAccount': world.account } });

    await expect(decide(invoke(world.arnOf('AWS::Events::Rule', 'FunctionsCommandFinished')))).resolves.toMatch(/: Allowed$/);
    await expect(decide(invoke(world.arnOf('AWS::Events::Rule', 'ComplianceInventoryDelivered')))).resolves.toMatch(/Denied$/);
  });

  it("lets the schedules' one role invoke scheduled-backup and restore-drill, and no other function", async () => {
    const schedulerRole = role('SchedulesRole');
    const invoke = (fn: string) => decide({ principal: schedulerRole, action: 'lambda:InvokeFunction', resource: world.arnOf('AWS::Lambda::Function', fn) });

    await expect(invoke('FunctionsScheduledBackup')).resolves.toMatch(/: Allowed$/);
    await expect(invoke('DrillsRestoreDrill')).resolves.toMatch(/: Allowed$/);
    await expect(invoke('RestoreFunction')).resolves.toMatch(/: ImplicitlyDenied$/);
    await expect(invoke('FunctionsBackupCompleted')).resolves.toMatch(/: ImplicitlyDenied$/);
  });

  it("lets S3 Inventory of the backup bucket, and of no other, deliver into the reports bucket", async () => {
    const delivery = (source: string) => ({
      principal: 's3.amazonaws.com',
      action: 's3:PutObject',
      resource: `${world.arnOf('AWS::S3::Bucket', 'ComplianceReports')}/inventory/backups/cronsnap-daily/data/3b2b9c1e.csv.gz`,
      context: { 'aws:SourceArn': source, 'aws:SourceAccount': world.account },
    });

    await expect(decide(delivery(bucket))).resolves.toMatch(/: Allowed$/);
    await expect(decide(delivery('arn:aws:s3:::someone-elses-bucket'))).resolves.toMatch(/Denied$/);
  });

  it('gives no function a database password', async () => {
    const roles = Object.keys(template.findResources('AWS::IAM::Role')).map((id) => `role/${id}`);
    const parameter = `arn:aws:ssm:${world.region}:${world.account}:parameter/cronsnap/prod-mysql/password`;

    const decisions = await Promise.all(roles.map((principal) => world.evaluate({ principal, action: 'ssm:GetParameter', resource: parameter })));

    expect(new Set(decisions)).toEqual(new Set(['ImplicitlyDenied']));
  });

  it('lets compliance-report read the inventory S3 delivered, write its reports and publish its violations, and nothing more', async () => {
    // The report's own calls, from a real build over a delivered inventory with one job out of policy.
    const reportsBucket = world.arnOf('AWS::S3::Bucket', 'ComplianceReports');
    const now = new Date('2026-11-24T12:30:00Z');
    const memory = new MemoryObjectStore();
    const scheduled = new Date('2026-11-24T12:00:00Z');
    const prefix = `${runPrefix('prod-etcd', runIdFor('inventory-run', scheduled), scheduled)}/i-0123456789abcdef0`;
    const manifestKey = writeInventory(memory, 'backups', [
      { key: `${prefix}/snapshot.db.zst`, size: 5000, lastModified: scheduled, encryptionStatus: 'SSE-S3' },
      { key: `${prefix}/manifest.json`, size: 800, lastModified: scheduled },
    ], now);
    const store = new IamRecordingStore(memory);
    const { report } = await buildComplianceReport(manifestKey, { config: parseConfig(jobs), reports: store, backupBucket: 'backups', backups: store, now: () => now });
    const principal = role('ComplianceComplianceReportFunctionServiceRole');
    const topic = world.arnOf('AWS::SNS::Topic', 'FailuresTopic');
    const requests: IamRequest[] = [
      ...store.actions.map((call) =>
        call.action === 's3:ListBucket'
          ? { principal, action: call.action, resource: reportsBucket, context: { 's3:prefix': call.prefix ?? '' } }
          : { principal, action: call.action, resource: `${reportsBucket}/${call.key ?? ''}` },
      ),
      { principal, action: 'sns:Publish', resource: topic },
      { principal, action: 'kms:GenerateDataKey', resource: world.arnOf('AWS::KMS::Key', 'FailuresKey') },
    ];

    expect(report.ok).toBe(false);
    expect(store.actions.filter((call) => call.action === 's3:GetObject').length).toBeGreaterThanOrEqual(2);
    expect(store.actions.filter((call) => call.action === 's3:PutObject').length).toBeGreaterThanOrEqual(3);
    expect(await Promise.all(requests.map(decide))).toEqual(requests.map((request) => expect.stringMatching(new RegExp(`^${request.principal} ${request.action} .*: Allowed$`))));
    await expect(decide({ principal, action: 's3:PutObject', resource: `${reportsBucket}/inventory/backups/forged.csv.gz` })).resolves.toMatch(/Denied$/);
    await expect(decide({ principal, action: 's3:GetObject', resource: `${bucket}/${prefix}/snapshot.db.zst` })).resolves.toMatch(/Denied$/);
  });

  it('lets compliance-report read the dump and log manifests of a job that ships binary logs, and none of their payloads', async () => {
    const now = new Date('2026-11-30T12:40:00Z');
    const scheduled = new Date('2026-11-30T12:00:00Z');
    const host = 'i-0123456789abcdef1';
    const runId = runIdFor('dump', scheduled);
    const prefix = `${runPrefix('shop-mysql', runId, scheduled)}/${host}`;
    const base = mysqlManifest();
    const backups = new MemoryObjectStore();
    backups.objects.set(`${prefix}/manifest.json`, JSON.stringify({ ...base, job: 'shop-mysql', runId, host, finishedAt: '2026-11-30T12:00:30Z', mysql: { ...base.mysql, binlogFile: 'binlog.000014', binlogServer: 'server-1' } }));
    const log = binlogManifest(14, '2026-11-30T12:00:10Z', '2026-11-30T12:30:00Z', { job: 'shop-mysql' });
    const logKey = log.payload.key.replace(/\.zst$/, '.json');
    backups.objects.set(logKey, JSON.stringify(log));
    const reports = new MemoryObjectStore();
    const manifestKey = writeInventory(reports, 'backups', [`${prefix}/all-databases.sql.zst`, `${prefix}/manifest.json`, log.payload.key, logKey].map((key) => ({ key, size: 100, lastModified: new Date('2026-11-30T12:30:05Z') })), now);
    const recorded = new IamRecordingStore(backups);
    const { report } = await buildComplianceReport(manifestKey, { config: parseConfig(jobs), reports, backupBucket: 'backups', backups: recorded, now: () => now });
    const principal = role('ComplianceComplianceReportFunctionServiceRole');
    const requests: IamRequest[] = [
      ...recorded.actions.map((call) => ({ principal, action: call.action, resource: `${bucket}/${call.key ?? ''}` })),
      { principal, action: 'kms:Decrypt', resource: world.arnOf('AWS::KMS::Key', 'StorageKey') },
    ];

    expect(report.jobs.find((job) => job.job === 'shop-mysql')?.pointInTime).toMatchObject({ earliest: '2026-11-30T12:00:30Z', latest: '2026-11-30T12:30:00Z' });
    expect(recorded.actions.map((call) => `${call.action} ${call.key ?? ''}`).sort()).toEqual([`s3:GetObject ${prefix}/manifest.json`, `s3:GetObject ${logKey}`]);
    expect(await Promise.all(requests.map(decide))).toEqual(requests.map((request) => expect.stringMatching(new RegExp(`^${request.principal} ${request.action} .*: Allowed$`))));
    await expect(decide({ principal, action: 's3:GetObject', resource: `${bucket}/${log.payload.key}` })).resolves.toMatch(/Denied$/);
    await expect(decide({ principal, action: 's3:GetObject', resource: `${bucket}/${prefix}/all-databases.sql.zst` })).resolves.toMatch(/Denied$/);
  });

  it('lets the restore function start the etcd workflow, and the workflow invoke only its step function', async () => {
    const stateMachine = world.arnOf('AWS::StepFunctions::StateMachine', 'RestoreEtcdRestoreWorkflowStateMachine');
    const workflowRole = role('RestoreEtcdRestoreWorkflowStateMachineRole');
    const step = world.arnOf('AWS::Lambda::Function', 'RestoreEtcdRestoreStepFunction');

    await expect(decide({ principal: role('RestoreFunctionServiceRole'), action: 'states:StartExecution', resource: stateMachine })).resolves.toMatch(/: Allowed$/);
    await expect(decide({ principal: role('RestoreListBackupsFunctionServiceRole'), action: 'states:StartExecution', resource: stateMachine })).resolves.toMatch(/: ImplicitlyDenied$/);
    await expect(decide({ principal: workflowRole, action: 'lambda:InvokeFunction', resource: step })).resolves.toMatch(/: Allowed$/);
    await expect(decide({ principal: workflowRole, action: 'lambda:InvokeFunction', resource: world.arnOf('AWS::Lambda::Function', 'RestoreFunction') })).resolves.toMatch(/: ImplicitlyDenied$/);
  });

  describe('calls the local mode makes to stand-ins, as the SDK would send them', () => {
    const names = { bucket: 'backups', kmsKeyId: 'arn:aws:kms:eu-central-1:123456789012:key/moto' };
    const judged = async (call: RecordedCall) => Promise.all((iamRequestsOf(call, world, names)?.requests ?? []).map(decide));

    it("judges a function's SendCommand on its document and on each instance it reaches, and refuses a document not its own", async () => {
      const mysqlRestore = { DocumentName: 'cronsnap-mysql-restore', InstanceIds: ['i-0123456789abcdef1'] };

      await expect(judged(standInCall(functionKey('restore'), 'AmazonSSM.SendCommand', mysqlRestore))).resolves.toEqual([
        expect.stringMatching(/ssm:SendCommand arn:aws:ssm:eu-central-1:123456789012:document\/cronsnap-mysql-restore: Allowed$/),
        expect.stringMatching(/ssm:SendCommand arn:aws:ec2:eu-central-1:123456789012:instance\/i-0123456789abcdef1: Allowed$/),
      ]);
      // Any document but cronsnap's own is refused, whatever the node: AWS-RunShellScript would run anything.
      await expect(judged(standInCall(functionKey('restore'), 'AmazonSSM.SendCommand', { ...mysqlRestore, DocumentName: 'AWS-RunShellScript' }))).resolves.toContainEqual(
        expect.stringMatching(/document\/AWS-RunShellScript: ImplicitlyDenied$/),
      );
      await expect(judged(standInCall(functionKey('scheduled-backup'), 'AmazonSSM.SendCommand', mysqlRestore))).resolves.toContainEqual(
        expect.stringMatching(/document\/cronsnap-mysql-restore: ImplicitlyDenied$/),
      );
      // The etcd documents are the etcd step function's; each node a tag target reaches is judged.
      const etcdStep = { DocumentName: 'cronsnap-etcd-restore', Targets: [{ Key: 'tag:cronsnap:role', Values: ['etcd', 'node'] }] };
      await expect(judged(standInCall(functionKey('etcd-restore-step'), 'AmazonSSM.SendCommand', etcdStep))).resolves.toEqual([
        expect.stringMatching(/document\/cronsnap-etcd-restore: Allowed$/),
        expect.stringMatching(/instance\/i-[0-9a-f]+: Allowed$/),
        expect.stringMatching(/instance\/i-0fedcba9876543210: Allowed$/),
      ]);
      await expect(judged(standInCall(functionKey('restore'), 'AmazonSSM.SendCommand', etcdStep))).resolves.toContainEqual(expect.stringMatching(/document\/cronsnap-etcd-restore: ImplicitlyDenied$/));
    });

    it('judges the state machines invoking their Tasks and the functions starting them, by the template\'s names', async () => {
      await expect(judged(standInCall(stateMachineKey('drill'), 'AWSLambda.Invoke', { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:cronsnap-restore-drill' }))).resolves.toEqual([
        expect.stringMatching(/lambda:InvokeFunction .*: Allowed$/),
      ]);
      await expect(judged(standInCall(stateMachineKey('drill'), 'AWSLambda.Invoke', { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:cronsnap-restore' }))).resolves.toEqual([
        expect.stringMatching(/: ImplicitlyDenied$/),
      ]);
      await expect(judged(standInCall(functionKey('restore'), 'AWSStepFunctions.StartExecution', { stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:cronsnap-restore' }))).resolves.toEqual([
        expect.stringMatching(/stateMachine:Cronsnap-restore: Allowed$/),
      ]);
      // Publishing to the encrypted topic is judged with the topic key's use on the publisher's behalf.
      await expect(judged(standInCall(functionKey('restore-drill'), 'AmazonSNS.Publish', { Subject: 'drill failed' }))).resolves.toEqual([
        expect.stringMatching(/sns:Publish .*: Allowed$/),
        expect.stringMatching(/kms:GenerateDataKey .*key\/FailuresKey\w*: Allowed$/),
        expect.stringMatching(/kms:Decrypt .*key\/FailuresKey\w*: Allowed$/),
      ]);
      await expect(judged(standInCall(functionKey('list-backups'), 'AmazonSNS.Publish', { Subject: 'x' }))).resolves.toEqual(Array(3).fill(expect.stringMatching(/: ImplicitlyDenied$/)));
    });

    it('judges each schedule as Scheduler acts for it: assuming the one role for that schedule, then invoking its function; and the completion rule by the function\'s policy', async () => {
      const invoke = (fn: string) => ({ FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:cronsnap-${fn}` });
      const allowed = (principal: RegExp) => expect.stringMatching(new RegExp(`^${principal.source}.*: Allowed$`));
      const assumed = allowed(/scheduler\.amazonaws\.com sts:AssumeRole arn:aws:iam::123456789012:role\/schedulesrole\w*/);

      for (const [purpose, job, fn] of [['backup', 'prod-etcd', 'scheduled-backup'], ['drill', 'prod-etcd', 'restore-drill'], ['backup', 'shop-mysql', 'scheduled-backup'], ['binlogs', 'shop-mysql', 'scheduled-backup']] as const) {
        await expect(judged(standInCall(scheduleKey(purpose, job), 'AWSLambda.Invoke', invoke(fn)))).resolves.toEqual([assumed, allowed(/role\/SchedulesRole\w* lambda:InvokeFunction/)]);
      }
      await expect(judged(standInCall(scheduleKey('backup', 'shop-mysql'), 'AWSLambda.Invoke', invoke('restore')))).resolves.toEqual([assumed, expect.stringMatching(/SchedulesRole\w* lambda:InvokeFunction .*: ImplicitlyDenied$/)]);
      // A schedule the template does not have is no principal at all.
      expect(() => iamRequestsOf(standInCall(scheduleKey('drill', 'shop-mysql'), 'AWSLambda.Invoke', invoke('restore-drill')), world, names)).toThrow(/AWS::Scheduler::Schedule/);
      await expect(judged(standInCall(COMMAND_FINISHED_KEY, 'AWSLambda.Invoke', invoke('backup-completed')))).resolves.toEqual([allowed(/events\.amazonaws\.com lambda:InvokeFunction/)]);
      await expect(judged(standInCall(COMMAND_FINISHED_KEY, 'AWSLambda.Invoke', invoke('scheduled-backup')))).resolves.toEqual([expect.stringMatching(/: ImplicitlyDenied$/)]);
      await expect(judged(standInCall(INVENTORY_DELIVERED_KEY, 'AWSLambda.Invoke', invoke('compliance-report')))).resolves.toEqual([allowed(/events\.amazonaws\.com lambda:InvokeFunction/)]);
      await expect(judged(standInCall(INVENTORY_DELIVERED_KEY, 'AWSLambda.Invoke', invoke('backup-completed')))).resolves.toEqual([expect.stringMatching(/: ImplicitlyDenied$/)]);
    });

    it("lets no other account's schedule, nor a schedule of another group, act as the schedules' role", async () => {
      const invokeRole = world.arnOf('AWS::IAM::Role', 'SchedulesRole');
      // Scheduler names the schedule's group as the source when it assumes the role.
      const assume = (account: string, group: string) => ({
        principal: 'scheduler.amazonaws.com',
        action: 'sts:AssumeRole',
        resource: invokeRole,
        context: { 'aws:SourceAccount': account, 'aws:SourceArn': `arn:aws:scheduler:eu-central-1:${account}:schedule-group/${group}` },
      });

      await expect(decide(assume(world.account, 'Cronsnap'))).resolves.toMatch(/: Allowed$/);
      await expect(decide(assume('999999999999', 'Cronsnap'))).resolves.toMatch(/: ImplicitlyDenied$/);
      await expect(decide(assume(world.account, 'default'))).resolves.toMatch(/: ImplicitlyDenied$/);
    });

    it('takes object tagging and ACLs as their own actions, not GetObject or PutObject', () => {
      const call = (method: string, query: string, headers: Record<string, string> = {}): RecordedCall => ({
        accessKeyId: hostKey('node-files'),
        method,
        path: '/backups/node-files/x.tar.zst',
        query,
        headers,
        body: '',
      });
      const actions = (recorded: RecordedCall) => (iamRequestsOf(recorded, world, names)?.requests ?? []).map((request) => request.action);

      expect(actions(call('PUT', 'tagging'))).toEqual(['s3:PutObjectTagging']);
      expect(actions(call('GET', 'tagging'))).toEqual(['s3:GetObjectTagging']);
      expect(actions(call('PUT', 'acl'))).toEqual(['s3:PutObjectAcl']);
      expect(actions(call('PUT', '', { 'x-amz-tagging': 'a=b' }))).toEqual(['s3:PutObject', 'kms:GenerateDataKey', 's3:PutObjectTagging']);
    });
  });
});
