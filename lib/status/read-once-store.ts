import type { Readable } from 'node:stream';
import type { ObjectStore, ObjectVersion, StoredObject } from '../ports/object-store';

/**
 * A store for one read-only pass over a job, as status makes: each listing and each object's
 * text is read from the store once, however many of the pass's readers ask (the catalog and the
 * point-in-time window both list the job and read its newest manifests). Writes are refused: a
 * pass that wrote would read its own stale answers.
 */
export class ReadOnceStore implements ObjectStore {
  private readonly listings = new Map<string, Promise<StoredObject[]>>();
  private readonly texts = new Map<string, Promise<string | undefined>>();

  constructor(private readonly store: ObjectStore) {}

  list(prefix: string, startAfter?: string): Promise<StoredObject[]> {
    return remembered(this.listings, `${prefix}\n${startAfter ?? ''}`, () => this.store.list(prefix, startAfter));
  }

  getText(key: string): Promise<string | undefined> {
    return remembered(this.texts, key, () => this.store.getText(key));
  }

  getStream(key: string): Promise<Readable> {
    return this.store.getStream(key);
  }

  head(key: string): Promise<StoredObject | undefined> {
    return this.store.head(key);
  }

  legalHold(key: string): Promise<ObjectVersion & { readonly on: boolean }> {
    return this.store.legalHold(key);
  }

  put(): Promise<void> {
    return readOnly();
  }

  putIfAbsent(): Promise<boolean> {
    return readOnly();
  }

  deleteKeys(): Promise<void> {
    return readOnly();
  }

  setLegalHold(): Promise<void> {
    return readOnly();
  }
}

function remembered<T>(answers: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  const known = answers.get(key);
  if (known) return known;
  const answer = read();
  answers.set(key, answer);
  // A failed read is not remembered: the next reader asks the store again.
  answer.catch(() => answers.delete(key));
  return answer;
}

const readOnly = (): Promise<never> => Promise.reject(new Error('a read-only pass (status) tried to write to the store'));
