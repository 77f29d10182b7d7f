import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { GetCommandInvocationCommand, ListCommandsCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strictMockClient } from '../../helpers/aws-contracts';
import { writeFileSync } from 'node:fs';
import { parseConfig } from '../../../lib/config/load-config';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { lambdaContext } from '../../helpers/events';
import { useLambdaEnvironment } from '../../helpers/lambda-environment';
import { etcdManifest } from '../../helpers/manifest-factory';
import { driveHostWorkflow } from '../../helpers/host-workflow-driver';
import { drillAnswer, type DrillAnswer, type DrilledOutcome, type DrillOutcome } from '../../../lib/drill/run-drill';

useLambdaEnvironment();
writeFileSync(
  process.env.CRONSNAP_CONFIG_FILE ?? '',
  JSON.stringify(
    parseConfig(
      configInput([
        etcdJobInput({ drill: { schedule: '@daily', sampleKeys: 10 } }),
        etcdJobInput({ name: 'undrilled-etcd' }),
      ]),
    ),
  ),
);
process.env.CRONSNAP_HOST_WORKFLOW_ARN = 'arn:aws:states:eu-central-1:123456789012:stateMachine:cronsnap-drill';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../functions/restore-drill/handler') as typeof import('../../../functions/restore-drill/handler');

const s3 = strictMockClient(S3Client);
const ssm = strictMockClient(SSMClient);
const sns = strictMockClient(SNSClient);
const sfn = strictMockClient(SFNClient);

/** The drill as the schedule starts it and its workflow ends it: what the CLI prints. */
async function drill(event: object): Promise<DrillAnswer> {
  const answer = (await handler(event as never, lambdaContext)) as DrillAnswer | Extract<DrillOutcome, { kind: 'started' }>;
  if (answer.kind !== 'started') return answer;
  return drillAnswer((await driveHostWorkflow(handler as never, sfn)) as DrilledOutcome);
}
const manifest = etcdManifest();
if (manifest.engine !== 'etcd') throw new Error('etcdManifest must be an etcd manifest');
const manifestKey = manifest.payload.key.replace('snapshot.db.zst', 'manifest.json');
const EVENT = { job: 'prod-etcd', eventId: 'a1b2c3', scheduledTime: '2026-11-24T00:00:00Z' };

/** The report line the etcd drill program prints after reading the throwaway member back. */
function drilledLine(keys: number): string {
  const facts = { host: manifest.host, revision: 42, keys, sampledKeys: Math.min(10, keys), bumpRevision: false };
  return `cronsnap: step=read-back\ncronsnap: drilled ${JSON.stringify(facts)}\n`;
}

function putKeys(): string[] {
  return s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key ?? '');
}

describe('restore-drill handler', () => {
  beforeEach(() => {
    s3.reset();
    ssm.reset();
    sns.reset();
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:cronsnap-drill:x' });
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: manifest.payload.key, Size: manifest.payload.size }, { Key: manifestKey, Size: 2000 }] });
    s3.on(GetObjectCommand, { Key: manifestKey }).resolves({ Body: { transformToString: async () => JSON.stringify({ ...manifest, etcd: { ...manifest.etcd, keyCount: 40 } }) } } as never);
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand, { Key: 'drills/prod-etcd/last-passed.json' }).rejects(new NoSuchKey({ message: 'no such key', $metadata: {} }));
    s3.on(HeadObjectCommand).resolves({ ContentLength: manifest.payload.size });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'd0000000-0000-4000-8000-000000000001' } });
    ssm.on(ListCommandsCommand).resolves({ Commands: [] });
  });

  it('sends the etcd drill document with the newest backup, and stores a passed result and the last-passed copy', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', DocumentName: 'cronsnap-etcd-drill', StandardOutputContent: drilledLine(40) });

    const answer = await drill(EVENT);

    expect(answer).toMatchObject({ kind: 'drilled', job: 'prod-etcd', passed: true, result: expect.stringMatching(/^drills\/prod-etcd\/20261124T000000Z-[0-9a-f]{10}\.json$/) });
    const sent = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(sent).toMatchObject({ DocumentName: 'cronsnap-etcd-drill', InstanceIds: [manifest.host] });
    expect(sent?.Parameters).toMatchObject({ payloadKey: [manifest.payload.key], payloadSha256: [manifest.payload.sha256], sampleKeys: ['10'], etcd: ['etcd'] });
    expect(putKeys()).toEqual([expect.stringMatching(/^_cronsnap\/drills\/prod-etcd\//), answer.kind === 'drilled' ? answer.result : '', 'drills/prod-etcd/last-passed.json']);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('fails a drill whose restored key count differs from the manifest, publishes it, and keeps the last-passed copy', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', DocumentName: 'cronsnap-etcd-drill', StandardOutputContent: drilledLine(39) });

    const answer = await drill(EVENT);

    expect(answer).toMatchObject({ passed: false, reason: 'keys: expected 40, restored 39' });
    expect(putKeys()).not.toContain('drills/prod-etcd/last-passed.json');
    expect(JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}')).toMatchObject({ job: 'prod-etcd', reason: 'keys: expected 40, restored 39' });
  });

  it('fails the drill with the host\'s own reason when the drill program fails', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      DocumentName: 'cronsnap-etcd-drill',
      StandardErrorContent: 'cronsnap: FAILED step=restore: sha256 of s3://b/k is 00 but the manifest says aa; nothing was changed\n',
    });

    const answer = await drill(EVENT);

    expect(answer).toMatchObject({ passed: false, reason: expect.stringContaining('step=restore: sha256 of s3://b/k is 00 but the manifest says aa') });
  });

  it('records and publishes a drill that could not be sent, which its retry would skip as a duplicate', async () => {
    ssm.on(SendCommandCommand).rejects(new Error('InvalidInstanceId: Instances [[i-0123456789abcdef0]] not in a valid state for account 123456789012'));

    const answer = await drill(EVENT);

    const reason = `drill of prod-etcd run ${manifest.runId} on ${manifest.host} failed: SendCommand: InvalidInstanceId: Instances [[i-0123456789abcdef0]] not in a valid state for account 123456789012`;
    expect(answer).toMatchObject({ kind: 'drilled', passed: false, reason });
    const stored = s3.commandCalls(PutObjectCommand).find((call) => call.args[0].input.Key === (answer.kind === 'drilled' ? answer.result : ''));
    expect(JSON.parse(String(stored?.args[0].input.Body))).toMatchObject({ passed: false, reason, backup: { manifestKey } });
    expect(JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}')).toMatchObject({ job: 'prod-etcd', reason });
  });

  it('runs a redelivered event once', async () => {
    s3.on(PutObjectCommand, { IfNoneMatch: '*' }).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } }));

    expect(await drill(EVENT)).toMatchObject({ kind: 'duplicate', job: 'prod-etcd' });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('refuses a job without a drill, naming the field, before anything is sent', async () => {
    await expect(handler({ job: 'undrilled-etcd' } as never, lambdaContext)).rejects.toThrow('event.job: job undrilled-etcd has no drill in its config');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });
});
