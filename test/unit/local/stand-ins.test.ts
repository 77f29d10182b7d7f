import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeInstanceInformationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LocalCommandRunner } from '../../../lib/adapters/local-command-runner';
import { MemoryNotifier } from '../../../lib/adapters/memory-notifier';
import { SfnHostWorkflowStarter } from '../../../lib/adapters/sfn-workflow-starter';
import { SnsNotifier } from '../../../lib/adapters/sns-notifier';
import { SsmCommandRunner } from '../../../lib/adapters/ssm-command-runner';
import type { RecordedCall } from '../../../lib/local/aws-call-recorder';
import { SfnStandIn } from '../../../lib/local/sfn-stand-in';
import { snsStandIn } from '../../../lib/local/sns-stand-in';
import { ssmStandIn } from '../../../lib/local/ssm-stand-in';
import { standInClient } from '../../../lib/local/stand-in-handler';
import type { CommandDocument } from '../../../lib/ssm/command-document';
import type { HostWorkflowInput } from '../../../lib/host-workflow/host-workflow';

const TOPIC = 'arn:aws:sns:us-east-1:000000000000:cronsnap-failures';
const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:cronsnap-restore';

/** A document whose one parameter takes lower-case words, and whose script prints it. */
function echoDocument(): CommandDocument {
  return {
    schemaVersion: '2.2',
    description: 'prints its word',
    parameters: {
      word: { type: 'String', description: 'a word', allowedPattern: '^[a-z]{1,20}$', interpolationType: 'ENV_VAR' },
      reportKey: { type: 'String', description: 'where the report goes', allowedPattern: '^[a-z0-9-]*$', interpolationType: 'ENV_VAR', default: '' },
    },
    // It takes a moment, as any host program does, so a look right after sending finds it running.
    mainSteps: [{ action: 'aws:runShellScript', name: 'echo', precondition: { StringEquals: ['platformType', 'Linux'] }, inputs: { runCommand: ['sleep 0.3', 'echo "$SSM_word"'], timeoutSeconds: '60' } }],
  };
}

function ssmWorld(hosts = ['i-0000000000000000a']) {
  const calls: RecordedCall[] = [];
  const agent = new LocalCommandRunner({ documents: { 'cronsnap-echo': echoDocument() }, hosts: Object.fromEntries(hosts.map((host) => [host, {}])) });
  const client = standInClient(SSMClient, ssmStandIn(agent), { region: 'us-east-1', accessKeyId: 'cronsnap.fn.restore', record: (call) => calls.push(call) });
  return { agent, client, runner: new SsmCommandRunner(client), calls };
}

const echo = (word: string, hostIds = ['i-0000000000000000a']) => ({ documentName: 'cronsnap-echo', hostIds, parameters: { word }, comment: 'echo', timeoutSeconds: 600 });

