/** An object's key and stored size. */
export interface StoredObject {
  readonly key: string;
  readonly size: number;
  /** S3 Object Lock retain-until date; only `head` reports it. */
  readonly retainUntil?: Date;
}

import type { Readable } from 'node:stream';

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
  /** Every current object under `prefix`, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** The object's size and lock, or `undefined` when there is no such key. */
  head(key: string): Promise<StoredObject | undefined>;
  /**
   * Deletes the current versions, in the order given (in a versioned bucket they stay recoverable
   * as noncurrent versions); fails naming every key that could not be deleted.
   */
  deleteKeys(keys: readonly string[]): Promise<void>;
  /** Puts an S3 Object Lock legal hold on the current version (or lifts it); only buckets with Object Lock have them. */
  setLegalHold(key: string, on: boolean): Promise<void>;
}
