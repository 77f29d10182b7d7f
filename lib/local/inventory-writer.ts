import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createGzip, type Gzip } from 'node:zlib';

/** The column order S3 writes for an all-versions CSV inventory with cronsnap's optional fields. */
export const INVENTORY_FILE_SCHEMA =
  'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass, ReplicationStatus, EncryptionStatus, ObjectLockRetainUntilDate, ObjectLockMode, ObjectLockLegalHoldStatus, ChecksumAlgorithm';

/** One object version, as an inventory lists it. */
export interface InventoryObject {
  readonly key: string;
  readonly size?: number;
  readonly lastModified: Date;
  readonly versionId?: string;
  readonly isLatest?: boolean;
  readonly isDeleteMarker?: boolean;
  readonly storageClass?: string;
  readonly encryptionStatus?: string;
  readonly lockMode?: string;
  readonly retainUntil?: Date;
  /** PENDING, COMPLETED, FAILED or REPLICA; empty for an object no replication rule covers. */
  readonly replicationStatus?: string;
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
    object.versionId ?? `v${index.toString(36)}`,
    String(object.isLatest ?? true),
    String(marker),
    marker ? '' : String(object.size ?? 100),
    object.lastModified.toISOString(),
    marker ? '' : index.toString(16).padStart(32, '0'),
    marker ? '' : (object.storageClass ?? 'STANDARD'),
    object.replicationStatus ?? '',
    marker ? '' : (object.encryptionStatus ?? 'SSE-KMS'),
    object.retainUntil?.toISOString() ?? '',
    object.lockMode ?? '',
    object.lockMode ? 'OFF' : '',
    marker ? '' : 'CRC64NVME',
  ];
  return fields.map((field) => `"${field.replace(/"/g, '""')}"`).join(',');
}

/** Where S3 puts an inventory's files and its manifest under the destination prefix. */
export function inventoryLayout(bucket: string, createdAt: Date, prefix = 'inventory', configId = 'cronsnap-daily') {
  const base = `${prefix}/${bucket}/${configId}`;
  const stamp = `${createdAt.toISOString().slice(0, 16).replace(':', '-')}Z`;
  return { dataKey: (file: number) => `${base}/data/${stamp}-${file}.csv.gz`, manifestKey: `${base}/${stamp}/manifest.json` };
}

/** The manifest.json S3 writes beside an inventory's files. */
export function inventoryManifestJson(bucket: string, createdAt: Date, files: readonly { key: string; size: number }[]): string {
  return JSON.stringify({
    sourceBucket: bucket,
    destinationBucket: 'arn:aws:s3:::cronsnap-reports',
    version: '2016-11-30',
    creationTimestamp: String(createdAt.getTime()),
    fileFormat: 'CSV',
    fileSchema: INVENTORY_FILE_SCHEMA,
    files: files.map(({ key, size }) => ({ key, size, MD5checksum: 'd41d8cd98f00b204e9800998ecf8427e' })),
  });
}

/**
 * Writes an inventory as S3 delivers it, under `root` (a local stand-in for the reports bucket):
 * gzipped CSV files of at most `rowsPerFile` rows, streamed, then the manifest. Returns the manifest's key.
 */
export async function writeInventoryDirectory(
  root: string,
  bucket: string,
  objects: Iterable<InventoryObject> | AsyncIterable<InventoryObject>,
  createdAt: Date,
  rowsPerFile = 250_000,
): Promise<string> {
  const layout = inventoryLayout(bucket, createdAt);
  const keys: string[] = [];
  let current: { gzip: Gzip; closed: Promise<unknown> } | undefined;
  const close = async () => {
    current?.gzip.end();
    await current?.closed;
  };
  let rows = 0;
  for await (const object of objects) {
    if (!current || rows % rowsPerFile === 0) {
      await close();
      const key = layout.dataKey(keys.length);
      mkdirSync(dirname(join(root, key)), { recursive: true });
      const out = createWriteStream(join(root, key));
      const gzip = createGzip();
      gzip.pipe(out);
      current = { gzip, closed: once(out, 'close') };
      keys.push(key);
    }
    if (!current.gzip.write(`${inventoryLine(bucket, object, rows)}\n`)) await once(current.gzip, 'drain');
    rows += 1;
  }
  await close();
  const files = keys.map((key) => ({ key, size: statSync(join(root, key)).size }));
  mkdirSync(dirname(join(root, layout.manifestKey)), { recursive: true });
  writeFileSync(join(root, layout.manifestKey), inventoryManifestJson(bucket, createdAt, files));
  return layout.manifestKey;
}
