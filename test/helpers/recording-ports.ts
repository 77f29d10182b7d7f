import { MemoryNotifier } from '../../lib/adapters/memory-notifier';
import type { CronsnapConfig } from '../../lib/config/cronsnap-config';
import { Readable } from 'node:stream';
import type { CommandRequest, CommandRunner, Invocation } from '../../lib/ports/command-runner';
import type { ObjectStore, StoredObject } from '../../lib/ports/object-store';

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

/** An ObjectStore in memory, with S3's conditional-write semantics and Object Lock dates to set by hand. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, string>();
  readonly locks = new Map<string, Date>();
  /** Every deleteKeys call, in order. */
  readonly deletions: string[][] = [];

  /** Objects given as bytes (gzipped inventory files); getText reads `objects`. */
  readonly binary = new Map<string, Buffer>();
  /** Content types of what `put` wrote. */
  readonly contentTypes = new Map<string, string>();

  async getText(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }

  async getStream(key: string): Promise<Readable> {
    const body = this.binary.get(key) ?? this.objects.get(key);
    if (body === undefined) throw new Error(`no object ${key}`);
    return Readable.from([Buffer.from(body)]);
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    this.objects.set(key, body);
    this.contentTypes.set(key, contentType);
  }

  async putIfAbsent(key: string, body: string): Promise<boolean> {
    if (this.objects.has(key)) return false;
    this.objects.set(key, body);
    return true;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort().map((key) => ({ key, size: Buffer.byteLength(this.objects.get(key) ?? '') }));
  }

  async head(key: string): Promise<StoredObject | undefined> {
    const body = this.objects.get(key);
    const retainUntil = this.locks.get(key);
    return body === undefined ? undefined : { key, size: Buffer.byteLength(body), ...(retainUntil ? { retainUntil } : {}) };
  }

  async deleteKeys(keys: readonly string[]): Promise<void> {
    this.deletions.push([...keys]);
    for (const key of keys) this.objects.delete(key);
  }

  /** Keys with a legal hold on. */
  readonly legalHolds = new Set<string>();

  async setLegalHold(key: string, on: boolean): Promise<void> {
    if (!this.objects.has(key)) throw new Error(`no object ${key}`);
    if (on) this.legalHolds.add(key);
    else this.legalHolds.delete(key);
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
