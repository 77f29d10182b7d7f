import { deploymentNames, dashboardName } from '../../../lib/deployment/deployment-names';
import { DEFAULT_STACK_NAME, parseStackName } from '../../../lib/deployment/stack-name';

describe('stack name', () => {
  it('names the deployment Cronsnap when cronsnap:stackName is not given', () => {
    expect(parseStackName(undefined)).toBe(DEFAULT_STACK_NAME);
    expect(parseStackName('Staging-2')).toBe('Staging-2');
  });

  it.each([
    ['2fast', /^cronsnap:stackName "2fast": must start with a letter and hold only letters, digits and hyphens/],
    ['prod_backups', /^cronsnap:stackName "prod_backups": must start with a letter/],
    ['x'.repeat(65), /^cronsnap:stackName "x+": must be at most 64 characters \(the deployment's schedule group takes its name, and EventBridge Scheduler allows 64\)/],
    ['AwsBackups', /^cronsnap:stackName "AwsBackups": must not start with aws, amazon or amzn/],
    [42, /^cronsnap:stackName 42: /],
  ])('refuses %s, naming cronsnap:stackName', (name, message) => {
    expect(() => parseStackName(name)).toThrow(message);
  });

  it('accepts the longest stack name whose copy stack CloudFormation still takes', () => {
    expect(parseStackName(`S${'x'.repeat(63)}`)).toHaveLength(64);
  });
});

describe('deployment names', () => {
  it('keeps the names the default stack Cronsnap had before deployments were named', () => {
    expect(deploymentNames('Cronsnap')).toEqual({
      documentPrefix: 'cronsnap',
      metricsNamespace: 'cronsnap',
      commandLogGroup: '/cronsnap/Cronsnap/commands',
      replicaKeyAlias: 'alias/cronsnap-replica',
      replicaBucketPrefix: 'cronsnap-replica',
    });
  });

  it('gives two deployments in one account and region no name in common', () => {
    const [staging, production] = [deploymentNames('Staging'), deploymentNames('Production')];

    for (const name of Object.keys(staging) as (keyof typeof staging)[]) expect(staging[name]).not.toBe(production[name]);
    expect(dashboardName('Staging', 'eu-west-1', 1)).not.toBe(dashboardName('Production', 'eu-west-1', 1));
  });

  it('names the dashboards of one stack name in two regions apart, as dashboards are global', () => {
    expect([dashboardName('Cronsnap', 'eu-west-1', 1), dashboardName('Cronsnap', 'us-east-1', 1), dashboardName('Cronsnap', 'us-east-1', 2)]).toEqual([
      'Cronsnap-eu-west-1',
      'Cronsnap-us-east-1',
      'Cronsnap-us-east-1-2',
    ]);
  });
});
