import { markedRunId, MARKER_ROOT, parseBackupKey } from '../catalog/object-layout';
import { inBatches } from '../in-batches';
import { runStartedAt } from '../catalog/run-id';
import type { Job } from '../config/job-config';
import type { ObjectStore, StoredObject } from '../ports/object-store';
import { planBinlogPruning, type BinlogPrunePlan } from './binlog-retention';
import { baseDumpOf } from '../binlogs/point-in-time';
import type { Manifest } from '../catalog/manifest';
import { shipsBinlogs, shipsWal } from '../config/job-config';
import { planWalPruning, walBaseOf, type WalPrunePlan } from './wal-retention';
import type { ShippedLogPrunePlan } from './shipped-log-pruning';
import { checkBackup, type RestorableBackup } from '../catalog/backup-catalog';
import { readKeep, readKeeps, readOnDemandRuns } from './backup-keeps';
import { liftLapsedHolds } from './keep-legal-holds';
import { keepReason, planRetention, type RetentionPlan, type RunRecord, type StoredUnit } from './retention-policy';

export interface PruneDeps {
  readonly store: ObjectStore;
  readonly now: () => Date;
  /** The bucket has S3 Object Lock: ask for each candidate's retain-until date before deleting. */
  readonly objectLock: boolean;
}

export type PruneOutcome =
  | { readonly kind: 'held'; readonly job: string; readonly reason: string }
  | {
      readonly kind: 'pruned';
      readonly job: string;
      readonly kept: Extract<RetentionPlan, { kind: 'prune' }>['keep'];
      readonly deleted: readonly { readonly runId: string; readonly unit?: string; readonly reason: string; readonly objects: number }[];
      readonly locked: Extract<RetentionPlan, { kind: 'prune' }>['locked'];
      /** Units whose manifest was present but could not be restored from, with the reason. */
      readonly invalid: readonly { readonly runId: string; readonly unit: string; readonly reason: string }[];
      /** Jobs that ship binary logs: the logs no kept dump needs, deleted, and where each server's kept logs begin. */
      readonly binlogs?: { readonly deleted: number; readonly keptFrom: BinlogPrunePlan['keptFrom'] };
      /** Jobs that ship WAL: the segments no kept base backup needs, deleted, and where each cluster's kept WAL begins. */
      readonly wal?: { readonly deleted: number; readonly keptFrom: WalPrunePlan['keptFrom'] };
    };

interface UnitObjects {
  readonly host: string;
  readonly main: boolean;
  readonly objects: StoredObject[];
}

interface StoredRun {
  readonly startedAt: Date;
  readonly units: Map<string, UnitObjects>;
}

/** A job's objects grouped by run and unit; keys outside the layout are left alone. */
function groupRuns(job: string, objects: readonly StoredObject[]): Map<string, StoredRun> {
  const runs = new Map<string, StoredRun>();
  for (const object of objects) {
    const where = parseBackupKey(object.key);
    const startedAt = where && runStartedAt(where.runId);
    if (!where || !startedAt || where.job !== job) continue;
    const run = runs.get(where.runId) ?? { startedAt, units: new Map<string, UnitObjects>() };
    runs.set(where.runId, run);
    const unit = run.units.get(where.unit) ?? { host: where.host, main: where.unit === where.host, objects: [] };
    run.units.set(where.unit, unit);
    unit.objects.push(object);
  }
  return runs;
}

const manifestOf = (unit: UnitObjects) => unit.objects.find((object) => parseBackupKey(object.key)?.file === 'manifest.json');

/**
 * Deletes what `plan` finds no survivor (a dump or base backup left after pruning) needs of the
 * job's shipped logs. An unreadable survivor, or one that names no place in the logs, makes
 * nothing deleted: its logs are left for a later run to judge.
 */
