/** A CloudFormation template as synthesized, read as plain JSON. */
type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
};

/**
 * A policy as AWS receives it, each reference CloudFormation resolves at deploy time replaced by
 * the longest value it can take: a name CloudFormation generates (`<stack>-<logical id>-<suffix>`,
 * cut to the service's limit) is up to 64 characters, an ARN that name in the longest region's ARN.
 * Measured so, a policy within a limit here is within it whatever names the deploy picks.
 */
function resolvedAtWorst(value: unknown): unknown {
  const NAME = 'n'.repeat(64);
  const ARN = `arn:aws-us-gov:service:ap-southeast-3:123456789012:resource/${NAME}`;
  const PSEUDO: Record<string, string> = { 'AWS::Partition': 'aws-us-gov', 'AWS::Region': 'ap-southeast-3', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': NAME };
  if (Array.isArray(value)) return value.map(resolvedAtWorst);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if ('Ref' in record) return PSEUDO[String(record.Ref)] ?? NAME;
  if ('Fn::GetAtt' in record) return ARN;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolvedAtWorst(part))).join(separator);
  }
  if ('Fn::Sub' in record || 'Fn::GetStackOutput' in record || 'Fn::ImportValue' in record) return ARN;
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, resolvedAtWorst(item)]));
}

/** JSON as IAM counts a policy: without whitespace. */
const characters = (value: unknown) => JSON.stringify(resolvedAtWorst(value)).replace(/\s/g, '').length;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(resolvedAtWorst(value)));

/** One documented hard limit, and what in the template stands against it. */
interface Limit {
  readonly what: string;
  readonly max: number;
  readonly measure: (template: Template) => readonly { readonly id: string; readonly value: number }[];
}

