import { parseShippedWalKey, parseShippingRunKey, walRoot } from '../catalog/object-layout';
import { replayableLogs } from '../catalog/replayable-logs';
import { runStartedAt } from '../catalog/run-id';
import { RestoreRefusedError } from '../errors';
import { inBatches } from '../in-batches';
import type { ObjectStore } from '../ports/object-store';
import { findRun, listRestorable, type RestorableBackup } from '../catalog/backup-catalog';
import { newestReachable } from '../binlogs/point-in-time';
import { parseWalRunManifest } from '../catalog/wal-manifest';
import { planWalRecovery, recoveryBaseOf, walReachOf, walRecoverableWindow, type RecoveryBase, type ShippedSegments, type WalReach, type WalRecoveryPlan } from './wal-recovery-plan';

/** How many of a job's newest base backups a recovery to a time chooses among. */
const BASES_CONSIDERED = 100;
/** Shipping run manifests read after the asked time: a failed run has none, the next one will do. */
const RUNS_READ = 3;
/** Those read scheduled at or before it. */
const RUNS_BEFORE = 2;

/** A recovery planned, with the base backup it starts from. */
export interface WalRecoveryChoice {
  readonly backup: RestorableBackup;
  readonly plan: WalRecoveryPlan;
}

/** Each cluster's replayable segments, with the stored bytes of each payload. */
async function shippedSegments(store: ObjectStore, job: string, systemIdentifiers: readonly string[]): Promise<Map<string, ShippedSegments>> {
  const entries = await inBatches(systemIdentifiers, 4, async (systemIdentifier) => {
    const shipped: ShippedSegments = replayableLogs(await store.list(`${walRoot(job)}${systemIdentifier}/`), (key) => {
      const wal = parseShippedWalKey(key);
      return wal && { name: wal.segment, part: wal.part };
    });
    return [systemIdentifier, shipped] as const;
  });
  return new Map(entries);
}

/**
 * What the job's shipping runs prove, from the few run manifests that matter: the newest ones (how
 * far the WAL reaches now), the first ones after `toTime` (the least WAL that reaches it), and the
 * last ones scheduled at or before it: one may have started after it all the same, and one that
 * finished by then says where the search for the segment that ends the recovery starts.
 */
async function reaches(store: ObjectStore, job: string, toTime: Date | undefined): Promise<WalReach[]> {
  const runs = (await store.list(`${walRoot(job)}runs/`))
    .filter((object) => object.key.endsWith('/manifest.json'))
    .map((object) => ({ key: object.key, at: runStartedAt(parseShippingRunKey(object.key)?.runId ?? '')?.getTime() }))
    .sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  const after = toTime ? runs.filter((run) => (run.at ?? 0) <= toTime.getTime()).length : 0;
  const around = toTime ? runs.slice(Math.max(after - RUNS_BEFORE, 0), after + RUNS_READ) : [];
  const chosen = [...new Set([...around, ...runs.slice(-RUNS_READ)].map((run) => run.key))];
  const manifests = await inBatches(chosen, RUNS_READ * 2, async (key) => {
    const text = await store.getText(key);
    return text === undefined ? undefined : walReachOf(parseWalRunManifest(text, key));
  });
  return manifests.flatMap((reach) => reach ?? []);
}

/** What a recovery of the job chooses from: its base backups, each cluster's shipped WAL and the shipping runs' reach. */
async function recoveryWorld(store: ObjectStore, job: string, target: { readonly toTime: Date } | { readonly backup: string }) {
  const { backups } = await listRestorable(store, job, { limit: BASES_CONSIDERED });
  const chosen = 'backup' in target && target.backup !== 'latest' ? await findRun(store, job, target.backup) : backups;
  const candidates = chosen.flatMap((backup) => {
    const base = recoveryBaseOf(backup.manifest);
    return base ? [{ base, backup }] : [];
  });
  if ('backup' in target && target.backup !== 'latest' && candidates.length === 0) {
    throw new RestoreRefusedError(`run ${target.backup} of ${job} is not a physical base backup`);
  }
  const bases: RecoveryBase[] = candidates.map((candidate) => candidate.base);
  const shipped = await shippedSegments(store, job, [...new Set(bases.map((base) => base.systemIdentifier))]);
  const runReaches = await reaches(store, job, 'toTime' in target ? target.toTime : undefined);
  return { candidates, bases, shippedOf: (systemIdentifier: string) => shipped.get(systemIdentifier) ?? new Map(), reaches: runReaches };
}

/** The newest second any restore of the job can reach now; undefined while none can. */
export async function newestReachableSecond(store: ObjectStore, job: string): Promise<string | undefined> {
  const { bases, shippedOf, reaches: runReaches } = await recoveryWorld(store, job, { backup: 'latest' });
  return newestReachable(walRecoverableWindow(bases, shippedOf, runReaches));
}

/**
 * A recovery of a physical PostgreSQL job: to `toTime` (the newest base backup before it), or
 * without one from the chosen base backup (`latest` or a run id) to the end of its shipped WAL.
 * Refused, with the window restores can reach, when the backups and WAL do not cover it.
 */
export async function chooseWalRecovery(store: ObjectStore, job: string, target: { readonly toTime: Date } | { readonly backup: string }): Promise<WalRecoveryChoice> {
  const { candidates, bases, shippedOf, reaches: runReaches } = await recoveryWorld(store, job, target);
  const choice = planWalRecovery(bases, shippedOf, runReaches, 'toTime' in target ? target : { base: bases[0] });
  if (choice.kind === 'refused') throw new RestoreRefusedError(`job ${job}: ${choice.reason}`);
  const backup = candidates.find((candidate) => candidate.base === choice.base)?.backup;
  if (!backup) throw new RestoreRefusedError(`job ${job}: the base backup ${choice.base.runId} is not restorable`);
  return { backup, plan: choice };
}
