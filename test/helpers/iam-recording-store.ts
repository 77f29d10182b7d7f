import type { Readable } from 'node:stream';
import type { ObjectStore, ObjectVersion, StoredObject } from '../../lib/ports/object-store';

/** One object-store call as the S3 action it becomes: the key, or the listed prefix. */
export interface StoreAction {
  readonly action: 's3:GetObject' | 's3:PutObject' | 's3:ListBucket' | 's3:DeleteObject' | 's3:GetObjectLegalHold' | 's3:PutObjectLegalHold';
  readonly key?: string;
  readonly prefix?: string;
}

/**
 * An ObjectStore that notes every call as the S3 action S3ObjectStore sends for it, then passes
 * it on: for logic that runs against an in-memory store in the tests (compliance-report reading
 * an inventory), so its real calls can still be judged against its role.
 */
export class IamRecordingStore implements ObjectStore {
  readonly actions: StoreAction[] = [];

  constructor(private readonly inner: ObjectStore) {}

  getText(key: string): Promise<string | undefined> {
    this.actions.push({ action: 's3:GetObject', key });
    return this.inner.getText(key);
  }

  getStream(key: string): Promise<Readable> {
    this.actions.push({ action: 's3:GetObject', key });
    return this.inner.getStream(key);
  }

  put(key: string, body: string, contentType: string): Promise<void> {
    this.actions.push({ action: 's3:PutObject', key });
    return this.inner.put(key, body, contentType);
  }

  putIfAbsent(key: string, body: string): Promise<boolean> {
    this.actions.push({ action: 's3:PutObject', key });
    return this.inner.putIfAbsent(key, body);
  }

  list(prefix: string, startAfter?: string): Promise<StoredObject[]> {
    this.actions.push({ action: 's3:ListBucket', prefix });
    return this.inner.list(prefix, startAfter);
  }

  head(key: string): Promise<StoredObject | undefined> {
    this.actions.push({ action: 's3:GetObject', key });
    return this.inner.head(key);
  }

  deleteKeys(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.actions.push({ action: 's3:DeleteObject', key });
    return this.inner.deleteKeys(keys);
  }

  legalHold(key: string): Promise<ObjectVersion & { on: boolean }> {
    // HeadObject for the current version, then GetObjectLegalHold of it.
    this.actions.push({ action: 's3:GetObject', key }, { action: 's3:GetObjectLegalHold', key });
    return this.inner.legalHold(key);
  }

  setLegalHold(version: ObjectVersion, on: boolean): Promise<void> {
    this.actions.push({ action: 's3:PutObjectLegalHold', key: version.key });
    return this.inner.setLegalHold(version, on);
  }
}
