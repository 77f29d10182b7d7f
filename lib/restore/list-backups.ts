import * as z from 'zod';
import { checkBucketRole, fromReplicaField, type BucketRole } from '../replica/bucket-role';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { findJob } from '../config/load-config';
import type { ObjectStore } from '../ports/object-store';
import { listRestorable } from '../catalog/backup-catalog';
import { runIdSchema } from '../catalog/run-id';
import { readKeeps, readOnDemandRuns } from '../retention/backup-keeps';
import { keepAsJson, keepHolds } from '../retention/retention-policy';

/** What an operator sends to list-backups (console test event or CLI). */
export const listBackupsEventSchema = z
  .object({
    job: z.string().min(1),
    limit: z.number().int().min(1).max(200).default(20),
    runId: runIdSchema
      .optional()
      .describe("only this run's backups, every host's (limit does not apply)"),
    fromReplica: fromReplicaField,
  })
  .strict();

export type ListBackupsEvent = z.infer<typeof listBackupsEventSchema>;

export interface ListBackupsDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
  readonly now: () => Date;
  /** What `store` holds: the source bucket (default), or its copy. */
  readonly bucketRole?: BucketRole;
}

/** One restorable backup as list-backups offers it. */
export interface ListedBackup {
  readonly runId: string;
  readonly host: string;
  readonly finishedAt: string;
  readonly bytes: number;
  readonly detail: string;
  readonly manifestKey: string;
  /** `on-demand`: started by hand (backup-now), kept apart from the retention counts. */
  readonly trigger: 'schedule' | 'on-demand';
  /** An operator's keep that holds now. */
  readonly kept?: { readonly until?: string; readonly reason: string };
}

/**
 * The job's restorable backups, newest first, and the manifests that are not offered and why;
 * each says whether it was started by hand and whether an operator keeps it (a lapsed keep is not shown).
 */
export async function listBackups(event: ListBackupsEvent, deps: ListBackupsDeps) {
  const job = findJob(deps.config, event.job);
  checkBucketRole(event.fromReplica, deps.bucketRole ?? 'source');
  const query = event.runId ? { limit: Number.MAX_SAFE_INTEGER, runId: event.runId } : { limit: event.limit };
  const [{ backups, refused }, keeps, onDemand] = await Promise.all([listRestorable(deps.store, job.name, query), readKeeps(deps.store, job.name), readOnDemandRuns(deps.store, job.name)]);
  const now = deps.now();
  const keptNow = (runId: string): Pick<ListedBackup, 'kept'> => {
    const keep = keeps.get(runId);
    return keepHolds(keep, now) ? { kept: keepAsJson(keep) } : {};
  };
  return {
    job: job.name,
    engine: job.engine,
    backups: backups.map(({ runId, host, finishedAt, bytes, detail, manifestKey }): ListedBackup => ({
      runId,
      host,
      finishedAt,
      bytes,
      detail,
      manifestKey,
      trigger: onDemand.has(runId) ? 'on-demand' : 'schedule',
      ...keptNow(runId),
    })),
    refused,
  };
}
