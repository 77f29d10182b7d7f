import * as z from 'zod';
import { storedBytes } from '../catalog/manifest';
import { commandRecordKey, DRILL_ROOT, lastPassedDrillKey, MARKER_ROOT } from '../catalog/object-layout';
import { commandRecordSchema, type CommandRecord } from '../catalog/command-record';
import { compactUtc, runStartedAt } from '../catalog/run-id';
import { recoveryPointObjective } from '../config/recovery-point-objective';
import type { CronsnapConfig } from '../config/cronsnap-config';
import type { Job } from '../config/job-config';
import { findJob } from '../config/load-config';
import { drillResultSchema } from '../catalog/drill-result';
import { ManifestError, RestoreError } from '../errors';
import { inBatches } from '../in-batches';
import { parseJsonManifest } from '../validation-issues';
import { ReadOnceStore } from './read-once-store';
import type { ObjectStore } from '../ports/object-store';
import { replicationWindowSeconds } from '../replica/replica-target';
import { listRestorable } from '../catalog/backup-catalog';
import { scheduledTimes } from '../schedule/schedule-times';
import { newestReachableBinlogSecond } from '../binlogs/point-in-time-restore';
import { newestReachableSecond } from '../wal/wal-recovery-choice';

/** What `cronsnap status` asks: every job, or these. */
export const statusEventSchema = z.object({
  jobs: z.array(z.string().min(1)).max(1000).optional().describe('only these jobs; every job when absent'),
});

export type StatusEvent = z.infer<typeof statusEventSchema>;

/** How the newest run started for a job stands. */
export type AttemptState = 'succeeded' | 'partial' | 'running' | 'failed';

/** One job at a glance, as `cronsnap status` and the dashboard show it. */
export interface JobStatus {
  readonly job: string;
  readonly engine: Job['engine'];
  readonly enabled: boolean;
  /** The newest restorable run: its hosts' backups together. */
  readonly lastBackup?: {
    readonly runId: string;
    readonly finishedAt: string;
    readonly hosts: readonly string[];
    readonly manifestKeys: readonly string[];
    readonly bytes: number;
    readonly durationSeconds: number;
  };
  /** The newest run claimed, when its markers are still stored (they expire with the bucket's lifecycle). */
  readonly lastAttempt?: {
    readonly runId: string;
    readonly claimedAt: string;
    readonly state: AttemptState;
    /** The commands sent for it, per host, where its output is logged. */
    readonly command?: CommandRecord;
  };
  /** Seconds since the last backup finished, against the RPO its schedule promises. */
  readonly ageSeconds?: number;
  readonly rpoSeconds: number;
  readonly withinRpo: boolean;
  /** The next scheduled run, in UTC; absent for a disabled job. */
  readonly nextRun?: string;
  readonly lastDrill?: { readonly drillId: string; readonly passed: boolean; readonly finishedAt: string; readonly reason?: string };
  readonly lastPassedDrill?: string;
  /** Jobs that ship logs: the newest second a restore can reach now, and how far behind now it is. */
  readonly pointInTime?: { readonly reachesTo?: string; readonly lagSeconds?: number };
  /**
   * With storage.replica: where the copy is, the window S3 replicates within, and how the newest
   * backup's manifest (written last) stands there: `COMPLETED`, or `PENDING` for `pendingSeconds`, or `FAILED`.
   */
  readonly copy?: { readonly region: string; readonly windowSeconds: number; readonly newest?: string; readonly pendingSeconds?: number };
  /** Objects status found but could not read, and why. */
  readonly unreadable?: readonly string[];
}

export interface JobStatusDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
  readonly now: () => Date;
}

/** Jobs read at once: each is a handful of listings and reads. */
const JOB_CONCURRENCY = 8;

/** Keys of `prefix` that end in `.json`, newest run id last (run ids start with their UTC time). */
async function jsonKeys(store: ObjectStore, prefix: string, startAfter?: string): Promise<string[]> {
  return (await store.list(prefix, startAfter)).map((object) => object.key).filter((key) => key.endsWith('.json'));
}

