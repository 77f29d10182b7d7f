import * as z from 'zod';
import { inBatches } from '../in-batches';
import type { ObjectStore, ObjectVersion } from '../ports/object-store';
import { keepHolds, type RunKeep } from './retention-policy';

/** An object version on which a keep turned a legal hold on, as the keep's marker records it. */
export const heldVersionSchema = z.object({ key: z.string().min(1), versionId: z.string().min(1) }).strict();

/** Legal hold requests at once: as many as the other per-object reads of a run. */
const PARALLEL_REQUESTS = 16;

const sameVersion = (a: ObjectVersion) => (b: ObjectVersion) => a.key === b.key && a.versionId === b.versionId;

/**
 * Which versions a keep puts a legal hold on, and which its marker then records. S3 keeps no owner
 * of a hold, so the marker is the only record of which holds are cronsnap's: a version this keep
 * already holds (kept again, with a later until) stays its own; one held by anybody else (a legal
 * team, another tool) is left out, so cronsnap never lifts it; every other version gets a hold.
 */
export function planKeepHolds(current: readonly (ObjectVersion & { readonly on: boolean })[], recorded: readonly ObjectVersion[]): { place: ObjectVersion[]; record: ObjectVersion[] } {
  const place = current.filter((version) => !version.on || recorded.some(sameVersion(version))).map(({ key, versionId }) => ({ key, versionId }));
  return { place, record: [...recorded, ...place.filter((version) => !recorded.some(sameVersion(version)))] };
}

/** The current version of every object under `prefix`, with its legal hold. */
export async function readLegalHolds(store: ObjectStore, prefix: string): Promise<(ObjectVersion & { readonly on: boolean })[]> {
  const keys = (await store.list(prefix)).map((object) => object.key);
  return inBatches(keys, PARALLEL_REQUESTS, (key) => store.legalHold(key));
}

export async function setLegalHolds(store: ObjectStore, versions: readonly ObjectVersion[], on: boolean): Promise<void> {
  await inBatches(versions, PARALLEL_REQUESTS, (version) => store.setLegalHold(version, on));
}

/**
 * Lifts the holds placed by every keep that has lapsed on a run still stored: nothing else would,
 * and a held version outlives every delete and lifecycle rule (a delete only puts a marker over it).
 * The marker stays (pruning may not write keeps), so each prune lifts them again, a no-op, until
 * the policy deletes the run; the lifecycle's maxAgeDays comes after every run the policy keeps.
 * Each lapsed keep is read again (`current`) just before its holds are lifted: a keep renewed since
 * `keeps` were read owns them again.
 */
export async function liftLapsedHolds(
  store: ObjectStore,
  keeps: ReadonlyMap<string, RunKeep>,
  stored: (runId: string) => boolean,
  now: Date,
  current: (runId: string) => Promise<RunKeep | undefined>,
): Promise<void> {
  // keepHolds narrows its argument; its negation would leave nothing to read.
  const holds = (keep: RunKeep): boolean => keepHolds(keep, now);
  const lapsed = [...keeps].filter(([runId, keep]) => stored(runId) && !holds(keep) && (keep.legalHolds ?? []).length > 0);
  for (const [runId] of lapsed) {
    const keep = await current(runId);
    if (keep && !holds(keep)) await setLegalHolds(store, keep.legalHolds ?? [], false);
  }
}
