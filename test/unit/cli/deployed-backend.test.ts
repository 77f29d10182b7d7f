import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ListCommandInvocationsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strictMockClient } from '../../helpers/aws-contracts';
import { DeployedBackend, FunctionError } from '../../../lib/cli/deployed-backend';
import { ConfigError } from '../../../lib/errors';

const lambda = strictMockClient(LambdaClient);
const cloudFormation = strictMockClient(CloudFormationClient);
const ssm = strictMockClient(SSMClient);
const OUTPUTS = { BackupBucket: 'backups', ReportsBucket: 'reports', ScheduledBackupFunction: 'fn-scheduled', ListBackupsFunction: 'fn-list', RestoreFunction: 'fn-restore', RestoreDrillFunction: 'fn-drill' };
const RUN = '20261124T011000Z-0123456789';

const payload = (value: unknown) => ({ Payload: new TextEncoder().encode(JSON.stringify(value)) }) as { Payload: never };
const sentTo = (name: string) => lambda.commandCalls(InvokeCommand).filter((call) => call.args[0].input.FunctionName === name);
const sentPayload = (name: string) => JSON.parse(new TextDecoder().decode(sentTo(name)[0]?.args[0].input.Payload as Uint8Array));

function backend() {
  return new DeployedBackend({ stackName: 'Cronsnap', lambda: new LambdaClient({}), cloudFormation: new CloudFormationClient({}), ssm: new SSMClient({}), pollMs: 1 });
}

describe('CLI against the deployed stack', () => {
  beforeEach(() => {
    lambda.reset();
    cloudFormation.reset();
    ssm.reset();
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Cronsnap', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
    lambda.on(InvokeCommand, { FunctionName: 'fn-scheduled' }).resolves(payload({ kind: 'started', job: 'prod-etcd', runId: RUN, commandId: 'c0000000-0000-4000-8000-000000000001', hosts: ['i-a'], linked: [] }));
    lambda.on(InvokeCommand, { FunctionName: 'fn-list' }).resolves(payload({ job: 'prod-etcd', engine: 'etcd', backups: [{ runId: RUN, host: 'i-a' }], refused: [] }));
  });

  it('starts a run through scheduled-backup, follows the command to the end and confirms list-backups offers it', async () => {
    ssm.on(ListCommandInvocationsCommand).resolvesOnce({ CommandInvocations: [{ InstanceId: 'i-a', Status: 'InProgress' }] }).resolves({ CommandInvocations: [{ InstanceId: 'i-a', Status: 'Success' }] });
    const progress: string[] = [];

    const result = await backend().backupNow('prod-etcd', { wait: true, progress: (line) => progress.push(line) });

    expect(result).toEqual({ job: 'prod-etcd', runId: RUN, outcome: 'succeeded', hosts: [{ host: 'i-a', status: 'succeeded', detail: 'SSM Success' }] });
    expect(sentPayload('fn-scheduled')).toMatchObject({ job: 'prod-etcd', eventId: expect.stringMatching(/^cli-/) });
    expect(progress).toEqual([`prod-etcd: run ${RUN} sent to i-a (command c0000000-0000-4000-8000-000000000001)`, 'prod-etcd: i-a InProgress', 'prod-etcd: i-a Success']);
  });

  it('counts a host failed when its command succeeded but no backup is offered', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [{ InstanceId: 'i-a', Status: 'Success' }] });
    lambda.on(InvokeCommand, { FunctionName: 'fn-list' }).resolves(payload({ job: 'prod-etcd', engine: 'etcd', backups: [], refused: [] }));

    const result = await backend().backupNow('prod-etcd', { wait: true, progress: () => undefined });

    expect(result).toMatchObject({ outcome: 'failed', hosts: [{ status: 'failed', detail: 'the command succeeded but list-backups does not offer the backup' }] });
  });

  it('passes on a function\'s own error', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'fn-restore' }).resolves({ FunctionError: 'Unhandled', ...payload({ errorType: 'RestoreError', errorMessage: 'job prod-etcd has no restorable backup' }) });

    await expect(backend().restore({ job: 'prod-etcd', backup: 'latest' }, () => undefined)).rejects.toThrow(
      new FunctionError('fn-restore: RestoreError: job prod-etcd has no restorable backup'),
    );
  });

  it('drills through the restore-drill function with an event of its own', async () => {
    const answer = { kind: 'drilled', job: 'prod-etcd', drillId: 'd-1', passed: true, checks: [], result: 'drills/prod-etcd/d-1.json' };
    lambda.on(InvokeCommand, { FunctionName: 'fn-drill' }).resolves(payload(answer));

    expect(await backend().drill('prod-etcd', () => undefined)).toEqual(answer);
    expect(sentPayload('fn-drill')).toEqual({ job: 'prod-etcd', eventId: expect.stringMatching(/^cli-/), scheduledTime: expect.any(String) });
  });

  it('names the outputs a stack deployed before the CLI lacks', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Cronsnap', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'BackupBucket', OutputValue: 'backups' }] }] });

    const listing = backend().list('prod-etcd', 5);
    await expect(listing).rejects.toThrow(ConfigError);
    await expect(listing).rejects.toThrow('Outputs.ReportsBucket');
  });
});
