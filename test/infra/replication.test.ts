import { Match } from 'aws-cdk-lib/assertions';
import { parseConfig } from '../../lib/config/load-config';
import { copyAccountPolicies } from '../../lib/replica/copy-account-policies';
import { cfnLintFindings } from '../helpers/cfn-lint';
import { IamWorld, type IamRequest } from '../helpers/iam-world';
import { configInput, etcdJobInput, filesJobInput, mysqlJobInput } from '../helpers/config-factory';
import { synthStacks, TEST_ACCOUNT } from '../helpers/stack-factory';

const jobs = [
  etcdJobInput({ name: 'prod-etcd', targets: { tags: { 'cronsnap:role': ['etcd'] } }, retention: { keepLast: 48, noncurrentVersionDays: 14, maxAgeDays: 365 } }),
  mysqlJobInput({ name: 'shop-mysql', targets: { instanceIds: ['i-0123456789abcdef1'] } }),
  filesJobInput({ name: 'etc-files', targets: { instanceIds: ['i-0123456789abcdef2'] } }),
];
const COPY_BUCKET = `cronsnap-replica-${TEST_ACCOUNT}-eu-west-1`;
/** An ARN as the template writes it, its partition a reference. */
const partitioned = (rest: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] });
const COPY_ARN = partitioned(`:s3:::${COPY_BUCKET}`);

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, Record<string, unknown>> };
type PolicyResource = { Properties: { PolicyDocument: { Statement: Statement[] }; Roles?: { Ref: string }[] } };

