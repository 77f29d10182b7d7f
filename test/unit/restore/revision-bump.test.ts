import { RestoreError } from '../../../lib/errors';
import { assertOneBumpMethod, planRevisionBump, REVISION_MARGIN, type OldRevision, type PreparedBump } from '../../../lib/restore/revision-bump';

function oldRevision(overrides: Partial<OldRevision> = {}): OldRevision {
  return { host: 'i-0e7cd100000000001', member: 'etcd-a', db: '/var/lib/etcd.old-20261123T230000Z/member/snap/db', revision: 20661, offlineBump: false, ...overrides };
}

function prepared(member: string, bumpRevision: boolean): PreparedBump {
  return { host: `i-${member}`, member, bumpRevision };
}

describe('planRevisionBump', () => {
  it('leaves the revision to the restore step when every member bumped offline with etcdutl', () => {
    expect(planRevisionBump([oldRevision({ offlineBump: true }), oldRevision({ member: 'etcd-b', offlineBump: true })], 20561)).toEqual({ kind: 'offline' });
  });

  it('takes the cluster past the highest moved-aside revision plus the margin, naming where it was read', () => {
    const bump = planRevisionBump(
      [oldRevision({ revision: 20650 }), oldRevision({ host: 'i-0e7cd100000000002', member: 'etcd-b', revision: 20661, db: '/data/b.old/member/snap/db' }), oldRevision({ member: 'etcd-c', revision: null })],
      20561,
    );
    expect(bump).toEqual({ kind: 'online', highest: 20661, target: 20661 + REVISION_MARGIN, source: '/data/b.old/member/snap/db on i-0e7cd100000000002' });
  });

  it('falls back to the snapshot\'s revision when no member had a data dir left, and says so', () => {
    const bump = planRevisionBump([oldRevision({ revision: null }), oldRevision({ member: 'etcd-b', revision: null })], 20561);
    expect(bump).toEqual({ kind: 'online', highest: 20561, target: 20561 + REVISION_MARGIN, source: 'the snapshot (no member had a readable db left)' });
  });

  it('never goes below the snapshot\'s revision when the moved-aside dbs are older than the snapshot', () => {
    const bump = planRevisionBump([oldRevision({ revision: 100 })], 20561);
    expect(bump).toMatchObject({ kind: 'online', highest: 20561, target: 20561 + REVISION_MARGIN, source: 'the snapshot (newer than every moved-aside db)' });
  });

  it('bumps online when only some members could bump offline (a mixed cluster never reaches here: prepare refuses it)', () => {
    expect(planRevisionBump([oldRevision({ offlineBump: true }), oldRevision({ member: 'etcd-b' })], 20561).kind).toBe('online');
  });
});

describe('assertOneBumpMethod', () => {
  it('accepts members that all bump offline, or none of them', () => {
    expect(() => assertOneBumpMethod([prepared('etcd-a', true), prepared('etcd-b', true)])).not.toThrow();
    expect(() => assertOneBumpMethod([prepared('etcd-a', false), prepared('etcd-b', false)])).not.toThrow();
  });

  it('refuses members that differ in etcdutl before anything is stopped, naming each side', () => {
    expect(() => assertOneBumpMethod([prepared('etcd-a', true), prepared('etcd-b', false), prepared('etcd-c', false)])).toThrow(
      new RestoreError(
        'members differ in etcdutl: etcd-a (i-etcd-a) would restore with --bump-revision, etcd-b (i-etcd-b), etcd-c (i-etcd-c) cannot; ' +
          'install the same etcd release (etcdutl 3.5 or later, or none) on every member; nothing was changed',
      ),
    );
  });
});
