import { App, NestedStack, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';



import { HostAccessPolicy } from '../../infra/constructs/host-access-policy';
import { scheduledBackupEventSchema, startBackup, type ScheduledBackupEvent } from '../../lib/backup/start-backup';
import { jobGroupStackId } from '../../lib/config/job-group';
import { parseConfig } from '../../lib/config/load-config';
import { DRILL_DOCUMENTS } from '../../lib/drill/drill-programs';
import { BACKUP_PROGRAMS } from '../../lib/engines';
import { etcdEngine } from '../../lib/engines/etcd-engine';
import { preflightProgram } from '../../lib/preflight/preflight-program';
import { RESTORE_PROGRAMS } from '../../lib/restore/restore-programs';
import { programObject, programObjects } from '../../lib/ssm/command-document';
import { cfnLintFindings } from '../helpers/cfn-lint';
import { configInput, etcdJobInput, mysqlJobInput, postgresJobInput } from '../helpers/config-factory';
import { startBackupDeps } from '../helpers/recording-ports';
import { nestedStacksOf } from '../helpers/nested-stacks';
import { synthStack, synthStacks } from '../helpers/stack-factory';
import { tempDir } from '../helpers/temp-dirs';

const jobs = [
  etcdJobInput({
    name: 'prod-etcd',
    schedule: '*/30 * * * *',
    targets: { tags: { 'cronsnap:role': ['etcd'] } },
    retention: { keepLast: 48, noncurrentVersionDays: 14, infrequentAccessAfterDays: 30, glacierAfterDays: 90, maxAgeDays: 365 },
    drill: { schedule: '@daily' },
  }),
  etcdJobInput({
    name: 'berlin-etcd',
    schedule: 'cron(15 2 * * ? *)',
    timezone: 'Europe/Berlin',
    targets: { instanceIds: ['i-0123456789abcdef0'] },
    drill: { schedule: 'cron(0 4 ? * SUN *)', timezone: 'Europe/Berlin', host: 'i-0123456789abcdef9' },
  }),
  mysqlJobInput({ name: 'shop-mysql', targets: { instanceIds: ['i-0123456789abcdef1'] }, binlogs: { schedule: '*/5 * * * *' } } as never),
  postgresJobInput({
    name: 'ledger-pg',
    targets: { instanceIds: ['i-0123456789abcdef3'] },
    postgres: { server: 'db:5432', user: 'backup', passwordParameter: '/cronsnap/ledger-pg/password', mode: 'physical' },
    wal: { schedule: '*/10 * * * *', slot: 'cronsnap_ledger', alarmRetainedGiB: 4 },
  } as never),
];
const { app, stack, template } = synthStack({
  ...configInput(jobs),
  notifications: { emails: ['oncall@example.com'] },
  storage: { objectLock: { mode: 'governance', days: 30 } },
});

/** The properties of the one schedule whose description starts with `description`. */
function scheduleDescribed(description: string): { ScheduleExpression: string; Target: { Input: string } } {
  const found = Object.values(template.findResources('AWS::Scheduler::Schedule')).filter((resource) => String(resource.Properties.Description).startsWith(description));
  if (found.length !== 1) throw new Error(`${found.length} schedules are described as ${description}`);
  return found[0]?.Properties;
}

/** The event one firing of `schedule` at `time` sends, each context attribute as Scheduler fills it in (Scheduler guide, context attributes). */
function firing(schedule: { Target: { Input: string } }, time: string, attempt = 1): unknown {
  return JSON.parse(
    schedule.Target.Input.replaceAll('<aws.scheduler.schedule-arn>', 'arn:aws:scheduler:eu-central-1:123456789012:schedule/Cronsnap/a-schedule')
      .replaceAll('<aws.scheduler.scheduled-time>', time)
      .replaceAll('<aws.scheduler.execution-id>', `execution-${attempt}`)
      .replaceAll('<aws.scheduler.attempt-number>', String(attempt)),
  );
}

/** What scheduled-backup's logic runs with, its hosts `online`. */
function startDeps(...online: string[]) {
  return startBackupDeps(parseConfig(configInput(jobs)), online, new Date('2026-11-30T01:15:02Z'));
}

type PolicyResource = { Properties: { PolicyName: string; PolicyDocument: { Statement: Record<string, unknown>[] } } };

/** The statements of every inline policy, or of those whose name starts with `prefix`. */
/** CDK's bucket-deployment handler: its grants are CDK's, its own denies are judged in iam-evaluation.test.ts. */
const DEPLOYMENT_HANDLER = 'CustomCDKBucketDeployment';

/** The job objects every shared function reaches, by the object layout (infra/fleet-grants.ts). */
const JOB_OBJECTS = ['/*/????/??/??/*', '/*/binlogs/*', '/*/wal/*'];
/** The folders every shared function that lists may list. */
const JOB_FOLDERS = { StringLike: { 's3:prefix': ['*/', '*/binlogs/*', '*/wal/*'] }, StringNotLike: { 's3:prefix': ['drills/*', '_cronsnap-programs/*'] } };

/** The key patterns of a statement's backup-bucket object ARNs (`<bucket ARN>/<pattern>`). */
function objectPatterns(resource: unknown): string[] {
  return ([resource].flat() as { 'Fn::Join'?: [string, unknown[]] }[]).map((arn) => String(arn['Fn::Join']?.[1][1]));
}

/** The statements of cronsnap's own inline policies whose names start with `prefix`. */
function policyStatements(prefix = ''): Record<string, unknown>[] {
  return (Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[])
    .filter((policy) => policy.Properties.PolicyName.startsWith(prefix) && !policy.Properties.PolicyName.startsWith(DEPLOYMENT_HANDLER))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

interface StateDefinition {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, { Type: string; Next?: string; Catch?: { Next: string }[]; Choices?: { Next: string }[] } & Record<string, unknown>>;
}

/** The definition of the state machine whose logical id starts with `prefix`; the function ARNs Fn::Join splices in read 'arn'. */
function stateMachineDefinition(prefix: string): StateDefinition {
  const [, machine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([id]) => id.startsWith(prefix)) ?? [];
  const parts = (machine?.Properties.DefinitionString['Fn::Join'][1] ?? []) as unknown[];
  return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'arn')).join('')) as StateDefinition;
}

