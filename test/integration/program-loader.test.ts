import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { LocalCommandRunner } from '../../lib/adapters/local-command-runner';
import { publishHostPrograms } from '../../lib/local/host-program-publishing';
import { preflightProgram } from '../../lib/preflight/preflight-program';
import { buildCommandDocument, programObject } from '../../lib/ssm/command-document';
import { failureReason } from '../../lib/ssm/host-report';
import { pathWithout } from '../helpers/host-path';
import { currentProfile } from '../helpers/host-profiles';
import { useMotoBucket } from '../helpers/moto-fixture';

const HOST = 'i-0a9e0700000000002';
const PARAMETERS = { job: 'loader-probe', executionTimeout: '60', workDir: '/tmp' };

describe("the documents' program loader", () => {
  const fixture = useMotoBucket('program-loader');

  async function preflightOn(bucket: string, hostEnv: Record<string, string> = {}) {
    const runner = new LocalCommandRunner({
      documents: { 'cronsnap-preflight': buildCommandDocument(preflightProgram, bucket) },
      hosts: { [HOST]: { env: hostEnv } },
      env: fixture.moto.env,
    });
    const { commandId } = await runner.send({ documentName: 'cronsnap-preflight', hostIds: [HOST], parameters: PARAMETERS, comment: 'loader', timeoutSeconds: 60 });
    await runner.settled(commandId);
    return runner.invocation(commandId, HOST);
  }

  beforeAll(() => publishHostPrograms(fixture.moto.s3(), fixture.bucket, fixture.kmsKeyId, [preflightProgram]));

  it('fetches the program named by its digest and runs it with bash', async () => {
    const invocation = await preflightOn(fixture.bucket);

    expect({ status: invocation.status, stderr: invocation.stderr }).toEqual({ status: 'Success', stderr: '' });
    // The preflight program answers with the bash that ran it: the host's own, 4.2 in a legacy profile.
    const bash = currentProfile() === 'debian' ? execFileSync('bash', ['-c', 'echo $BASH_VERSION'], { encoding: 'utf8' }).trim() : '4.2.45(';
    expect(invocation.stdout).toContain(`"version": "${bash}`);
  });

  it('refuses to run a program whose bytes differ from the digest the document was made for', async () => {
    const { key, sha256 } = programObject(preflightProgram);
    const tampered = await fixture.moto.createBackupBucket('program-loader-tampered');
    await fixture.moto.s3().send(new PutObjectCommand({ Bucket: tampered.bucket, Key: key, Body: 'echo owned > /tmp/cronsnap-loader-owned\n', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: tampered.kmsKeyId }));

    const invocation = await preflightOn(tampered.bucket);

    expect(invocation.status).toBe('Failed');
    expect(failureReason(invocation.stderr, invocation.status)).toMatch(new RegExp(`^step=load-program: s3://program-loader-tampered/${key} has sha256 [0-9a-f]{64}, not the ${sha256} this document was made for$`));
  });

  it('names the object and what S3 said when the program is not there', async () => {
    const empty = await fixture.moto.createBackupBucket('program-loader-empty');

    const invocation = await preflightOn(empty.bucket);

    expect(invocation.status).toBe('Failed');
    expect(failureReason(invocation.stderr, invocation.status)).toMatch(new RegExp(`^step=load-program: cannot read s3://program-loader-empty/${programObject(preflightProgram).key}: .*NoSuchKey`));
  });

  it("says the aws CLI is missing on a host whose agent's PATH has none", async () => {
    const invocation = await preflightOn(fixture.bucket, { PATH: pathWithout(['aws'], join(fixture.dir, 'no-aws-bin')) });

    expect(invocation.status).toBe('Failed');
    expect(failureReason(invocation.stderr, invocation.status)).toMatch(/^step=load-program: no aws CLI on the agent's PATH \(.*\): cronsnap fetches its host programs with it$/);
  });
});
