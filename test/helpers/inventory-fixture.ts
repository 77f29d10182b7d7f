import { gzipSync } from 'node:zlib';
import type { MemoryObjectStore } from './recording-ports';

/** The column order S3 writes for an all-versions inventory with cronsnap's optional fields. */
export const FILE_SCHEMA =
  'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, EncryptionStatus, ObjectLockRetainUntilDate, ObjectLockMode, ObjectLockLegalHoldStatus, ChecksumAlgorithm';

export interface InventoryObject {
  readonly key: string;
  readonly size?: number;
  readonly lastModified: Date;
  readonly isLatest?: boolean;
  readonly isDeleteMarker?: boolean;
  readonly storageClass?: string;
  readonly encryptionStatus?: string;
  readonly lockMode?: string;
  readonly retainUntil?: Date;
}

/** S3 Inventory URL-encodes keys with `+` for spaces, as Python's quote_plus does. */
export function encodeInventoryKey(key: string): string {
  return encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/');
}

/** One CSV line as S3 writes it: every field quoted. */
export function inventoryLine(bucket: string, object: InventoryObject, index: number): string {
  const marker = object.isDeleteMarker ?? false;
  const fields = [
    bucket,
    encodeInventoryKey(object.key),
    `v${index.toString(36)}`,
    String(object.isLatest ?? true),
    String(marker),
    marker ? '' : String(object.size ?? 100),
    object.lastModified.toISOString(),
    marker ? '' : `${index.toString(16).padStart(32, '0')}`,
    marker ? '' : object.storageClass ?? 'STANDARD',
    marker ? '' : object.encryptionStatus ?? 'SSE-KMS',
    object.retainUntil?.toISOString() ?? '',
    object.lockMode ?? '',
    object.lockMode ? 'OFF' : '',
    marker ? '' : 'CRC64NVME',
  ];
  return fields.map((field) => `"${field.replace(/"/g, '""')}"`).join(',');
}

/**
 * Writes an inventory as S3 delivers it into the reports store: gzipped CSV files under `data/`
 * and a manifest.json naming them; returns the manifest's key.
 */
export function writeInventory(store: MemoryObjectStore, bucket: string, objects: readonly InventoryObject[], createdAt: Date, files = 2): string {
  const base = `inventory/${bucket}/cronsnap-daily`;
  const perFile = Math.ceil(objects.length / files) || 1;
  const entries: { key: string; size: number; MD5checksum: string }[] = [];
  for (let file = 0; file * perFile < Math.max(objects.length, 1); file += 1) {
    const lines = objects.slice(file * perFile, (file + 1) * perFile).map((object, index) => inventoryLine(bucket, object, file * perFile + index));
    const body = gzipSync(lines.length ? `${lines.join('\n')}\n` : '');
    const key = `${base}/data/0f5e3c1a-${file}.csv.gz`;
    store.binary.set(key, body);
    entries.push({ key, size: body.length, MD5checksum: 'd41d8cd98f00b204e9800998ecf8427e' });
  }
  const stamp = createdAt.toISOString().slice(0, 16).replace(':', '-');
  const manifestKey = `${base}/${stamp}Z/manifest.json`;
  store.objects.set(
    manifestKey,
    JSON.stringify({
      sourceBucket: bucket,
      destinationBucket: 'arn:aws:s3:::cronsnap-reports',
      version: '2016-11-30',
      creationTimestamp: String(createdAt.getTime()),
      fileFormat: 'CSV',
      fileSchema: FILE_SCHEMA,
      files: entries,
    }),
  );
  return manifestKey;
}