describe('CronsnapStack', () => {
  it('creates a KMS key with rotation', () => {
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('creates a versioned, private, SSE-KMS backup bucket with a bucket key', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: Match.anyValue() } },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'backup-bucket/' }),
    });
  });

  it('turns on Object Lock with the configured default retention', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 30 } } },
    });
  });

  it('gives every job prefix its lifecycle: transitions, noncurrent expiry, multipart abort, maximum age', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Id: 'job-prod-etcd',
            Prefix: 'prod-etcd/',
            Status: 'Enabled',
            Transitions: [
              { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
              { StorageClass: 'GLACIER_IR', TransitionInDays: 90 },
            ],
            NoncurrentVersionExpiration: { NoncurrentDays: 14 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
            ExpirationInDays: 365,
          }),
          Match.objectLike({ Id: 'job-berlin-etcd', Prefix: 'berlin-etcd/', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
        ]),
      },
    });
  });

  it('expires the markers but never a keep or an on-demand mark, which last as long as their runs', () => {
    const buckets = Object.values(template.findResources('AWS::S3::Bucket')) as { Properties: { LifecycleConfiguration?: { Rules: Record<string, unknown>[] } } }[];
    const backupBucket = buckets.find((bucket) => bucket.Properties.LifecycleConfiguration?.Rules.some((rule) => rule.Id === 'cronsnap-markers'));
    const rules = backupBucket?.Properties.LifecycleConfiguration?.Rules ?? [];
    expect(rules.find((rule) => rule.Id === 'cronsnap-markers')).toMatchObject({ Prefix: '_cronsnap/', ExpirationInDays: 90 });
    expect(rules.find((rule) => rule.Id === 'cronsnap-marks')).toEqual({ Id: 'cronsnap-marks', Prefix: '_cronsnap-marks/', Status: 'Enabled', NoncurrentVersionExpiration: { NoncurrentDays: 30 } });
    // A rule whose prefix covers the marks could expire them: none may, apart from their own.
    expect(rules.filter((rule) => '_cronsnap-marks/keeps/j/r.json'.startsWith(String(rule.Prefix ?? ''))).map((rule) => rule.Id)).toEqual(['cronsnap-marks']);
  });

  it('denies plain-HTTP access and puts that ask for other encryption', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'DenyOtherEncryption',
            Effect: 'Deny',
            Action: 's3:PutObject',
            Condition: { StringNotEquals: { 's3:x-amz-server-side-encryption': 'aws:kms' }, Null: { 's3:x-amz-server-side-encryption': 'false' } },
          }),
          Match.objectLike({ Sid: 'DenyOtherKmsKey', Effect: 'Deny', Action: 's3:PutObject' }),
        ]),
      },
    });
  });

  it('creates an encrypted failure topic with the configured subscription', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });

  it('schedules a UTC job through EventBridge Scheduler in UTC, passing the job, event id and time, retrying twice into the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Description: 'cronsnap backup of prod-etcd (*/30 * * * *)',
      GroupName: { Ref: Match.stringLikeRegexp('^SchedulesGroup') },
      ScheduleExpression: 'cron(0/30 * * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsScheduledBackup'), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulesRole'), 'Arn'] },
        Input: '{"job":"prod-etcd","eventId":"<aws.scheduler.schedule-arn>@<aws.scheduler.scheduled-time>","scheduledTime":"<aws.scheduler.scheduled-time>","trigger":"schedule"}',
        RetryPolicy: { MaximumRetryAttempts: 2 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsDeadLetters'), 'Arn'] } },
      },
    });
  });

  it('fires every schedule through one group and one role that only this account\'s schedules of that group may assume, so no policy grows with the jobs', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"job":"berlin-etcd"') }),
    });
    // Backups of four jobs, binary logs, WAL and two drills; the only rules left are the completion and inventory ones.
    template.resourceCountIs('AWS::Scheduler::Schedule', 8);
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    expect(Object.values(template.findResources('AWS::Events::Rule')).map((rule) => rule.Properties.ScheduleExpression)).toEqual([undefined, undefined]);
    template.resourceCountIs('AWS::Lambda::Permission', 2);
    const trusts = Object.values(template.findResources('AWS::IAM::Role')).flatMap((role) => role.Properties.AssumeRolePolicyDocument.Statement as { Principal: { Service?: string }; Condition?: unknown }[]);
    expect(trusts.filter((statement) => statement.Principal.Service === 'scheduler.amazonaws.com')).toEqual([
      expect.objectContaining({
        Condition: { StringEquals: { 'aws:SourceAccount': '123456789012', 'aws:SourceArn': { 'Fn::GetAtt': [expect.stringMatching(/^SchedulesGroup/), 'Arn'] } } },
      }),
    ]);
  });

  it('starts one run for a Scheduler firing however many attempts Scheduler makes (each has its own execution-id)', async () => {
    const schedule = scheduleDescribed('cronsnap backup of berlin-etcd');
    const attempt = (attemptNumber: number) => firing(schedule, '2026-11-30T01:15:00Z', attemptNumber) as ScheduledBackupEvent;
    const deps = startDeps('i-0123456789abcdef0');

    const first = await startBackup(attempt(1), 'request-1', deps);
    const retry = await startBackup(attempt(2), 'request-2', deps);

    expect(first).toMatchObject({ kind: 'started' });
    expect(retry).toEqual({ kind: 'duplicate', job: 'berlin-etcd', runId: (first as { runId: string }).runId });
    expect(deps.runner.sent).toHaveLength(1);
  });

  it('ships a mysql job\'s binary logs on their own schedule, whose event starts a shipping run and not a dump', async () => {
    const schedule = scheduleDescribed('cronsnap binary log shipping of shop-mysql');
    expect(schedule.ScheduleExpression).toBe('cron(0/5 * * * ? *)');
    const event = scheduledBackupEventSchema.parse(firing(schedule, '2026-11-30T01:15:00Z'));
    const deps = startDeps('i-0123456789abcdef1');

    const started = await startBackup(event, 'request-1', deps);
    const again = await startBackup(event, 'request-2', deps);

    expect(started).toMatchObject({ kind: 'started', hosts: ['i-0123456789abcdef1'] });
    expect(again).toMatchObject({ kind: 'duplicate' });
    expect(deps.runner.sent.map((request) => request.documentName)).toEqual(['cronsnap-mysql-binlogs']);
    expect(deps.runner.sent[0]?.parameters).toMatchObject({ runPrefix: expect.stringMatching(/^shop-mysql\/binlogs\/runs\/2026\/11\/30\//), executionTimeout: '1800', mysqlbinlog: 'mysqlbinlog' });
    // The dump's own schedule still starts dumps, claimed apart from the shipping runs.
    const dump = await startBackup({ ...event, kind: undefined }, 'request-3', deps);
    expect(dump).toMatchObject({ kind: 'started' });
    expect(deps.runner.sent[1]?.documentName).toBe('cronsnap-mysql-backup');
  });

  it('ships a physical postgres job\'s WAL on its own schedule, whose event starts a shipping run on the job\'s slot and not a base backup', async () => {
    const schedule = scheduleDescribed('cronsnap WAL shipping of ledger-pg');
    expect(schedule.ScheduleExpression).toBe('cron(0/10 * * * ? *)');
    const event = scheduledBackupEventSchema.parse(firing(schedule, '2026-11-30T01:10:00Z'));
    const deps = startDeps('i-0123456789abcdef3');

    const started = await startBackup(event, 'request-1', deps);
    const again = await startBackup(event, 'request-2', deps);

    expect(started).toMatchObject({ kind: 'started', hosts: ['i-0123456789abcdef3'] });
    expect(again).toMatchObject({ kind: 'duplicate' });
    expect(deps.runner.sent.map((request) => request.documentName)).toEqual(['cronsnap-postgres-wal']);
    expect(deps.runner.sent[0]?.parameters).toMatchObject({
      runPrefix: expect.stringMatching(/^ledger-pg\/wal\/runs\/2026\/11\/30\//),
      executionTimeout: '1800',
      pgReceivewal: 'pg_receivewal',
      walSlot: 'cronsnap_ledger',
      server: 'db:5432',
    });
    const base = await startBackup({ ...event, kind: undefined }, 'request-3', deps);
    expect(base).toMatchObject({ kind: 'started' });
    expect(deps.runner.sent[1]).toMatchObject({ documentName: 'cronsnap-postgres-backup', parameters: expect.objectContaining({ mode: 'physical', walSlot: 'cronsnap_ledger' }) });
  });

  it('refuses a WAL shipping event for a job that ships no WAL, naming the field', async () => {
    await expect(startBackup({ job: 'shop-mysql', kind: 'wal' }, 'request-1', startDeps('i-0123456789abcdef1'))).rejects.toThrow('job shop-mysql: wal is not set, so it ships no WAL');
  });

  it('generates one Command document per backup, restore, drill and preflight program from the host scripts, every parameter constrained', () => {
    const documents = Object.values(template.findResources('AWS::SSM::Document')) as { Properties: { Name: string; DocumentType: string; Content: { parameters: Record<string, { allowedPattern: string; interpolationType: string }>; mainSteps: { inputs: { runCommand: string[] } }[] } } }[];
    expect(documents.map((d) => d.Properties.Name).sort()).toEqual([
      'cronsnap-etcd-backup',
      'cronsnap-etcd-drill',
      'cronsnap-etcd-restore',
      'cronsnap-files-backup',
      'cronsnap-files-restore',
      'cronsnap-mysql-backup',
      'cronsnap-mysql-binlogs',
      'cronsnap-mysql-drill',
      'cronsnap-mysql-restore',
      'cronsnap-postgres-backup',
      'cronsnap-postgres-drill',
      'cronsnap-postgres-recovery',
      'cronsnap-postgres-restore',
      'cronsnap-postgres-wal',
      'cronsnap-preflight',
    ]);
    for (const { Properties } of documents) {
      const parameters = Object.values(Properties.Content.parameters);
      expect({ name: Properties.Name, constrained: parameters.every((p) => p.allowedPattern.startsWith('^') && p.interpolationType === 'ENV_VAR') }).toEqual({
        name: Properties.Name,
        constrained: true,
      });
    }
    const document = documents.find((d) => d.Properties.Name === 'cronsnap-etcd-backup');
    expect(document?.Properties).toMatchObject({ DocumentType: 'Command' });
    const parameters = Object.values(document?.Properties.Content.parameters ?? {});
    expect(parameters.length).toBeGreaterThan(10);
    expect(parameters.every((p) => p.allowedPattern.startsWith('^') && p.interpolationType === 'ENV_VAR')).toBe(true);
    const loader = JSON.stringify(document?.Properties.Content.mainSteps[0]?.inputs.runCommand);
    const program = programObject(etcdEngine.program);
    expect(loader).toContain(`' --key '${program.key}'`);
    expect(loader).toContain('{"Ref":"StorageBucket5CB7C8EA"}');
    expect(loader).not.toContain('snapshot save');
    expect(program.body).toContain('snapshot save');
  });

  it('keeps every document, a loader, under 16 KB, a quarter of what SSM allows a document with its parameter values', () => {
    const sizes = (Object.values(template.findResources('AWS::SSM::Document')) as { Properties: { Name: string; Content: unknown } }[]).map(({ Properties }) => ({
      name: Properties.Name,
      under16KB: Buffer.byteLength(JSON.stringify(Properties.Content)) < 16 * 1024,
    }));
    expect(sizes).toHaveLength(15);
    expect(sizes.filter((size) => !size.under16KB)).toEqual([]);
  });

  it("publishes each distinct program once under the backup bucket's _cronsnap-programs/, SSE-KMS with the backup key, never pruned nor removed", () => {
    const programs = programObjects([...BACKUP_PROGRAMS, ...RESTORE_PROGRAMS, ...DRILL_DOCUMENTS, preflightProgram]);
    const [deployment, ...others] = Object.values(template.findResources('Custom::CDKBucketDeployment')) as { Properties: Record<string, unknown> }[];

    expect(others).toEqual([]);
    expect(deployment?.Properties).toMatchObject({
      DestinationBucketName: { Ref: 'StorageBucket5CB7C8EA' },
      DestinationBucketKeyPrefix: '_cronsnap-programs/',
      Prune: false,
      RetainOnDelete: true,
      SystemMetadata: { sse: 'aws:kms', 'sse-kms-key-id': { 'Fn::GetAtt': ['StorageKeyBAA9457B', 'Arn'] } },
    });
    expect(deployment?.Properties.SourceObjectKeys).toHaveLength(programs.length);
    expect(programs.length).toBe(15);
    // A document's new version is sent from the moment it exists: its program is there first.
    const deployments = Object.keys(template.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    const documents = Object.values(template.findResources('AWS::SSM::Document')) as { DependsOn?: string[] }[];
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(document.DependsOn).toEqual(expect.arrayContaining(deployments));
  });

  it('runs every cronsnap function on nodejs22.x arm64 with a dead-letter queue', () => {
    // CDK's own BucketNotificationsHandler and bucket-deployment handler (Python, deploy time only) are the others.
    const functions = Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => !id.startsWith('BucketNotificationsHandler') && !id.startsWith(DEPLOYMENT_HANDLER));
    expect(functions).toHaveLength(9);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { Runtime: 'nodejs22.x', Architectures: ['arm64'], DeadLetterConfig: { TargetArn: Match.anyValue() }, TracingConfig: { Mode: 'Active' } },
      functions.length,
    );
  });

  it("sends every function's commands' output to the deployment's log group, kept 90 days and deleted with the stack, and its metrics to the deployment's namespace", () => {
    const groups = template.findResources('AWS::Logs::LogGroup', { Properties: { LogGroupName: '/cronsnap/Cronsnap/commands' } });
    expect(Object.values(groups).map((group) => ({ retention: group.Properties.RetentionInDays, deletion: group.DeletionPolicy }))).toEqual([{ retention: 90, deletion: 'Delete' }]);
    const [groupId] = Object.keys(groups);
    const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => !id.startsWith('BucketNotificationsHandler') && !id.startsWith(DEPLOYMENT_HANDLER));
    expect(functions.map(([, fn]) => fn.Properties.Environment.Variables)).toEqual(
      functions.map(() => expect.objectContaining({ CRONSNAP_COMMAND_LOG_GROUP: { Ref: groupId }, POWERTOOLS_METRICS_NAMESPACE: 'cronsnap' })),
    );
    template.hasOutput('CommandLogGroup', { Value: { Ref: groupId } });
  });

  it('refuses a stack name longer than the names derived from it can take, naming cronsnap:stackName', () => {
    expect(() => synthStacks(configInput(jobs), { stackName: `S${'x'.repeat(64)}` })).toThrow(/^cronsnap:stackName "Sx{64}": must be at most 64 characters \(the deployment's schedule group takes its name/);
    // The longest it takes gives every derived name within its own limit: schedule group, state machines, documents.
    expect(() => synthStacks(configInput(jobs), { stackName: `S${'x'.repeat(63)}` })).not.toThrow();
  });

  it("names the deployment's dashboard after the stack and its region, and gives its name and console address as outputs", () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'Cronsnap-eu-central-1' });
    template.hasOutput('Dashboard', { Value: 'Cronsnap-eu-central-1' });
    template.hasOutput('DashboardUrl', { Value: 'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#dashboards/dashboard/Cronsnap-eu-central-1' });
  });

  it('gives backup-completed the time to prune a fleet after the last host of a run: 5 minutes, not the 1-minute default', () => {
    const completed = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([id]) => id.startsWith('FunctionsBackupCompletedFunction'));
    expect(completed.map(([, fn]) => fn.Properties.Timeout)).toEqual([300]);
  });

  it('inventories the backup bucket daily, all versions, as CSV into the private reports bucket with every field the report reads', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      InventoryConfigurations: [
        {
          Id: 'cronsnap-daily',
          Enabled: true,
          ScheduleFrequency: 'Daily',
          IncludedObjectVersions: 'All',
          Destination: { Format: 'CSV', Prefix: 'inventory', BucketArn: Match.anyValue() },
          OptionalFields: [
            'Size',
            'LastModifiedDate',
            'StorageClass',
            'ETag',
            'EncryptionStatus',
            'ObjectLockMode',
            'ObjectLockRetainUntilDate',
            'ObjectLockLegalHoldStatus',
            'ChecksumAlgorithm',
            'ReplicationStatus',
          ],
        },
      ],
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'reports-bucket/' }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 's3.amazonaws.com' }, Action: 's3:PutObject' })]) },
    });
  });

  it('runs compliance-report when an inventory manifest.json lands in the reports bucket', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: [{ wildcard: 'inventory/*/manifest.json' }] } },
      },
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ComplianceComplianceReport'), 'Arn'] } })],
    });
    const statements = policyStatements('ComplianceComplianceReport');
    const s3Actions = statements.flatMap((statement) => [statement.Action].flat()).filter((action) => String(action).startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:GetObject', 's3:GetObject', 's3:PutObject']);
    // Of the backup bucket, only manifests (of runs and shipped binary logs: the windows are read
    // from them, never from payloads) and keep markers, whatever the number of jobs.
    const backupReads = statements.filter((statement) => JSON.stringify(statement.Resource).includes('StorageBucket'));
    expect(backupReads).toHaveLength(1);
    expect(objectPatterns(backupReads[0]?.Resource).sort()).toEqual(['/*/binlogs/*.json', '/*/manifest.json', '/_cronsnap-marks/keeps/*/*']);
  });

  it('alarms per job when no backup succeeded within its RPO, and when no binary log was shipped within the log schedule\'s, missing data breaching', () => {
    // prod-etcd runs every 30 minutes with a 60-minute timeout: 90 minutes in 5-minute periods.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'cronsnap',
      MetricName: 'BackupSucceeded',
      Dimensions: Match.arrayWith([{ Name: 'job', Value: 'prod-etcd' }, { Name: 'service', Value: 'backup-completed' }]),
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 18,
      DatapointsToAlarm: 18,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^FailuresTopic') }],
    });
    // shop-mysql ships its binary logs every 5 minutes within 30: no log shipped for 35 minutes alarms.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'BinlogsShipped',
      Dimensions: Match.arrayWith([{ Name: 'job', Value: 'shop-mysql' }, { Name: 'service', Value: 'backup-completed' }]),
      Period: 300,
      EvaluationPeriods: 7,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    // ledger-pg ships WAL every 10 minutes: no successful run for 40 minutes alarms, as does a slot
    // holding more than its 4 GiB, or no run reporting what it holds.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WalShippingSucceeded',
      Dimensions: Match.arrayWith([{ Name: 'job', Value: 'ledger-pg' }]),
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'WalSlotRetainedBytes',
      Dimensions: Match.arrayWith([{ Name: 'job', Value: 'ledger-pg' }, { Name: 'service', Value: 'backup-completed' }]),
      Statistic: 'Maximum',
      Threshold: 4 * 1024 ** 3,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^FailuresTopic') }],
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 9);
  });

  it('schedules each job\'s restore drill, in its own time zone, passing the job, event id and time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Description: 'cronsnap restore drill of prod-etcd (@daily)',
      ScheduleExpression: 'cron(0 0 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DrillsRestoreDrill'), 'Arn'] },
        Input: Match.stringLikeRegexp('"job":"prod-etcd"'),
      }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Description: 'cronsnap restore drill of berlin-etcd (cron(0 4 ? * SUN *))',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({ Input: Match.stringLikeRegexp('"job":"berlin-etcd"') }),
    });
  });

  it("lets restore-drill send only the drill documents, to the fleet's nodes, and write only drill results", () => {
    const statements = policyStatements('DrillsRestoreDrill');
    const sends = statements.filter((statement) => statement.Action === 'ssm:SendCommand');
    // Only etcd jobs are drilled here: the mysql and postgres drill documents exist but cannot be sent.
    expect(JSON.stringify(sends).match(/document\/[a-z-]+/g)).toEqual(['document/cronsnap-etcd-drill']);
    expect(sends.find((statement) => statement.Sid === 'SendToFleet')).toBeDefined();
    const puts = statements.filter((statement) => statement.Action === 's3:PutObject');
    expect(puts.flatMap((statement) => objectPatterns(statement.Resource)).sort()).toEqual(['/_cronsnap/drills/*', '/drills/*']);
    expect(statements.flatMap((statement) => [statement.Action].flat())).not.toContain('s3:DeleteObject');
  });

  it('alarms when no drill passed for twice the drill interval: DrillPassed within 7 days, else the report\'s drill age', () => {
    // Daily drills: two days in hourly periods.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DrillPassed',
      Dimensions: Match.arrayWith([{ Name: 'job', Value: 'prod-etcd' }, { Name: 'service', Value: 'restore-drill' }]),
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 48,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    // Weekly drills: fourteen days is beyond CloudWatch's seven, so the daily report's age is compared.
    // Berlin's longest week holds the autumn clock change: 7 days and an hour.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'SecondsSinceLastPassedDrill',
      Dimensions: Match.arrayWith([{ Name: 'job', Value: 'berlin-etcd' }, { Name: 'service', Value: 'compliance-report' }]),
      Statistic: 'Maximum',
      Threshold: 2 * (7 * 86400 + 3600),
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^FailuresTopic') }],
    });
  });

  it("lets list-backups list the job folders and read the jobs' objects and keeps, with no write", () => {
    const statements = policyStatements('RestoreListBackups');
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions.sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:GetObject', 's3:ListBucket', 'sqs:SendMessage', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort());
    expect(statements.find((statement) => statement.Action === 's3:ListBucket')?.Condition).toEqual(JOB_FOLDERS);
    const reads = statements.filter((statement) => statement.Action === 's3:GetObject').flatMap((statement) => objectPatterns(statement.Resource));
    expect(reads.sort()).toEqual([...JOB_OBJECTS, '/_cronsnap-marks/keeps/*/*'].sort());
  });

  it('routes finished invocations of our documents only to backup-completed, retried 4 times within 6 hours, then to the dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ssm'],
        'detail-type': ['EC2 Command Invocation Status-change Notification'],
        detail: { 'document-name': ['cronsnap-etcd-backup', 'cronsnap-mysql-backup', 'cronsnap-postgres-backup', 'cronsnap-files-backup', 'cronsnap-mysql-binlogs', 'cronsnap-postgres-wal'], status: Match.arrayWith(['Success', 'Failed', 'TimedOut']) },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsBackupCompletedFunction'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsDeadLetters'), 'Arn'] } },
        }),
      ],
    });
  });

  it("allows SendCommand only with the backup documents, to the fleet's nodes", () => {
    const sends = policyStatements('FunctionsScheduledBackup').filter((statement) => statement.Action === 'ssm:SendCommand');
    expect(sends).toHaveLength(2);
    expect(JSON.stringify(sends).match(/document\/[a-z-]+/g)?.sort()).toEqual(BACKUP_PROGRAMS.map((program) => `document/cronsnap-${program.id}`).sort());
    expect(sends.find((statement) => statement.Sid === 'SendToFleet')?.Resource).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:eu-central-1:123456789012:instance/*']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ssm:eu-central-1:123456789012:managed-instance/*']] },
    ]);
  });

  it("lets only the restore functions send restore documents, the etcd workflow's step the etcd ones", () => {
    const documentsSentBy = (prefix: string) =>
      policyStatements(prefix)
        .filter((statement) => statement.Action === 'ssm:SendCommand' && JSON.stringify(statement.Resource).includes(':document/'))
        .flatMap((statement) => JSON.stringify(statement.Resource).match(/document\/[a-z-]+/g) ?? []);
    expect(documentsSentBy('RestoreEtcdRestoreStep').sort()).toEqual(['document/cronsnap-etcd-restore', 'document/cronsnap-files-restore']);
    // The restore function's own workflow steps send database and file-set restores; etcd restores are the etcd workflow's.
    expect(documentsSentBy('RestoreFunctionServiceRole').sort()).toEqual([
      'document/cronsnap-files-restore',
      'document/cronsnap-mysql-restore',
      'document/cronsnap-postgres-recovery',
      'document/cronsnap-postgres-restore',
    ]);
    expect(documentsSentBy('FunctionsScheduledBackup').some((name) => name.endsWith('-restore'))).toBe(false);
    const stepSids = policyStatements('RestoreEtcdRestoreStep').flatMap((statement) => (typeof statement.Sid === 'string' ? [statement.Sid] : []));
    expect(stepSids).toEqual(['SendToFleet']);
  });

  /** The Tasks from `from` on, each step's loop (Task, its -done Choice, its -wait Wait) taken as one. */
  function taskOrder(definition: StateDefinition, from: string): string[] {
    const order: string[] = [];
    for (let state: string | undefined = from; state; ) {
      const current: StateDefinition['States'][string] | undefined = definition.States[state];
      if (current?.Type === 'Task') {
        order.push(state);
        const done: StateDefinition['States'][string] | undefined = definition.States[current.Next ?? ''];
        expect(done).toMatchObject({ Type: 'Choice', Default: `${state}-wait` });
        expect(definition.States[`${state}-wait`]).toMatchObject({ Type: 'Wait', Next: state });
        state = done?.Choices?.[0]?.Next;
      } else {
        order.push(state);
        state = current?.Next;
      }
    }
    return order;
  }

  it('runs the etcd restore as a state machine: every step in order, each polled, abandon before the stop, rollback from the stop to the health check, a failed revision bump reported', () => {
    const definition = stateMachineDefinition('RestoreEtcdRestoreWorkflow');
    expect(definition.States[definition.StartAt]).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.plan.kind', StringEquals: 'etcd-member-replace', Next: 'Replace' }], Default: 'Start' });
    expect(taskOrder(definition, 'Start')).toEqual(['Start', 'prepare', 'stop', 'config', 'restore', 'start', 'health', 'revision', 'Restored']);
    const caughtBy = (state: string) => definition.States[state]?.Catch?.map((handler) => handler.Next);
    expect(caughtBy('prepare')).toEqual(['abandon']);
    for (const state of ['stop', 'config', 'restore', 'start', 'health']) expect(caughtBy(state)).toEqual(['rollback']);
    expect(caughtBy('revision')).toEqual(['RevisionNotAdvanced']);
    expect(definition.States.RevisionNotAdvanced?.Type).toBe('Fail');
    expect([taskOrder(definition, 'rollback'), taskOrder(definition, 'abandon')]).toEqual([
      ['rollback', 'RolledBack'],
      ['abandon', 'Abandoned'],
    ]);
    expect([definition.States.RolledBack, definition.States.Abandoned]).toEqual([expect.objectContaining({ Error: 'RestoreRolledBack' }), expect.objectContaining({ Error: 'RestoreFailed' })]);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true }, LoggingConfiguration: Match.objectLike({ Level: 'ALL' }) });
  });

  it('replaces one etcd member through the same state machine, stopping where a step fails without undoing membership changes', () => {
    const definition = stateMachineDefinition('RestoreEtcdRestoreWorkflow');
    const order = taskOrder(definition, 'Replace');
    expect(order).toEqual(['Replace', 'replace-membership', 'replace-config', 'replace-rejoin', 'replace-health', 'Replaced']);
    for (const state of order.slice(1, -1)) expect(definition.States[state]?.Catch?.map((handler) => handler.Next)).toEqual(['ReplaceFailed']);
  });

  it.each([
    ['restore', 'RestoreRestoreWorkflow', 'RestoreFunction', 'Cronsnap-restore'],
    ['restore-drill', 'DrillsDrillWorkflow', 'DrillsRestoreDrill', 'Cronsnap-drill'],
  ])('follows %s host programs with a state machine whose steps are that function: step, done?, wait the state\'s own seconds, step', (_fn, machineId, functionId, name) => {
    const definition = stateMachineDefinition(machineId);
    expect(definition.StartAt).toBe('step');
    expect(definition.States.step).toMatchObject({ Type: 'Task', Next: 'done?', Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }] });
    expect(definition.States['done?']).toMatchObject({ Type: 'Choice', Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Finished' }], Default: 'wait' });
    expect(definition.States.wait).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'step' });
    expect(definition.States.Finished).toMatchObject({ Type: 'Succeed', OutputPath: '$.outcome' });
    // The step's own error name and message reach the CLI (a refusal stays a refusal).
    expect(definition.States.Failed).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
    expect(definition.TimeoutSeconds).toBeGreaterThanOrEqual(172_800);

    const [machineLogicalId, machine] = Object.entries(template.findResources('AWS::StepFunctions::StateMachine')).find(([id]) => id.startsWith(machineId)) ?? [];
    expect(machine?.Properties.StateMachineName).toBe(name);
    const [, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([id]) => id.startsWith(functionId)) ?? [];
    // The function is given the machine's ARN by name (no cycle), and may start exactly that machine.
    const arn = JSON.stringify(fn?.Properties.Environment.Variables.CRONSNAP_HOST_WORKFLOW_ARN);
    expect(arn).toContain(`:stateMachine:${name}`);
    const starts = policyStatements(functionId).filter((statement) => statement.Action === 'states:StartExecution');
    expect(starts.map((statement) => JSON.stringify(statement.Resource))).toContain(arn);
    expect(machineLogicalId).toBeDefined();
  });

  it('gives hosts a managed policy per job: put and get under the job prefix, never delete', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as { Properties: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } } }[];
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      const actions = policy.Properties.PolicyDocument.Statement.flatMap((statement) => statement.Action);
      expect(actions).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject', 'kms:GenerateDataKey', 'kms:Decrypt']));
      expect(actions.some((action) => /Delete|\*/.test(action))).toBe(false);
    }
    expect(JSON.stringify(policies)).toContain('/prod-etcd/*');
    template.hasOutput('HostPolicyprodetcd', { Export: { Name: 'Cronsnap-host-prod-etcd' } });
    // In the job's group stack: the stack's own outputs stay few whatever the number of jobs.
    expect(Template.fromStack(stack).toJSON().Outputs).not.toHaveProperty('HostPolicyprodetcd');
    const holder = nestedStacksOf(stack).find((nested) => 'HostPolicyprodetcd' in (Template.fromStack(nested).toJSON().Outputs ?? {}));
    expect(holder?.node.id).toBe(jobGroupStackId('prod-etcd'));
  });

  it('lets only each database job\'s hosts read that job\'s password parameter', () => {
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy')) as { Properties: { Description: string; PolicyDocument: { Statement: { Sid?: string; Resource: unknown }[] } } }[];
    const readers = policies.filter((policy) => policy.Properties.PolicyDocument.Statement.some((statement) => statement.Sid === 'ReadJobSecrets'));
    const read = readers.map((policy) => ({
      job: /of job (\S+):/.exec(policy.Properties.Description)?.[1],
      parameters: JSON.stringify(policy.Properties.PolicyDocument.Statement.find((statement) => statement.Sid === 'ReadJobSecrets')?.Resource).match(/parameter\/[^"]+/g),
    }));
    expect(read).toEqual([
      { job: 'shop-mysql', parameters: ['parameter/cronsnap/prod-mysql/password'] },
      { job: 'ledger-pg', parameters: ['parameter/cronsnap/ledger-pg/password'] },
    ]);
    expect(JSON.stringify(policyStatements())).not.toContain('ssm:GetParameter');
  });

  it('lets a job\'s hosts read only that job\'s Secrets Manager secret, by name whatever its suffix, or by exact ARN', () => {
    const stack = new Stack(new App(), 'Secrets', { env: { account: '123456789012', region: 'eu-west-1' } });
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-3f2a-AbCdEf';
    const host = new HostAccessPolicy(stack, 'Host', {
      jobName: 'prod-pg',
      bucket: new s3.Bucket(stack, 'Bucket'),
      key: new kms.Key(stack, 'Key'),
      commandLogGroup: '/cronsnap/Secrets/commands',
      secretsManagerSecrets: ['prod/pg/password', arn],
    });

    const statements = Stack.of(host).resolve(host.policy.document.toJSON()).Statement as { Sid?: string; Action: unknown; Resource: unknown }[];
    expect(statements.filter((statement) => JSON.stringify(statement.Action).includes('secretsmanager'))).toEqual([
      {
        Sid: 'ReadJobSecretValues',
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:123456789012:secret:prod/pg/password-??????']] }, arn],
      },
    ]);
    expect(JSON.stringify(statements)).not.toContain('ssm:GetParameter');
  });

  it("lets only backup-completed delete backups, only the jobs' objects by the object layout, the restore role only keep markers, and grants no wildcard action on data", () => {
    const deleting = policyStatements().filter((statement) => [statement.Action].flat().some((action) => /^s3:.*Delete/.test(String(action))));
    expect(deleting).toHaveLength(2);
    const pruning = policyStatements('FunctionsBackupCompleted').find((statement) => [statement.Action].flat().includes('s3:DeleteObject'));
    expect(objectPatterns(pruning?.Resource)).toEqual(JOB_OBJECTS);
    const unkeeping = policyStatements('RestoreFunction').find((statement) => [statement.Action].flat().includes('s3:DeleteObject'));
    expect(objectPatterns(unkeeping?.Resource)).toEqual(['/_cronsnap-marks/keeps/*/*']);
    const actions = policyStatements().flatMap((statement) => statement.Action as string | string[]);
    expect(actions.filter((action) => /^s3:.*\*/.test(action))).toEqual([]);
  });

  it("lets backup-completed list the job folders and the markers beside them, never the bucket's root, drill results or programs, and read retention under Object Lock", () => {
    const statements = policyStatements('FunctionsBackupCompleted');
    expect(statements.find((statement) => statement.Action === 's3:ListBucket')?.Condition).toEqual(JOB_FOLDERS);
    expect(statements.some((statement) => [statement.Action].flat().includes('s3:GetObjectRetention'))).toBe(true);
  });

  it('passes cfn-lint with no error and no warning but those acknowledged in infra/cfn-lint-acknowledgements.ts', () => {
    expect(cfnLintFindings(app)).toEqual([]);
  });

  it('has a cfn-lint check that does fail on a template CloudFormation would refuse', () => {
    const bad = new App({ outdir: tempDir('cronsnap-lint-') });
    new s3.CfnBucket(new Stack(bad, 'Bad'), 'Upper', { bucketName: 'Not_A_Valid_Bucket_Name' });

    expect(cfnLintFindings(bad)).toContainEqual(expect.stringMatching(/^Error E3031 at Resources\/Upper\/Properties\/BucketName: /));
  });

  it("lints the nested stacks' templates too", () => {
    const bad = new App({ outdir: tempDir('cronsnap-lint-') });
    new s3.CfnBucket(new NestedStack(new Stack(bad, 'Parent'), 'Child'), 'Upper', { bucketName: 'Not_A_Valid_Bucket_Name' });

    expect(cfnLintFindings(bad)).toContainEqual(expect.stringMatching(/^Error E3031 at Resources\/Upper\/Properties\/BucketName: /));
  });

  it('passes cdk-nag AwsSolutions with every remaining finding acknowledged', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('passes cdk-nag with a password read from a Secrets Manager secret by name: its ?????? suffix is no wildcard finding', () => {
    const secretJob = postgresJobInput({ name: 'shop-pg', targets: { instanceIds: ['i-0123456789abcdef2'] }, postgres: { server: 'db:5432', user: 'backup', passwordSecret: { id: 'prod/shop-pg', jsonKey: 'password' } } } as never);
    const { app: withSecret } = synthStack(configInput([secretJob]));

    expect(() => withSecret.synth()).not.toThrow();
    expect(cfnLintFindings(withSecret)).toEqual([]);
  });

  it('has a cdk-nag check that does fail on a non-compliant resource', () => {
    const bad = new App({ outdir: tempDir('cronsnap-nag-') });
    new s3.Bucket(new Stack(bad, 'Bad'), 'Open');
    Validations.of(bad).addPlugins(new AwsSolutionsChecks(bad));
    expect(() => bad.synth()).toThrow();
  });
});
