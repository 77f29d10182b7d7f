import { MemoryNotifier } from '../../lib/adapters/memory-notifier';
import type { CronsnapConfig } from '../../lib/config/cronsnap-config';
import { Readable } from 'node:stream';
import type { CommandRequest, CommandRunner, Invocation } from '../../lib/ports/command-runner';
import type { ObjectStore, ObjectVersion, StoredObject } from '../../lib/ports/object-store';

/** A CommandRunner that records what is sent and answers with fixed hosts. */
export class RecordingRunner implements CommandRunner {
  readonly sent: CommandRequest[] = [];

  constructor(private readonly online: string[]) {}

  async onlineHosts(): Promise<string[]> {
    return [...this.online].sort();
  }

  async send(request: CommandRequest): Promise<{ commandId: string }> {
    this.sent.push(request);
    return { commandId: `cmd-${this.sent.length}` };
  }

  async findSent(request: CommandRequest): Promise<{ commandId: string } | undefined> {
    const at = this.sent.findIndex((sent) => sent.documentName === request.documentName && request.parameters.reportKey !== undefined && sent.parameters.reportKey === request.parameters.reportKey);
    return at < 0 ? undefined : { commandId: `cmd-${at + 1}` };
  }

  async invocation(): Promise<Invocation> {
    throw new Error('RecordingRunner keeps no invocations');
  }
}

/**
 * An ObjectStore in memory, with S3's conditional-write semantics and Object Lock dates to set by
 * hand. Versioned as the backup bucket is: every write makes a new version, a delete only hides the
 * current one, and a legal hold stays on its version whatever happens to the key.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  readonly locks = new Map<string, Date>();
  /** Every deleteKeys call, in order. */
  readonly deletions: string[][] = [];

  /** Objects given as bytes (gzipped inventory files); getText reads `objects`. */
  readonly binary = new Map<string, Buffer>();
  /** Content types of what `put` wrote. */
  readonly contentTypes = new Map<string, string>();

  /** Versions with a legal hold on, current or not, as `key@versionId`. */
  readonly legalHolds = new Set<string>();
  /** Every version ever stored, as `key@versionId`. */
  private readonly versions = new Set<string>();
  /** The current version of each key; a key set in `objects` by hand gets one when first asked. */
  private readonly currentVersions = new Map<string, string>();
  private readonly listeners: { prefix: string; then: () => Promise<unknown> }[] = [];

  /** The key's current version. */
  currentVersion(key: string): ObjectVersion {
    if (!this.objects.has(key)) throw new Error(`no object ${key}`);
    const versionId = this.currentVersions.get(key) ?? `v${this.versions.size + 1}`;
    this.currentVersions.set(key, versionId);
    this.versions.add(`${key}@${versionId}`);
    return { key, versionId };
  }

  /** The keys whose versions (current or not) have a legal hold on, sorted. */
  heldKeys(): string[] {
    return [...this.legalHolds].map((version) => version.slice(0, version.lastIndexOf('@'))).sort();
  }

  /**
   * Runs `then` once, after the next list of `prefix` has been read and before it is answered: a
   * write of another caller that lands while the lister works from what it read.
   */
  afterNextList(prefix: string, then: () => Promise<unknown>): void {
    this.listeners.push({ prefix, then });
  }

  async getText(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }

  async getStream(key: string): Promise<Readable> {
    const body = this.binary.get(key) ?? this.objects.get(key);
    if (body === undefined) throw new Error(`no object ${key}`);
    return Readable.from([Buffer.from(body)]);
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    this.write(key, body);
    this.contentTypes.set(key, contentType);
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.write(key, body);
    return true;
  }

  async list(prefix: string, startAfter = ''): Promise<StoredObject[]> {
    const listed = [...this.objects.keys()].filter((key) => key.startsWith(prefix) && key > startAfter).sort().map((key) => ({ key, size: Buffer.byteLength(this.objects.get(key) ?? '') }));
    const at = this.listeners.findIndex((listener) => listener.prefix === prefix);
    const [listener] = at < 0 ? [] : this.listeners.splice(at, 1);
    await listener?.then();
    return listed;
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const body = this.objects.get(key);
    const retainUntil = this.locks.get(key);
    return body === undefined ? undefined : { key, size: Buffer.byteLength(body), ...(retainUntil ? { retainUntil } : {}) };
  }

  async deleteKeys(keys: readonly string[]): Promise<void> {
    this.deletions.push([...keys]);
    for (const key of keys) {
      this.objects.delete(key);
      this.currentVersions.delete(key);
    }
  }

  async legalHold(key: string): Promise<ObjectVersion & { on: boolean }> {
    const version = this.currentVersion(key);
    return { ...version, on: this.legalHolds.has(`${key}@${version.versionId}`) };
  }

  async setLegalHold(version: ObjectVersion, on: boolean): Promise<void> {
    const id = `${version.key}@${version.versionId}`;
    // As S3ObjectStore: lifting a hold from a version no longer stored does nothing.
    if (!this.versions.has(id)) {
      if (on) throw new Error(`no version ${id}`);
      return;
    }
    if (on) this.legalHolds.add(id);
    else this.legalHolds.delete(id);
  }

  private write(key: string, body: string): void {
    this.objects.set(key, body);
    this.currentVersions.delete(key);
    this.currentVersion(key);
  }
}

/** What scheduled-backup's logic runs with: recording ports, `online` hosts and a fixed clock. */
export function startBackupDeps(config: CronsnapConfig, online: string[], now: Date) {
  return {
    config,
    runner: new RecordingRunner(online),
    store: new MemoryObjectStore(),
    notifier: new MemoryNotifier(),
    bucket: 'cronsnap-backups',
    kmsKeyId: 'alias/cronsnap',
    documentPrefix: 'cronsnap',
    now: () => now,
  };
}
