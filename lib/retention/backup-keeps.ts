import * as z from 'zod';
import { keepMarkerKey, keepMarkersPrefix, markedRunId, onDemandMarkersPrefix } from '../catalog/object-layout';
import { runIdSchema, runStartedAt } from '../catalog/run-id';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { findJob } from '../config/load-config';
import { InvalidEventError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { findRun } from '../catalog/backup-catalog';
import { inBatches } from '../in-batches';
import { heldVersionSchema, planKeepHolds, readLegalHolds, setLegalHolds } from './keep-legal-holds';
import type { RunKeep } from './retention-policy';

const DAY_MS = 86400000;

/** What `cronsnap keep` / `unkeep` send (the keep-backup function's event). */
export const keepEventSchema = z
  .object({
    job: z.string().min(1),
    runId: runIdSchema,
    action: z.enum(['keep', 'unkeep']).default('keep'),
    until: z
      .union([z.iso.date(), z.iso.datetime({ offset: true })])
      .optional()
      .describe('keep through this day (YYYY-MM-DD, UTC) or until this time'),
    forever: z.boolean().optional().describe('keep until unkept'),
    reason: z.string().max(500).optional().describe('why, shown in list and the report'),
  })
  .strict()
  .superRefine((event, ctx) => {
    if (event.action === 'unkeep') {
      for (const field of ['until', 'forever', 'reason'] as const) {
        if (event[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} is for keep, not unkeep` });
      }
      return;
    }
    if ((event.until === undefined) === (event.forever !== true)) {
      ctx.addIssue({ code: 'custom', path: ['until'], message: 'give until (a date) or forever: true, one of them' });
    }
  });

export type KeepEventInput = z.input<typeof keepEventSchema>;
export type KeepEvent = z.infer<typeof keepEventSchema>;

/** The keep marker's body. */
export const keepRecordSchema = z
  .object({
    job: z.string(),
    runId: runIdSchema,
    until: z.iso.datetime().optional(),
    reason: z.string(),
    /** Who kept it: the caller's identity as the function or CLI saw it. */
    by: z.string(),
    at: z.iso.datetime(),
    /**
     * The object versions on which this keep turned a legal hold on (Object Lock): written before
     * the holds are placed, and the only ones cronsnap lifts when the keep ends or lapses. Absent
     * in a marker from before keeps recorded them: cronsnap lifts none of those.
     */
    legalHolds: z.array(heldVersionSchema).optional(),
  })
  .strict();

export type KeepRecord = z.infer<typeof keepRecordSchema>;

export interface KeepDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
  readonly now: () => Date;
  /** Who asks, recorded in the marker. */
  readonly caller: string;
}

export type KeepOutcome =
  | { readonly kind: 'kept'; readonly job: string; readonly runId: string; readonly until?: string; readonly reason: string; readonly legalHolds: number }
  | { readonly kind: 'unkept'; readonly job: string; readonly runId: string; readonly wasKept: boolean; readonly legalHolds: number };

/** `--until 2027-06-30` keeps through that UTC day. */
function untilTime(until: string): Date {
  return /^\d{4}-\d{2}-\d{2}$/.test(until) ? new Date(Date.parse(`${until}T00:00:00Z`) + DAY_MS) : new Date(until);
}

/**
 * Keeps a run beyond its retention policy, or ends a keep. The run must hold a restorable backup;
 * a keep cannot outlast the job's lifecycle backstop (maxAgeDays), which S3 applies whatever
 * cronsnap marks. Where Object Lock is on, every object of the run also gets a legal hold, which
 * no deletion (pruning, a governance bypass, lifecycle) gets past while it is on; the marker records
 * which holds the keep placed, and ending the keep lifts those and no other.
 */
export async function keepBackup(event: KeepEvent, deps: KeepDeps): Promise<KeepOutcome> {
  const job = findJob(deps.config, event.job);
  const objectLock = deps.config.storage.objectLock !== undefined;
  const backups = await findRun(deps.store, job.name, event.runId);
  const runFolder = backups[0].manifestKey.slice(0, backups[0].manifestKey.indexOf(`/${event.runId}/`) + event.runId.length + 2);
  const marker = keepMarkerKey(job.name, event.runId);
  const text = await deps.store.getText(marker);
  const recorded = parseKeepRecord(text)?.legalHolds ?? [];

  if (event.action === 'unkeep') {
    await setLegalHolds(deps.store, recorded, false);
    if (text !== undefined) await deps.store.deleteKeys([marker]);
    return { kind: 'unkept', job: job.name, runId: event.runId, wasKept: text !== undefined, legalHolds: recorded.length };
  }

  const now = deps.now();
  const until = event.until === undefined ? undefined : untilTime(event.until);
  if (until && until <= now) throw new InvalidEventError(`until: ${event.until} has passed; a keep must end in the future`);
  const { maxAgeDays } = job.retention;
  if (maxAgeDays !== undefined) {
    const expires = new Date((runStartedAt(event.runId)?.getTime() ?? now.getTime()) + maxAgeDays * DAY_MS);
    if (!until || until > expires) {
      throw new InvalidEventError(
        `${until ? 'until' : 'forever'}: job ${job.name}'s lifecycle expires this run's objects on ${expires.toISOString().slice(0, 10)} (retention.maxAgeDays ${maxAgeDays}); a keep cannot outlast it: keep until then, or raise maxAgeDays`,
      );
    }
  }
  const holds = objectLock ? planKeepHolds(await readLegalHolds(deps.store, runFolder), recorded) : undefined;
  const record: KeepRecord = {
    job: job.name,
    runId: event.runId,
    ...(until ? { until: until.toISOString() } : {}),
    reason: event.reason ?? '',
    by: deps.caller,
    at: now.toISOString(),
    ...(holds ? { legalHolds: holds.record } : {}),
  };
  // The marker first, naming every hold before it is placed: should the holds be cut short, the
  // run is still never pruned, and no hold is ever on without the record that lets cronsnap lift it.
  await deps.store.put(marker, JSON.stringify(record), 'application/json');
  await setLegalHolds(deps.store, holds?.place ?? [], true);
  return { kind: 'kept', job: job.name, runId: event.runId, ...(record.until ? { until: record.until } : {}), reason: record.reason, legalHolds: holds?.place.length ?? 0 };
}

function jsonOrUndefined(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A keep marker's record, or undefined when there is none or it cannot be read. */
function parseKeepRecord(text: string | undefined): KeepRecord | undefined {
  const parsed = keepRecordSchema.safeParse(jsonOrUndefined(text));
  return parsed.success ? parsed.data : undefined;
}

/** A marker as retention sees it. One that cannot be parsed keeps its run forever: the safe side of an unreadable operator's decision. */
function keepOf(key: string, text: string | undefined): [string, RunKeep] {
  const record = parseKeepRecord(text);
  if (!record) return [markedRunId(key), { reason: `unreadable keep marker ${key}` }];
  return [record.runId, { ...(record.until ? { until: new Date(record.until) } : {}), reason: record.reason, ...(record.legalHolds ? { legalHolds: record.legalHolds } : {}) }];
}

/**
 * The job's keeps by run id, lapsed ones included (callers judge them by `until`). A marker that
 * cannot be parsed keeps its run forever. A failed read fails the caller, so pruning waits rather
 * than guesses.
 */
export async function readKeeps(store: ObjectStore, job: string): Promise<Map<string, RunKeep>> {
  return readKeepMarkers(store, (await store.list(keepMarkersPrefix(job))).map((marker) => marker.key));
}

/** The keeps the given marker keys hold (the compliance report finds the keys in the inventory), as readKeeps reads them. */
export async function readKeepMarkers(store: ObjectStore, keys: readonly string[]): Promise<Map<string, RunKeep>> {
  return new Map(await inBatches(keys, 16, async (key) => keepOf(key, await store.getText(key))));
}

/** One run's keep as it stands now, read by name; undefined when the run is not kept. */
export async function readKeep(store: ObjectStore, job: string, runId: string): Promise<RunKeep | undefined> {
  const key = keepMarkerKey(job, runId);
  const text = await store.getText(key);
  return text === undefined ? undefined : keepOf(key, text)[1];
}

/** The job's runs started by hand. */
export async function readOnDemandRuns(store: ObjectStore, job: string): Promise<Set<string>> {
  return new Set((await store.list(onDemandMarkersPrefix(job))).map((marker) => markedRunId(marker.key)));
}
