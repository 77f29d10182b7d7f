import * as z from 'zod';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { findJob } from '../config/load-config';
import type { ObjectStore } from '../ports/object-store';
import { listRestorable } from './backup-catalog';

/** What an operator sends to list-backups (console test event or CLI). */
export const listBackupsEventSchema = z
  .object({
    job: z.string().min(1),
    limit: z.number().int().min(1).max(200).default(20),
  })
  .strict();

export type ListBackupsEvent = z.infer<typeof listBackupsEventSchema>;

export interface ListBackupsDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
}

/** The job's restorable backups, newest first, and the manifests that are not offered and why. */
export async function listBackups(event: ListBackupsEvent, deps: ListBackupsDeps) {
  const job = findJob(deps.config, event.job);
  const { backups, refused } = await listRestorable(deps.store, job.name, { limit: event.limit });
  return {
    job: job.name,
    engine: job.engine,
    backups: backups.map(({ runId, host, finishedAt, bytes, detail, manifestKey }) => ({ runId, host, finishedAt, bytes, detail, manifestKey })),
    refused,
  };
}
