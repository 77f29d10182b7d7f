import { runSimulation } from '@cloud-copilot/iam-simulate';



import { loadConfigFile } from '../../lib/config/config-file';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { deployerPolicies, deployerPoliciesFromAssembly, MANAGED_POLICY_MAX_CHARACTERS, ROLE_MANAGED_POLICIES_MAX, type DeployerPolicies, type NamedPolicy } from '../../lib/cli/deployer-policy';
import { resourceTypeActions } from '../../lib/cli/resource-type-actions';
import { readSynthesizedStacks, type SynthesizedStack } from '../../lib/cli/synthesized-stacks';
import { fleetConfig } from '../helpers/fleet-config';
import { synthStacks, TEST_ACCOUNT, TEST_REGION } from '../helpers/stack-factory';
import { tempDir } from '../helpers/temp-dirs';

const EXECUTION_ROLE = `arn:aws:iam::${TEST_ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${TEST_ACCOUNT}-${TEST_REGION}`;
const DEPLOYER = `arn:aws:iam::${TEST_ACCOUNT}:user/deployer`;

interface Request {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
  /** The resource's own policy, where its service requires one (a KMS key). */
  readonly resourcePolicy?: unknown;
}

/** A key policy as the CDK writes it: the account's IAM policies decide. */
const ACCOUNT_KEY_POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${TEST_ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
const KEY = `arn:aws:kms:${TEST_REGION}:${TEST_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;

/** What IAM answers `principal` holding `policies` for `request`, with the request, so a failure names it. */
async function decide(principal: string, policies: readonly NamedPolicy[], request: Request): Promise<string> {
  const response = await runSimulation(
    {
      request: { principal, action: request.action, resource: { resource: request.resource, accountId: TEST_ACCOUNT }, contextVariables: { ...request.context } },
      identityPolicies: policies.map((policy) => ({ name: policy.name, policy: policy.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
    } as never,
    {},
  );
  if (response.resultType === 'error') throw new Error(`iam-simulate refused ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
  return `${request.action} ${request.resource}: ${response.overallResult}`;
}

/** The app of `input` as `cdk synth` writes it, read back as the CLI reads cdk.out. */
function synthesized(input: CronsnapConfigInput): { stacks: SynthesizedStack[]; policies: DeployerPolicies } {
  const directory = synthStacks(input).app.synth().directory;
  return { stacks: readSynthesizedStacks(directory), policies: deployerPoliciesFromAssembly(directory) };
}

const actionsOf = (policies: readonly NamedPolicy[]) => new Set(policies.flatMap((policy) => policy.document.Statement.flatMap((statement) => statement.Action)));

const DEPLOYMENTS: [string, () => CronsnapConfigInput][] = [
  ['the example config', () => loadConfigFile('config/cronsnap.example.yaml') as CronsnapConfigInput],
  ['a fleet of 1 job', () => fleetConfig(1)],
  ['a fleet of 40 jobs', () => fleetConfig(40)],
  ['a fleet of 500 jobs', () => fleetConfig(500)],
];

