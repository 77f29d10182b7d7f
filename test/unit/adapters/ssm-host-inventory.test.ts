import { DescribeInstanceInformationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SsmHostInventory } from '../../../lib/adapters/ssm-host-inventory';
import { strictMockClient } from '../../helpers/aws-contracts';

const ssm = strictMockClient(SSMClient);

describe('SSM host inventory', () => {
  beforeEach(() => ssm.reset());

  it('asks by tags alone and follows every page, describing each node as SSM does', async () => {
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({
        InstanceInformationList: [{ InstanceId: 'i-0000000000000000a', PingStatus: 'Online', LastPingDateTime: new Date('2026-12-07T10:00:00Z'), AgentVersion: '3.3.3050.0', IsLatestVersion: false, PlatformName: 'CentOS Linux', PlatformVersion: '7.9.2009' }],
        NextToken: 'page-2',
      })
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: 'mi-0123456789abcdef0', PingStatus: 'ConnectionLost', IamRole: 'SSMServiceRole' }] });

    const hosts = await new SsmHostInventory(new SSMClient({})).describe({ tags: { 'cronsnap:cluster': ['prod', 'prod-b'], team: ['platform'] } });

    expect(hosts).toEqual([
      { id: 'i-0000000000000000a', pingStatus: 'Online', lastPingAt: '2026-12-07T10:00:00.000Z', agentVersion: '3.3.3050.0', agentIsLatest: false, platform: 'CentOS Linux 7.9.2009' },
      { id: 'mi-0123456789abcdef0', pingStatus: 'ConnectionLost', iamRole: 'SSMServiceRole' },
    ]);
    const asked = ssm.commandCalls(DescribeInstanceInformationCommand).map((call) => call.args[0].input);
    expect(asked).toEqual([
      { Filters: [{ Key: 'tag:cronsnap:cluster', Values: ['prod', 'prod-b'] }, { Key: 'tag:team', Values: ['platform'] }], MaxResults: 50 },
      { Filters: [{ Key: 'tag:cronsnap:cluster', Values: ['prod', 'prod-b'] }, { Key: 'tag:team', Values: ['platform'] }], MaxResults: 50, NextToken: 'page-2' },
    ]);
  });

  it('asks by instance ids when the job names them', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });

    await new SsmHostInventory(new SSMClient({})).describe({ instanceIds: ['i-0000000000000000a'] });

    expect(ssm.commandCalls(DescribeInstanceInformationCommand)[0]?.args[0].input.Filters).toEqual([{ Key: 'InstanceIds', Values: ['i-0000000000000000a'] }]);
  });
});
