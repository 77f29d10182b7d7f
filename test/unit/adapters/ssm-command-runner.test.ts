import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strictMockClient } from '../../helpers/aws-contracts';
import { SsmCommandRunner } from '../../../lib/adapters/ssm-command-runner';

const ssm = strictMockClient(SSMClient);

describe('SsmCommandRunner target resolution', () => {
  beforeEach(() => ssm.reset());

  it('asks SSM for the instances carrying every configured tag, with no other filter, keeping the online ones across pages, sorted', async () => {
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: 'i-0000000000000000c', PingStatus: 'Online' }], NextToken: 'page-2' })
      .resolvesOnce({
        InstanceInformationList: [
          { InstanceId: 'i-0000000000000000a', PingStatus: 'Online' },
          { InstanceId: 'i-0000000000000000d', PingStatus: 'ConnectionLost' },
          { InstanceId: 'mi-0000000000000000b', PingStatus: 'Online' },
        ],
      });

    const hosts = await new SsmCommandRunner(new SSMClient({})).onlineHosts({ tags: { 'cronsnap:role': ['etcd'], env: ['prod', 'dr'] } });

    expect(hosts).toEqual(['i-0000000000000000a', 'i-0000000000000000c', 'mi-0000000000000000b']);
    const calls = ssm.commandCalls(DescribeInstanceInformationCommand).map((call) => call.args[0].input);
    // "Tag filters can't be combined with other filter types" (API reference): no PingStatus here.
    expect(calls[0]?.Filters).toEqual([
      { Key: 'tag:cronsnap:role', Values: ['etcd'] },
      { Key: 'tag:env', Values: ['prod', 'dr'] },
    ]);
    expect(calls[1]?.NextToken).toBe('page-2');
  });

  it('keeps paging a tagged fleet until it has found as many online hosts as asked for', async () => {
    ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: 'i-0000000000000000c', PingStatus: 'Inactive' }], NextToken: 'page-2' })
      .resolvesOnce({ InstanceInformationList: [{ InstanceId: 'i-0000000000000000a', PingStatus: 'Online' }], NextToken: 'page-3' });

    const hosts = await new SsmCommandRunner(new SSMClient({})).onlineHosts({ tags: { 'cronsnap:role': ['node'] } }, 1);

    expect(hosts).toEqual(['i-0000000000000000a']);
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)).toHaveLength(2);
  });

  it('returns nothing when no configured instance is online', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'ConnectionLost' }] });

    await expect(new SsmCommandRunner(new SSMClient({})).onlineHosts({ instanceIds: ['i-0123456789abcdef0'] })).resolves.toEqual([]);
    expect(ssm.commandCalls(DescribeInstanceInformationCommand)[0]?.args[0].input.Filters).toEqual([{ Key: 'InstanceIds', Values: ['i-0123456789abcdef0'] }]);
  });

  it('reads an invocation with the parameters it was sent with', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', DocumentName: 'cronsnap-etcd-backup', StandardErrorContent: 'boom' });
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ Parameters: { job: ['prod-etcd'], runId: ['r1'] } }] });

    const invocation = await new SsmCommandRunner(new SSMClient({})).invocation('c0000000-0000-4000-8000-000000000001', 'i-0123456789abcdef0');

    expect(invocation).toEqual({
      commandId: 'c0000000-0000-4000-8000-000000000001',
      hostId: 'i-0123456789abcdef0',
      documentName: 'cronsnap-etcd-backup',
      status: 'Failed',
      parameters: { job: 'prod-etcd', runId: 'r1' },
      stdout: '',
      stderr: 'boom',
    });
  });

  it("reads which step of the document an invocation is the run of, which names its output's log streams", async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', DocumentName: 'cronsnap-etcd-backup', PluginName: 'cronsnap-etcd-backup' });
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ Parameters: {} }] });

    const invocation = await new SsmCommandRunner(new SSMClient({})).invocation('c0000000-0000-4000-8000-000000000001', 'i-0123456789abcdef0');

    expect(invocation.stepName).toBe('cronsnap-etcd-backup');
  });

  it("sends every command's output to the deployment's log group as well", async () => {
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c0000000-0000-4000-8000-000000000001' } });
    const request = { documentName: 'cronsnap-etcd-backup', hostIds: ['i-0123456789abcdef0'], parameters: { job: 'prod-etcd' }, comment: 'backup', timeoutSeconds: 600 };

    await new SsmCommandRunner(new SSMClient({}), { commandLogGroup: '/cronsnap/Cronsnap/commands' }).send(request);
    await new SsmCommandRunner(new SSMClient({})).send(request);

    const [logged, unlogged] = ssm.commandCalls(SendCommandCommand).map((call) => call.args[0].input);
    expect(logged?.CloudWatchOutputConfig).toEqual({ CloudWatchLogGroupName: '/cronsnap/Cronsnap/commands', CloudWatchOutputEnabled: true });
    expect(unlogged?.CloudWatchOutputConfig).toBeUndefined();
  });

  it('finds the command a retried step already sent by its report key, among its document\'s commands of the window, across pages', async () => {
    ssm
      .on(ListCommandsCommand)
      .resolvesOnce({ Commands: [{ CommandId: 'c0000000-0000-4000-8000-000000000001', Parameters: { reportKey: ['_cronsnap/reports/shop-db/other'] } }], NextToken: 'page-2' })
      .resolvesOnce({ Commands: [{ CommandId: 'c0000000-0000-4000-8000-000000000002', Parameters: { reportKey: ['_cronsnap/reports/shop-db/mine'] } }] });
    const request = { documentName: 'cronsnap-mysql-restore', hostIds: ['i-0123456789abcdef0'], parameters: { reportKey: '_cronsnap/reports/shop-db/mine' }, comment: 'restore', timeoutSeconds: 600 };

    const found = await new SsmCommandRunner(new SSMClient({})).findSent(request, new Date('2026-12-07T03:00:00.123Z'));

    expect(found).toEqual({ commandId: 'c0000000-0000-4000-8000-000000000002' });
    const filters = ssm.commandCalls(ListCommandsCommand).map((call) => call.args[0].input.Filters);
    expect(filters[0]).toEqual([
      { key: 'DocumentName', value: 'cronsnap-mysql-restore' },
      { key: 'InvokedAfter', value: '2026-12-07T03:00:00Z' },
    ]);
  });

  it('finds nothing for a command never sent, and asks nothing for one without a report key', async () => {
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: 'c0000000-0000-4000-8000-000000000001', Parameters: { reportKey: ['_cronsnap/reports/shop-db/other'] } }] });
    const runner = new SsmCommandRunner(new SSMClient({}));
    const request = { documentName: 'cronsnap-mysql-restore', hostIds: ['i-0123456789abcdef0'], parameters: { reportKey: '_cronsnap/reports/shop-db/mine' }, comment: 'restore', timeoutSeconds: 600 };

    await expect(runner.findSent(request, new Date())).resolves.toBeUndefined();
    await expect(runner.findSent({ ...request, parameters: {} }, new Date())).resolves.toBeUndefined();
    expect(ssm.commandCalls(ListCommandsCommand)).toHaveLength(1);
  });
});
