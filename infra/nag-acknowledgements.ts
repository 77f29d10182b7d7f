import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

type Resolved = string | { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, Resolved[]] };

function render(value: Resolved): string {
  if (typeof value === 'string') return value;
  if (value.Ref) return `<${value.Ref}>`;
  if (value['Fn::GetAtt']) return `<${value['Fn::GetAtt'].join('.')}>`;
  if (value['Fn::Join']) return value['Fn::Join'][1].map(render).join(value['Fn::Join'][0]);
  throw new Error(`cannot render ${JSON.stringify(value)} as a cdk-nag finding`);
}

/** A resource ARN as cdk-nag names it in an IAM5 finding, e.g. `<StorageBucket5CB7C8EA.Arn>/prod-etcd/*`. */
export function nagResource(scope: IConstruct, arn: string): string {
  return `Resource::${render(Stack.of(scope).resolve(arn) as Resolved)}`;
}

/**
 * Acknowledges named AwsSolutions-IAM5 wildcard findings (each `Action::...` or `Resource::...`)
 * on `scope` with one reason, so every wildcard left in the template is listed and explained.
 */
export function acknowledgeWildcards(scope: IConstruct, findings: readonly string[], reason: string): void {
  for (const finding of findings) Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}
