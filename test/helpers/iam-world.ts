import { runSimulation } from '@cloud-copilot/iam-simulate';

/** A CloudFormation template as synthesized, read as plain JSON. */
type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, { Value: unknown }> };

/** The operand of Fn::GetStackOutput: another stack's output, in this region unless it names one. */
type StackOutputReference = { StackName: unknown; OutputName: unknown; Region?: unknown };
export type PolicyDocument = { Version: string; Statement: readonly Record<string, unknown>[] };

/** One AWS request as IAM sees it: who, what, on which ARN, with the context AWS supplies. */
export interface IamRequest {
  /** A role name of the template (`role/<logical id>`), `host/<job>`, or a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | string[]>>;
}

export type IamDecision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/** A resource in another account, governed by a policy that account applies (such as a printed bucket policy). */
export interface ForeignResource {
  readonly account: string;
  readonly policy: PolicyDocument;
}

/**
 * The synthesized stack's IAM as AWS would evaluate it: every role's identity policies, each
 * job's host policy as an instance profile, and the resource policies of the bucket, key, topic
 * and queue, evaluated by @cloud-copilot/iam-simulate (identity and resource policies, every
 * condition operator, KMS key-policy delegation to the account).
 */
export class IamWorld {
  private readonly resources: Template['Resources'];
  private readonly outputs: NonNullable<Template['Outputs']>;

  /** @param stacks the other stacks' worlds by stack name, whose outputs Fn::GetStackOutput reads */
  constructor(
    template: Template,
    readonly account = '123456789012',
    readonly region = 'eu-central-1',
    private readonly stacks: Readonly<Record<string, IamWorld>> = {},
  ) {
    this.resources = template.Resources;
    this.outputs = template.Outputs ?? {};
  }

  /** What CloudFormation would make of Ref, Fn::GetAtt, Fn::Join and Fn::GetStackOutput in `value`. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const record = value as Record<string, unknown>;
    if ('Ref' in record) return this.ref(String(record.Ref));
    if ('Fn::GetAtt' in record) {
      const [id, attribute] = record['Fn::GetAtt'] as [string, string];
      return this.attribute(id, attribute);
    }
    if ('Fn::Join' in record) {
      const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(this.resolve(part))).join(separator);
    }
    if ('Fn::GetStackOutput' in record) return this.stackOutput(record['Fn::GetStackOutput'] as StackOutputReference);
    return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, this.resolve(item)]));
  }

  /** The value of one of this stack's outputs, as CloudFormation resolves it. */
  output(name: string): unknown {
    const output = this.outputs[name];
    if (!output) throw new Error(`no output ${name}`);
    return this.resolve(output.Value);
  }

  /** The logical ID of the one resource of `type` whose ID starts with `prefix`. */
  logicalId(type: string, prefix: string): string {
    const id = this.findLogicalId(type, prefix);
    if (!id) throw new Error(`no resource of type ${type} starts with ${prefix}`);
    return id;
  }

  /** Likewise, or undefined when there is none. */
  findLogicalId(type: string, prefix: string): string | undefined {
    const ids = Object.keys(this.resources).filter((id) => this.resources[id]?.Type === type && id.startsWith(prefix));
    if (ids.length > 1) throw new Error(`${ids.length} resources of type ${type} start with ${prefix}: ${ids.join(', ')}`);
    return ids[0];
  }

  /** The ARN CloudFormation gives a resource (Fn::GetAtt Arn, or the Ref of those whose Ref is their ARN). */
  arnOf(type: string, prefix: string): string {
    const id = this.logicalId(type, prefix);
    return type === 'AWS::SNS::Topic' || type === 'AWS::StepFunctions::StateMachine' ? String(this.ref(id)) : String(this.attribute(id, 'Arn'));
  }

  /** The ARN of the schedule group a schedule of the template belongs to (`default` when it names none). */
  scheduleGroupArnOf(scheduleId: string): string {
    const group = this.resources[scheduleId]?.Properties?.GroupName;
    return `arn:aws:scheduler:${this.region}:${this.account}:schedule-group/${group === undefined ? 'default' : String(this.resolve(group))}`;
  }

