import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetCommandInvocationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strictMockClient } from '../../helpers/aws-contracts';
import { lambdaContext, loadEvent } from '../../helpers/events';
import { useLambdaEnvironment } from '../../helpers/lambda-environment';
import { etcdManifest } from '../../helpers/manifest-factory';
import { runIdAt, storedEtcdBackup } from '../../helpers/stored-backups';

useLambdaEnvironment();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../functions/backup-completed/handler') as typeof import('../../../functions/backup-completed/handler');

const ssm = strictMockClient(SSMClient);
const s3 = strictMockClient(S3Client);
const sns = strictMockClient(SNSClient);
const RUN_PREFIX = 'prod-etcd/2026/11/23/20261123T103000Z-0123456789';

function manifestBody(text: string) {
  return { Body: { transformToString: async () => text } } as never;
}

/** Answers ListObjectsV2 and GetObject from a map of keys to bodies, as a bucket would. */
function serveBucket(objects: Map<string, string>) {
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => ({
    Contents: [...objects.keys()].filter((key) => key.startsWith(input.Prefix ?? '')).sort().map((Key) => ({ Key, Size: Buffer.byteLength(objects.get(Key) ?? '') })),
  }));
  s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
    const body = objects.get(input.Key ?? '');
    if (body === undefined) throw new NoSuchKey({ message: 'missing', $metadata: { httpStatusCode: 404 } });
    return manifestBody(body);
  });
}

function publishedMessage(): Record<string, unknown> {
  return JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}');
}

