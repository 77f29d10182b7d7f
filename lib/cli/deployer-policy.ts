import * as z from 'zod';
import { DeployerPolicyError } from '../errors';
import { parseCliOptions } from './cli-options';
import { resourceTypeActions } from './resource-type-actions';
import { readSynthesizedStacks, type CfnResource, type SynthesizedStack } from './synthesized-stacks';

/** IAM's limit on a managed policy: characters of its JSON without whitespace. */
export const MANAGED_POLICY_MAX_CHARACTERS = 6144;
/** Managed policies one role may have attached (IAM's default quota, adjustable to 20). */
export const ROLE_MANAGED_POLICIES_MAX = 10;
/** The qualifier `cdk bootstrap` uses unless given `--qualifier`. */
export const DEFAULT_QUALIFIER = 'hnb659fds';

export const deployerPolicyOptionsSchema = z
  .object({
    qualifier: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,10}$/, 'must be a bootstrap qualifier: 1 to 10 letters, digits, _ or -, as given to cdk bootstrap --qualifier')
      .optional()
      .describe('the qualifier of the bootstrap roles; the one the stacks were synthesized with by default'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9+=,.@_-]{1,100}$/, 'must be at most 100 letters, digits or + = , . @ _ -, as IAM policy names are')
      .optional()
      .describe("the policies' names start with it; the name of the stack deployed last by default"),
  })
  .strict();

export type DeployerPolicyOptionsInput = z.input<typeof deployerPolicyOptionsSchema>;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** A customer managed policy to create, by name. */
export interface NamedPolicy {
  readonly name: string;
  readonly description: string;
  readonly document: PolicyDocument;
}

export interface DeployerPolicies {
  /** For the person or pipeline that runs `cdk deploy`: it only assumes the bootstrap roles. */
  readonly deployer: NamedPolicy;
  /**
   * For the CloudFormation execution role, in place of AdministratorAccess: create each and give
   * all their ARNs, comma-separated, to `cdk bootstrap --cloudformation-execution-policies` in
   * every account and region the stacks deploy to. Several when one would pass IAM's size limit.
   */
  readonly execution: readonly NamedPolicy[];
}

interface Environment {
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  readonly qualifier: string;
}

const PARTITIONS: readonly (readonly [string, string])[] = [
  ['cn-', 'aws-cn'],
  ['us-gov-', 'aws-us-gov'],
];

function environmentOf(stack: SynthesizedStack, qualifier: string | undefined): Environment {
  const region = stack.region ?? '*';
  const partition = PARTITIONS.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
  return { partition, account: stack.account ?? '*', region, qualifier: qualifier ?? stack.qualifier ?? DEFAULT_QUALIFIER };
}

