import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../../lib/cli/cli-program';
import { EXIT } from '../../../lib/cli/exit-codes';
import type { CronsnapConfigInput } from '../../../lib/config/cronsnap-config';
import { configInput } from '../../helpers/config-factory';
import { tempDir } from '../../helpers/temp-dirs';

const COPY_KEY = 'arn:aws:kms:eu-west-1:210987654321:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

async function replicaPolicy(storage: CronsnapConfigInput['storage'], ...args: string[]) {
  const file = join(tempDir('cronsnap-policy-'), 'cronsnap.json');
  writeFileSync(file, JSON.stringify({ ...configInput(), storage }));
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--config', file, 'replica-policy', ...args], {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    backendFor: () => {
      throw new Error('replica-policy asks no backend');
    },
    now: () => new Date(),
    localZone: 'UTC',
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('cronsnap replica-policy', () => {
  it('prints the bucket policy and key statements the copy\'s account applies, naming the replication role', async () => {
    const { code, out } = await replicaPolicy({ replica: { region: 'eu-west-1', account: '210987654321', bucketName: 'acme-dr-backups', kmsKeyArn: COPY_KEY } }, '--source-account', '123456789012', '--source-region', 'eu-central-1');

    expect(code).toBe(EXIT.ok);
    const printed = JSON.parse(out);
    expect(printed).toMatchObject({ bucket: 'acme-dr-backups', kmsKeyArn: COPY_KEY });
    expect(printed.bucketPolicy.Statement[0]).toEqual({
      Sid: 'CronsnapReplicateIntoCopy',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::123456789012:role/Cronsnap-replication-eu-central-1' },
      Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'],
      Resource: 'arn:aws:s3:::acme-dr-backups/*',
    });
    const allowed = (printed.bucketPolicy.Statement as { Effect: string; Action: string | string[] }[]).filter((statement) => statement.Effect === 'Allow').flatMap((statement) => [statement.Action].flat());
    expect(allowed.filter((action) => /Delete(Object|Bucket)|Put(Lifecycle|BucketPolicy)|\*/.test(action))).toEqual([]);
  });

  it('refuses a copy in this account, which its own stack grants, and a malformed source account', async () => {
    expect(await replicaPolicy({ replica: { region: 'eu-west-1' } }, '--source-account', '123456789012', '--source-region', 'eu-central-1')).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('storage.replica.account: the copy is in this account') });
    expect(
      await replicaPolicy({ replica: { region: 'eu-west-1', account: '210987654321', bucketName: 'acme-dr-backups', kmsKeyArn: COPY_KEY } }, '--source-account', '1234', '--source-region', 'eu-central-1'),
    ).toMatchObject({ code: EXIT.usage, err: 'cronsnap: --source-account: 1234 is not a 12-digit AWS account id' });
  });
});