const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('a copy in another region of the same account', () => {
  const { app, stack, template, replica } = synthStacks({
    ...configInput(jobs),
    notifications: { emails: ['oncall@example.com'] },
    storage: { objectLock: { mode: 'governance', days: 30 }, replica: { region: 'eu-west-1' } },
  });
  const copy = replica?.template;
  if (!replica || !copy) throw new Error('no replica stack was synthesized');

  /** The copy's key ARN as the main template reads it: the replica stack's output of its key's ARN. */
  const copyKeyArnOutput = () => {
    const [keyId] = Object.keys(copy.findResources('AWS::KMS::Key'));
    const outputs = Object.keys(copy.findOutputs('*', { Value: { 'Fn::GetAtt': [keyId, 'Arn'] } }));
    expect(outputs).toHaveLength(1);
    return { 'Fn::GetStackOutput': { StackName: 'CronsnapReplica', Region: 'eu-west-1', OutputName: outputs[0] } };
  };

  /** The statements of the replication role's inline policy. */
  function replicationStatements(): Statement[] {
    const [roleId] = Object.keys(template.findResources('AWS::IAM::Role', { Properties: { RoleName: 'Cronsnap-replication-eu-central-1' } }));
    return (Object.values(template.findResources('AWS::IAM::Policy')) as PolicyResource[])
      .filter((policy) => policy.Properties.Roles?.some((role) => role.Ref === roleId))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
  }

  it('deploys the copy\'s stack in the replica region, before the main stack that replicates into it', () => {
    expect(replica.stack.region).toBe('eu-west-1');
    expect(replica.stack.stackName).toBe('CronsnapReplica');
    expect(stack.dependencies.map((dependency) => dependency.stackName)).toEqual(['CronsnapReplica']);
  });

  it('replicates every object, re-encrypted with the copy\'s key, under the 15-minute time control with metrics', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Role: { 'Fn::GetAtt': [Match.stringLikeRegexp('ReplicationRole'), 'Arn'] },
        Rules: [
          {
            Id: 'cronsnap-copy',
            Status: 'Enabled',
            Filter: { Prefix: '' },
            SourceSelectionCriteria: { SseKmsEncryptedObjects: { Status: 'Enabled' } },
            Destination: {
              Bucket: COPY_ARN,
              StorageClass: 'STANDARD',
              EncryptionConfiguration: { ReplicaKmsKeyID: copyKeyArnOutput() },
              ReplicationTime: { Status: 'Enabled', Time: { Minutes: 15 } },
              Metrics: { Status: 'Enabled', EventThreshold: { Minutes: 15 } },
            },
          },
        ],
      },
    });
  });

  it('sends prunes to the copy as delete markers only: no version deletion is ever replicated', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: { Rules: [Match.objectLike({ DeleteMarkerReplication: { Status: 'Enabled' } })] },
    });
    const actions = replicationStatements().flatMap(actionsOf);
    expect(actions).toEqual(expect.arrayContaining(['s3:ReplicateObject', 's3:ReplicateDelete']));
    expect(actions.filter((action) => /Delete(Object|Bucket)/.test(action))).toEqual([]);
    // The copy expires what the source deleted by its own noncurrent rule, per job.
    copy.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: COPY_BUCKET,
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ Id: 'job-prod-etcd', NoncurrentVersionExpiration: { NoncurrentDays: 14 }, ExpirationInDays: 365 })]) },
    });
  });

  it('names the copy\'s key in the replication rule by the replica stack\'s key ARN, not by an alias', () => {
    const source = new IamWorld(template.toJSON() as never, TEST_ACCOUNT, 'eu-central-1', { CronsnapReplica: new IamWorld(copy.toJSON() as never, TEST_ACCOUNT, 'eu-west-1') });
    const [bucket] = Object.values(template.findResources('AWS::S3::Bucket', { Properties: { ReplicationConfiguration: Match.anyValue() } })) as { Properties: Record<string, unknown> }[];
    const { ReplicationConfiguration } = source.resolve(bucket?.Properties) as { ReplicationConfiguration: { Rules: { Destination: { EncryptionConfiguration: { ReplicaKmsKeyID: string } } }[] } };
    const [keyId] = Object.keys(copy.findResources('AWS::KMS::Key'));

    expect(ReplicationConfiguration.Rules.map((rule) => rule.Destination.EncryptionConfiguration.ReplicaKmsKeyID)).toEqual([`arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/${keyId}`]);
  });

  it('gives the replication role the source key only through S3 for the source bucket, and the copy key by its key ARN', () => {
    const kms = replicationStatements().filter((statement) => actionsOf(statement).some((action) => action.startsWith('kms:')));
    expect(kms).toEqual([
      expect.objectContaining({
        Action: 'kms:Decrypt',
        Resource: { 'Fn::GetAtt': [expect.stringMatching(/^StorageKey/), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' } },
      }),
      expect.objectContaining({
        Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
        Resource: copyKeyArnOutput(),
        Condition: { StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' } },
      }),
    ]);
    copy.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/cronsnap-replica' });
  });

  it('lets the replication role read lock state, since the copy is locked too', () => {
    expect(replicationStatements().flatMap(actionsOf)).toEqual(expect.arrayContaining(['s3:GetObjectRetention', 's3:GetObjectLegalHold', 's3:GetObjectVersionForReplication']));
    copy.hasResourceProperties('AWS::S3::Bucket', { BucketName: COPY_BUCKET, ObjectLockEnabled: true, VersioningConfiguration: { Status: 'Enabled' } });
  });

  it('alarms to the failure topic on failed copies and on copies later than the time control\'s 15 minutes', () => {
    const dimensions = [
      { Name: 'DestinationBucket', Value: COPY_BUCKET },
      { Name: 'RuleId', Value: 'cronsnap-copy' },
      { Name: 'SourceBucket', Value: { Ref: Match.stringLikeRegexp('^StorageBucket') } },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'OperationsFailedReplication',
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      Dimensions: dimensions,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^FailuresTopic') }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/S3',
      MetricName: 'ReplicationLatency',
      Statistic: 'Maximum',
      Threshold: 900,
      Dimensions: dimensions,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^FailuresTopic') }],
    });
  });

  it("publishes the restore programs into the copy's own bucket before its documents name them: the copy must not wait for replication", () => {
    const deployments = Object.keys(copy.findResources('Custom::CDKBucketDeployment'));
    expect(deployments).toHaveLength(1);
    const documents = Object.values(copy.findResources('AWS::SSM::Document')) as { DependsOn?: string[] }[];
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(document.DependsOn).toEqual(expect.arrayContaining(deployments));
    expect(Object.values(copy.findResources('Custom::CDKBucketDeployment'))[0]).toMatchObject({ Properties: { DestinationBucketName: { Ref: expect.stringMatching(/^StorageBucket/) }, Prune: false } });
  });

  it('deploys beside the copy the functions that list and restore from it, marked as serving the copy, and no keep-backup', () => {
    // CDK's bucket-deployment handler, which publishes the host programs into the copy, is not one of cronsnap's functions.
    const functions = Object.entries(copy.findResources('AWS::Lambda::Function'))
      .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
      .map(([, fn]) => fn) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
    const services = functions.map((fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).sort();
    expect(services).toEqual(['etcd-restore-step', 'list-backups', 'restore']);
    for (const fn of functions) expect(fn.Properties.Environment.Variables).toMatchObject({ CRONSNAP_BUCKET_ROLE: 'replica', CRONSNAP_BUCKET: { Ref: expect.stringMatching(/^StorageBucket/) } });
    copy.resourceCountIs('AWS::SSM::Document', 5);
    const outputs = Object.keys(copy.toJSON().Outputs as object);
    expect(outputs).toEqual(expect.arrayContaining(['BackupBucket', 'ListBackupsFunction', 'RestoreFunction', 'RestoreWorkflow', 'EtcdRestoreWorkflow', 'DocumentPrefix', 'HostPolicyprodetcd']));
  });

  it('gives the hosts restored in the copy\'s region a policy that reads backups and writes only reports', () => {
    const policies = Object.values(copy.findResources('AWS::IAM::ManagedPolicy')) as PolicyResource[];
    expect(policies).toHaveLength(jobs.length);
    for (const policy of policies) {
      const writes = policy.Properties.PolicyDocument.Statement.filter((statement) => actionsOf(statement).includes('s3:PutObject'));
      expect(writes).toEqual([expect.objectContaining({ Resource: expect.objectContaining({ 'Fn::Join': ['', expect.arrayContaining([expect.stringMatching(/^\/_cronsnap\/reports\//)])] }) })]);
    }
  });

  describe('the replication IAM, as AWS evaluates it across both stacks', () => {
    const target = new IamWorld(copy.toJSON() as never, TEST_ACCOUNT, 'eu-west-1');
    const source = new IamWorld(template.toJSON() as never, TEST_ACCOUNT, 'eu-central-1', { CronsnapReplica: target });
    const role = `role/${source.logicalId('AWS::IAM::Role', 'ReplicationRole')}`;
    const sourceBucket = source.arnOf('AWS::S3::Bucket', 'StorageBucket');
    const copyBucket = target.arnOf('AWS::S3::Bucket', 'StorageBucket');
    const copyKey = target.arnOf('AWS::KMS::Key', 'StorageKey');
    const otherKey = `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
    const object = 'prod-etcd/2026/12/04/20261204T010000Z-0123456789/i-0123456789abcdef0/snapshot.db.zst';
    const throughS3 = (region: string) => ({ 'kms:ViaService': `s3.${region}.amazonaws.com` });
    const decide = async (request: IamRequest, resourcesIn: IamWorld) => `${request.action} ${request.resource.replace(/^.*:::/, '')}: ${await source.evaluate(request, resourcesIn)}`;

    it('lets S3 read each source version and write it into the copy, re-encrypted with the copy key', async () => {
      const decisions = await Promise.all([
        decide({ principal: role, action: 's3:GetObjectVersionForReplication', resource: `${sourceBucket}/${object}` }, source),
        decide({ principal: role, action: 's3:GetObjectRetention', resource: `${sourceBucket}/${object}` }, source),
        decide({ principal: role, action: 'kms:Decrypt', resource: source.arnOf('AWS::KMS::Key', 'StorageKey'), context: throughS3('eu-central-1') }, source),
        decide({ principal: role, action: 's3:ReplicateObject', resource: `${copyBucket}/${object}` }, target),
        decide({ principal: role, action: 's3:ReplicateDelete', resource: `${copyBucket}/${object}` }, target),
        decide({ principal: role, action: 'kms:Encrypt', resource: copyKey, context: throughS3('eu-west-1') }, target),
        decide({ principal: role, action: 'kms:GenerateDataKey', resource: copyKey, context: throughS3('eu-west-1') }, target),
      ]);

      expect(decisions.filter((decision) => !decision.endsWith(": Allowed"))).toEqual([]);
    });

    it('lets the replication role destroy no version of the copy, and use no other key or key outside S3', async () => {
      const decisions = await Promise.all([
        decide({ principal: role, action: 's3:DeleteObjectVersion', resource: `${copyBucket}/${object}` }, target),
        decide({ principal: role, action: 's3:PutLifecycleConfiguration', resource: copyBucket }, target),
        decide({ principal: role, action: 'kms:Encrypt', resource: otherKey, context: throughS3('eu-west-1') }, target),
        // Nor a key the copy's alias was repointed to: the role names the copy's key, not its alias.
        decide({ principal: role, action: 'kms:Encrypt', resource: otherKey, context: { ...throughS3('eu-west-1'), 'kms:ResourceAliases': ['alias/cronsnap-replica'] } }, target),
        decide({ principal: role, action: 'kms:Encrypt', resource: copyKey, context: { 'kms:ResourceAliases': ['alias/cronsnap-replica'] } }, target),
        decide({ principal: role, action: 'kms:Decrypt', resource: source.arnOf('AWS::KMS::Key', 'StorageKey'), context: throughS3('eu-west-1') }, source),
      ]);

      expect(decisions.filter((decision) => decision.endsWith(': Allowed'))).toEqual([]);
    });

    it('lets the copy\'s restore role and hosts read the copy, and neither write a backup into it', async () => {
      const restoreRole = `role/${target.logicalId('AWS::IAM::Role', 'RestoreFunctionServiceRole')}`;
      const judge = (request: IamRequest) => target.evaluate(request);

      await expect(judge({ principal: restoreRole, action: 's3:GetObject', resource: `${copyBucket}/${object}` })).resolves.toBe('Allowed');
      await expect(judge({ principal: restoreRole, action: 'kms:Decrypt', resource: copyKey })).resolves.toBe('Allowed');
      await expect(judge({ principal: 'host/prod-etcd', action: 's3:GetObject', resource: `${copyBucket}/${object}` })).resolves.toBe('Allowed');
      await expect(judge({ principal: 'host/prod-etcd', action: 's3:PutObject', resource: `${copyBucket}/${object}` })).resolves.toBe('ImplicitlyDenied');
      await expect(judge({ principal: restoreRole, action: 's3:PutObject', resource: `${copyBucket}/_cronsnap-marks/keeps/prod-etcd/x.json` })).resolves.toBe('ImplicitlyDenied');
    });
  });

  it('passes cfn-lint and cdk-nag on both templates', () => {
    expect(() => app.synth()).not.toThrow();
    expect(cfnLintFindings(app)).toEqual([]);
  });
});

describe('a copy in another account', () => {
  const copyAccount = '210987654321';
  const copyKey = `arn:aws:kms:eu-west-1:${copyAccount}:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789`;
  const { app, template, replica } = synthStacks({
    ...configInput(jobs),
    storage: { replica: { region: 'eu-west-1', account: copyAccount, bucketName: 'acme-dr-backups', kmsKeyArn: copyKey, replicationTimeControl: false, storageClass: 'STANDARD_IA' } },
  });

  it('hands the copies to the other account, encrypted with its key, and never creates its bucket', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      ReplicationConfiguration: {
        Rules: [
          Match.objectLike({
            Destination: {
              Bucket: partitioned(':s3:::acme-dr-backups'),
              Account: copyAccount,
              AccessControlTranslation: { Owner: 'Destination' },
              StorageClass: 'STANDARD_IA',
              EncryptionConfiguration: { ReplicaKmsKeyID: copyKey },
              Metrics: { Status: 'Enabled' },
            },
          }),
        ],
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('ReplicationTime');
    replica?.template.resourcePropertiesCountIs('AWS::S3::Bucket', { BucketName: 'acme-dr-backups' }, 0);
  });

  describe('with the policies cronsnap replica-policy prints for the other account, as AWS evaluates them', () => {
    const printed = copyAccountPolicies({ replica: parseConfig({ ...configInput(jobs), storage: { replica: { region: 'eu-west-1', account: copyAccount, bucketName: 'acme-dr-backups', kmsKeyArn: copyKey } } }).storage.replica as never, sourceAccount: TEST_ACCOUNT, sourceRegion: 'eu-central-1', stackName: 'Cronsnap' });
    const source = new IamWorld(template.toJSON() as never, TEST_ACCOUNT, 'eu-central-1');
    const restoreSide = new IamWorld(replica?.template.toJSON() as never, TEST_ACCOUNT, 'eu-west-1');
    const role = `role/${source.logicalId('AWS::IAM::Role', 'ReplicationRole')}`;
    const bucket = { account: copyAccount, policy: printed.bucketPolicy };
    const key = { account: copyAccount, policy: { Version: '2012-10-17', Statement: printed.keyPolicyStatements } };
    const object = 'arn:aws:s3:::acme-dr-backups/prod-etcd/2026/12/04/20261204T010000Z-0123456789/i-0123456789abcdef0/snapshot.db.zst';
    const viaS3 = { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' };

    it('lets the replication role copy in and re-encrypt, and destroy nothing', async () => {
      await expect(source.evaluate({ principal: role, action: 's3:ReplicateObject', resource: object }, bucket)).resolves.toBe('Allowed');
      await expect(source.evaluate({ principal: role, action: 's3:ObjectOwnerOverrideToBucketOwner', resource: object }, bucket)).resolves.toBe('Allowed');
      await expect(source.evaluate({ principal: role, action: 'kms:Encrypt', resource: copyKey, context: viaS3 }, key)).resolves.toBe('Allowed');
      await expect(source.evaluate({ principal: role, action: 's3:DeleteObjectVersion', resource: object }, bucket)).resolves.toBe('ImplicitlyDenied');
      await expect(source.evaluate({ principal: role, action: 'kms:Decrypt', resource: copyKey, context: viaS3 }, key)).resolves.toBe('ImplicitlyDenied');
    });

    it('lets the copy\'s restore role read and decrypt the copy across accounts, and its hosts read it', async () => {
      const restoreRole = `role/${restoreSide.logicalId('AWS::IAM::Role', 'RestoreFunctionServiceRole')}`;
      await expect(restoreSide.evaluate({ principal: restoreRole, action: 's3:GetObject', resource: object }, bucket)).resolves.toBe('Allowed');
      await expect(restoreSide.evaluate({ principal: restoreRole, action: 'kms:Decrypt', resource: copyKey, context: viaS3 }, key)).resolves.toBe('Allowed');
      await expect(restoreSide.evaluate({ principal: 'host/prod-etcd', action: 's3:GetObject', resource: object }, bucket)).resolves.toBe('Allowed');
      await expect(restoreSide.evaluate({ principal: 'host/prod-etcd', action: 's3:PutObject', resource: object }, bucket)).resolves.toBe('ImplicitlyDenied');
    });
  });

  it('waits a day, not 15 minutes, before a copy without the time control counts as late', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ReplicationLatency', Threshold: 86400 });
  });

  it('passes cfn-lint and cdk-nag', () => {
    expect(() => app.synth()).not.toThrow();
    expect(cfnLintFindings(app)).toEqual([]);
  });
});

describe('replica settings', () => {
  it("refuses a stack name that makes the copy's replication role longer than IAM takes, naming cronsnap:stackName", () => {
    const name = `S${'x'.repeat(40)}`;

    expect(() => synthStacks({ ...configInput(jobs), storage: { replica: { region: 'eu-west-1' } } }, { stackName: name })).toThrow(
      new RegExp(`^cronsnap:stackName: ${name} makes the copy's replication role ${name}-replication-eu-central-1 longer than IAM's 64 characters; choose a name of at most 39$`),
    );
  });

  it('refuses a copy in the region of the backups', () => {
    expect(() => synthStacks({ ...configInput(jobs), storage: { replica: { region: 'eu-central-1' } } })).toThrow(/storage\.replica\.region: eu-central-1 is the region of the backups/);
  });

  it('refuses another account without its bucket and key, naming each field', () => {
    expect(() => synthStacks({ ...configInput(jobs), storage: { replica: { region: 'eu-west-1', account: '210987654321' } } as never })).toThrow(
      /storage\.replica\.bucketName[\s\S]*storage\.replica\.kmsKeyArn/,
    );
  });
});