/** The string a template value becomes where the deployment is known; `*` for what only CloudFormation knows. */
function rendered(value: unknown, env: Environment): string {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') return '*';
  const record = value as Record<string, unknown>;
  if (typeof record.Ref === 'string') {
    const pseudo: Record<string, string> = { 'AWS::AccountId': env.account, 'AWS::Region': env.region, 'AWS::Partition': env.partition, 'AWS::URLSuffix': env.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com' };
    return pseudo[record.Ref] ?? '*';
  }
  const join = record['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) return join[1].map((part) => rendered(part, env)).join(join[0]);
  return '*';
}

/** Characters CloudFormation keeps for the random tail of a name it makes up, with its hyphen. */
const GENERATED_TAIL = 13;

/**
 * The pattern of every name CloudFormation makes up for a resource of stack `stackName` whose
 * names are at most `limit` long: `<stack>-<logical id>-<tail>`, and when that is too long, the
 * limit less the tail shared between the stack's name and the logical id around a hyphen, the
 * stack's half rounded up (IAM roles keep 25 characters of it, S3 buckets 25, nested stacks 57).
 * AWS does not document the rule; it is inferred from names CloudFormation made
 * (github.com/KensioSoftware/yulin issue 1113).
 */
function generatedNames(stackName: string, limit: number): string {
  const kept = Math.ceil((limit - GENERATED_TAIL - 1) / 2);
  return stackName.length <= kept ? `${stackName}-*` : `${stackName.slice(0, kept)}*`;
}

/** The longest names of what the stacks' names are kept in. */
const NAME_LIMITS = { role: 64, bucket: 63, stack: 128 } as const;

/** The service principals a role's trust policy names: what CloudFormation passes it to. */
function trustedServices(resource: CfnResource): string[] {
  const statements = (resource.Properties?.AssumeRolePolicyDocument as { Statement?: { Principal?: { Service?: unknown } }[] } | undefined)?.Statement ?? [];
  return statements.flatMap((statement) => {
    const service = statement.Principal?.Service;
    return (Array.isArray(service) ? service : service === undefined ? [] : [service]).map(String);
  });
}

/** IAM actions on managed policies, scoped apart from the actions on roles. */
const MANAGED_POLICY_ACTIONS = new Set(['iam:CreatePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:DeletePolicyVersion', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListEntitiesForPolicy', 'iam:ListPolicyVersions']);
/** Reads of the templates and code `cdk deploy` published to the bootstrap bucket. */
const ASSET_READS = new Set(['s3:GetObject', 's3:GetObjectVersion']);
/** KMS calls a handler makes through another service, which encrypts with the stack's keys on the deploying credentials. */
const KEY_USES = new Set(['kms:CreateGrant', 'kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
/** The service each type that lists KEY_USES calls KMS through, for kms:ViaService. */
const KEY_USERS: Readonly<Record<string, string>> = { 'AWS::Lambda::Function': 'lambda' };

/** What the templates hold that decides the execution policy: the actions, and the resources to scope them to. */
class Inventory {
  readonly actions = new Set<string>();
  readonly roles = new Set<string>();
  readonly passedTo = new Set<string>();
  readonly policies = new Set<string>();
  readonly buckets = new Set<string>();
  readonly assets = new Set<string>();
  readonly nestedStacks = new Set<string>();
  readonly executionRoles = new Set<string>();
  readonly functions = new Set<string>();
  readonly parameters = new Set<string>();
  readonly keyServices = new Set<string>();

  add(stack: SynthesizedStack, qualifier: string | undefined): void {
    const env = environmentOf(stack, qualifier);
    this.assets.add(`arn:${env.partition}:s3:::cdk-${env.qualifier}-assets-${env.account}-${env.region}/*`);
    this.policies.add(`arn:${env.partition}:iam::${env.account}:policy/*`);
    for (const { file, nested, template } of stack.templates) {
      for (const [name, parameter] of Object.entries(template.Parameters ?? {})) this.addParameter(env, `parameter ${name} of ${file}`, parameter);
      for (const [id, resource] of Object.entries(template.Resources)) this.addResource(stack.stackName, env, `${id} in ${file}`, resource, nested);
    }
  }

  /** A template parameter CloudFormation reads from SSM (the bootstrap version CDK checks). */
  private addParameter(env: Environment, where: string, parameter: { Type: string; Default?: unknown }): void {
    if (!parameter.Type.startsWith('AWS::SSM::')) return;
    if (!parameter.Type.startsWith('AWS::SSM::Parameter::Value') || typeof parameter.Default !== 'string') {
      throw new DeployerPolicyError(`${where} reads SSM without a default name; the deployer policy cannot scope it`);
    }
    this.parameters.add(`arn:${env.partition}:ssm:${env.region}:${env.account}:parameter/${parameter.Default.replace(/^\//, '')}`);
  }

  private addResource(stackName: string, env: Environment, where: string, resource: CfnResource, nested: boolean): void {
    const actions = resourceTypeActions(resource.Type, where);
    actions.forEach((action) => this.actions.add(action));
    const named = (property: string, fallback: string): string => {
      const value = resource.Properties?.[property];
      if (value !== undefined) return rendered(value, env);
      // In a nested stack CloudFormation may leave the stack's name out of the name it makes up.
      if (nested) throw new DeployerPolicyError(`${where} has no ${property}: in a nested stack its name is unpredictable and the deployer policy cannot scope it; give it a ${property} or move it to the stack`);
      return fallback;
    };
    if (resource.Type === 'AWS::IAM::Role') {
      this.roles.add(`arn:${env.partition}:iam::${env.account}:role/${named('RoleName', generatedNames(stackName, NAME_LIMITS.role))}`);
      trustedServices(resource).forEach((service) => this.passedTo.add(rendered(service, env)));
    }
    if (resource.Type === 'AWS::S3::Bucket') {
      const bucket = `arn:${env.partition}:s3:::${named('BucketName', generatedNames(stackName.toLowerCase(), NAME_LIMITS.bucket))}`;
      this.buckets.add(bucket).add(`${bucket}/*`);
    }
    if (resource.Type === 'AWS::CloudFormation::Stack') {
      this.nestedStacks.add(`arn:${env.partition}:cloudformation:${env.region}:${env.account}:stack/${generatedNames(stackName, NAME_LIMITS.stack)}/*`);
      // A nested stack is deployed with its parent's execution role, which CloudFormation passes to it.
      this.executionRoles.add(`arn:${env.partition}:iam::${env.account}:role/cdk-${env.qualifier}-cfn-exec-role-${env.account}-${env.region}`);
    }
    if (actions.includes('lambda:InvokeFunction')) this.functions.add(`arn:${env.partition}:lambda:${env.region}:${env.account}:function:*`);
    if (actions.some((action) => KEY_USES.has(action))) {
      const service = KEY_USERS[resource.Type];
      if (service === undefined) throw new DeployerPolicyError(`${resource.Type} uses KMS keys through its service: name that service in KEY_USERS of lib/cli/deployer-policy.ts`);
      this.keyServices.add(`${service}.${env.region}.amazonaws.com`);
    }
  }

  /** The actions the execution role needs, each once, in statements by what they act on. */
  statements(): PolicyStatement[] {
    const byScope = new Map<string, string[]>();
    for (const action of [...this.actions].sort()) {
      const scope = scopeOf(action);
      byScope.set(scope, [...(byScope.get(scope) ?? []), action]);
    }
    const statement = (sid: string, actions: readonly string[] | undefined, resources: Set<string>, condition?: PolicyStatement['Condition']): PolicyStatement[] =>
      actions && actions.length > 0 && resources.size > 0 ? [{ Sid: sid, Effect: 'Allow', Action: actions, Resource: uncovered(resources), ...(condition ? { Condition: condition } : {}) }] : [];
    const services = [...byScope.keys()].filter((scope) => scope.startsWith('service:')).sort();
    return [
      ...statement('StackRoles', byScope.get('roles'), this.roles),
      ...statement('PassStackRoles', byScope.get('passRole'), this.roles, { StringEquals: { 'iam:PassedToService': [...this.passedTo].sort() } }),
      ...statement('PassExecutionRoleToNestedStacks', ['iam:PassRole'], this.executionRoles, { StringEquals: { 'iam:PassedToService': ['cloudformation.amazonaws.com'] } }),
      ...statement('StackManagedPolicies', byScope.get('policies'), this.policies),
      ...statement('StackBuckets', byScope.get('buckets'), this.buckets),
      ...statement('ReadCdkAssets', byScope.get('assets'), this.assets),
      ...statement('UseKeysThroughServices', byScope.get('keys'), new Set(['*']), { StringEquals: { 'kms:ViaService': [...this.keyServices].sort() } }),
      ...statement('NestedStacks', byScope.get('nestedStacks'), this.nestedStacks),
      ...statement('InvokeCustomResourceHandlers', byScope.get('functions'), this.functions),
      ...statement('ReadTemplateParameters', this.parameters.size > 0 ? ['ssm:GetParameters'] : [], this.parameters),
      ...services.flatMap((scope) => {
        const service = scope.slice('service:'.length);
        return statement(`${service[0]?.toUpperCase() ?? ''}${service.slice(1).replace(/[^A-Za-z0-9]/g, '')}`, byScope.get(scope), new Set(['*']));
      }),
    ];
  }
}

/** Which statement an action belongs in: the ones CloudFormation may use on the stacks' own resources only, or its service's. */
function scopeOf(action: string): string {
  if (action === 'iam:PassRole') return 'passRole';
  if (MANAGED_POLICY_ACTIONS.has(action)) return 'policies';
  if (action.startsWith('iam:')) return 'roles';
  if (ASSET_READS.has(action)) return 'assets';
  if (action.startsWith('s3:')) return 'buckets';
  if (KEY_USES.has(action)) return 'keys';
  if (action.startsWith('cloudformation:')) return 'nestedStacks';
  if (action === 'lambda:InvokeFunction') return 'functions';
  return `service:${action.slice(0, action.indexOf(':'))}`;
}

/** `*` of an ARN pattern as IAM reads it: any characters. */
function matches(pattern: string, arn: string): boolean {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(arn);
}

/** The patterns less those another one already covers, sorted. */
function uncovered(patterns: Iterable<string>): string[] {
  const all = [...new Set(patterns)];
  return all.filter((pattern) => !all.some((other) => other !== pattern && matches(other, pattern))).sort();
}

const size = (document: PolicyDocument): number => JSON.stringify(document).length;
const documentOf = (statements: readonly PolicyStatement[]): PolicyDocument => ({ Version: '2012-10-17', Statement: statements });

/** A statement as pieces that each fit a managed policy alone: its actions, else its resources, halved until they do. */
function fitting(statement: PolicyStatement): PolicyStatement[] {
  if (size(documentOf([statement])) <= MANAGED_POLICY_MAX_CHARACTERS) return [statement];
  const field = statement.Action.length > 1 ? 'Action' : 'Resource';
  const values = statement[field];
  if (values.length < 2) throw new DeployerPolicyError(`statement ${statement.Sid} alone passes IAM's ${MANAGED_POLICY_MAX_CHARACTERS} characters of a managed policy`);
  const half = Math.ceil(values.length / 2);
  return [values.slice(0, half), values.slice(half)].flatMap((part, index) => fitting({ ...statement, Sid: `${statement.Sid}${index + 1}`, [field]: part }));
}

/** The statements in as few managed policies as fit IAM's size limit (first fit, largest first). */
function packed(statements: readonly PolicyStatement[]): PolicyDocument[] {
  const pieces = statements.flatMap(fitting).sort((a, b) => size(documentOf([b])) - size(documentOf([a])));
  const bins: PolicyStatement[][] = [];
  for (const piece of pieces) {
    const bin = bins.find((candidate) => size(documentOf([...candidate, piece])) <= MANAGED_POLICY_MAX_CHARACTERS);
    if (bin) bin.push(piece);
    else bins.push([piece]);
  }
  const order = new Map(statements.map((statement, index) => [statement.Sid, index]));
  const rank = (statement: PolicyStatement) => order.get(statement.Sid) ?? order.get(statement.Sid.replace(/\d+$/, '')) ?? statements.length;
  return bins.map((bin) => documentOf(bin.sort((a, b) => rank(a) - rank(b) || a.Sid.localeCompare(b.Sid))));
}

/** The bootstrap roles of each environment the stacks deploy to. */
function bootstrapRoles(stacks: readonly SynthesizedStack[], qualifier: string | undefined): string[] {
  const roles = stacks.flatMap((stack) => {
    const env = environmentOf(stack, qualifier);
    return ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map((kind) => `arn:${env.partition}:iam::${env.account}:role/cdk-${env.qualifier}-${kind}-role-${env.account}-${env.region}`);
  });
  return [...new Set(roles)].sort();
}

/**
 * Least-privilege IAM policies for deploying the synthesized stacks through the CDK bootstrap
 * roles: the deployer assumes them (nothing else), and CloudFormation's execution role gets, for
 * each resource type the templates hold, the actions its handlers call, with iam:PassRole for the
 * stacks' own roles only. Several execution policies when one would pass IAM's size limit.
 *
 * Actions on the stacks' roles and buckets are scoped by the names CloudFormation gives them,
 * `<stack>-<logical id>-<suffix>` (buckets in lower case) unless the template names them; a role
 * or bucket without a name in a nested stack is refused, since there CloudFormation may leave the
 * stack's name out. Other actions are scoped to their actions only (`Resource: *`): the physical
 * names of the rest are not predictable enough to scope by.
 *
 * @throws DeployerPolicyError naming the resource and its type when the catalog does not know a type
 */
export function deployerPolicies(stacks: readonly SynthesizedStack[], input: DeployerPolicyOptionsInput = {}): DeployerPolicies {
  const options = parseCliOptions(deployerPolicyOptionsSchema, input);
  const last = stacks[stacks.length - 1];
  if (!last) throw new DeployerPolicyError('no stack to make a deployer policy for');
  const name = options.name ?? last.stackName;
  const inventory = new Inventory();
  stacks.forEach((stack) => inventory.add(stack, options.qualifier));
  const execution = packed(inventory.statements());
  if (execution.length > ROLE_MANAGED_POLICIES_MAX) {
    throw new DeployerPolicyError(`the execution policy needs ${execution.length} managed policies, more than the ${ROLE_MANAGED_POLICIES_MAX} IAM attaches to one role by default`);
  }
  const names = stacks.map((stack) => stack.stackName).join(', ');
  return {
    deployer: {
      name: `${name}-deployer`,
      description: `Deploys ${names} with cdk deploy, through the CDK bootstrap roles`,
      document: documentOf([{ Sid: 'AssumeCdkBootstrapRoles', Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: bootstrapRoles(stacks, options.qualifier) }]),
    },
    execution: execution.map((document, index) => ({
      name: `${name}-cfn-execution-${index + 1}`,
      description: `What CloudFormation needs to deploy ${names} (part ${index + 1} of ${execution.length}; attach every part)`,
      document,
    })),
  };
}

/**
 * The deployer policies for what `cdk synth` wrote into `dir`.
 *
 * @throws DeployerPolicyError saying to run `npx cdk synth -c cronsnap:config=<file>` when no template is there
 */
export function deployerPoliciesFromAssembly(dir = 'cdk.out', options: DeployerPolicyOptionsInput = {}): DeployerPolicies {
  return deployerPolicies(readSynthesizedStacks(dir), options);
}
