import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectStore, ObjectVersion, StoredObject } from '../ports/object-store';

/**
 * An ObjectStore over a local directory, keys as relative paths: for reading an inventory
 * copied from S3 (or generated for the benchmark) without a network in between. No versions, no locks.
 */
export class DirectoryObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  private path(key: string): string {
    const path = join(this.root, key);
    if (relative(this.root, path).startsWith('..')) throw new Error(`key ${key} leaves ${this.root}`);
    return path;
  }

  async getText(key: string): Promise<string | undefined> {
    return existsSync(this.path(key)) ? readFileSync(this.path(key), 'utf8') : undefined;
  }

  async getStream(key: string): Promise<Readable> {
    if (!existsSync(this.path(key))) throw new Error(`no object ${key} under ${this.root}`);
    return createReadStream(this.path(key));
  }

  async put(key: string, body: string): Promise<void> {
    mkdirSync(dirname(this.path(key)), { recursive: true });
    writeFileSync(this.path(key), body);
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (existsSync(this.path(key))) return false;
    await this.put(key, body);
    return true;
  }

  async list(prefix: string, startAfter = ''): Promise<StoredObject[]> {
    if (!existsSync(this.root)) return [];
    const keys = (readdirSync(this.root, { recursive: true }) as string[]).filter((entry) => statSync(join(this.root, entry)).isFile());
    return keys
      .filter((key) => key.startsWith(prefix) && key > startAfter)
      .sort()
      .map((key) => ({ key, size: statSync(join(this.root, key)).size }));
  }

  async head(key: string): Promise<StoredObject | undefined> {
    return existsSync(this.path(key)) ? { key, size: statSync(this.path(key)).size } : undefined;
  }

  async deleteKeys(keys: readonly string[]): Promise<void> {
    for (const key of keys) rmSync(this.path(key), { force: true });
  }

  async legalHold(key: string): Promise<never> {
    throw noLegalHolds(this.root, key);
  }

  async setLegalHold(version: ObjectVersion): Promise<void> {
    throw noLegalHolds(this.root, version.key);
  }
}

function noLegalHolds(root: string, key: string): Error {
  return new Error(`${root}: a directory has no S3 Object Lock, so no legal hold for ${key}`);
}
