import { logShippingsOf, type ShippingKind } from '../engines/log-shipping';
import { DRILL_ROOT, MARK_ROOT, markedRunId, parseBackupKey, parseShippedLogKey, parseShippedWalKey, parseShippingRunKey } from '../catalog/object-layout';
import { runStartedAt } from '../catalog/run-id';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { replicationWindowSeconds } from '../replica/replica-target';
import type { InventoryRow } from './inventory-row';

/** Encryption statuses that mean "under a KMS key" (S3 Inventory's EncryptionStatus column). */
const KMS_ENCRYPTED = new Set(['SSE-KMS', 'DSSE-KMS']);
const SAMPLE_KEYS = 5;

export interface UnitTally {
  /** `host`, or `host/<set>` for a linked set. */
  readonly name: string;
  readonly host: string;
  readonly main: boolean;
  manifest: boolean;
}

/**
 * One run, kept small: an inventory of a busy bucket has hundreds of thousands. A run has a
 * handful of units, so an array costs far less than a Map per run.
 */
export interface RunTally {
  readonly startedAt: number;
  bytes: number;
  /** Latest Object Lock retain-until among the run's objects, ms; 0 when none. */
  lockedUntil: number;
  readonly units: UnitTally[];
}

/** A count with a few example keys, so a report can show where to look. */
export interface KeyCount {
  count: number;
  readonly samples: string[];
}

/** How far the copy has come with a job's current objects (with `storage.replica` only). */
export interface ReplicationTally {
  readonly failed: KeyCount;
  /** PENDING for longer than the replication window. */
  readonly late: KeyCount;
  /** No replication status at all: written before the rule existed, so never copied. */
  readonly uncovered: KeyCount;
  /** PENDING, and still inside the window. */
  pending: number;
  completed: number;
  /** Rows of an inventory that lists no ReplicationStatus column. */
  unlisted: number;
}

/** What the inventory says about one job's prefix, gathered row by row in constant memory per run. */
export class JobTally {
  readonly runs = new Map<string, RunTally>();
  readonly currentBytesByStorageClass = new Map<string, number>();
  noncurrentBytes = 0;
  currentObjects = 0;
  readonly notKmsEncrypted: KeyCount = { count: 0, samples: [] };
  readonly withoutLock: KeyCount = { count: 0, samples: [] };
  readonly outsideLayout: KeyCount = { count: 0, samples: [] };
  /** Oldest LastModifiedDate among current objects, ms. */
  oldestCurrent = Number.POSITIVE_INFINITY;
  /** When the newest passed restore drill was stored (its `last-passed.json` copy), ms; 0 when none. */
  lastPassedDrill = 0;
  /** Keep markers (their keys, by run id): the report reads each for its end and reason. */
  readonly keepMarkers = new Map<string, string>();
  /** Runs started by hand. */
  readonly onDemandRuns = new Set<string>();
  readonly replication: ReplicationTally = { failed: { count: 0, samples: [] }, late: { count: 0, samples: [] }, uncovered: { count: 0, samples: [] }, pending: 0, completed: 0, unlisted: 0 };

  /** @param logs for jobs that ship binary logs or WAL only: what a point-in-time restore needs beside the runs. */
  constructor(readonly logs?: ShippedLogsTally) {}
}

/** A shipped binary log: its payload, and its manifest (written last) with the time it was stored. */
export interface ShippedLogTally {
  payload: boolean;
  /** LastModifiedDate of `<file>.json`, ms; 0 while the manifest is missing. */
  manifestAt: number;
}

/**
 * The shipped logs of one job by folder (a MySQL server's, or a PostgreSQL cluster's system
 * identifier), the manifest of each complete base (dump or base backup) to read where its logs
 * start, and the manifest of each shipping run, which says how far the WAL reaches.
 */
export interface ShippedLogsTally {
  readonly kind: ShippingKind;
  readonly folders: Map<string, Map<string, ShippedLogTally>>;
  /** Key of the main unit's manifest.json, by run id. */
  readonly baseManifests: Map<string, string>;
  /** Key of each shipping run's manifest, by run id. */
  readonly runManifests: Map<string, string>;
}

/** A shipped log's folder and name, and which part of it the key is. */
function shippedLogOf(kind: ShippingKind, key: string): { readonly folder: string; readonly name: string; readonly part: 'payload' | 'manifest' } | undefined {
  if (kind === 'binlogs') {
    const log = parseShippedLogKey(key);
    return log && { folder: log.folder, name: log.file, part: log.part };
  }
  const segment = parseShippedWalKey(key);
  return segment && { folder: segment.systemIdentifier, name: segment.segment, part: segment.part };
}

const MARK = new RegExp(`^${MARK_ROOT}/(keeps|on-demand)/([^/]+)/[^/]+\\.json$`);
const LAST_PASSED_DRILL = /^[^/]+\/([^/]+)\/last-passed\.json$/;

function note(counter: KeyCount, key: string): void {
  counter.count += 1;
  if (counter.samples.length < SAMPLE_KEYS) counter.samples.push(key);
}

/** Folds inventory rows into one tally per configured job; other keys (markers) are counted apart. */
export class InventoryTally {
  readonly jobs = new Map<string, JobTally>();
  /** Host and unit names recur in every run: one copy of each. */
  private readonly names = new Map<string, string>();
  otherObjects = 0;
  rows = 0;
  private readonly lockMode: string | undefined;
  /** Objects last modified before this (ms) should have been copied by the inventory's time; undefined without a copy. */
  private readonly pendingBefore: number | undefined;

