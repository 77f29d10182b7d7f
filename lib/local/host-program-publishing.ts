import { PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { programObjects } from '../ssm/command-document';
import type { HostProgram } from '../ssm/host-program';

/**
 * What the stack's bucket deployment does at deploy time, for the local mode: each program object
 * put once, SSE-KMS as the bucket policy demands. A put meets an object already there (another
 * local service on the same bucket) with 412, which is fine: the key names the content.
 */
export async function publishHostPrograms(s3: S3Client, bucket: string, kmsKeyId: string, programs: readonly HostProgram[]): Promise<void> {
  await Promise.all(
    programObjects(programs).map(async ({ key, body }) => {
      const put = new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'text/x-shellscript', ServerSideEncryption: 'aws:kms', SSEKMSKeyId: kmsKeyId, IfNoneMatch: '*' });
      await s3.send(put).catch((error: unknown) => {
        if (!(error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412)) throw error;
      });
    }),
  );
}
