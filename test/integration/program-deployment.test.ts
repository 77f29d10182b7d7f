import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { LocalCommandRunner } from '../../lib/adapters/local-command-runner';
import { preflightProgram } from '../../lib/preflight/preflight-program';
import { buildCommandDocument, programObject } from '../../lib/ssm/command-document';
import { runBucketDeployment } from '../helpers/cdk-bucket-deployment';
import { configInput, etcdJobInput } from '../helpers/config-factory';
import { useMotoBucket } from '../helpers/moto-fixture';
import { synthStack } from '../helpers/stack-factory';

const HOST = 'i-0a9e0700000000003';

describe("the host programs' deployment, by CDK's own handler", () => {
  // Object Lock's default retention makes S3 ask every put for a checksum: the handler's CLI must send one.
  const fixture = useMotoBucket('program-deployment', { mode: 'governance', days: 1 });

  it('publishes every program under _cronsnap-programs/, named by its sha256 and SSE-KMS, and a loader then runs one', async () => {
    const { app, stack, template } = synthStack({ ...configInput([etcdJobInput()]), storage: { objectLock: { mode: 'governance', days: 1 } } } as never);
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment')) as { Properties: Record<string, unknown> }[];
    const logicalId = (prefix: string) => Object.keys(template.toJSON().Resources as object).find((id) => id.startsWith(prefix)) ?? prefix;
    const s3 = fixture.moto.s3();

    const answer = await runBucketDeployment(deployment?.Properties ?? {}, {
      endpoint: fixture.moto.endpoint,
      s3,
      env: fixture.moto.env,
      refs: { [logicalId('StorageBucket')]: fixture.bucket, [logicalId('StorageKey')]: fixture.kmsKeyId },
      assemblyDir: app.outdir,
      dir: fixture.dir,
    });

    expect(answer).toMatchObject({ status: 'SUCCESS' });
    expect(stack.stackName).toBe('Cronsnap');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: fixture.bucket, Prefix: '_cronsnap-programs/' }));
    const keys = (listed.Contents ?? []).map((object) => object.Key ?? '');
    expect(keys).toHaveLength((deployment?.Properties.SourceObjectKeys as unknown[]).length);
    for (const key of keys) {
      const body = await (await s3.send(new GetObjectCommand({ Bucket: fixture.bucket, Key: key }))).Body?.transformToString();
      expect(key).toBe(`_cronsnap-programs/${createHash('sha256').update(body ?? '').digest('hex')}.sh`);
      const head = await s3.send(new HeadObjectCommand({ Bucket: fixture.bucket, Key: key }));
      expect({ key, sse: head.ServerSideEncryption }).toEqual({ key, sse: 'aws:kms' });
    }
    expect(keys).toContain(programObject(preflightProgram).key);
    // What moto lets pass and S3 would not: under Object Lock every put needs a checksum (Content-MD5
    // or x-amz-checksum-*), and the bucket policy refuses a put that names another key.
    const puts = fixture.calls.filter((call) => call.method === 'PUT' && call.path.startsWith(`/${fixture.bucket}/_cronsnap-programs/`));
    expect(puts).toHaveLength(keys.length);
    for (const put of puts) {
      expect({ path: put.path, checksum: Object.keys(put.headers).some((name) => name === 'content-md5' || name.startsWith('x-amz-checksum-')) }).toEqual({ path: put.path, checksum: true });
      expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(fixture.kmsKeyId);
    }

    const runner = new LocalCommandRunner({ documents: { 'cronsnap-preflight': buildCommandDocument(preflightProgram, fixture.bucket) }, hosts: { [HOST]: {} }, env: fixture.moto.env });
    const { commandId } = await runner.send({ documentName: 'cronsnap-preflight', hostIds: [HOST], parameters: { job: 'prod-etcd', executionTimeout: '60', workDir: '/tmp' }, comment: 'deployed', timeoutSeconds: 60 });
    await runner.settled(commandId);
    expect(await runner.invocation(commandId, HOST)).toMatchObject({ status: 'Success', stderr: '' });
  });
});
