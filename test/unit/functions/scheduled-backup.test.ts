import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DescribeInstanceInformationCommand, SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strictMockClient } from '../../helpers/aws-contracts';
import { lambdaContext, loadEvent } from '../../helpers/events';
import { useLambdaEnvironment } from '../../helpers/lambda-environment';

useLambdaEnvironment();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../functions/scheduled-backup/handler') as typeof import('../../../functions/scheduled-backup/handler');

const ssm = strictMockClient(SSMClient);
const s3 = strictMockClient(S3Client);
const sns = strictMockClient(SNSClient);

describe('scheduled-backup handler', () => {
  beforeEach(() => {
    ssm.reset();
    s3.reset();
    sns.reset();
    ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [{ InstanceId: 'i-0123456789abcdef1', PingStatus: 'Online' }, { InstanceId: 'i-0123456789abcdef0', PingStatus: 'Online' }],
    });
    ssm.on(SendCommandCommand).resolves({ Command: { CommandId: 'c0000000-0000-4000-8000-000000000001' } });
    s3.on(PutObjectCommand).resolves({});
  });

  it('sends the etcd document to one online member with the run parameters', async () => {
    const outcome = await handler(loadEvent('scheduled-backup'), lambdaContext);

    expect(outcome).toMatchObject({ kind: 'started', job: 'prod-etcd', commandId: 'c0000000-0000-4000-8000-000000000001', hosts: ['i-0123456789abcdef0'] });
    const send = ssm.commandCalls(SendCommandCommand)[0]?.args[0].input;
    expect(send?.DocumentName).toBe('cronsnap-etcd-backup');
    expect(send?.InstanceIds).toEqual(['i-0123456789abcdef0']);
    expect(send?.Parameters).toMatchObject({
      job: ['prod-etcd'],
      runId: [expect.stringMatching(/^20261123T103000Z-[0-9a-f]{10}$/)],
      runPrefix: [expect.stringMatching(/^prod-etcd\/2026\/11\/23\/20261123T103000Z-/)],
      bucket: ['cronsnap-backups-test'],
      endpoints: ['http://127.0.0.1:2379'],
      executionTimeout: ['3600'],
    });
    const describe = ssm.commandCalls(DescribeInstanceInformationCommand)[0]?.args[0].input;
    expect(describe?.Filters).toEqual([{ Key: 'InstanceIds', Values: ['i-0123456789abcdef0'] }]);
  });

  it('claims the run with a conditional write before sending', async () => {
    await handler(loadEvent('scheduled-backup'), lambdaContext);

    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put?.Key).toMatch(/^_cronsnap\/runs\/prod-etcd\/20261123T103000Z-[0-9a-f]{10}\.json$/);
    expect(put?.IfNoneMatch).toBe('*');
    expect(put?.ServerSideEncryption).toBe('aws:kms');
  });

  it('starts nothing for a redelivered event', async () => {
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({ name: 'PreconditionFailed', $fault: 'client', $metadata: { httpStatusCode: 412 }, message: 'At least one of the pre-conditions you specified did not hold' }),
    );

    const outcome = await handler(loadEvent('scheduled-backup'), lambdaContext);

    expect(outcome).toMatchObject({ kind: 'duplicate', job: 'prod-etcd' });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('derives the same run id from the same event', async () => {
    await handler(loadEvent('scheduled-backup'), lambdaContext);
    await handler(loadEvent('scheduled-backup'), lambdaContext);

    const [first, second] = ssm.commandCalls(SendCommandCommand).map((call) => call.args[0].input.Parameters?.runId);
    expect(first).toEqual(second);
  });

  it('refuses an event without a job, naming the field', async () => {
    const event = { ...loadEvent('scheduled-backup'), job: undefined };

    await expect(handler(event as never, lambdaContext)).rejects.toThrow('event.job: ');
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('refuses a job that is not in the config', async () => {
    await expect(handler({ ...loadEvent('scheduled-backup'), job: 'nope-job' }, lambdaContext)).rejects.toThrow("job 'nope-job' is not in the config");
  });

  it('reports on the topic when no target is online', async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });

    await expect(handler(loadEvent('scheduled-backup'), lambdaContext)).rejects.toThrow('is online in SSM');

    const publish = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(publish?.Subject).toBe('cronsnap: prod-etcd backup did not start');
    expect(JSON.parse(publish?.Message ?? '{}')).toMatchObject({ job: 'prod-etcd', runId: expect.any(String) });
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('reports on the topic when SendCommand fails after the run was claimed', async () => {
    ssm.on(SendCommandCommand).rejects(new Error('InvalidDocument: cronsnap-etcd-backup'));

    await expect(handler(loadEvent('scheduled-backup'), lambdaContext)).rejects.toThrow('InvalidDocument');

    expect(JSON.parse(sns.commandCalls(PublishCommand)[0]?.args[0].input.Message ?? '{}')).toMatchObject({
      job: 'prod-etcd',
      reason: 'SendCommand etcd-backup failed: InvalidDocument: cronsnap-etcd-backup',
    });
  });
});
