import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
import { GetCommandInvocationCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strictMockClient } from '../../helpers/aws-contracts';
import { lambdaContext, loadEvent } from '../../helpers/events';
import { useLambdaEnvironment } from '../../helpers/lambda-environment';
import { storedEtcdBackup } from '../../helpers/stored-backups';

useLambdaEnvironment();
// This file watches the metrics themselves, which the other handler tests turn off.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require('../../../functions/backup-completed/handler') as typeof import('../../../functions/backup-completed/handler');

const ssm = strictMockClient(SSMClient);
const s3 = strictMockClient(S3Client);
const sns = strictMockClient(SNSClient);
const RUN_ID = '20261123T103000Z-0123456789';

describe('backup-completed metrics', () => {
  it('has published BackupSucceeded before pruning starts, so a prune that runs past the timeout cannot hold back the RPO metric', async () => {
    const objects = storedEtcdBackup(RUN_ID);
    ssm.on(ListCommandsCommand).resolves({ Commands: [{ Parameters: { job: ['prod-etcd'], runId: [RUN_ID], runPrefix: [`prod-etcd/2026/11/23/${RUN_ID}`] } }] });
    ssm.on(GetCommandInvocationCommand).resolves({ Status: 'Success', DocumentName: 'cronsnap-etcd-backup', StandardErrorContent: '' });
    s3.on(PutObjectCommand).resolves({});
    s3.on(GetObjectCommand).callsFake((input: { Key?: string }) => {
      const body = objects.get(input.Key ?? '');
      if (body === undefined) throw new NoSuchKey({ message: 'missing', $metadata: { httpStatusCode: 404 } });
      return { Body: { transformToString: async () => body } } as never;
    });
    sns.on(PublishCommand).resolves({});
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (written.push(String(chunk)), true));
    let publishedWhenPruningStarted: boolean | undefined;
    // Listing the job's objects is the prune's first step: it fails, as a prune cut short by the timeout would end.
    s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string }) => {
      if (input.Prefix === 'prod-etcd/') publishedWhenPruningStarted = written.some((line) => line.includes('"BackupSucceeded"'));
      throw new Error('Task timed out after 300.00 seconds');
    });

    try {
      await expect(handler(loadEvent('ssm-invocation-status-change'), lambdaContext)).resolves.toMatchObject({ kind: 'succeeded' });
    } finally {
      stdout.mockRestore();
    }

    expect(publishedWhenPruningStarted).toBe(true);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input.Subject).toBe('cronsnap: prod-etcd retention could not be applied');
  });
});
