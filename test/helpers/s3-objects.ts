import { CopyObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export async function headObject(s3: S3Client, bucket: string, key: string) {
  return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const response = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (response.Contents ?? []).map((object) => object.Key ?? '').sort();
}

/**
 * What S3 Replication leaves in the copy: every current object of `from` under `prefix`, in `to`,
 * re-encrypted with the copy's key. (moto runs no replication.)
 */
export async function replicateObjects(s3: S3Client, from: string, to: { bucket: string; kmsKeyId: string }, prefix: string): Promise<string[]> {
  const keys = await listKeys(s3, from, prefix);
  for (const key of keys) {
    await s3.send(new CopyObjectCommand({ Bucket: to.bucket, Key: key, CopySource: `${from}/${encodeURIComponent(key).replace(/%2F/g, '/')}`, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: to.kmsKeyId }));
  }
  return keys;
}
