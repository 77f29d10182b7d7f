import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { SsmCommandRunner } from '../../../lib/adapters/ssm-command-runner';

const ssm = mockClient(SSMClient);

describe('SsmCommandRunner target resolution', () => {
  beforeEach(() => ssm.reset());

  it('asks SSM for online instances carrying every configured tag, across pages, sorted', async () => {
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: 'i-0000000000000000c' }], NextToken: 'page-2' })
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: 'i-0000000000000000a' }, { InstanceId: 'mi-0000000000000000b' }] });

    const hosts = await new SsmCommandRunner(new SSMClient({})).onlineHosts({ tags: { 'cronsnap:role': ['etcd'], env: ['prod', 'dr'] } });

    expect(hosts).toEqual(['i-0000000000000000a', 'i-0000000000000000c', 'mi-0000000000000000b']);
    const calls = ssm.commandCalls(DescribeInstanceInformationCommand).map((call) => call.args[0].input);
    expect(calls[0]?.Filters).toEqual([
      { Key: 'PingStatus', Values: ['Online'] },
      { Key: 'tag:cronsnap:role', Values: ['etcd'] },
      { Key: 'tag:env', Values: ['prod', 'dr'] },
    ]);
    expect(calls[1]?.NextToken).toBe('page-2');
  });

  it('returns nothing when no configured instance is online', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });

    await expect(new SsmCommandRunner(new SSMClient({})).onlineHosts({ instanceIds: ['i-0123456789abcdef0'] })).resolves.toEqual([]);
  });

  it('reads an invocation with the parameters it was sent with', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', DocumentName: 'cronsnap-etcd-backup', StandardErrorContent: 'boom' });
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ Parameters: { job: ['prod-etcd'], runId: ['r1'] } }] });

    const invocation = await new SsmCommandRunner(new SSMClient({})).invocation('cmd-1', 'i-0123456789abcdef0');

    expect(invocation).toEqual({
      commandId: 'cmd-1',
      hostId: 'i-0123456789abcdef0',
      documentName: 'cronsnap-etcd-backup',
      status: 'Failed',
      parameters: { job: 'prod-etcd', runId: 'r1' },
      stdout: '',
      stderr: 'boom',
    });
  });
});
