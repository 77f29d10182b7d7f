import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectLockConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ObjectLockSettings } from '../config/storage-settings';
import { awaitServer, freePort, spawnServer } from './processes';

export interface Moto {
  readonly endpoint: string;
  readonly env: Record<string, string>;
  s3(): S3Client;
  /** A versioned bucket (with Object Lock when asked) and a KMS key, as the stack creates them. */
  createBackupBucket(name: string, objectLock?: ObjectLockSettings): Promise<{ bucket: string; kmsKeyId: string }>;
  /** Stores a SecureString parameter, as an operator does for database passwords. */
  putSecureString(name: string, value: string): Promise<void>;
  /** Creates a Secrets Manager secret and returns its ARN: a string (the password, or a JSON object holding it) or bytes. */
  createSecret(name: string, value: string | Uint8Array): Promise<string>;
  stop(): Promise<void>;
}

export const MOTO_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_REGION: 'us-east-1',
};

/**
 * How an SDK client reaches moto at `endpoint` (itself, or a recorder in front of it), signing as
 * `accessKeyId`: moto takes any, and a recorder reads it to tell whose call it was.
 */
/** The access key ID the harness itself signs with (setting up buckets, secrets, inventories). */
export const HARNESS_ACCESS_KEY = 'testing';

export function motoClientConfig(endpoint: string, accessKeyId = HARNESS_ACCESS_KEY) {
  return { endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey: 'testing' } };
}

const MOTO_DIR = join(__dirname, 'moto');

/** S3's CRC-64/NVME for moto (see moto/crc64nvme.c), built once per machine with the C compiler. */
function crc64nvmeLibrary(): string {
  const source = join(MOTO_DIR, 'crc64nvme.c');
  const digest = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const library = join(tmpdir(), `cronsnap-crc64nvme-${digest}.so`);
  if (!existsSync(library)) {
    const partial = `${library}.${process.pid}`;
    execFileSync('cc', ['-O2', '-shared', '-fPIC', '-o', partial, source]);
    renameSync(partial, library);
  }
  return library;
}

/**
 * moto_server on a free loopback port, standing in for S3, KMS, SSM Parameter Store, Secrets
 * Manager and STS; its S3 computes CRC-64/NVME checksums, which today's aws CLI and SDKs send.
 */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const server = spawnServer('python3', [join(MOTO_DIR, 'serve.py'), crc64nvmeLibrary(), '-H', '127.0.0.1', '-p', String(port)]);
  const endpoint = `http://127.0.0.1:${port}`;
  await awaitServer(server, 'moto_server', async () => (await fetch(`${endpoint}/moto-api/`)).ok);
  const clientConfig = motoClientConfig(endpoint);
  return {
    endpoint,
    env: { ...MOTO_CREDENTIALS, CRONSNAP_AWS_ENDPOINT_URL: endpoint },
    s3: () => new S3Client(clientConfig),
    async createBackupBucket(name, objectLock) {
      const s3 = new S3Client(clientConfig);
      await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: objectLock !== undefined }));
      await s3.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
      if (objectLock) {
        await s3.send(
          new PutObjectLockConfigurationCommand({
            Bucket: name,
            ObjectLockConfiguration: {
              ObjectLockEnabled: 'Enabled',
              Rule: { DefaultRetention: { Mode: objectLock.mode === 'compliance' ? 'COMPLIANCE' : 'GOVERNANCE', Days: objectLock.days } },
            },
          }),
        );
      }
      const key = await new KMSClient(clientConfig).send(new CreateKeyCommand({ Description: 'cronsnap test' }));
      return { bucket: name, kmsKeyId: key.KeyMetadata?.Arn ?? '' };
    },
    async putSecureString(name, value) {
      await new SSMClient(clientConfig).send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }));
    },
    async createSecret(name, value) {
      const secret = typeof value === 'string' ? { SecretString: value } : { SecretBinary: value };
      const created = await new SecretsManagerClient(clientConfig).send(new CreateSecretCommand({ Name: name, ...secret }));
      return created.ARN ?? '';
    },
    stop: () => server.stop(),
  };
}