async function pruneShippedLogs<B, K>(
  store: ObjectStore,
  objects: readonly StoredObject[],
  survivors: readonly (RestorableBackup | undefined)[],
  baseOf: (manifest: Manifest) => B | undefined,
  plan: (kept: (B & { readonly startedAt: Date })[], keys: string[]) => ShippedLogPrunePlan & { readonly keptFrom: readonly K[] },
): Promise<{ deleted: number; keptFrom: readonly K[] }> {
  const kept: (B & { startedAt: Date })[] = [];
  for (const backup of survivors) {
    const base = backup && baseOf(backup.manifest);
    const startedAt = backup && runStartedAt(backup.runId);
    if (!base || !startedAt) return { deleted: 0, keptFrom: [] };
    kept.push({ ...base, startedAt });
  }
  const pruning = plan(kept, objects.map((object) => object.key));
  await store.deleteKeys(pruning.manifests);
  await store.deleteKeys([...pruning.payloads, ...pruning.runRecords]);
  return { deleted: pruning.manifests.length + pruning.payloads.length + pruning.runRecords.length, keptFrom: pruning.keptFrom };
}

/** Reads of manifests and retention dates at once: enough to overlap S3's latency, well within its request rate per prefix. */
const PARALLEL_READS = 16;

/** Incomplete work younger than this may still be uploading: a day, or the job's timeout if longer. */
export function incompleteAfterSeconds(job: Job): number {
  return Math.max(86400, job.timeoutMinutes * 60 + 3600);
}

/**
 * Prunes one job by its retention policy, around the operators' keeps and counting runs started
 * by hand apart. The plan is made from the listing, then every backup
 * it keeps has its manifest read and its parts checked; a backup that fails the check is treated
 * as incomplete and the plan made again, so a corrupt newest backup can never stand in for the
 * good one before it. With Object Lock, the candidates' retain-until dates are read the same way.
 * Each deletion removes the manifests first, so a deletion cut short leaves an incomplete backup
 * that is never offered for restore, never a manifest naming missing parts.
 */