describe('backup-completed handler', () => {
  beforeEach(() => {
    ssm.reset();
    s3.reset();
    sns.reset();
    s3.on(PutObjectCommand).resolves({});
    ssm.on(ListCommandsCommand).resolves({
      Commands: [{ Parameters: { job: ['prod-etcd'], runId: ['20261123T103000Z-0123456789'], runPrefix: [RUN_PREFIX] } }],
    });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', DocumentName: 'cronsnap-etcd-backup', StandardErrorContent: '' });
    serveBucket(storedEtcdBackup('20261123T103000Z-0123456789'));
    s3.on(DeleteObjectsCommand).resolves({});
  });

  it('accepts a run whose manifest matches and publishes nothing', async () => {
    const outcome = await handler(loadEvent('ssm-invocation-status-change'), lambdaContext);

    expect(outcome).toEqual({ kind: 'succeeded', job: 'prod-etcd', runId: '20261123T103000Z-0123456789', host: 'i-0123456789abcdef0' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('prunes the backups beyond the policy after a success and leaves the kept ones', async () => {
    const now = new Date('2026-11-23T10:31:00Z');
    const older = Array.from({ length: 8 }, (_, index) => runIdAt(now, 1 + index * 0.5));
    const objects = new Map([...older.map((runId) => storedEtcdBackup(runId)), storedEtcdBackup('20261123T103000Z-0123456789')].flatMap((m) => [...m]));
    serveBucket(objects);

    await handler(loadEvent('ssm-invocation-status-change'), lambdaContext);

    // keepLast 7: this run and the six before it stay; the two oldest go, manifest first.
    const deleted = s3.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects?.map((object) => object.Key));
    expect(deleted).toEqual([
      [expect.stringMatching(new RegExp(`${older[6]}/i-0123456789abcdef0/manifest.json$`))],
      [expect.stringMatching(new RegExp(`${older[6]}/i-0123456789abcdef0/snapshot.db.zst$`))],
      [expect.stringMatching(new RegExp(`${older[7]}/i-0123456789abcdef0/manifest.json$`))],
      [expect.stringMatching(new RegExp(`${older[7]}/i-0123456789abcdef0/snapshot.db.zst$`))],
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('reports a pruning failure on the topic and still counts the backup a success', async () => {
    serveBucket(new Map([...storedEtcdBackup(runIdAt(new Date('2026-11-23T10:31:00Z'), 30)), ...storedEtcdBackup('20261123T103000Z-0123456789')]));
    s3.on(ListObjectsV2Command).rejectsOnce(new Error('AccessDenied: s3:ListBucket'));

    const outcome = await handler(loadEvent('ssm-invocation-status-change'), lambdaContext);

    expect(outcome).toMatchObject({ kind: 'succeeded' });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe('cronsnap: prod-etcd retention could not be applied');
    expect(publishedMessage()).toMatchObject({ reason: 'pruning failed: AccessDenied: s3:ListBucket' });
  });

  it('reports the host script reason for a failed command', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      StandardErrorContent: 'noise\ncronsnap: FAILED step=free-space: not enough free space in /var/tmp: need 9 bytes, have 1\n',
    });
    const event = loadEvent('ssm-invocation-status-change');
    event.detail.status = 'Failed';

    const outcome = await handler(event, lambdaContext);

    expect(outcome).toMatchObject({ kind: 'failed', job: 'prod-etcd' });
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe('cronsnap: prod-etcd backup failed on i-0123456789abcdef0');
    expect(publishedMessage()).toMatchObject({
      job: 'prod-etcd',
      host: 'i-0123456789abcdef0',
      runId: '20261123T103000Z-0123456789',
      reason: 'step=free-space: not enough free space in /var/tmp: need 9 bytes, have 1',
    });
  });

  it("links a failed run's whole output in the deployment's log group from its notice", async () => {
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Failed', DocumentName: 'cronsnap-etcd-backup', PluginName: 'cronsnap-etcd-backup', StandardErrorContent: 'cronsnap: FAILED step=snapshot: etcd unreachable\n' });
    const event = loadEvent('ssm-invocation-status-change');
    event.detail.status = 'Failed';

    await handler(event, lambdaContext);

    const stream = `${event.detail['command-id']}/i-0123456789abcdef0/cronsnap-etcd-backup/stderr`;
    const page = `https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups/log-group/$252Fcronsnap$252FCronsnap$252Fcommands/log-events/${stream.replaceAll('/', '$252F')}`;
    expect(publishedMessage()).toMatchObject({ output: { stderr: page, stdout: page.replace(/stderr$/, 'stdout') } });
  });

  it('publishes the first, specific reason when the shell\'s error trap adds its own after it', async () => {
    ssm.on(GetCommandInvocationCommand).resolves({
      Status: 'Failed',
      StandardErrorContent:
        'cronsnap: FAILED step=server-facts: job prod-etcd on i-0123456789abcdef0: login to 10.0.0.5:3306 as backup failed: Access denied\n' +
        'cronsnap: FAILED step=server-facts: command failed with exit code 1 (line 212)\n',
    });
    const event = loadEvent('ssm-invocation-status-change');
    event.detail.status = 'Failed';

    await handler(event, lambdaContext);

    expect(publishedMessage()).toMatchObject({ reason: 'step=server-facts: job prod-etcd on i-0123456789abcdef0: login to 10.0.0.5:3306 as backup failed: Access denied' });
  });

  it('reports a time-out', async () => {
    const event = loadEvent('ssm-invocation-status-change');
    event.detail.status = 'TimedOut';

    await handler(event, lambdaContext);

    expect(publishedMessage()).toMatchObject({ status: 'TimedOut', reason: 'SSM status TimedOut' });
  });

  it('treats a successful command without a manifest as a failure', async () => {
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'missing', $metadata: { httpStatusCode: 404 } }));

    const outcome = await handler(loadEvent('ssm-invocation-status-change'), lambdaContext);

    expect(outcome).toMatchObject({ kind: 'failed' });
    expect(publishedMessage()).toMatchObject({ reason: expect.stringContaining('manifest.json is missing') });
  });

  it('refuses a manifest that belongs to another run, naming it', async () => {
    s3.on(GetObjectCommand).resolves(manifestBody(JSON.stringify(etcdManifest({ runId: '20261122T103000Z-9999999999' }))));

    await handler(loadEvent('ssm-invocation-status-change'), lambdaContext);

    expect(publishedMessage()).toMatchObject({ reason: expect.stringContaining('run 20261122T103000Z-9999999999') });
  });

  it('names the bad field of a malformed manifest', async () => {
    const broken = { ...etcdManifest(), payload: { ...etcdManifest().payload, sha256: 'not-a-hash' } };
    s3.on(GetObjectCommand).resolves(manifestBody(JSON.stringify(broken)));

    await handler(loadEvent('ssm-invocation-status-change'), lambdaContext);

    expect(publishedMessage()).toMatchObject({ reason: expect.stringContaining('manifest.payload.sha256: must be a lower-case hex sha256') });
  });

  it('handles a redelivered status change once', async () => {
    s3.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 } }));

    const outcome = await handler(loadEvent('ssm-invocation-status-change'), lambdaContext);

    expect(outcome).toMatchObject({ kind: 'duplicate' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    expect(s3.commandCalls(ListObjectsV2Command).filter((call) => call.args[0].input.Prefix === 'prod-etcd/')).toHaveLength(0);
    expect(s3.commandCalls(DeleteObjectsCommand)).toHaveLength(0);
  });

  it('refuses an event that is not an SSM status change, naming the field', async () => {
    const event = { ...loadEvent('ssm-invocation-status-change'), source: 'aws.ec2' };

    await expect(handler(event as never, lambdaContext)).rejects.toThrow('event.source: ');
  });

  it('leaves a completion whose judging was throttled unclaimed and unreported, for the retry to judge', async () => {
    ssm.on(GetCommandInvocationCommand).rejects(new Error('ThrottlingException: Rate exceeded'));

    await expect(handler(loadEvent('ssm-invocation-status-change'), lambdaContext)).rejects.toThrow('Rate exceeded');

    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});
