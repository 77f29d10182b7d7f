import * as z from 'zod';
import { keepMarkerKey, keepMarkersPrefix, markedRunId, onDemandMarkersPrefix } from '../backup/object-layout';
import { runIdSchema, runStartedAt } from '../backup/run-id';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { findJob } from '../config/load-config';
import { InvalidEventError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { findRun } from '../restore/backup-catalog';
import { inBatches } from '../in-batches';
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
 * no deletion (pruning, a governance bypass, lifecycle) gets past while it is on.
 */
export async function keepBackup(event: KeepEvent, deps: KeepDeps): Promise<KeepOutcome> {
  const job = findJob(deps.config, event.job);
  const objectLock = deps.config.storage.objectLock !== undefined;
  const backups = await findRun(deps.store, job.name, event.runId);
  const runFolder = backups[0].manifestKey.slice(0, backups[0].manifestKey.indexOf(`/${event.runId}/`) + event.runId.length + 2);
  const hold = async (on: boolean) => {
    if (!objectLock) return 0;
    const keys = (await deps.store.list(runFolder)).map((object) => object.key);
    await inBatches(keys, 16, (key) => deps.store.setLegalHold(key, on));
    return keys.length;
  };

  if (event.action === 'unkeep') {
    const wasKept = (await deps.store.head(keepMarkerKey(job.name, event.runId))) !== undefined;
    const legalHolds = await hold(false);
    if (wasKept) await deps.store.deleteKeys([keepMarkerKey(job.name, event.runId)]);
    return { kind: 'unkept', job: job.name, runId: event.runId, wasKept, legalHolds };
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
  const record: KeepRecord = {
    job: job.name,
    runId: event.runId,
    ...(until ? { until: until.toISOString() } : {}),
    reason: event.reason ?? '',
    by: deps.caller,
    at: now.toISOString(),
  };
  // The marker first: should the holds be cut short, the run is still never pruned.
  await deps.store.put(keepMarkerKey(job.name, event.runId), JSON.stringify(record), 'application/json');
  const legalHolds = await hold(true);
  return { kind: 'kept', job: job.name, runId: event.runId, ...(record.until ? { until: record.until } : {}), reason: record.reason, legalHolds };
}

function jsonOrUndefined(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The job's keeps by run id, lapsed ones included (callers judge them by `until`). A marker that
 * cannot be parsed keeps its run forever: the safe side of an unreadable operator's decision. A
 * failed read fails the caller, so pruning waits rather than guesses.
 */
export async function readKeeps(store: ObjectStore, job: string): Promise<Map<string, RunKeep>> {
  return readKeepMarkers(store, (await store.list(keepMarkersPrefix(job))).map((marker) => marker.key));
}

/** The keeps the given marker keys hold (the compliance report finds the keys in the inventory), as readKeeps reads them. */
export async function readKeepMarkers(store: ObjectStore, keys: readonly string[]): Promise<Map<string, RunKeep>> {
  const keeps = await inBatches(keys, 16, async (key): Promise<[string, RunKeep]> => {
    const parsed = keepRecordSchema.safeParse(jsonOrUndefined(await store.getText(key)));
    if (!parsed.success) return [markedRunId(key), { reason: `unreadable keep marker ${key}` }];
    return [parsed.data.runId, { ...(parsed.data.until ? { until: new Date(parsed.data.until) } : {}), reason: parsed.data.reason }];
  });
  return new Map(keeps);
}

/** The job's runs started by hand. */
export async function readOnDemandRuns(store: ObjectStore, job: string): Promise<Set<string>> {
  return new Set((await store.list(onDemandMarkersPrefix(job))).map((marker) => markedRunId(marker.key)));
}
