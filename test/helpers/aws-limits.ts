/** A CloudFormation template as synthesized, read as plain JSON. */
type Template = {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
};

/** The longest name CloudFormation gives a resource it names (`<stack>-<logical id>-<suffix>`), or a user may give an SQS queue or state machine. */
const NAME = 'n'.repeat(80);
const PSEUDO: Readonly<Record<string, string>> = { 'AWS::Partition': 'aws-us-gov', 'AWS::Region': 'ap-southeast-3', 'AWS::AccountId': '123456789012', 'AWS::URLSuffix': 'amazonaws.com', 'AWS::StackName': NAME };
const ARN = `arn:aws-us-gov:service:ap-southeast-3:123456789012:resource/${NAME}`;
/** What `Ref` returns where it is not a name: an ARN (topics, state machines) or a URL (queues). */
const REF_VALUE: Readonly<Record<string, string>> = {
  'AWS::SNS::Topic': ARN,
  'AWS::StepFunctions::StateMachine': ARN,
  'AWS::SQS::Queue': `https://sqs.ap-southeast-3.amazonaws.com/123456789012/${NAME}`,
  'AWS::IAM::ManagedPolicy': ARN,
};

/**
 * `value` as AWS receives it, each reference CloudFormation resolves at deploy time replaced by
 * the longest value it can take in this template: a name at its longest, an ARN of that name in
 * the longest partition and region, a `Ref` that returns an ARN or URL as one. Measured so, a
 * policy within a limit here is within it whatever names the deploy picks.
 */
function resolvedAtWorst(value: unknown, template?: Template): unknown {
  if (Array.isArray(value)) return value.map((item) => resolvedAtWorst(item, template));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  if ('Ref' in record) {
    const id = String(record.Ref);
    // A nested stack's parameters carry its parent's ARNs (bucket, key, functions).
    if (template?.Parameters?.[id] !== undefined) return ARN;
    return PSEUDO[id] ?? REF_VALUE[template?.Resources[id]?.Type ?? ''] ?? NAME;
  }
  // The other stack's outputs this one reads are ARNs (the copy's bucket and key).
  if ('Fn::GetAtt' in record || 'Fn::GetStackOutput' in record || 'Fn::ImportValue' in record) return ARN;
  if ('Fn::Join' in record) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    return parts.map((part) => String(resolvedAtWorst(part, template))).join(separator);
  }
  const unresolved = Object.keys(record).find((key) => key.startsWith('Fn::'));
  if (unresolved) throw new Error(`the limits check does not resolve ${unresolved}`);
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, resolvedAtWorst(item, template)]));
}

/** A template's bytes as CDK writes (and uploads) it: JSON indented by one space. */
export function templateBytes(template: unknown): number {
  return Buffer.byteLength(JSON.stringify(template, undefined, 1));
}

/** JSON as IAM counts a policy: without whitespace. */
let measured: Template | undefined;
const characters = (value: unknown) => JSON.stringify(resolvedAtWorst(value, measured)).replace(/\s/g, '').length;
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(resolvedAtWorst(value, measured)));

/** One documented hard limit, and what in the template stands against it. */
interface Limit {
  readonly what: string;
  readonly max: number;
  readonly measure: (template: Template) => readonly { readonly id: string; readonly value: number }[];
}

const ofType = (template: Template, type: string) => Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
const refOf = (value: unknown) => (value as { Ref?: string } | undefined)?.Ref;
const statementsOf = (document: unknown) => ((document as { Statement?: unknown[] } | undefined)?.Statement ?? []).length;

/**
 * Per role of the template, `weigh` summed over the policies of `policyType` attached to it and
 * over what the role itself holds (`held`: its inline policies, its managed policy ARNs).
 */
function perRole(template: Template, policyType: string, weigh: (properties: Record<string, unknown>) => number, held: (role: Record<string, unknown>) => number) {
  const byRole = new Map<string, number>();
  for (const [, policy] of ofType(template, policyType)) {
    for (const role of (policy.Properties?.Roles as unknown[] | undefined) ?? []) {
      const id = refOf(role) ?? JSON.stringify(role);
      byRole.set(id, (byRole.get(id) ?? 0) + weigh(policy.Properties ?? {}));
    }
  }
  for (const [id, role] of ofType(template, 'AWS::IAM::Role')) byRole.set(id, (byRole.get(id) ?? 0) + held(role.Properties ?? {}));
  return [...byRole].map(([id, value]) => ({ id, value }));
}

