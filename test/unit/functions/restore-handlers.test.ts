import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SendCommandCommand, SSMClient } from '@aws-sdk/client-ssm';
import { strictMockClient } from '../../helpers/aws-contracts';
import { writeFileSync } from 'node:fs';
import { parseConfig } from '../../../lib/config/load-config';
import { configInput, etcdJobInput } from '../../helpers/config-factory';
import { lambdaContext } from '../../helpers/events';
import { useLambdaEnvironment } from '../../helpers/lambda-environment';
import { etcdManifest } from '../../helpers/manifest-factory';

useLambdaEnvironment();
// The functions bundle the config; these tests give the etcd job its members' hosts.
writeFileSync(
  process.env.CRONSNAP_CONFIG_FILE ?? '',
  JSON.stringify(parseConfig(configInput([etcdJobInput({ targets: { tags: { role: ['etcd'] } }, etcd: { endpoints: ['https://10.0.1.10:2379'], members: [{ name: 'etcd-1', instanceId: 'i-0000000000000000a' }] } } as never)]))),
);
process.env.CRONSNAP_RESTORE_STATE_MACHINE_ARN = 'arn:aws:states:eu-central-1:123456789012:stateMachine:cronsnap-etcd-restore';
/* eslint-disable @typescript-eslint/no-require-imports */
const listBackups = require('../../../functions/list-backups/handler') as typeof import('../../../functions/list-backups/handler');
const restore = require('../../../functions/restore/handler') as typeof import('../../../functions/restore/handler');
/* eslint-enable @typescript-eslint/no-require-imports */

const s3 = strictMockClient(S3Client);
const sfn = strictMockClient(SFNClient);
const ssm = strictMockClient(SSMClient);
const manifest = etcdManifest();
const manifestKey = manifest.payload.key.replace('snapshot.db.zst', 'manifest.json');

describe('list-backups and restore handlers', () => {
  beforeEach(() => {
    s3.reset();
    sfn.reset();
    ssm.reset();
    s3.on(ListObjectsV2Command).resolves({});
    s3.on(ListObjectsV2Command, { Prefix: 'prod-etcd/' }).resolves({
      Contents: [
        { Key: manifest.payload.key, Size: manifest.payload.size },
        { Key: manifestKey, Size: 2000 },
      ],
    });
    s3.on(GetObjectCommand, { Key: manifestKey }).resolves({ Body: { transformToString: async () => JSON.stringify(manifest) } } as never);
    s3.on(HeadObjectCommand).resolves({ ContentLength: manifest.payload.size });
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:aws:states:eu-central-1:123456789012:execution:cronsnap-etcd-restore:x' });
  });

  it('lists the job prefix in the configured bucket and answers with the restorable backups', async () => {
    const listing = await listBackups.handler({ job: 'prod-etcd' } as never, lambdaContext);

    expect(s3.commandCalls(ListObjectsV2Command)[0]?.args[0].input).toMatchObject({ Bucket: 'cronsnap-backups-test', Prefix: 'prod-etcd/' });
    expect(listing.backups).toEqual([expect.objectContaining({ runId: manifest.runId, detail: 'revision 42', manifestKey })]);
  });

  it('answers a dry run with the plan, sending nothing and starting nothing', async () => {
    const outcome = await restore.handler({ job: 'prod-etcd', backup: 'latest' } as never, lambdaContext);

    expect(outcome).toMatchObject({ kind: 'etcd-plan', plan: { job: 'prod-etcd', runId: manifest.runId, members: [{ host: 'i-0000000000000000a', name: 'etcd-1' }] } });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(ssm.commandCalls(SendCommandCommand)).toHaveLength(0);
  });

  it('starts the state machine with the plan for a confirmed restore, under a name a retry reuses', async () => {
    const outcome = await restore.handler({ job: 'prod-etcd', backup: manifest.runId, dryRun: false, confirm: 'prod-etcd' } as never, lambdaContext);

    expect(outcome).toMatchObject({ kind: 'etcd-started', workflow: { executionId: expect.stringContaining(':execution:') } });
    const input = sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(input?.stateMachineArn).toBe(process.env.CRONSNAP_RESTORE_STATE_MACHINE_ARN);
    expect(input?.name).toMatch(/^prod-etcd-0123456789-\d{8}T\d{6}Z$/);
    expect(JSON.parse(input?.input ?? '{}')).toMatchObject({ plan: { kind: 'etcd-quorum-restore', payload: { key: manifest.payload.key } } });
  });

  it('refuses an event with a misspelt field, naming it', async () => {
    await expect(restore.handler({ job: 'prod-etcd', backup: 'latest', dryrun: false } as never, lambdaContext)).rejects.toThrow('dryrun');
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
