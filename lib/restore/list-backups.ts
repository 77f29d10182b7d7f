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
    runId: z
      .string()
      .regex(/^\d{8}T\d{6}Z-[0-9a-f]{10}$/, 'must be a run id such as 20261123T103000Z-0123456789')
      .optional()
      .describe("only this run's backups, every host's (limit does not apply)"),
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
  const query = event.runId ? { limit: Number.MAX_SAFE_INTEGER, runId: event.runId } : { limit: event.limit };
  const { backups, refused } = await listRestorable(deps.store, job.name, query);
  return {
    job: job.name,
    engine: job.engine,
    backups: backups.map(({ runId, host, finishedAt, bytes, detail, manifestKey }) => ({ runId, host, finishedAt, bytes, detail, manifestKey })),
    refused,
  };
}