describe('the SSM stand-in, as SsmCommandRunner meets it', () => {
  it('runs a sent document on its host and records each request signed by the function that sent it', async () => {
    const { agent, runner, calls } = ssmWorld();

    const { commandId } = await runner.send(echo('hello'));

    // SSM is eventually consistent: the first look right after sending finds no invocation yet.
    await expect(runner.invocation(commandId, 'i-0000000000000000a')).resolves.toMatchObject({ status: 'Pending' });
    await agent.settled(commandId);
    await expect(runner.invocation(commandId, 'i-0000000000000000a')).resolves.toMatchObject({ status: 'Success', stdout: 'hello\n', documentName: 'cronsnap-echo', parameters: { word: 'hello' }, targetCount: 1 });
    expect(calls.map((call) => [call.accessKeyId, call.headers['x-amz-target']])).toEqual([
      ['cronsnap.fn.restore', 'AmazonSSM.SendCommand'],
      ...Array(2).fill([
        ['cronsnap.fn.restore', 'AmazonSSM.GetCommandInvocation'],
        ['cronsnap.fn.restore', 'AmazonSSM.ListCommands'],
      ]).flat(),
    ]);
    expect(JSON.parse(calls[0]?.body ?? '{}')).toMatchObject({ DocumentName: 'cronsnap-echo', InstanceIds: ['i-0000000000000000a'], Parameters: { word: ['hello'] } });
  });

  it('refuses what SSM refuses: a value outside its pattern, an unknown parameter, a long comment, 51 instances, a bad rate control', async () => {
    const { client, runner } = ssmWorld();

    await expect(runner.send(echo('Hello; rm -rf /'))).rejects.toThrow(expect.objectContaining({ name: 'InvalidParameters' }));
    await expect(runner.send({ ...echo('hello'), parameters: { word: 'hello', extra: 'x' } })).rejects.toThrow(expect.objectContaining({ name: 'InvalidParameters' }));
    await expect(runner.send({ ...echo('hello'), documentName: 'cronsnap-nope' })).rejects.toThrow(expect.objectContaining({ name: 'InvalidDocument' }));
    await expect(client.send(new SendCommandCommand({ DocumentName: 'cronsnap-echo', InstanceIds: ['i-0000000000000000a'], Comment: 'x'.repeat(101) }))).rejects.toThrow(/Comment/);
    const fleet = Array.from({ length: 51 }, (_, i) => `i-${String(i).padStart(17, '0')}`);
    await expect(runner.send(echo('hello', fleet))).rejects.toThrow(/at most 50/);
    await expect(runner.send({ ...echo('hello', []), tags: { role: ['etcd'] }, rollout: { maxConcurrency: '0', maxErrors: '0' } })).rejects.toThrow(/MaxConcurrency 0/);
    await expect(client.send(new SendCommandCommand({ DocumentName: 'cronsnap-echo', InstanceIds: ['i-0000000000000000a'], TimeoutSeconds: 10 }))).rejects.toThrow(/TimeoutSeconds/);
    await expect(runner.send(echo('hello', ['i-0000000000000000f']))).rejects.toThrow(expect.objectContaining({ name: 'InvalidInstanceId' }));
    await expect(client.send(new SendCommandCommand({ DocumentName: 'cronsnap-echo', InstanceIds: ['i-0000000000000000a'] }))).rejects.toThrow(/requires word, which have no default/);
  });

  it('lists a host that does not answer as ConnectionLost, which the runner leaves out, and refuses tag filters mixed with others', async () => {
    const agent = new LocalCommandRunner({ documents: {}, hosts: { 'i-0000000000000000a': {}, 'i-0000000000000000b': { online: false } } });
    const client = standInClient(SSMClient, ssmStandIn(agent), { region: 'us-east-1', accessKeyId: 'cronsnap.fn.restore' });

    await expect(new SsmCommandRunner(client).onlineHosts({ instanceIds: ['i-0000000000000000a', 'i-0000000000000000b'] })).resolves.toEqual(['i-0000000000000000a']);
    await expect(client.send(new DescribeInstanceInformationCommand({}))).resolves.toMatchObject({
      InstanceInformationList: [{ InstanceId: 'i-0000000000000000a', PingStatus: 'Online' }, { InstanceId: 'i-0000000000000000b', PingStatus: 'ConnectionLost' }],
    });
    await expect(client.send(new DescribeInstanceInformationCommand({ Filters: [{ Key: 'tag:role', Values: ['db'] }, { Key: 'PingStatus', Values: ['Online'] }] }))).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidFilterKey' }),
    );
  });

  it('answers InvocationDoesNotExist for a host the command never reached, which the runner reads as Pending', async () => {
    const { runner } = ssmWorld();
    const { commandId } = await runner.send(echo('hello'));

    await expect(runner.invocation(commandId, 'i-0000000000000000b')).resolves.toMatchObject({ status: 'Pending' });
  });

  it('finds a command already sent by its report key among more than a page of commands of its document', async () => {
    const { agent, runner } = ssmWorld();
    const since = new Date(Date.now() - 60_000);
    const sent = [];
    for (let i = 0; i < 60; i += 1) sent.push(await runner.send({ ...echo('hello'), parameters: { word: 'hello', reportKey: `report-${i}` } }));
    await Promise.all(sent.map(({ commandId }) => agent.settled(commandId)));

    // The first one sent is the last of the second page, newest first.
    await expect(runner.findSent({ ...echo('hello'), parameters: { word: 'hello', reportKey: 'report-0' } }, since)).resolves.toEqual(sent[0]);
    await expect(runner.findSent({ ...echo('hello'), parameters: { word: 'hello', reportKey: 'report-60' } }, since)).resolves.toBeUndefined();
  });
});