  /** @param createdAt when the inventory was taken: how long a PENDING object has been waiting is judged at that time. */
  constructor(config: CronsnapConfig, createdAt: Date) {
    for (const job of config.jobs) {
      const kind = logShippingsOf(job)[0]?.kind;
      this.jobs.set(job.name, new JobTally(kind ? { kind, folders: new Map(), baseManifests: new Map(), runManifests: new Map() } : undefined));
    }
    this.lockMode = config.storage.objectLock?.mode.toUpperCase();
    const { replica } = config.storage;
    this.pendingBefore = replica && createdAt.getTime() - replicationWindowSeconds(replica) * 1000;
  }

  add(row: InventoryRow): void {
    this.rows += 1;
    const jobName = row.key.slice(0, row.key.indexOf('/'));
    const job = this.jobs.get(jobName);
    if (!job) {
      this.otherObjects += 1;
      if (jobName === DRILL_ROOT) this.addDrill(row);
      if (jobName === MARK_ROOT) this.addMarker(row);
      return;
    }
    if (row.isDeleteMarker) return;
    if (!row.isLatest) {
      job.noncurrentBytes += row.size;
      return;
    }
    job.currentObjects += 1;
    job.currentBytesByStorageClass.set(row.storageClass, (job.currentBytesByStorageClass.get(row.storageClass) ?? 0) + row.size);
    job.oldestCurrent = Math.min(job.oldestCurrent, row.lastModified);
    if (!KMS_ENCRYPTED.has(row.encryptionStatus)) note(job.notKmsEncrypted, row.key);
    if (this.lockMode && row.objectLockMode !== this.lockMode) note(job.withoutLock, row.key);
    if (this.pendingBefore !== undefined) this.addReplication(job.replication, row, this.pendingBefore);

    if (job.logs && this.addShippedLog(job.logs, row)) return;
    const where = parseBackupKey(row.key);
    const startedAt = where && runStartedAt(where.runId);
    if (!where || !startedAt) {
      note(job.outsideLayout, row.key);
      return;
    }
    let run = job.runs.get(where.runId);
    let unit = run?.units.find((candidate) => candidate.name === where.unit);
    if (!unit) {
      unit = { name: this.intern(where.unit), host: this.intern(where.host), main: where.unit === where.host, manifest: false };
      if (run) run.units.push(unit);
    }
    if (!run) {
      // An array literal holds exactly its elements, where push() on [] reserves 17 slots; and a
      // substring keeps its whole parent key alive in V8, where a copy holds only the id.
      run = { startedAt: startedAt.getTime(), bytes: 0, lockedUntil: 0, units: [unit] };
      job.runs.set(Buffer.from(where.runId, 'latin1').toString('latin1'), run);
    }
    run.bytes += row.size;
    if (where.file === 'manifest.json') {
      unit.manifest = true;
      if (job.logs && unit.main) job.logs.baseManifests.set(where.runId, row.key);
    }
    if (row.objectLockRetainUntil !== undefined) run.lockedUntil = Math.max(run.lockedUntil, row.objectLockRetainUntil);
  }

  /** Whether the row is a shipped log, or part of a shipping run's record; logs are tallied by folder. */
  private addShippedLog(logs: ShippedLogsTally, row: InventoryRow): boolean {
    const run = parseShippingRunKey(row.key);
    if (run) {
      if (run.runId && row.key.endsWith('/manifest.json')) logs.runManifests.set(run.runId, row.key);
      return true;
    }
    const shipped = shippedLogOf(logs.kind, row.key);
    if (!shipped) return false;
    let folder = logs.folders.get(shipped.folder);
    if (!folder) logs.folders.set(this.intern(shipped.folder), (folder = new Map()));
    const log = folder.get(shipped.name) ?? { payload: false, manifestAt: 0 };
    folder.set(shipped.name, log);
    if (shipped.part === 'payload') log.payload = true;
    else log.manifestAt = row.lastModified;
    return true;
  }

  private addReplication(replication: ReplicationTally, row: InventoryRow, pendingBefore: number): void {
    switch (row.replicationStatus) {
      case undefined:
        replication.unlisted += 1;
        return;
      case 'COMPLETED':
        replication.completed += 1;
        return;
      case 'FAILED':
        note(replication.failed, row.key);
        return;
      case 'PENDING':
        if (row.lastModified < pendingBefore) note(replication.late, row.key);
        else replication.pending += 1;
        return;
      default:
        note(replication.uncovered, row.key);
    }
  }

  /** A keep or on-demand mark of a configured job; the other markers say nothing a report needs. */
  private addMarker(row: InventoryRow): void {
    const mark = MARK.exec(row.key);
    const job = this.jobs.get(mark?.[2] ?? '');
    if (!mark || !job || !row.isLatest || row.isDeleteMarker) return;
    const runId = markedRunId(row.key);
    if (mark[1] === 'keeps') job.keepMarkers.set(runId, row.key);
    else job.onDemandRuns.add(runId);
  }

  private addDrill(row: InventoryRow): void {
    const job = this.jobs.get(LAST_PASSED_DRILL.exec(row.key)?.[1] ?? '');
    if (job && row.isLatest && !row.isDeleteMarker) job.lastPassedDrill = row.lastModified;
  }

  private intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    const copy = Buffer.from(name, 'utf8').toString('utf8');
    this.names.set(copy, copy);
    return copy;
  }
}