export async function pruneJob(job: Job, deps: PruneDeps): Promise<PruneOutcome> {
  const [objects, markers, keeps, onDemand] = await Promise.all([
    deps.store.list(`${job.name}/`),
    deps.store.list(`${MARKER_ROOT}/runs/${job.name}/`),
    readKeeps(deps.store, job.name),
    readOnDemandRuns(deps.store, job.name),
  ]);
  const runs = groupRuns(job.name, objects);
  const sizes = new Map(objects.map((object) => [object.key, object.size]));
  const latestStartedRunId = markers.map((marker) => markedRunId(marker.key)).sort().pop();

  const verified = new Map<string, RestorableBackup>();
  const invalid = new Map<string, { runId: string; unit: string; reason: string }>();
  const locks = new Map<string, Date | undefined>();
  const now = deps.now();
  // Whatever the plan, even one held back: a lapsed keep's holds serve no one.
  await liftLapsedHolds(deps.store, keeps, (runId) => runs.has(runId), now, (runId) => readKeep(deps.store, job.name, runId));

  for (;;) {
    const records: RunRecord[] = [...runs].map(([runId, run]) => {
      const lockedUntil = locks.get(runId);
      const kept = keeps.get(runId);
      return {
        runId,
        startedAt: run.startedAt,
        ...(onDemand.has(runId) ? { onDemand: true } : {}),
        ...(kept ? { kept } : {}),
        units: [...run.units].map(([name, unit]): StoredUnit => ({
          name,
          host: unit.host,
          main: unit.main,
          complete: manifestOf(unit) !== undefined && !invalid.has(`${runId}/${name}`),
        })),
        ...(lockedUntil ? { lockedUntil } : {}),
      };
    });
    const plan = planRetention({
      runs: records,
      ...(latestStartedRunId ? { latestStartedRunId } : {}),
      policy: job.retention,
      seriesPerHost: job.engine === 'files',
      now,
      incompleteAfterSeconds: incompleteAfterSeconds(job),
    });
    if (plan.kind === 'held') return { kind: 'held', job: job.name, reason: plan.reason };

    let learned = false;
    const unchecked = plan.keep.flatMap(({ runId }) =>
      [...(runs.get(runId)?.units ?? [])].flatMap(([name, unit]) => {
        const manifest = manifestOf(unit);
        const id = `${runId}/${name}`;
        return unit.main && manifest && !verified.has(id) && !invalid.has(id) ? [{ runId, name, id, key: manifest.key }] : [];
      }),
    );
    // A fleet keeps thousands of manifests (hosts times kept runs): they are read side by side.
    const checks = await inBatches(unchecked, PARALLEL_READS, async (unit) => ({ ...unit, checked: await checkBackup(deps.store, job.name, unit.key, sizes) }));
    for (const { runId, name, id, checked } of checks) {
      if ('reason' in checked) {
        invalid.set(id, { runId, unit: name, reason: checked.reason });
        learned = true;
      } else verified.set(id, checked);
    }
    if (deps.objectLock) {
      const candidates = [...new Set(plan.delete.map(({ runId }) => runId))].filter((runId) => !locks.has(runId));
      const dates = await inBatches(candidates, PARALLEL_READS, async (runId) => ({ runId, until: await retainUntil(deps.store, runs.get(runId)) }));
      for (const { runId, until } of dates) {
        locks.set(runId, until);
        if (until && until > now) learned = true;
      }
    }
    if (learned) continue;

    const deleted: Extract<PruneOutcome, { kind: 'pruned' }>['deleted'][number][] = [];
    const keptSince: Extract<PruneOutcome, { kind: 'pruned' }>['kept'][number][] = [];
    for (const deletion of plan.delete) {
      // The keeps were read when this prune began, and `cronsnap keep` may have answered "kept"
      // since: the run's marker is read again right before its deletion, so a keep loses to a prune
      // only by landing within this one request's round trip. (An incomplete unit goes whether kept or not.)
      const keep = deletion.unit === undefined ? await readKeep(deps.store, job.name, deletion.runId) : undefined;
      const since = keep && keepReason(keep, now);
      if (since) {
        keptSince.push({ runId: deletion.runId, reasons: [since] });
        continue;
      }
      const run = runs.get(deletion.runId);
      const units = [...(run?.units ?? [])].filter(([name]) => deletion.unit === undefined || name === deletion.unit).map(([, unit]) => unit);
      const keys = units.flatMap((unit) => unit.objects.map((object) => object.key));
      const manifests = units.flatMap((unit) => manifestOf(unit)?.key ?? []);
      await deps.store.deleteKeys(manifests);
      await deps.store.deleteKeys(keys.filter((key) => !manifests.includes(key)));
      deleted.push({ ...deletion, objects: keys.length });
    }
    // The dumps left: every kept one (verified above) and every complete one Object Lock holds.
    const survivors = async () => {
      const kept = plan.keep.map(({ runId }) => [...verified].find(([id]) => id.startsWith(`${runId}/`))?.[1]);
      const locked = plan.locked.flatMap(({ runId }) => [...(runs.get(runId)?.units.values() ?? [])].filter((unit) => unit.main).flatMap((unit) => manifestOf(unit) ?? []));
      const held = await inBatches(locked, PARALLEL_READS, (manifest) => checkBackup(deps.store, job.name, manifest.key, sizes));
      return [...kept, ...held.map((checked) => ('reason' in checked ? undefined : checked))];
    };
    // A run kept since the plan was made is not among the survivors its logs are judged by: the logs wait for the next prune, which reads that keep first.
    const logsSettled = keptSince.length === 0;
    const binlogs = logsSettled && shipsBinlogs(job) ? await pruneShippedLogs(deps.store, objects, await survivors(), baseDumpOf, planBinlogPruning) : undefined;
    const wal = logsSettled && shipsWal(job) ? await pruneShippedLogs(deps.store, objects, await survivors(), walBaseOf, planWalPruning) : undefined;
    const kept = [...plan.keep, ...keptSince];
    return { kind: 'pruned', job: job.name, kept, deleted, locked: plan.locked, invalid: [...invalid.values()], ...(binlogs ? { binlogs } : {}), ...(wal ? { wal } : {}) };
  }
}

/** The latest retain-until date of a run: its manifests are written last, so theirs when there are any. */
async function retainUntil(store: ObjectStore, run: StoredRun | undefined): Promise<Date | undefined> {
  const units = [...(run?.units.values() ?? [])];
  const manifests = units.flatMap((unit) => manifestOf(unit) ?? []);
  const probes = manifests.length > 0 ? manifests : units.flatMap((unit) => unit.objects);
  let latest: Date | undefined;
  for (const probe of probes) {
    const until = (await store.head(probe.key))?.retainUntil;
    if (until && (!latest || until > latest)) latest = until;
  }
  return latest;
}
