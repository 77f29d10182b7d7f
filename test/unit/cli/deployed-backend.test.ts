import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, ListCommandInvocationsCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseConfig } from '../../../lib/config/load-config';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { strictMockClient } from '../../helpers/aws-contracts';
import { DeployedBackend } from '../../../lib/cli/deployed-backend';
import { FunctionError } from '../../../lib/function-error';
import { ConfigError, RestoreError, RestoreRefusedError, UnknownJobError } from '../../../lib/errors';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';

const lambda = strictMockClient(LambdaClient);
const cloudFormation = strictMockClient(CloudFormationClient);
const ssm = strictMockClient(SSMClient);
const s3 = strictMockClient(S3Client);
const sfn = strictMockClient(SFNClient);
const EXECUTION = 'arn:aws:states:eu-central-1:123456789012:execution:Cronsnap-restore:restore-prod-db-0a1b2c3d';
const OUTPUTS = { BackupBucket: 'backups', ReportsBucket: 'reports', ScheduledBackupFunction: 'fn-scheduled', ListBackupsFunction: 'fn-list', RestoreFunction: 'fn-restore', KeepBackupFunction: 'fn-keep', RestoreDrillFunction: 'fn-drill', DocumentPrefix: 'cronsnap' };
const RUN = '20261124T011000Z-0123456789';

const payload = (value: unknown) => ({ Payload: new TextEncoder().encode(JSON.stringify(value)) }) as { Payload: never };
const sentTo = (name: string) => lambda.commandCalls(InvokeCommand).filter((call) => call.args[0].input.FunctionName === name);
const sentPayload = (name: string) => JSON.parse(new TextDecoder().decode(sentTo(name)[0]?.args[0].input.Payload as Uint8Array));
/** Every function invocation in order, as [function, payload sent]. */
const invocations = () => lambda.commandCalls(InvokeCommand).map((call) => [call.args[0].input.FunctionName, JSON.parse(new TextDecoder().decode(call.args[0].input.Payload as Uint8Array))]);
/** The executions each DescribeExecution asked about, in order. */
const executionsAsked = () => sfn.commandCalls(DescribeExecutionCommand).map((call) => call.args[0].input.executionArn);

function backend() {
  return new DeployedBackend({ stackName: 'Cronsnap', lambda: new LambdaClient({}), cloudFormation: new CloudFormationClient({}), ssm: new SSMClient({}), s3: new S3Client({}), sfn: new SFNClient({}), pollMs: 1 });
}

