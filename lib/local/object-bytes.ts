import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** A whole object's bytes: for restore checks and tests on small payloads, not for streaming. */
export async function getObjectBytes(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await (response.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));
}