describe.each(DEPLOYMENTS)('deployer policies generated from the templates synthesized for %s', (_name, input) => {
  let stacks: SynthesizedStack[];
  let policies: DeployerPolicies;
  beforeAll(() => {
    ({ stacks, policies } = synthesized(input()));
  }, 600_000);

  it('grants the execution role, for every resource of every template, each action its type needs', () => {
    const granted = actionsOf(policies.execution);
    const missing = stacks.flatMap((stack) =>
      stack.templates.flatMap(({ file, template }) =>
        Object.entries(template.Resources).flatMap(([id, resource]) => resourceTypeActions(resource.Type, id).filter((action) => !granted.has(action)).map((action) => `${file} ${resource.Type} ${action}`)),
      ),
    );

    expect(stacks.map((stack) => stack.stackName)).toContain('Cronsnap');
    expect(stacks.flatMap((stack) => stack.templates).length).toBeGreaterThan(1);
    expect(missing).toEqual([]);
  });

  it("keeps each policy within IAM's managed policy size, and the execution role within the policies a role may have", () => {
    const sizes = [policies.deployer, ...policies.execution].map((policy) => JSON.stringify(policy.document).length);

    expect(sizes.filter((size) => size > MANAGED_POLICY_MAX_CHARACTERS)).toEqual([]);
    expect(policies.execution.length).toBeGreaterThanOrEqual(1);
    expect(policies.execution.length).toBeLessThanOrEqual(ROLE_MANAGED_POLICIES_MAX);
    expect(new Set(policies.execution.map((policy) => policy.name)).size).toBe(policies.execution.length);
  });

  it("lets CloudFormation create the stack's bucket, roles and functions, pass the roles to Lambda and read the published code", async () => {
    const role = `arn:aws:iam::${TEST_ACCOUNT}:role/Cronsnap-FunctionsScheduledBackupFun-1A2B3C4D5E6F`;
    const requests: Request[] = [
      { action: 's3:CreateBucket', resource: 'arn:aws:s3:::cronsnap-storagebucket5cb7c8ea-1a2b3c4d5e6f' },
      { action: 's3:PutBucketPolicy', resource: 'arn:aws:s3:::cronsnap-storagebucket5cb7c8ea-1a2b3c4d5e6f' },
      { action: 'iam:CreateRole', resource: role },
      { action: 'iam:PutRolePolicy', resource: role },
      { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      { action: 'lambda:CreateFunction', resource: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:Cronsnap-FunctionsScheduledBackupFu-1A2B3C4D5E6F` },
      { action: 's3:GetObject', resource: `arn:aws:s3:::cdk-hnb659fds-assets-${TEST_ACCOUNT}-${TEST_REGION}/0123abcd.zip` },
      { action: 'ssm:CreateDocument', resource: `arn:aws:ssm:${TEST_REGION}:${TEST_ACCOUNT}:document/cronsnap-etcd-backup` },
      { action: 'states:CreateStateMachine', resource: `arn:aws:states:${TEST_REGION}:${TEST_ACCOUNT}:stateMachine:Cronsnap-restore` },
      { action: 'cloudformation:CreateStack', resource: `arn:aws:cloudformation:${TEST_REGION}:${TEST_ACCOUNT}:stack/Cronsnap-JobsJobGroup8NestedStackJobGroup8NestedSta-1A2B3C4D5E6F/0f1e2d3c` },
      { action: 'iam:PassRole', resource: EXECUTION_ROLE, context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      { action: 'kms:CreateGrant', resource: KEY, context: { 'kms:ViaService': `lambda.${TEST_REGION}.amazonaws.com` }, resourcePolicy: ACCOUNT_KEY_POLICY },
    ];

    const decisions = await Promise.all(requests.map((request) => decide(EXECUTION_ROLE, policies.execution, request)));

    expect(decisions).toEqual(requests.map((request) => `${request.action} ${request.resource}: Allowed`));
  });

  it("denies the execution role what the stacks never do: other roles, other buckets, the backups' data, instances and users", async () => {
    const requests: Request[] = [
      { action: 'ec2:RunInstances', resource: `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:instance/*` },
      { action: 'iam:CreateUser', resource: `arn:aws:iam::${TEST_ACCOUNT}:user/mallory` },
      { action: 'iam:CreateRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/Admin` },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/Admin`, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      { action: 'iam:PassRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/Cronsnap-FunctionsScheduledBackupFun-1A2B3C4D5E6F`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
      { action: 's3:PutBucketPolicy', resource: 'arn:aws:s3:::payroll-exports' },
      { action: 's3:GetObject', resource: 'arn:aws:s3:::cronsnap-storagebucket5cb7c8ea-1a2b3c4d5e6f/prod-etcd/2026/11/30/run/i-0123456789abcdef0/snapshot.db.zst' },
      { action: 'kms:Decrypt', resource: KEY, resourcePolicy: ACCOUNT_KEY_POLICY },
      { action: 'cloudformation:CreateStack', resource: `arn:aws:cloudformation:${TEST_REGION}:${TEST_ACCOUNT}:stack/Payroll/0f1e2d3c` },
    ];

    const decisions = await Promise.all(requests.map((request) => decide(EXECUTION_ROLE, policies.execution, request)));

    expect(decisions).toEqual(requests.map((request) => `${request.action} ${request.resource}: ImplicitlyDenied`));
  });

  it('lets the deployer assume the bootstrap roles of each environment the stacks deploy to, and do nothing itself', async () => {
    const role = (kind: string, region = TEST_REGION) => `arn:aws:iam::${TEST_ACCOUNT}:role/cdk-hnb659fds-${kind}-role-${TEST_ACCOUNT}-${region}`;
    const regions = [...new Set(stacks.map((stack) => stack.region))];
    const allowed = regions.flatMap((region) => ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map((kind) => ({ action: 'sts:AssumeRole', resource: role(kind, region) })));
    const denied: Request[] = [
      { action: 'sts:AssumeRole', resource: `arn:aws:iam::${TEST_ACCOUNT}:role/OrganizationAccountAccessRole` },
      { action: 'sts:AssumeRole', resource: role('cfn-exec') },
      { action: 'cloudformation:CreateStack', resource: `arn:aws:cloudformation:${TEST_REGION}:${TEST_ACCOUNT}:stack/Cronsnap/0f1e2d3c` },
    ];

    await expect(Promise.all(allowed.map((request) => decide(DEPLOYER, [policies.deployer], request)))).resolves.toEqual(allowed.map((request) => `${request.action} ${request.resource}: Allowed`));
    await expect(Promise.all(denied.map((request) => decide(DEPLOYER, [policies.deployer], request)))).resolves.toEqual(denied.map((request) => `${request.action} ${request.resource}: ImplicitlyDenied`));
  });
});

describe('deployer policies, beside what a synth writes', () => {
  const stack = (resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>, nested: Record<string, { Type: string; Properties?: Record<string, unknown> }> = {}): SynthesizedStack => ({
    stackName: 'Cronsnap',
    account: TEST_ACCOUNT,
    region: TEST_REGION,
    templates: [
      { file: 'Cronsnap.template.json', nested: false, template: { Resources: resources } },
      ...(Object.keys(nested).length > 0 ? [{ file: 'CronsnapJobs.nested.template.json', nested: true, template: { Resources: nested } }] : []),
    ],
  });

  it('refuses a resource type it does not know, naming the type and the resource', () => {
    const withInstance = stack({ Bucket: { Type: 'AWS::S3::Bucket' } }, { Bastion: { Type: 'AWS::EC2::Instance' } });

    expect(() => deployerPolicies([withInstance])).toThrow('Bastion in CronsnapJobs.nested.template.json is of type AWS::EC2::Instance, which the deployer policy does not know');
  });

  it('refuses a role without a name in a nested stack, whose generated name it cannot scope', () => {
    const nestedRole = stack({}, { Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] } } } });

    expect(() => deployerPolicies([nestedRole])).toThrow('Role in CronsnapJobs.nested.template.json has no RoleName: in a nested stack its name is unpredictable');
  });

  it("scopes the stack's roles by as much of a long stack name as CloudFormation keeps in the names it makes up", () => {
    const long = { ...stack({ Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } } }), stackName: 'CronsnapProductionEuropeCentral' };
    const statement = deployerPolicies([long]).execution.flatMap((policy) => policy.document.Statement).find((each) => each.Sid === 'StackRoles');

    expect(statement?.Resource).toEqual([`arn:aws:iam::${TEST_ACCOUNT}:role/CronsnapProductionEuropeC*`]);
  });

  it('scopes a bucket the template names, as CloudFormation resolves the name, with its objects', () => {
    const bucketName = { 'Fn::Join': ['-', ['backups', { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Region' }]] };
    const statement = deployerPolicies([stack({ Generated: { Type: 'AWS::S3::Bucket' }, Named: { Type: 'AWS::S3::Bucket', Properties: { BucketName: bucketName } } })])
      .execution.flatMap((policy) => policy.document.Statement)
      .find((each) => each.Sid === 'StackBuckets');

    expect(statement?.Resource).toEqual([`arn:aws:s3:::backups-${TEST_ACCOUNT}-${TEST_REGION}`, `arn:aws:s3:::backups-${TEST_ACCOUNT}-${TEST_REGION}/*`, 'arn:aws:s3:::cronsnap-*']);
  });

  it('assumes the bootstrap roles of the qualifier asked, and refuses one cdk bootstrap would not take', () => {
    const policies = deployerPolicies([stack({})], { qualifier: 'team1' });

    expect(policies.deployer.document.Statement[0]?.Resource).toContain(`arn:aws:iam::${TEST_ACCOUNT}:role/cdk-team1-deploy-role-${TEST_ACCOUNT}-${TEST_REGION}`);
    expect(() => deployerPolicies([stack({})], { qualifier: 'far-too-long-qualifier' })).toThrow('--qualifier: must be a bootstrap qualifier');
  });

  it('says to run cdk synth first when the directory holds no synthesized templates', () => {
    const empty = tempDir('cronsnap-no-synth-');

    expect(() => deployerPoliciesFromAssembly(empty)).toThrow(`no synthesized templates in ${empty}: run \`npx cdk synth -c cronsnap:config=<file>\` first`);
  });
});