const ofType = (template: Template, type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
const refOf = (value: unknown) => (value as { Ref?: string } | undefined)?.Ref;

const LIMITS: readonly Limit[] = [
  // AWS CloudFormation quotas: "Template body size in an Amazon S3 object: 1 MB", "Resources: 500",
  // "Outputs: 200", "Parameters: 200" per template.
  { what: 'template bytes', max: 1_000_000, measure: (template) => [{ id: 'template', value: Buffer.byteLength(JSON.stringify(template)) }] },
  { what: 'resources per stack', max: 500, measure: (template) => [{ id: 'template', value: Object.keys(template.Resources).length }] },
  { what: 'outputs per stack', max: 200, measure: (template) => [{ id: 'template', value: Object.keys(template.Outputs ?? {}).length }] },
  { what: 'parameters per stack', max: 200, measure: (template) => [{ id: 'template', value: Object.keys(template.Parameters ?? {}).length }] },
  // Amazon SQS policy quotas: 8,192 bytes and 20 statements per queue policy.
  { what: 'SQS queue policy bytes', max: 8_192, measure: (template) => ofType(template, 'AWS::SQS::QueuePolicy').map(([id, policy]) => ({ id, value: bytes(policy.Properties?.PolicyDocument) })) },
  {
    what: 'SQS queue policy statements',
    max: 20,
    measure: (template) => ofType(template, 'AWS::SQS::QueuePolicy').map(([id, policy]) => ({ id, value: ((policy.Properties?.PolicyDocument as { Statement: unknown[] }).Statement ?? []).length })),
  },
  // Lambda quotas: "Function resource-based policy: 20 KB", the function's AWS::Lambda::Permission statements together.
  {
    what: 'Lambda resource policy bytes',
    max: 20 * 1024,
    measure: (template) => {
      const byFunction = new Map<string, number>();
      for (const [, permission] of ofType(template, 'AWS::Lambda::Permission')) {
        const fn = JSON.stringify(permission.Properties?.FunctionName);
        // Lambda adds each permission as one statement of about this size, with its Sid and condition.
        byFunction.set(fn, (byFunction.get(fn) ?? 0) + bytes(permission.Properties) + 120);
      }
      return [...byFunction].map(([id, value]) => ({ id, value }));
    },
  },
  // IAM and AWS STS quotas: a managed policy at most 6,144 characters, whitespace not counted.
  { what: 'IAM managed policy characters', max: 6_144, measure: (template) => ofType(template, 'AWS::IAM::ManagedPolicy').map(([id, policy]) => ({ id, value: characters(policy.Properties?.PolicyDocument) })) },
  // IAM and AWS STS quotas: a role's inline policies together at most 10,240 characters.
  {
    what: 'IAM role inline policy characters',
    max: 10_240,
    measure: (template) => {
      const byRole = new Map<string, number>();
      for (const [, policy] of ofType(template, 'AWS::IAM::Policy')) {
        for (const role of (policy.Properties?.Roles as unknown[] | undefined) ?? []) {
          const id = refOf(role) ?? JSON.stringify(role);
          byRole.set(id, (byRole.get(id) ?? 0) + characters(policy.Properties?.PolicyDocument));
        }
      }
      for (const [id, role] of ofType(template, 'AWS::IAM::Role')) {
        for (const policy of (role.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) byRole.set(id, (byRole.get(id) ?? 0) + characters(policy.PolicyDocument));
      }
      return [...byRole].map(([id, value]) => ({ id, value }));
    },
  },
  // IAM and AWS STS quotas: managed policies per role, 10 by default (20 at most on request).
  {
    what: 'managed policies per role',
    max: 10,
    measure: (template) => {
      const byRole = new Map<string, number>();
      for (const [, policy] of ofType(template, 'AWS::IAM::ManagedPolicy')) {
        for (const role of (policy.Properties?.Roles as unknown[] | undefined) ?? []) {
          const id = refOf(role) ?? JSON.stringify(role);
          byRole.set(id, (byRole.get(id) ?? 0) + 1);
        }
      }
      for (const [id, role] of ofType(template, 'AWS::IAM::Role')) byRole.set(id, (byRole.get(id) ?? 0) + ((role.Properties?.ManagedPolicyArns as unknown[] | undefined) ?? []).length);
      return [...byRole].map(([id, value]) => ({ id, value }));
    },
  },
  // IAM and AWS STS quotas: a role trust policy at most 2,048 characters by default.
  { what: 'IAM role trust policy characters', max: 2_048, measure: (template) => ofType(template, 'AWS::IAM::Role').map(([id, role]) => ({ id, value: characters(role.Properties?.AssumeRolePolicyDocument) })) },
  // Amazon S3: "Bucket policies are limited to 20 KB in size."
  { what: 'S3 bucket policy bytes', max: 20 * 1024, measure: (template) => ofType(template, 'AWS::S3::BucketPolicy').map(([id, policy]) => ({ id, value: bytes(policy.Properties?.PolicyDocument) })) },
  // Amazon SNS policy quotas: 30 KB and 100 statements.
  { what: 'SNS topic policy bytes', max: 30 * 1024, measure: (template) => ofType(template, 'AWS::SNS::TopicPolicy').map(([id, policy]) => ({ id, value: bytes(policy.Properties?.PolicyDocument) })) },
  {
    what: 'SNS topic policy statements',
    max: 100,
    measure: (template) => ofType(template, 'AWS::SNS::TopicPolicy').map(([id, policy]) => ({ id, value: ((policy.Properties?.PolicyDocument as { Statement: unknown[] }).Statement ?? []).length })),
  },
  // AWS KMS quotas: "Key policy document size: 32 KB".
  { what: 'KMS key policy bytes', max: 32 * 1024, measure: (template) => ofType(template, 'AWS::KMS::Key').map(([id, key]) => ({ id, value: bytes(key.Properties?.KeyPolicy) })) },
  // Step Functions service quotas: "Maximum size of state machine definition: 1 MB" (hard).
  {
    what: 'state machine definition bytes',
    max: 1024 * 1024,
    measure: (template) => ofType(template, 'AWS::StepFunctions::StateMachine').map(([id, machine]) => ({ id, value: Buffer.byteLength(String(resolvedAtWorst(machine.Properties?.DefinitionString ?? ''))) })),
  },
  // Amazon EventBridge quotas: 300 rules per event bus (a default quota, raised on request).
  { what: 'EventBridge rules on the default bus', max: 300, measure: (template) => [{ id: 'template', value: ofType(template, 'AWS::Events::Rule').length }] },
];

/** Every documented hard limit the template stands against, measured. */
export function limitMeasures(template: Template): { what: string; max: number; id: string; value: number }[] {
  return LIMITS.flatMap((limit) => limit.measure(template).map((measure) => ({ what: limit.what, max: limit.max, ...measure })));
}

/** What in the template passes a limit AWS would refuse it over, one line each. */
export function limitViolations(template: Template, stack: string): string[] {
  return limitMeasures(template)
    .filter((measure) => measure.value > measure.max)
    .map((measure) => `${stack}: ${measure.what} of ${measure.id} is ${measure.value}, over ${measure.max}`);
}
