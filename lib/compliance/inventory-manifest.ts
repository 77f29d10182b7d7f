import * as z from 'zod';
import { ManifestError } from '../errors';
import { parseJsonManifest } from '../validation-issues';

/** The columns cronsnap's inventory configuration asks for, besides those S3 always writes. */
export const INVENTORY_FIELDS = [
  'Size',
  'LastModifiedDate',
  'StorageClass',
  'ETag',
  'EncryptionStatus',
  'ObjectLockMode',
  'ObjectLockRetainUntilDate',
  'ObjectLockLegalHoldStatus',
  'ChecksumAlgorithm',
  'ReplicationStatus',
] as const;

/** Columns every report needs; the rest are read when present. */
const REQUIRED_COLUMNS = ['Bucket', 'Key', 'IsLatest', 'IsDeleteMarker', 'Size', 'LastModifiedDate', 'StorageClass', 'EncryptionStatus'];

/** `manifest.json` of an S3 Inventory report in CSV format (S3 user guide, "Inventory manifest"). */
export const inventoryManifestSchema = z.object({
  sourceBucket: z.string().min(3),
  destinationBucket: z.string().min(1),
  version: z.string(),
  creationTimestamp: z.string().regex(/^\d+$/, 'must be milliseconds since the epoch'),
  fileFormat: z.literal('CSV', { error: 'only CSV inventories are read' }),
  fileSchema: z.string().min(1),
  files: z.array(z.object({ key: z.string().min(1), size: z.number().int().min(0), MD5checksum: z.string() })).min(1),
});

export interface InventoryManifest {
  readonly sourceBucket: string;
  readonly createdAt: Date;
  /** Column names in the order of every CSV row. */
  readonly columns: readonly string[];
  /** The gzipped CSV files, as keys in the destination bucket. */
  readonly files: readonly { readonly key: string; readonly size: number }[];
}

/** Parses and checks a manifest.json; every problem names its field. */
export function parseInventoryManifest(text: string, key: string): InventoryManifest {
  const data = parseJsonManifest(text, key, inventoryManifestSchema, 'not an S3 Inventory manifest');
  const columns = data.fileSchema.split(',').map((column) => column.trim());
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new ManifestError(`${key}: manifest.fileSchema lacks ${missing.join(', ')}; the inventory configuration must include them`);
  return {
    sourceBucket: data.sourceBucket,
    createdAt: new Date(Number(data.creationTimestamp)),
    columns,
    files: data.files.map(({ key: fileKey, size }) => ({ key: fileKey, size })),
  };
}
