import * as z from 'zod';
import { InvalidEventError } from '../errors';

/** Whether a function's bucket is where backups are written, or the copy S3 Replication keeps in another region. */
export const bucketRoleSchema = z.enum(['source', 'replica']);
export type BucketRole = z.infer<typeof bucketRoleSchema>;

/** The event field that says a list or restore means the copy. */
export const fromReplicaField = z.boolean().optional().describe("read the copy in storage.replica's region: send it to the CronsnapReplica stack's functions");

/**
 * `fromReplica` must say which bucket the caller means: the copy may lag the source by the
 * replication window, and an operator restoring from it should know that is what happens.
 */
export function checkBucketRole(fromReplica: boolean | undefined, role: BucketRole): void {
  if (fromReplica && role === 'source') {
    throw new InvalidEventError("event.fromReplica: this function reads the source bucket; the copy is served by the CronsnapReplica stack's functions in the copy's region");
  }
  if (!fromReplica && role === 'replica') {
    throw new InvalidEventError('event.fromReplica: this function reads the copy in another region, which may lag the source; send fromReplica: true to list or restore from it');
  }
}