describe('the SNS stand-in, as SnsNotifier meets it', () => {
  it('delivers a message to the topic with a subject SNS takes, whatever the subject given', async () => {
    const inbox = new MemoryNotifier();
    const client = standInClient(SNSClient, snsStandIn(TOPIC, inbox), { region: 'us-east-1', accessKeyId: 'cronsnap.fn.restore-drill' });

    await new SnsNotifier(client, TOPIC).publish(`cronsnap: ${'très-long-job-'.repeat(10)} restore drill failed\n`, { job: 'x' });

    expect(inbox.messages).toEqual([{ subject: expect.stringMatching(/^cronsnap: (tr\?s-long-job-){6}tr\?s-$/), message: { job: 'x' } }]);
    expect(inbox.messages[0]?.subject).toHaveLength(99);
  });

  it('refuses a subject with a line break and a topic that does not exist, as SNS does', async () => {
    const inbox = new MemoryNotifier();
    const client = standInClient(SNSClient, snsStandIn(TOPIC, inbox), { region: 'us-east-1', accessKeyId: 'cronsnap.fn.restore-drill' });

    await expect(client.send(new PublishCommand({ TopicArn: TOPIC, Subject: 'two\nlines', Message: '{}' }))).rejects.toThrow(expect.objectContaining({ name: 'InvalidParameterException' }));
    await expect(new SnsNotifier(client, `${TOPIC}-other`).publish('x', {})).rejects.toThrow(expect.objectContaining({ name: 'NotFoundException' }));
    expect(inbox.messages).toEqual([]);
  });
});

describe('the Step Functions stand-in, as the starters meet it', () => {
  /** A machine that passes its input through after a Wait, so an execution stays open for a moment. */
  const passThrough = () =>
    new SfnStandIn({
      [MACHINE]: {
        definition: { StartAt: 'wait', States: { wait: { Type: 'Wait', Seconds: 1, Next: 'done' }, done: { Type: 'Pass', End: true } } } as never,
        options: { functions: {}, waitMs: 20 },
      },
    });
  const input = (job: string) => ({ operation: { kind: 'drill', job } }) as unknown as HostWorkflowInput;

  it('answers the same start of an open execution as the first, and refuses other input under its name, or any start once it closed', async () => {
    const sfn = passThrough();
    const starter = new SfnHostWorkflowStarter(standInClient(SFNClient, sfn, { region: 'us-east-1', accessKeyId: 'cronsnap.fn.restore' }), MACHINE);

    const first = await starter.start(input('a'), 'drill-a');
    await expect(starter.start(input('a'), 'drill-a')).resolves.toEqual(first);
    await expect(starter.start(input('b'), 'drill-a')).rejects.toThrow('an execution named drill-a already exists, with other input or already ended');
    await expect(sfn.outputOf(first.executionId)).resolves.toEqual(input('a'));
    await expect(starter.start(input('a'), 'drill-a')).rejects.toThrow(/already exists/);
  });

  it('refuses a name Step Functions refuses and an input over 256 KiB', async () => {
    const sfn = passThrough();
    const client = standInClient(SFNClient, sfn, { region: 'us-east-1', accessKeyId: 'cronsnap.fn.restore' });

    await expect(client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'a:b', input: '{}' }))).rejects.toThrow(expect.objectContaining({ name: 'InvalidName' }));
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'x'.repeat(81), input: '{}' }))).rejects.toThrow(expect.objectContaining({ name: 'InvalidName' }));
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'big', input: JSON.stringify({ pad: 'x'.repeat(262_144) }) }))).rejects.toThrow(/over 262144/);
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: `${MACHINE}-nope`, name: 'ok', input: '{}' }))).rejects.toThrow(expect.objectContaining({ name: 'StateMachineDoesNotExist' }));
    await expect(client.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'torn', input: '{"job":' }))).rejects.toThrow(expect.objectContaining({ name: 'InvalidExecutionInput' }));
  });
});
