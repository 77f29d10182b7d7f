import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

type Json = Record<string, unknown>;
type StackTemplate = { Resources: Record<string, Json>; Outputs?: Record<string, { Value: unknown }>; Parameters?: Json };

/** The nested stacks whose parent is `stack`. */
export function nestedStacksOf(stack: Stack): NestedStack[] {
  return stack.node.findAll().filter((construct): construct is NestedStack => NestedStack.isNestedStack(construct) && construct.nestedStackParent === stack);
}

/** `value` with each `Ref` to a name of `values` replaced by that value, as CloudFormation passes a nested stack its parameters. */
function substituted(value: unknown, values: Readonly<Record<string, unknown>>): unknown {
  if (Array.isArray(value)) return value.map((item) => substituted(item, values));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Json;
  const ref = record.Ref;
  if (typeof ref === 'string' && Object.keys(record).length === 1 && ref in values) return values[ref];
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, substituted(item, values)]));
}

/**
 * The stack as deployed with its nested stacks, as one template: each nested stack's resources and
 * outputs beside the parent's, its parameters replaced by what the parent passes it. Assertions
 * and IAM evaluation then see each job's resources with the shared ones they reference.
 */
export function deployedTemplate(stack: Stack): Template {
  const parent = Template.fromStack(stack).toJSON() as StackTemplate;
  const resources: Record<string, Json> = { ...parent.Resources };
  const outputs: Record<string, unknown> = { ...(parent.Outputs ?? {}) };
  for (const nested of nestedStacksOf(stack)) {
    const child = Template.fromStack(nested).toJSON() as StackTemplate;
    const resourceId = stack.resolve((nested.nestedStackResource as unknown as { logicalId: string }).logicalId) as string;
    const parameters = ((resources[resourceId]?.Properties as Json | undefined)?.Parameters ?? {}) as Json;
    // What this merge does not model must not pass unnoticed: it would hide a child's resources or
    // references from the assertions and the IAM evaluation.
    const unsupported = ['Conditions', 'Mappings'].filter((section) => section in (child as Json));
    const unpassed = Object.keys(child.Parameters ?? {}).filter((name) => !(name in parameters));
    const text = JSON.stringify(child);
    if (unsupported.length > 0 || unpassed.length > 0 || /"Fn::Sub"|"AWS::Stack(Name|Id)"/.test(text)) {
      throw new Error(`deployedTemplate cannot merge ${resourceId}: ${[...unsupported, ...unpassed.map((name) => `parameter ${name} not passed`), ...(/"Fn::Sub"|"AWS::Stack(Name|Id)"/.test(text) ? ['Fn::Sub or the stack pseudo parameters'] : [])].join(', ')}`);
    }
    for (const [id, resource] of Object.entries(child.Resources)) {
      if (id in resources) throw new Error(`${id} is in the parent and in ${resourceId}`);
      resources[id] = substituted(resource, parameters) as Json;
    }
    for (const [id, output] of Object.entries(child.Outputs ?? {})) outputs[id] = substituted(output, parameters);
  }
  if (/"Outputs\.[^"]*"/.test(JSON.stringify(parent))) throw new Error('deployedTemplate does not resolve a parent reading its nested stacks\' outputs');
  return Template.fromJSON({ ...parent, Resources: resources, Outputs: outputs });
}

/** Every template CloudFormation receives for `stack`: its own and each nested stack's, by stack path. */
export function stackTemplates(stack: Stack): { name: string; template: StackTemplate }[] {
  return [stack, ...nestedStacksOf(stack)].map((each) => ({ name: each.node.path, template: Template.fromStack(each).toJSON() as StackTemplate }));
}