/**
 * The newest run claim of a job. Claims are kept for months (a job every 15 minutes holds
 * thousands), so a job that ran within twice its RPO is found in one listing from then on; only a
 * job idle longer lists them all.
 */
async function newestMarkerKey(store: ObjectStore, job: Job, rpoSeconds: number, now: Date): Promise<string | undefined> {
  const prefix = `${MARKER_ROOT}/runs/${job.name}/`;
  const recent = await jsonKeys(store, prefix, `${prefix}${compactUtc(new Date(now.getTime() - 2 * rpoSeconds * 1000))}`);
  return recent.at(-1) ?? (await jsonKeys(store, prefix)).at(-1);
}

const secondsBetween = (from: string, to: Date) => Math.max(0, Math.round((to.getTime() - Date.parse(from)) / 1000));

/** Reads what status shows from the bucket; an object it cannot read is noted, never fatal to the rest. */
class StatusReader {
  readonly unreadable: string[] = [];
  constructor(readonly store: ObjectStore) {}

  async read<S extends z.ZodType>(key: string, schema: S, what: string): Promise<z.infer<S> | undefined> {
    const text = await this.store.getText(key);
    if (text === undefined) return undefined;
    try {
      return parseJsonManifest(text, key, schema, what);
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      this.unreadable.push(error.message);
      return undefined;
    }
  }
}

/** A run's claim; `claimedAt` is absent from claims written by early versions, whose run id still dates them. */
const runMarkerSchema = z.object({ runId: z.string(), claimedAt: z.iso.datetime().optional(), hosts: z.array(z.string()).default([]) });

async function lastBackupOf(store: ObjectStore, job: Job): Promise<JobStatus['lastBackup']> {
  const { backups } = await listRestorable(store, job.name, { limit: Number.MAX_SAFE_INTEGER, firstRunOnly: true });
  const [first] = backups;
  if (!first) return undefined;
  const startedAt = Math.min(...backups.map((backup) => Date.parse(backup.manifest.startedAt)));
  const finishedAt = backups.map((backup) => backup.finishedAt).sort().at(-1) ?? first.finishedAt;
  return {
    runId: first.runId,
    finishedAt,
    hosts: backups.map((backup) => backup.host),
    manifestKeys: backups.map((backup) => backup.manifestKey),
    bytes: backups.reduce((sum, backup) => sum + storedBytes(backup.manifest), 0),
    durationSeconds: Math.max(0, Math.round((Date.parse(finishedAt) - startedAt) / 1000)),
  };
}

async function lastAttemptOf(reader: StatusReader, job: Job, lastBackup: JobStatus['lastBackup'], rpoSeconds: number, now: Date): Promise<JobStatus['lastAttempt']> {
  const newest = await newestMarkerKey(reader.store, job, rpoSeconds, now);
  const marker = newest && (await reader.read(newest, runMarkerSchema, 'not a run marker'));
  if (!marker) return undefined;
  const command = await reader.read(commandRecordKey(job.name, marker.runId), commandRecordSchema, 'not a command record');
  const landed = lastBackup?.runId === marker.runId;
  const claimedAt = marker.claimedAt ?? runStartedAt(marker.runId)?.toISOString() ?? now.toISOString();
  const expected = marker.hosts.length;
  const deadline = Date.parse(claimedAt) + job.timeoutMinutes * 60_000;
  let state: AttemptState;
  if (landed) state = expected > 0 && (lastBackup?.hosts.length ?? 0) < expected ? 'partial' : 'succeeded';
  else state = now.getTime() < deadline ? 'running' : 'failed';
  return { runId: marker.runId, claimedAt, state, ...(command ? { command } : {}) };
}

async function drillsOf(reader: StatusReader, job: Job): Promise<Pick<JobStatus, 'lastDrill' | 'lastPassedDrill'>> {
  const passedKey = lastPassedDrillKey(job.name);
  const results = (await jsonKeys(reader.store, `${DRILL_ROOT}/${job.name}/`)).filter((key) => key !== passedKey);
  const newest = results.at(-1);
  const [last, passed] = await Promise.all([newest ? reader.read(newest, drillResultSchema, 'not a drill result') : undefined, reader.read(passedKey, drillResultSchema, 'not a drill result')]);
  return {
    ...(last ? { lastDrill: { drillId: last.drillId, passed: last.passed, finishedAt: last.finishedAt, ...(last.reason ? { reason: last.reason } : {}) } } : {}),
    ...(passed ? { lastPassedDrill: passed.finishedAt } : {}),
  };
}