describe('CLI against the deployed stack', () => {
  beforeEach(() => {
    lambda.reset();
    cloudFormation.reset();
    ssm.reset();
    sfn.reset();
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Cronsnap', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(OUTPUTS).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
    lambda.on(InvokeCommand, { FunctionName: 'fn-scheduled' }).resolves(payload({ kind: 'started', job: 'prod-etcd', runId: RUN, commandId: 'c0000000-0000-4000-8000-000000000001', hosts: ['i-a'], linked: [] }));
    lambda.on(InvokeCommand, { FunctionName: 'fn-list' }).resolves(payload({ job: 'prod-etcd', engine: 'etcd', backups: [{ runId: RUN, host: 'i-a' }], refused: [] }));
  });

  it('starts a run through scheduled-backup, follows the command to the end and confirms list-backups offers it', async () => {
    ssm.on(ListCommandInvocationsCommand).resolvesOnce({ CommandInvocations: [{ InstanceId: 'i-a', Status: 'InProgress' }] }).resolves({ CommandInvocations: [{ InstanceId: 'i-a', Status: 'Success' }] });
    const progress: string[] = [];

    const result = await backend().backupNow('prod-etcd', { wait: true, progress: (line) => progress.push(line) });

    expect(result).toEqual({ job: 'prod-etcd', runId: RUN, outcome: 'succeeded', hosts: [{ host: 'i-a', status: 'succeeded', detail: 'SSM Success' }] });
    expect(sentPayload('fn-scheduled')).toMatchObject({ job: 'prod-etcd', eventId: expect.stringMatching(/^cli-/), trigger: 'on-demand' });
    expect(progress).toEqual([`prod-etcd: run ${RUN} sent to i-a (command c0000000-0000-4000-8000-000000000001)`, 'prod-etcd: i-a InProgress', 'prod-etcd: i-a Success']);
  });

  it('ships logs now through scheduled-backup with the kind, judged by the host programs alone', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [{ InstanceId: 'i-a', Status: 'Success' }] });

    const result = await backend().backupNow('prod-etcd', { wait: true, progress: () => undefined, kind: 'binlogs' });

    expect(sentPayload('fn-scheduled')).toMatchObject({ job: 'prod-etcd', trigger: 'on-demand', kind: 'binlogs' });
    expect(result).toEqual({ job: 'prod-etcd', runId: RUN, outcome: 'succeeded', hosts: [{ host: 'i-a', status: 'succeeded', detail: 'SSM Success' }] });
    // list-backups offers dumps, never shipped logs: it is not asked.
    expect(sentTo('fn-list')).toEqual([]);
  });

  it("asks job-status for every job and says where the stack logs its hosts' output, in the stack's region", async () => {
    const outputs = { ...OUTPUTS, JobStatusFunction: 'fn-status', CommandLogGroup: 'Cronsnap-commands' };
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Cronsnap', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }] });
    lambda.on(InvokeCommand, { FunctionName: 'fn-status' }).resolves(payload([{ job: 'prod-etcd', engine: 'etcd', enabled: true, rpoSeconds: 5400, withinRpo: true }]));
    const inRegion = new DeployedBackend({ stackName: 'Cronsnap', lambda: new LambdaClient({ region: 'eu-central-1' }), cloudFormation: new CloudFormationClient({ region: 'eu-central-1' }), ssm: new SSMClient({}), s3: new S3Client({}), sfn: new SFNClient({}) });

    const answer = await inRegion.status(['prod-etcd']);

    expect(sentPayload('fn-status')).toEqual({ jobs: ['prod-etcd'] });
    expect(answer).toEqual({ jobs: [expect.objectContaining({ job: 'prod-etcd' })], commandLog: { region: 'eu-central-1', name: 'Cronsnap-commands' } });
  });

  it('says a stack deployed before status must be deployed again, and calls nothing', async () => {
    await expect(backend().status()).rejects.toThrow(new ConfigError('stack Cronsnap has no job-status function: deploy this version of cronsnap'));
    expect(lambda.commandCalls(InvokeCommand)).toEqual([]);
  });

  it("lists a job's hosts from SSM's node inventory with each one's newest backup from list-backups", async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0000000000000000a', PingStatus: 'Online', AgentVersion: '3.3.3050.0' }] });
    lambda.on(InvokeCommand, { FunctionName: 'fn-list' }).resolves(payload({ job: 'prod-etcd', engine: 'etcd', backups: [{ runId: RUN, host: 'i-0000000000000000a', finishedAt: '2026-11-24T01:10:40Z' }], refused: [] }));
    const job = parseConfig(configInput([etcdJobInput({ targets: { instanceIds: ['i-0000000000000000a'] } } as never)])).jobs[0];
    if (!job) throw new Error('no job');

    const report = await backend().hosts(job, 'Cronsnap-host-prod-etcd');

    expect(report).toMatchObject({ ok: true, hosts: [{ host: 'i-0000000000000000a', managed: { pingStatus: 'Online' }, lastBackup: { runId: RUN }, problems: [] }] });
    expect(sentPayload('fn-list')).toEqual({ job: 'prod-etcd', limit: 200 });
  });

  it('keeps and unkeeps through keep-backup, the function with the restore role', async () => {
    lambda
      .on(InvokeCommand, { FunctionName: 'fn-keep' })
      .resolvesOnce(payload({ kind: 'kept', job: 'prod-etcd', runId: RUN, reason: 'audit', legalHolds: 0 }))
      .resolvesOnce(payload({ kind: 'unkept', job: 'prod-etcd', runId: RUN, wasKept: true, legalHolds: 0 }));

    const outcome = await backend().keep({ job: 'prod-etcd', runId: RUN, forever: true, reason: 'audit' });
    const undone = await backend().keep({ job: 'prod-etcd', runId: RUN, action: 'unkeep' });

    expect(outcome).toEqual({ kind: 'kept', job: 'prod-etcd', runId: RUN, reason: 'audit', legalHolds: 0 });
    expect(undone).toEqual({ kind: 'unkept', job: 'prod-etcd', runId: RUN, wasKept: true, legalHolds: 0 });
    expect(sentPayload('fn-keep')).toEqual({ job: 'prod-etcd', runId: RUN, forever: true, reason: 'audit' });
    // The answers above are the mock's own words; what the backend did is the requests: both to
    // keep-backup and no other function, the unkeep saying so (without it the function would keep).
    expect(invocations()).toEqual([
      ['fn-keep', { job: 'prod-etcd', runId: RUN, forever: true, reason: 'audit' }],
      ['fn-keep', { job: 'prod-etcd', runId: RUN, action: 'unkeep' }],
    ]);
  });

  it('lists and restores from the copy through the CronsnapReplica stack\'s functions, saying it means the copy', async () => {
    const copyOutputs = { BackupBucket: 'copy', ListBackupsFunction: 'fn-list-copy', RestoreFunction: 'fn-restore-copy', DocumentPrefix: 'cronsnap' };
    cloudFormation.on(DescribeStacksCommand, { StackName: 'CronsnapReplica' }).resolves({
      Stacks: [{ StackName: 'CronsnapReplica', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: Object.entries(copyOutputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })) }],
    });
    lambda.on(InvokeCommand, { FunctionName: 'fn-list-copy' }).resolves(payload({ job: 'prod-etcd', engine: 'etcd', backups: [{ runId: RUN, host: 'i-a' }], refused: [] }));
    lambda.on(InvokeCommand, { FunctionName: 'fn-restore-copy' }).resolves(payload({ kind: 'etcd-plan', plan: { kind: 'quorum-restore' } }));
    const copy = new DeployedBackend({ stackName: 'CronsnapReplica', fromReplica: true, lambda: new LambdaClient({}), cloudFormation: new CloudFormationClient({}), ssm: new SSMClient({}), s3: new S3Client({}), sfn: new SFNClient({}), pollMs: 1 });

    await copy.list('prod-etcd', 20);
    await copy.restore({ job: 'prod-etcd', backup: 'latest' }, () => undefined);

    expect(sentPayload('fn-list-copy')).toEqual({ job: 'prod-etcd', limit: 20, fromReplica: true });
    expect(sentPayload('fn-restore-copy')).toEqual({ job: 'prod-etcd', backup: 'latest', fromReplica: true });
    expect(sentTo('fn-list')).toEqual([]);
  });

  it('follows every page of invocations and confirms each of 120 hosts by the run id, as SSM pages 50 at a time', async () => {
    const hosts = Array.from({ length: 120 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    lambda.on(InvokeCommand, { FunctionName: 'fn-scheduled' }).resolves(payload({ kind: 'started', job: 'prod-etcd', runId: RUN, commandId: 'c0000000-0000-4000-8000-000000000001', hosts, linked: [] }));
    // One host's manifest is not offered: only a check of every host of the run can tell.
    lambda.on(InvokeCommand, { FunctionName: 'fn-list' }).resolves(payload({ job: 'prod-etcd', engine: 'etcd', backups: hosts.slice(0, 119).map((host) => ({ runId: RUN, host })), refused: [] }));
    ssm.on(ListCommandInvocationsCommand).callsFake((input: { MaxResults?: number; NextToken?: string }) => {
      const from = Number(input.NextToken ?? 0);
      const to = from + (input.MaxResults ?? 50);
      return { CommandInvocations: hosts.slice(from, to).map((InstanceId) => ({ InstanceId, Status: 'Success' })), ...(to < hosts.length ? { NextToken: String(to) } : {}) };
    });

    const result = await backend().backupNow('prod-etcd', { wait: true, progress: () => undefined });

    expect(result.hosts).toHaveLength(120);
    expect(result.hosts.filter((host) => host.status === 'failed')).toEqual([{ host: hosts[119], status: 'failed', detail: 'the command succeeded but list-backups does not offer the backup' }]);
    expect(sentPayload('fn-list')).toEqual({ job: 'prod-etcd', runId: RUN });
  });

  it('counts a host failed when its command succeeded but no backup is offered', async () => {
    ssm.on(ListCommandInvocationsCommand).resolves({ CommandInvocations: [{ InstanceId: 'i-a', Status: 'Success' }] });
    lambda.on(InvokeCommand, { FunctionName: 'fn-list' }).resolves(payload({ job: 'prod-etcd', engine: 'etcd', backups: [], refused: [] }));

    const result = await backend().backupNow('prod-etcd', { wait: true, progress: () => undefined });

    expect(result).toMatchObject({ outcome: 'failed', hosts: [{ status: 'failed', detail: 'the command succeeded but list-backups does not offer the backup' }] });
  });

  it('passes on a function\'s own error as the same kind, and anything else as the function\'s failure', async () => {
    lambda
      .on(InvokeCommand, { FunctionName: 'fn-restore' })
      .resolvesOnce({ FunctionError: 'Unhandled', ...payload({ errorType: 'RestoreError', errorMessage: 'job prod-etcd has no restorable backup' }) })
      .resolvesOnce({ FunctionError: 'Unhandled', ...payload({ errorType: 'UnknownJobError', errorMessage: 'no job named prod-etc in the deployed config' }) })
      .resolvesOnce({ FunctionError: 'Unhandled', ...payload({ errorType: 'TypeError', errorMessage: "Cannot read properties of undefined (reading 'key')" }) });
    const restore = () => backend().restore({ job: 'prod-etcd', backup: 'latest' }, () => undefined);

    const answers = [await restore().catch((error: unknown) => error), await restore().catch((error: unknown) => error), await restore().catch((error: unknown) => error)];

    expect(answers.map((error) => [(error as Error).constructor, (error as Error).message])).toEqual([
      [RestoreError, 'job prod-etcd has no restorable backup'],
      [UnknownJobError, 'no job named prod-etc in the deployed config'],
      [FunctionError, "fn-restore failed: TypeError: Cannot read properties of undefined (reading 'key')"],
    ]);
  });

  it('drills through the restore-drill function with an event of its own', async () => {
    const answer = { kind: 'drilled', job: 'prod-etcd', drillId: 'd-1', passed: true, checks: [], result: 'drills/prod-etcd/d-1.json' };
    lambda.on(InvokeCommand, { FunctionName: 'fn-drill' }).resolves(payload(answer));

    expect(await backend().drill('prod-etcd', () => undefined)).toEqual(answer);
    expect(sentPayload('fn-drill')).toEqual({ job: 'prod-etcd', eventId: expect.stringMatching(/^cli-/), scheduledTime: expect.any(String) });
    // The answer is the function's verdict as it came: one request, and no workflow followed for it.
    expect(invocations().map(([name]) => name)).toEqual(['fn-drill']);
    expect(executionsAsked()).toEqual([]);
  });

  it('follows a restore\'s workflow to its end and answers with its output, however many looks that takes', async () => {
    const started = { kind: 'started', operation: 'database-restore', job: 'prod-db', runId: RUN, dryRun: false, hosts: ['i-a'], workflow: { executionId: EXECUTION } };
    lambda.on(InvokeCommand, { FunctionName: 'fn-restore' }).resolves(payload(started));
    const output = { kind: 'database', dryRun: false, report: { host: 'i-a', commandId: 'c-1', planned: [], restored: [{ database: 'shop', into: 'shop', tables: 3 }] } };
    sfn.on(DescribeExecutionCommand).resolvesOnce({ status: 'RUNNING' } as never).resolvesOnce({ status: 'RUNNING' } as never).resolves({ status: 'SUCCEEDED', output: JSON.stringify(output) } as never);
    const progress: string[] = [];

    expect(await backend().restore({ job: 'prod-db', backup: RUN, dryRun: false, confirm: 'prod-db' }, (line) => progress.push(line))).toEqual(output);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(3);
    expect(progress.join('\n')).toContain(`https://eu-central-1.console.aws.amazon.com/states/home?region=eu-central-1#/v2/executions/details/${EXECUTION}`);
    // The mocks answer whatever they are asked: the output means something only if the backend
    // sent the operator's request whole (a real run, confirmed) and followed the execution the
    // function named.
    expect(sentPayload('fn-restore')).toEqual({ job: 'prod-db', backup: RUN, dryRun: false, confirm: 'prod-db' });
    expect(executionsAsked()).toEqual([EXECUTION, EXECUTION, EXECUTION]);
  });

  it('answers a restore to a time with the workflow\'s output and the logs the function chose to replay, said before following it', async () => {
    const pointInTime = {
      kind: 'binlogs',
      toTime: '2026-11-24T01:30:00.000Z',
      dump: { runId: RUN, finishedAt: '2026-11-24T01:12:00.000Z', binlogFile: 'binlog.000012', binlogPosition: 4711 },
      logs: { count: 2, first: 'binlog.000012', last: 'binlog.000013', from: '2026-11-24T01:10:05.000Z', until: '2026-11-24T01:34:59.000Z' },
    };
    lambda.on(InvokeCommand, { FunctionName: 'fn-restore' }).resolves(payload({ kind: 'started', operation: 'database-restore', job: 'prod-db', runId: RUN, dryRun: false, hosts: ['i-a'], workflow: { executionId: EXECUTION }, pointInTime }));
    const output = { kind: 'database', dryRun: false, report: { host: 'i-a', commandId: 'c-1', planned: [], restored: [{ database: 'shop', into: 'shop', tables: 3 }] } };
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify(output) } as never);
    const request = { job: 'prod-db', backup: 'latest', toTime: '2026-11-24T01:30:00Z', dryRun: false, confirm: 'prod-db' };
    const progress: string[] = [];

    const outcome = await backend().restore(request, (line) => progress.push(line));

    // Neither mock's answer alone: the workflow knows nothing of the logs, the function nothing of what was restored.
    expect(outcome).toEqual({ ...output, pointInTime });
    expect(sentPayload('fn-restore')).toEqual(request);
    expect(executionsAsked()).toEqual([EXECUTION]);
    // The operator learns what will be replayed before the wait for the workflow begins.
    expect(progress).toEqual([
      'prod-db: asking the restore function (real run)',
      `prod-db: to 2026-11-24T01:30:00.000Z: run ${RUN} (finished 2026-11-24T01:12:00.000Z, from binlog.000012:4711), then 2 binary logs binlog.000012..binlog.000013 covering 2026-11-24T01:10:05.000Z to 2026-11-24T01:34:59.000Z`,
      expect.stringMatching(/^prod-db: restore on i-a: running as arn:aws:states:/),
    ]);
  });

  it('answers a workflow that failed with its step\'s own error: a refusal stays a refusal', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'fn-restore' }).resolves(payload({ kind: 'started', operation: 'database-restore', job: 'prod-db', runId: RUN, dryRun: false, hosts: ['i-a'], workflow: { executionId: EXECUTION } }));
    const cause = JSON.stringify({ errorType: 'RestoreRefusedError', errorMessage: 'restore of prod-db failed: step=plan: database shop holds 3 tables', trace: [] });
    sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'RestoreRefusedError', cause } as never);

    const restoring = backend().restore({ job: 'prod-db', backup: RUN, dryRun: false, confirm: 'prod-db' }, () => undefined);

    await expect(restoring).rejects.toThrow(RestoreRefusedError);
    await expect(restoring).rejects.toThrow('restore of prod-db failed: step=plan: database shop holds 3 tables');
  });

  it('follows a drill that started its workflow and answers with the verdict judged at its end', async () => {
    lambda.on(InvokeCommand, { FunctionName: 'fn-drill' }).resolves(payload({ kind: 'started', job: 'prod-etcd', drillId: 'd-2', workflow: { executionId: EXECUTION } }));
    const result = { job: 'prod-etcd', drillId: 'd-2', passed: true, checks: [], restoreSeconds: 4000 };
    sfn.on(DescribeExecutionCommand).resolves({ status: 'SUCCEEDED', output: JSON.stringify({ kind: 'drilled', result, resultKey: 'drills/prod-etcd/d-2.json' }) } as never);

    expect(await backend().drill('prod-etcd', () => undefined)).toEqual({ kind: 'drilled', job: 'prod-etcd', drillId: 'd-2', passed: true, checks: [], result: 'drills/prod-etcd/d-2.json' });
    // The verdict is the one of the execution the function started, not of any other.
    expect(executionsAsked()).toEqual([EXECUTION]);
  });

  it('says when the first compliance report is due, on a stack that has none yet', async () => {
    s3.reset();
    s3.on(GetObjectCommand, { Bucket: 'reports', Key: 'reports/latest/report.json' }).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }));

    await expect(backend().report()).rejects.toThrow(
      'no compliance report in s3://reports/reports/latest/ yet: the first is written when the first S3 Inventory is delivered, up to 48 hours after the stack was created; try again then',
    );
  });

  it('names the outputs a stack deployed before the CLI lacks', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'Cronsnap', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'BackupBucket', OutputValue: 'backups' }] }] });

    const listing = backend().list('prod-etcd', 5);
    await expect(listing).rejects.toThrow(ConfigError);
    await expect(listing).rejects.toThrow('Outputs.ReportsBucket');
  });

  it('sends the preflight document to the online hosts with the caller\'s credentials and judges each answer', async () => {
    const [job] = parseConfig(configInput([etcdJobInput({ targets: { instanceIds: ['i-0123456789abcdef0', 'i-0123456789abcdef1'] } })])).jobs;
    if (!job) throw new Error('no job');
    const commandId = 'c0000000-0000-4000-8000-0000000000f1';
    const tool = (name: string, version: string, path = `/usr/bin/${name}`) => `cronsnap: tool {"name": "${name}", "path": "${path}", "version": "${version}"}`;
    const answer = (etcdctl: string, zstdPath: string) =>
      [
        'cronsnap: step=preflight',
        tool('bash', '4.2.46(2)-release', '/bin/bash'),
        tool('coreutils', 'tee (GNU coreutils) 8.22'),
        tool('zstd', '*** zstd command line interface 64-bits v1.5.5, by Yann Collet ***', zstdPath),
        tool('openssl', 'OpenSSL 1.0.2k-fips  26 Jan 2017'),
        tool('aws', 'aws-cli/1.18.147 Python/2.7.18 Linux/3.10.0 botocore/1.18.6'),
        tool('flock', 'flock from util-linux 2.23.2'),
        tool('ssmAgent', 'SSM Agent version: 3.3.2746.0'),
        tool('etcdctl', etcdctl),
        tool('etcdutl', '', ''),
        tool('curl', 'curl 7.29.0 (x86_64-redhat-linux-gnu) libcurl/7.29.0 NSS/3.53.1'),
        'cronsnap: space {"dir": "/var/tmp", "freeBytes": 10737418240}',
        'cronsnap: region {"region": "eu-central-1"}',
      ].join('\n');
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online' }, { InstanceId: 'i-0123456789abcdef1', PingStatus: 'Online' }] });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: commandId } });
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ CommandId: commandId, TargetCount: 2 }] });
    ssm.on(GetCommandInvocationCommand, { InstanceId: 'i-0123456789abcdef0' }).resolves({ Status: 'Success', DocumentName: 'cronsnap-preflight', StandardOutputContent: answer('etcdctl version: 3.2.28', '/usr/bin/zstd') });
    ssm.on(GetCommandInvocationCommand, { InstanceId: 'i-0123456789abcdef1' }).resolves({ Status: 'Success', DocumentName: 'cronsnap-preflight', StandardOutputContent: answer('etcdctl version: 3.1.20', '') });

    const result = await backend().preflight(job, () => undefined);

    expect(ssm.commandCalls(SendCommandCommand)[0]?.args[0].input).toMatchObject({ DocumentName: 'cronsnap-preflight', InstanceIds: ['i-0123456789abcdef0', 'i-0123456789abcdef1'], Parameters: { job: [job.name], etcdctl: ['etcdctl'], workDir: ['/var/tmp'] } });
    expect(result.ok).toBe(false);
    const [ready, old] = result.hosts;
    expect(ready).toMatchObject({ host: 'i-0123456789abcdef0', ok: true });
    expect(old?.ok).toBe(false);
    expect(old?.checks.filter((check) => !check.ok)).toEqual([
      { requirement: 'zstd', found: 'missing', ok: false, fix: expect.stringContaining('EPEL on RHEL/CentOS 7') },
      { requirement: 'etcdctl 3.2+ (v3 API)', found: 'etcdctl version: 3.1.20', ok: false, fix: expect.stringContaining('etcd 3.2 or later') },
    ]);
  });
});
