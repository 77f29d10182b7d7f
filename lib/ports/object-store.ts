/** An object's key and stored size. */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
  /** S3 Object Lock retain-until date; only `head` reports it. */
  readonly retainUntil?: Date;
  /** Where the bucket replicates: `PENDING`, `COMPLETED` or `FAILED` (S3's x-amz-replication-status); only `head` reports it. */
  readonly replication?: string;
}

import type { Readable } from 'node:stream';

/** One version of an object: what an S3 Object Lock legal hold is put on. */
export interface ObjectVersion {
  readonly key: string;
  readonly versionId: string;
}

/** The few object operations the Lambdas need; S3 in AWS and against moto in tests and the demo. */
export interface ObjectStore {
  /** The object's text, or `undefined` when there is no such key. */
  getText(key: string): Promise<string | undefined>;
  /** The object's bytes as a stream, for files too big to hold; fails when there is no such key. */
  getStream(key: string): Promise<Readable>;
  /** Writes the object, replacing the current version (the old one stays as a noncurrent version). */
  put(key: string, body: string, contentType: string): Promise<void>;
  /** Creates the object only if the key is free; `false` when it already existed (nothing written). */
  putIfAbsent(key: string, body: string): Promise<boolean>;
  /**
   * Every current object under `prefix`, in key order; with `startAfter`, only those whose key
   * sorts after it (S3's StartAfter), so the newest of a time-ordered folder costs one request.
   */
  list(prefix: string, startAfter?: string): Promise<StoredObject[]>;
  /** The object's size and lock, or `undefined` when there is no such key. */
  head(key: string): Promise<StoredObject | undefined>;
  /**
   * Deletes the current versions, in the order given (in a versioned bucket they stay recoverable
   * as noncurrent versions); fails naming every key that could not be deleted.
   */
  deleteKeys(keys: readonly string[]): Promise<void>;
  /**
   * The current version of `key` and whether an S3 Object Lock legal hold is on it (S3 records no
   * one who placed it); fails when there is no such key. Only buckets with Object Lock have them.
   */
  legalHold(key: string): Promise<ObjectVersion & { readonly on: boolean }>;
  /** Puts a legal hold on one version, current or not (or lifts it); lifting one from a version no longer stored does nothing. */
  setLegalHold(version: ObjectVersion, on: boolean): Promise<void>;
}