/** The newest second a restore of the job can reach; a job with no dump to start from yet (day one) reaches none. */
async function pointInTimeOf(store: ObjectStore, job: Job, now: Date): Promise<JobStatus['pointInTime']> {
  const reach = job.engine === 'mysql' && job.binlogs ? () => newestReachableBinlogSecond(store, job.name, now) : job.engine === 'postgres' && job.wal ? () => newestReachableSecond(store, job.name) : undefined;
  if (!reach) return undefined;
  const reachesTo = await reach().catch((error: unknown) => {
    if (error instanceof RestoreError) return undefined;
    throw error;
  });
  return reachesTo ? { reachesTo, lagSeconds: secondsBetween(reachesTo, now) } : {};
}

/** How the newest run stands in the copy: its manifests are written last, so they are the last to arrive. */
async function copyOfNewest(store: ObjectStore, lastBackup: JobStatus['lastBackup'], now: Date): Promise<{ newest?: string; pendingSeconds?: number }> {
  if (!lastBackup) return {};
  const states = await Promise.all(lastBackup.manifestKeys.map(async (key) => (await store.head(key))?.replication));
  const newest = states.find((state) => state === 'FAILED') ?? states.find((state) => state === 'PENDING') ?? states.find((state) => state !== undefined);
  if (!newest) return {};
  return { newest, ...(newest === 'PENDING' ? { pendingSeconds: secondsBetween(lastBackup.finishedAt, now) } : {}) };
}

function nextRunOf(job: Job, now: Date): string | undefined {
  if (!job.enabled) return undefined;
  const spec = { schedule: job.schedule, ...(job.timezone ? { timezone: job.timezone } : {}) };
  const [next] = scheduledTimes(spec, now, new Date(now.getTime() + 400 * 86_400_000), 1);
  return next?.toISOString();
}

/** One job's status, read from the bucket: its catalog, run markers, drills and shipped logs. */
export async function jobStatus(job: Job, deps: JobStatusDeps): Promise<JobStatus> {
  const now = deps.now();
  const store = new ReadOnceStore(deps.store);
  const reader = new StatusReader(store);
  const { rpoSeconds } = recoveryPointObjective(job, now);
  const lastBackup = await lastBackupOf(store, job);
  const [lastAttempt, drills, pointInTime] = await Promise.all([lastAttemptOf(reader, job, lastBackup, rpoSeconds, now), drillsOf(reader, job), pointInTimeOf(store, job, now)]);
  const ageSeconds = lastBackup && secondsBetween(lastBackup.finishedAt, now);
  const nextRun = nextRunOf(job, now);
  const { replica } = deps.config.storage;
  return {
    job: job.name,
    engine: job.engine,
    enabled: job.enabled,
    ...(lastBackup ? { lastBackup } : {}),
    ...(lastAttempt ? { lastAttempt } : {}),
    ...(ageSeconds !== undefined ? { ageSeconds } : {}),
    rpoSeconds,
    withinRpo: ageSeconds !== undefined && ageSeconds <= rpoSeconds,
    ...(nextRun ? { nextRun } : {}),
    ...drills,
    ...(pointInTime ? { pointInTime } : {}),
    ...(replica ? { copy: { region: replica.region, windowSeconds: replicationWindowSeconds(replica), ...(await copyOfNewest(store, lastBackup, now)) } } : {}),
    ...(reader.unreadable.length > 0 ? { unreadable: reader.unreadable } : {}),
  };
}

/** Every job asked (all when none is named), in config order; an unknown name is refused before any read. */
export async function jobStatuses(event: StatusEvent, deps: JobStatusDeps): Promise<JobStatus[]> {
  const jobs = event.jobs ? event.jobs.map((name) => findJob(deps.config, name)) : deps.config.jobs;
  return inBatches(jobs, JOB_CONCURRENCY, (job) => jobStatus(job, deps));
}
