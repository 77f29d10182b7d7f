import type { Template } from 'aws-cdk-lib/assertions';
import { fleetConfig } from '../helpers/fleet-config';
import { synthStacks } from '../helpers/stack-factory';

type Json = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, { Export?: { Name: unknown } }> };

/** Properties named `…Name` that are no resource's name in its account and region. */
const NOT_A_NAME = new Set(['AWS::SNS::Topic DisplayName', 'AWS::IAM::Policy PolicyName', 'AWS::CloudWatch::Alarm MetricName']);

/** `value` as deployed, when it is a name the template gives (a literal, or one joined with pseudo parameters); undefined when it references a resource. */
function givenName(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  const record = value as Record<string, unknown>;
  if (typeof record?.Ref === 'string' && record.Ref.startsWith('AWS::')) return `<${record.Ref}>`;
  if (Array.isArray(record?.['Fn::Join'])) {
    const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
    const names = parts.map(givenName);
    return names.every((name) => name !== undefined) ? names.join(separator) : undefined;
  }
  return undefined;
}

/** Every name a deployment gives a resource itself (and its exports), as `<type> <property> <name>`; and its metrics' namespaces. */
function physicalNames(templates: readonly Template[]): { names: Set<string>; namespaces: Set<string> } {
  const names = new Set<string>();
  const namespaces = new Set<string>();
  for (const template of templates.map((each) => each.toJSON() as Json)) {
    for (const resource of Object.values(template.Resources)) {
      for (const [property, value] of Object.entries(resource.Properties ?? {})) {
        const name = givenName(value);
        if (/Name$/.test(property) && name !== undefined && !NOT_A_NAME.has(`${resource.Type} ${property}`)) names.add(`${resource.Type} ${property} ${name}`);
        // AWS's own namespaces (S3 replication's) are told apart by their resources' dimensions.
        if (resource.Type === 'AWS::CloudWatch::Alarm' && property === 'Namespace' && !String(value).startsWith('AWS/')) namespaces.add(String(value));
      }
    }
    for (const output of Object.values(template.Outputs ?? {})) if (output.Export) names.add(`export ${givenName(output.Export.Name)}`);
  }
  return { names, namespaces };
}

describe('two deployments in one account and region', () => {
  it('share no name either gives a resource, and no metrics namespace, whatever their jobs and copies share', () => {
    const [staging, production] = ['Staging', 'Production'].map((stackName) => {
      const { template, replica } = synthStacks(fleetConfig(6), { stackName });
      return physicalNames([template, ...(replica ? [replica.template] : [])]);
    });

    // What each names: documents, the host output's log group, schedule group, state machines,
    // dashboard, copy bucket, key alias, replication role and the host policies' exports.
    expect([...(staging?.names ?? [])].map((name) => name.split(' ').slice(0, 2).join(' '))).toEqual(
      expect.arrayContaining(['AWS::SSM::Document Name', 'AWS::Logs::LogGroup LogGroupName', 'AWS::CloudWatch::Dashboard DashboardName', 'AWS::S3::Bucket BucketName', 'AWS::KMS::Alias AliasName', 'export Staging-host-etcd-cluster-0']),
    );
    expect([...(staging?.names ?? [])].filter((name) => production?.names.has(name))).toEqual([]);
    expect([...(staging?.namespaces ?? [])]).toEqual(['staging']);
    expect([...(production?.namespaces ?? [])]).toEqual(['production']);
  }, 120_000);
});
