import * as z from 'zod';
import { RestoreError } from '../errors';

/**
 * How far past the highest revision found in the moved-aside data dirs the restored cluster is
 * taken. A member's db trails its WAL by at most one backend batch (10,000 transactions or 100 ms
 * by default), and a lost member's data dir may be gone; this covers what the survivors' dbs
 * never held.
 */
export const REVISION_MARGIN = 10_000;

/** What each member's `old-revision` action reports (etcd-restore.sh, report_old_revision). */
export const oldRevisionSchema = z.object({
  host: z.string(),
  member: z.string(),
  db: z.string(),
  /** The moved-aside db's revision; null when the member had no data dir left, or its db could not be read. */
  revision: z.number().int().nonnegative().nullable(),
  /** Why a db that is there could not be read (a corrupt db is what took such a member down). */
  unreadable: z.string().optional(),
  /** Whether this member's restore ran etcdutl 3.5+ with --bump-revision --mark-compacted. */
  offlineBump: z.boolean(),
});
export type OldRevision = z.infer<typeof oldRevisionSchema>;

/** The part of a member's `prepared` report that says how its revision will be bumped. */
export const preparedBumpSchema = z.object({ host: z.string(), member: z.string(), bumpRevision: z.boolean() });
export type PreparedBump = z.infer<typeof preparedBumpSchema>;

export type RevisionBump =
  | { readonly kind: 'offline' }
  | {
      readonly kind: 'online';
      /** The revision the cluster is taken to and compacted at. */
      readonly target: number;
      /** The highest revision the cluster is known to have reached before the restore. */
      readonly highest: number;
      /** Where `highest` was read: a member's moved-aside db, or the snapshot when none was left. */
      readonly source: string;
    };

/**
 * Every member must be restored the same way: an offline bump on some members and not on others
 * would give members different revisions for the same keys. Checked after prepare, before
 * anything is stopped.
 */
export function assertOneBumpMethod(prepared: readonly PreparedBump[]): void {
  const offline = prepared.filter((member) => member.bumpRevision);
  if (offline.length === 0 || offline.length === prepared.length) return;
  const names = (members: readonly PreparedBump[]) => members.map((member) => `${member.member} (${member.host})`).join(', ');
  throw new RestoreError(
    `members differ in etcdutl: ${names(offline)} would restore with --bump-revision, ${names(prepared.filter((member) => !member.bumpRevision))} cannot; ` +
      'install the same etcd release (etcdutl 3.5 or later, or none) on every member; nothing was changed',
  );
}

/**
 * How the restored cluster's revision is moved past every revision a watcher may have seen: done
 * offline when every member restored with etcdutl's --bump-revision, otherwise online to the
 * highest revision found in the moved-aside dbs (or the snapshot's, when no db was left) plus
 * REVISION_MARGIN.
 */
export function planRevisionBump(olds: readonly OldRevision[], snapshotRevision: number): RevisionBump {
  if (olds.length > 0 && olds.every((old) => old.offlineBump)) return { kind: 'offline' };
  const newest = olds.reduce<OldRevision | undefined>((best, old) => (old.revision !== null && old.revision > (best?.revision ?? -1) ? old : best), undefined);
  if (newest?.revision == null || newest.revision < snapshotRevision) {
    const why = newest ? 'newer than every moved-aside db' : 'no member had a readable db left';
    return { kind: 'online', target: snapshotRevision + REVISION_MARGIN, highest: snapshotRevision, source: `the snapshot (${why})` };
  }
  return { kind: 'online', target: newest.revision + REVISION_MARGIN, highest: newest.revision, source: `${newest.db} on ${newest.host}` };
}
