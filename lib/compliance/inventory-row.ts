import { InvalidInventoryError } from '../errors';

/** One object version as an inventory row lists it. */
export interface InventoryRow {
  readonly key: string;
  readonly isLatest: boolean;
  readonly isDeleteMarker: boolean;
  readonly size: number;
  readonly lastModified: number;
  readonly storageClass: string;
  readonly encryptionStatus: string;
  readonly objectLockMode: string;
  readonly objectLockRetainUntil?: number;
  /** PENDING, COMPLETED, FAILED, REPLICA, or '' for an object no rule covers; absent when the inventory has no such column. */
  readonly replicationStatus?: string;
}

/** Inventory CSV keys are URL-encoded with `+` for a space (as Python's quote_plus writes them). */
export function decodeInventoryKey(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** Reads rows by column name, for the column order a manifest's fileSchema gives. */
export class InventoryRowReader {
  private readonly index: Readonly<Record<string, number>>;

  constructor(private readonly columns: readonly string[]) {
    this.index = Object.fromEntries(columns.map((column, position) => [column, position]));
  }

  /** Parses one CSV record; `where` (file and line) goes into every error, with the column's name. */
  read(record: readonly string[], where: string): InventoryRow {
    if (record.length !== this.columns.length) {
      throw new InvalidInventoryError(`${where}: ${record.length} columns, the manifest's fileSchema names ${this.columns.length}`);
    }
    const text = (column: string) => record[this.index[column] ?? -1] ?? '';
    const bool = (column: string) => {
      const value = text(column);
      if (value !== 'true' && value !== 'false' && value !== '') throw new InvalidInventoryError(`${where}: ${column} '${value}' is not true or false`);
      return value === 'true';
    };
    const time = (column: string) => {
      const value = text(column);
      const parsed = Date.parse(value);
      if (Number.isNaN(parsed)) throw new InvalidInventoryError(`${where}: ${column} '${value}' is not a date`);
      return parsed;
    };
    let key: string;
    try {
      key = decodeInventoryKey(text('Key'));
    } catch {
      throw new InvalidInventoryError(`${where}: Key '${text('Key')}' is not URL-encoded`);
    }
    const isDeleteMarker = bool('IsDeleteMarker');
    const sizeText = text('Size');
    // A delete marker has no size, date or storage class.
    if (!isDeleteMarker && !/^\d+$/.test(sizeText)) throw new InvalidInventoryError(`${where}: Size '${sizeText}' is not a whole number of bytes`);
    const retainUntil = text('ObjectLockRetainUntilDate');
    return {
      key,
      isLatest: bool('IsLatest'),
      isDeleteMarker,
      size: isDeleteMarker ? 0 : Number(sizeText),
      lastModified: isDeleteMarker && text('LastModifiedDate') === '' ? 0 : time('LastModifiedDate'),
      storageClass: text('StorageClass'),
      encryptionStatus: text('EncryptionStatus'),
      objectLockMode: text('ObjectLockMode'),
      ...(retainUntil ? { objectLockRetainUntil: time('ObjectLockRetainUntilDate') } : {}),
      ...(this.index.ReplicationStatus !== undefined ? { replicationStatus: text('ReplicationStatus') } : {}),
    };
  }
}
