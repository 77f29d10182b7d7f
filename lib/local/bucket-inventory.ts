import { HeadObjectCommand, ListObjectVersionsCommand, type ListObjectVersionsCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { InventoryObject } from './inventory-writer';

const ENCRYPTION_STATUS: Readonly<Record<string, string>> = { 'aws:kms': 'SSE-KMS', 'aws:kms:dsse': 'DSSE-KMS', AES256: 'SSE-S3' };

/**
 * Every object version of a bucket as S3 Inventory would list it, read with the S3 API: what the
 * demo and `cronsnap report --local` feed the report where no inventory is delivered (moto).
 * One HeadObject per version, so for small buckets only.
 */
export async function* inventoryOfBucket(s3: S3Client, bucket: string): AsyncGenerator<InventoryObject> {
  let page: ListObjectVersionsCommandOutput | undefined;
  do {
    page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker: page?.NextKeyMarker, VersionIdMarker: page?.NextVersionIdMarker }));
    for (const marker of page.DeleteMarkers ?? []) {
      yield { key: marker.Key ?? '', isDeleteMarker: true, isLatest: marker.IsLatest ?? false, lastModified: marker.LastModified ?? new Date(0), ...(marker.VersionId ? { versionId: marker.VersionId } : {}) };
    }
    for (const version of page.Versions ?? []) {
      const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: version.Key, VersionId: version.VersionId }));
      yield {
        key: version.Key ?? '',
        size: version.Size ?? 0,
        lastModified: version.LastModified ?? new Date(0),
        isLatest: version.IsLatest ?? false,
        storageClass: version.StorageClass ?? 'STANDARD',
        encryptionStatus: ENCRYPTION_STATUS[head.ServerSideEncryption ?? ''] ?? 'NOT-SSE',
        ...(version.VersionId ? { versionId: version.VersionId } : {}),
        ...(head.ObjectLockMode ? { lockMode: head.ObjectLockMode } : {}),
        ...(head.ObjectLockRetainUntilDate ? { retainUntil: head.ObjectLockRetainUntilDate } : {}),
      };
    }
  } while (page.IsTruncated);
}
