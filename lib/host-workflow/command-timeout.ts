/** SSM stops a command after at most 48 hours: executionTimeout's maximum. */
export const MAX_EXECUTION_SECONDS = 172_800;

/** A host workflow's execution timeout: the longest command SSM runs, and two hours to send, poll and finish around it. */
export const HOST_WORKFLOW_TIMEOUT_SECONDS = MAX_EXECUTION_SECONDS + 7200;

/**
 * The slowest restore we plan for, in bytes of the uncompressed dump or snapshot per second: a
 * database re-inserting rows and rebuilding its indexes on modest disks. Measured restores here
 * run at 20-60 MB/s; a timeout that stops a healthy restore after hours costs more than one that
 * waits too long for a stuck one.
 */
const RESTORE_FLOOR_BYTES_PER_SECOND = 8 * 1024 * 1024;

/** Locks, checks, the download's start and creating the databases, whatever the size. */
const RESTORE_FIXED_SECONDS = 1800;

/**
 * The executionTimeout of a restore or drill of a backup of `rawBytes`: twice the job's backup
 * timeout (a restore rebuilds what the dump only read), or longer where the payload's size needs
 * it at the floor rate; never past SSM's maximum.
 */
export function restoreTimeoutSeconds(job: { readonly timeoutMinutes: number }, rawBytes: number): number {
  const bySize = RESTORE_FIXED_SECONDS + Math.ceil(rawBytes / RESTORE_FLOOR_BYTES_PER_SECOND);
  return Math.min(MAX_EXECUTION_SECONDS, Math.max(2 * job.timeoutMinutes * 60, bySize));
}
