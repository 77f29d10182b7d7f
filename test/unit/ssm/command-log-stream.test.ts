import { commandLogStreamName, commandOutputUrls } from '../../../lib/ssm/command-log-stream';

const run = { commandId: '4a0c9f57-2b1e-4c61-9d53-8f2a7b6e1c30', instanceId: 'i-0123456789abcdef0', stepName: 'cronsnap-etcd-backup' };

describe('command log streams', () => {
  it('names the streams of a step run as Run Command writes them: command, node, step, then stdout or stderr', () => {
    expect(commandLogStreamName(run, 'stdout')).toBe('4a0c9f57-2b1e-4c61-9d53-8f2a7b6e1c30/i-0123456789abcdef0/cronsnap-etcd-backup/stdout');
    expect(commandLogStreamName({ ...run, instanceId: 'mi-0123456789abcdef0' }, 'stderr')).toBe('4a0c9f57-2b1e-4c61-9d53-8f2a7b6e1c30/mi-0123456789abcdef0/cronsnap-etcd-backup/stderr');
  });

  it("links both outputs in the console of the group's region, each name encoded twice as the console reads it", () => {
    const urls = commandOutputUrls({ region: 'eu-central-1', name: '/cronsnap/Cronsnap/commands' }, run);

    expect(urls.stderr).toBe(
      'https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups/log-group/$252Fcronsnap$252FCronsnap$252Fcommands' +
        '/log-events/4a0c9f57-2b1e-4c61-9d53-8f2a7b6e1c30$252Fi-0123456789abcdef0$252Fcronsnap-etcd-backup$252Fstderr',
    );
    expect(urls.stdout).toBe(urls.stderr.replace(/stderr$/, 'stdout'));
  });

  it("links the console of the group's partition in China and GovCloud", () => {
    const group = (region: string) => ({ region, name: '/cronsnap/Cronsnap/commands' });

    expect(commandOutputUrls(group('cn-north-1'), run).stdout).toMatch(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\/cloudwatch\/home\?region=cn-north-1#/);
    expect(commandOutputUrls(group('us-gov-west-1'), run).stdout).toMatch(/^https:\/\/us-gov-west-1\.console\.amazonaws-us-gov\.com\/cloudwatch\/home\?region=us-gov-west-1#/);
  });
});