  /**
   * @param resourcesIn the world whose resource policies govern the request's resource: another
   * stack's, for a role of this one acting on it (replication into the copy's bucket and key).
   */
  async evaluate(request: IamRequest, resourcesIn: IamWorld | ForeignResource = this): Promise<IamDecision> {
    const resourcePolicy = resourcesIn instanceof IamWorld ? resourcesIn.resourcePolicy(request.resource) : resourcesIn.policy;
    const accountId = resourcesIn.account;
    const response = await runSimulation(
      {
        request: {
          principal: this.principalArn(request.principal),
          action: request.action,
          resource: { resource: request.resource, accountId },
          contextVariables: { 'aws:SecureTransport': 'true', ...request.context },
        },
        identityPolicies: this.identityPolicies(request.principal).map((policy, index) => ({ name: `policy-${index}`, policy })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy ? { resourcePolicy } : {}),
      } as never,
      {},
    );
    if (response.resultType === 'error') throw new Error(`iam-simulate refused ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`);
    return response.overallResult as IamDecision;
  }

  private principalArn(principal: string): string {
    if (principal.endsWith('.amazonaws.com')) return principal;
    const [kind, name] = principal.split('/');
    if (kind === 'role') return String(this.attribute(name ?? '', 'Arn'));
    if (kind === 'host') return `arn:aws:sts::${this.account}:assumed-role/cronsnap-host-${name}/i-0123456789abcdef0`;
    throw new Error(`unknown principal ${principal}`);
  }

  /** Inline and managed policies of a role; a host's instance profile holds its job's host policy. */
  private identityPolicies(principal: string): PolicyDocument[] {
    const [kind, name] = principal.split('/');
    const documents = (type: string, attached: (properties: Record<string, unknown>) => boolean) =>
      Object.values(this.resources)
        .filter((resource) => resource.Type === type && attached(resource.Properties ?? {}))
        .map((resource) => this.resolve(resource.Properties?.PolicyDocument) as PolicyDocument);
    if (kind === 'role') {
      const attachedToRole = (properties: Record<string, unknown>) => ((properties.Roles as { Ref: string }[] | undefined) ?? []).some((role) => role.Ref === name);
      return [...documents('AWS::IAM::Policy', attachedToRole), ...documents('AWS::IAM::ManagedPolicy', attachedToRole)];
    }
    if (kind === 'host') {
      return documents('AWS::IAM::ManagedPolicy', (properties) => String(properties.Description ?? '').startsWith(`cronsnap hosts of job ${name}:`));
    }
    return [];
  }

  /** The resource policy that governs `arn`: its bucket's, key's, topic's, queue's or function's, or a role's trust policy. */
  resourcePolicy(arn: string): PolicyDocument | undefined {
    const permissions = Object.values(this.resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Permission' && this.resolve(resource.Properties?.FunctionName) === arn,
    );
    if (permissions.length > 0) return { Version: '2012-10-17', Statement: permissions.map((permission) => this.permissionStatement(permission.Properties ?? {}, arn)) };
    for (const [id, resource] of Object.entries(this.resources)) {
      const properties = resource.Properties ?? {};
      if (resource.Type === 'AWS::KMS::Key' && arn === this.attribute(id, 'Arn')) return this.resolve(properties.KeyPolicy) as PolicyDocument;
      if (resource.Type === 'AWS::IAM::Role' && arn === this.attribute(id, 'Arn')) return this.resolve(properties.AssumeRolePolicyDocument) as PolicyDocument;
      if (resource.Type === 'AWS::S3::BucketPolicy') {
        const bucketArn = `arn:aws:s3:::${String(this.resolve(properties.Bucket))}`;
        if (arn === bucketArn || arn.startsWith(`${bucketArn}/`)) return this.resolve(properties.PolicyDocument) as PolicyDocument;
      }
      if (resource.Type === 'AWS::SNS::TopicPolicy' && (this.resolve(properties.Topics) as string[]).includes(arn)) return this.resolve(properties.PolicyDocument) as PolicyDocument;
      if (resource.Type === 'AWS::SQS::QueuePolicy') {
        const queues = (properties.Queues as { Ref: string }[]).map((queue) => String(this.attribute(queue.Ref, 'Arn')));
        if (queues.includes(arn)) return this.resolve(properties.PolicyDocument) as PolicyDocument;
      }
    }
    return undefined;
  }

