import { parseBackupKey } from '../backup/object-layout';
import { runStartedAt } from '../backup/run-id';
import type { CronsnapConfig } from '../config/cronsnap-config';
import type { InventoryRow } from './inventory-row';

/** Encryption statuses that mean "under a KMS key" (S3 Inventory's EncryptionStatus column). */
const KMS_ENCRYPTED = new Set(['SSE-KMS', 'DSSE-KMS']);
const SAMPLE_KEYS = 5;

export interface UnitTally {
  readonly host: string;
  readonly main: boolean;
  manifest: boolean;
  bytes: number;
  /** Latest Object Lock retain-until among the unit's objects, ms; 0 when none. */
  lockedUntil: number;
}

export interface RunTally {
  readonly startedAt: number;
  readonly units: Map<string, UnitTally>;
}

/** A count with a few example keys, so a report can show where to look. */
export interface KeyCount {
  count: number;
  readonly samples: string[];
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
}

function note(counter: KeyCount, key: string): void {
  counter.count += 1;
  if (counter.samples.length < SAMPLE_KEYS) counter.samples.push(key);
}

/** Folds inventory rows into one tally per configured job; other keys (markers) are counted apart. */
export class InventoryTally {
  readonly jobs = new Map<string, JobTally>();
  otherObjects = 0;
  rows = 0;
  private readonly lockMode: string | undefined;

  constructor(config: CronsnapConfig) {
    for (const job of config.jobs) this.jobs.set(job.name, new JobTally());
    this.lockMode = config.storage.objectLock?.mode.toUpperCase();
  }

  add(row: InventoryRow): void {
    this.rows += 1;
    const jobName = row.key.slice(0, row.key.indexOf('/'));
    const job = this.jobs.get(jobName);
    if (!job) {
      this.otherObjects += 1;
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

    const where = parseBackupKey(row.key);
    const startedAt = where && runStartedAt(where.runId);
    if (!where || !startedAt) {
      note(job.outsideLayout, row.key);
      return;
    }
    let run = job.runs.get(where.runId);
    if (!run) {
      run = { startedAt: startedAt.getTime(), units: new Map() };
      job.runs.set(where.runId, run);
    }
    let unit = run.units.get(where.unit);
    if (!unit) {
      unit = { host: where.host, main: where.unit === where.host, manifest: false, bytes: 0, lockedUntil: 0 };
      run.units.set(where.unit, unit);
    }
    unit.bytes += row.size;
    if (where.file === 'manifest.json') unit.manifest = true;
    if (row.objectLockRetainUntil !== undefined) unit.lockedUntil = Math.max(unit.lockedUntil, row.objectLockRetainUntil);
  }
}