/** A dashboard body as CloudWatch reads it. */
export interface DashboardBody {
  readonly widgets: readonly { readonly type: string; readonly properties?: { readonly metrics?: readonly unknown[] } }[];
}

/** Each dashboard of the template with its body parsed, its references resolved at their longest. */
export function dashboardsOf(template: Template): { id: string; body: DashboardBody }[] {
  return ofType(template, 'AWS::CloudWatch::Dashboard').map(([id, dashboard]) => ({ id, body: JSON.parse(String(resolvedAtWorst(dashboard.Properties?.DashboardBody, template))) as DashboardBody }));
}

/** The metrics a widget shows: each row of its `metrics`. */
const metricsOf = (widget: DashboardBody['widgets'][number]) => widget.properties?.metrics?.length ?? 0;

const LIMITS: readonly Limit[] = [
  // AWS CloudFormation quotas: "Template body size in an Amazon S3 object: 1 MB", "Resources: 500",
  // "Outputs: 200", "Parameters: 200" per template.
  { what: 'template bytes', max: 1_000_000, measure: (template) => [{ id: 'template', value: templateBytes(template) }] },
  { what: 'resources per stack', max: 500, measure: (template) => [{ id: 'template', value: Object.keys(template.Resources).length }] },
  { what: 'outputs per stack', max: 200, measure: (template) => [{ id: 'template', value: Object.keys(template.Outputs ?? {}).length }] },
  { what: 'parameters per stack', max: 200, measure: (template) => [{ id: 'template', value: Object.keys(template.Parameters ?? {}).length }] },
  // Amazon SQS policy quotas: 8,192 bytes and 20 statements per queue policy.
  { what: 'SQS queue policy bytes', max: 8_192, measure: (template) => ofType(template, 'AWS::SQS::QueuePolicy').map(([id, policy]) => ({ id, value: bytes(policy.Properties?.PolicyDocument) })) },
  {
    what: 'SQS queue policy statements',
    max: 20,
    measure: (template) => ofType(template, 'AWS::SQS::QueuePolicy').map(([id, policy]) => ({ id, value: statementsOf(policy.Properties?.PolicyDocument) })),
  },
  // Lambda quotas: "Function resource-based policy: 20 KB", the function's AWS::Lambda::Permission statements together.
  {
    what: 'Lambda resource policy bytes',
    max: 20 * 1024,
    measure: (template) => {
      const byFunction = new Map<string, number>();
      for (const [, permission] of ofType(template, 'AWS::Lambda::Permission')) {
        // The function by its logical ID, whether named by Ref or by Fn::GetAtt.
        const name = permission.Properties?.FunctionName as { Ref?: string; 'Fn::GetAtt'?: [string, string] } | string;
        const fn = typeof name === 'string' ? name : (name.Ref ?? name['Fn::GetAtt']?.[0] ?? JSON.stringify(name));
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
    measure: (template) =>
      perRole(
        template,
        'AWS::IAM::Policy',
        (policy) => characters(policy.PolicyDocument),
        (role) => ((role.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).reduce((sum, policy) => sum + characters(policy.PolicyDocument), 0),
      ),
  },
  // IAM and AWS STS quotas: managed policies per role, 10 by default (20 at most on request).
  {
    what: 'managed policies per role',
    max: 10,
    measure: (template) => perRole(template, 'AWS::IAM::ManagedPolicy', () => 1, (role) => ((role.ManagedPolicyArns as unknown[] | undefined) ?? []).length),
  },
  // IAM and AWS STS quotas: a role trust policy at most 2,048 characters by default.
  { what: 'IAM role trust policy characters', max: 2_048, measure: (template) => ofType(template, 'AWS::IAM::Role').map(([id, role]) => ({ id, value: characters(role.Properties?.AssumeRolePolicyDocument) })) },
  // Amazon S3: "Bucket policies are limited to 20 KB in size."
  { what: 'S3 bucket policy bytes', max: 20 * 1024, measure: (template) => ofType(template, 'AWS::S3::BucketPolicy').map(([id, policy]) => ({ id, value: bytes(policy.Properties?.PolicyDocument) })) },
  // Amazon S3 lifecycle configuration: "A lifecycle configuration can have up to 1,000 rules."
  {
    what: 'S3 lifecycle rules per bucket',
    max: 1_000,
    measure: (template) =>
      ofType(template, 'AWS::S3::Bucket').map(([id, bucket]) => ({ id, value: ((bucket.Properties?.LifecycleConfiguration as { Rules?: unknown[] } | undefined)?.Rules ?? []).length })),
  },
  // SSM: a Command document with the parameter values of a command at most 64 KB (CreateDocument,
  // SendCommand). The documents are loaders of at most 16 KB, so that values keep 48 KB.
  { what: 'SSM document bytes (16 KB of the 64 KB kept for the document)', max: 16 * 1024, measure: (template) => ofType(template, 'AWS::SSM::Document').map(([id, document]) => ({ id, value: bytes(document.Properties?.Content) })) },
  // Amazon SNS policy quotas: 30 KB and 100 statements.
  { what: 'SNS topic policy bytes', max: 30 * 1024, measure: (template) => ofType(template, 'AWS::SNS::TopicPolicy').map(([id, policy]) => ({ id, value: bytes(policy.Properties?.PolicyDocument) })) },
  {
    what: 'SNS topic policy statements',
    max: 100,
    measure: (template) => ofType(template, 'AWS::SNS::TopicPolicy').map(([id, policy]) => ({ id, value: statementsOf(policy.Properties?.PolicyDocument) })),
  },
  // AWS KMS quotas: "Key policy document size: 32 KB".
  { what: 'KMS key policy bytes', max: 32 * 1024, measure: (template) => ofType(template, 'AWS::KMS::Key').map(([id, key]) => ({ id, value: bytes(key.Properties?.KeyPolicy) })) },
  // Step Functions service quotas: "Maximum size of state machine definition: 1 MB" (hard).
  {
    what: 'state machine definition bytes',
    max: 1024 * 1024,
    measure: (template) => ofType(template, 'AWS::StepFunctions::StateMachine').map(([id, machine]) => ({ id, value: Buffer.byteLength(String(resolvedAtWorst(machine.Properties?.DefinitionString ?? '', template))) })),
  },
  // CloudWatch: a dashboard body holds 0 to 500 widgets (Dashboard Body Structure); "Up to 500
  // metrics per dashboard widget. Up to 2500 metrics per dashboard, across all widgets" (quotas,
  // not adjustable). No size of the body is documented: it counts in its template's bytes.
  { what: 'CloudWatch dashboard widgets', max: 500, measure: (template) => dashboardsOf(template).map(({ id, body }) => ({ id, value: body.widgets.length })) },
  {
    what: 'CloudWatch dashboard metrics',
    max: 2500,
    measure: (template) => dashboardsOf(template).map(({ id, body }) => ({ id, value: body.widgets.reduce((sum, widget) => sum + metricsOf(widget), 0) })),
  },
  {
    what: 'CloudWatch dashboard widget metrics',
    max: 500,
    measure: (template) => dashboardsOf(template).map(({ id, body }) => ({ id, value: Math.max(0, ...body.widgets.map(metricsOf)) })),
  },
  // Amazon EventBridge quotas: 300 rules per event bus, a default quota shared by every stack of the
  // account and region (raised on request): this stack's own must leave room for the rest.
  { what: 'EventBridge rules on the default bus', max: 300, measure: (template) => [{ id: 'template', value: ofType(template, 'AWS::Events::Rule').length }] },
];

/** Every documented hard limit the template stands against, measured. */
export function limitMeasures(template: Template): { what: string; max: number; id: string; value: number }[] {
  measured = template;
  try {
    return LIMITS.flatMap((limit) => limit.measure(template).map((measure) => ({ what: limit.what, max: limit.max, ...measure })));
  } finally {
    measured = undefined;
  }
}

/** What in the template passes a limit AWS would refuse it over, one line each. */
export function limitViolations(template: Template, stack: string): string[] {
  return limitMeasures(template)
    .filter((measure) => measure.value > measure.max)
    .map((measure) => `${stack}: ${measure.what} of ${measure.id} is ${measure.value}, over ${measure.max}`);
}