  /** An AWS::Lambda::Permission as the statement Lambda adds to the function's policy. */
  private permissionStatement(properties: Record<string, unknown>, functionArn: string): Record<string, unknown> {
    const principal = String(properties.Principal);
    return {
      Effect: 'Allow',
      Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
      Action: properties.Action,
      Resource: functionArn,
      ...(properties.SourceArn ? { Condition: { ArnLike: { 'aws:SourceArn': this.resolve(properties.SourceArn) } } } : {}),
    };
  }

  private stackOutput(reference: StackOutputReference): unknown {
    const name = String(this.resolve(reference.StackName));
    const region = reference.Region === undefined ? this.region : String(this.resolve(reference.Region));
    const stack = this.stacks[name];
    if (!stack || stack.region !== region) throw new Error(`no stack ${name} in ${region} is known to this world`);
    return stack.output(String(this.resolve(reference.OutputName)));
  }

  private ref(id: string): unknown {
    if (id === 'AWS::Partition') return 'aws';
    if (id === 'AWS::AccountId') return this.account;
    if (id === 'AWS::Region') return this.region;
    if (id === 'AWS::URLSuffix') return 'amazonaws.com';
    const resource = this.resources[id];
    if (!resource) throw new Error(`no resource ${id}`);
    switch (resource.Type) {
      // A name given in the template is the resource's name; otherwise CloudFormation makes one up.
      case 'AWS::S3::Bucket':
        return resource.Properties?.BucketName === undefined ? id.toLowerCase() : this.resolve(resource.Properties.BucketName);
      case 'AWS::IAM::Role':
        return resource.Properties?.RoleName === undefined ? id.toLowerCase() : this.resolve(resource.Properties.RoleName);
      case 'AWS::Lambda::Function':
        return id.toLowerCase();
      case 'AWS::KMS::Key':
        return id;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${this.region}:${this.account}:${id}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${this.region}:${this.account}:stateMachine:${String(resource.Properties?.StateMachineName === undefined ? id : this.resolve(resource.Properties.StateMachineName))}`;
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.region}.amazonaws.com/${this.account}/${id}`;
      case 'AWS::SSM::Document':
      case 'AWS::Scheduler::ScheduleGroup':
        return String(resource.Properties?.Name ?? id);
      case 'AWS::Logs::LogGroup':
        return resource.Properties?.LogGroupName === undefined ? id : this.resolve(resource.Properties.LogGroupName);
      default:
        return id;
    }
  }

  private attribute(id: string, attribute: string): unknown {
    const resource = this.resources[id];
    if (!resource) throw new Error(`no resource ${id}`);
    if (attribute !== 'Arn') throw new Error(`${id}.${attribute} is not modelled`);
    const name = String(this.ref(id));
    switch (resource.Type) {
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${name}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${this.region}:${this.account}:key/${name}`;
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${this.account}:role/${name}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${this.region}:${this.account}:${id}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${this.region}:${this.account}:function:${name}`;
      case 'AWS::CloudWatch::Alarm':
        return `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${id}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${this.region}:${this.account}:rule/${id}`;
      case 'AWS::Scheduler::Schedule':
        return `arn:aws:scheduler:${this.region}:${this.account}:schedule/${String(this.resolve(resource.Properties?.GroupName ?? 'default'))}/${String(resource.Properties?.Name ?? id)}`;
      case 'AWS::Scheduler::ScheduleGroup':
        return `arn:aws:scheduler:${this.region}:${this.account}:schedule-group/${name}`;
      default:
        throw new Error(`the ARN of ${resource.Type} is not modelled`);
    }
  }
}
