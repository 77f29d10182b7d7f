import type { Manifest } from '../catalog/manifest';

export type EtcdManifest = Extract<Manifest, { engine: 'etcd' }>;

/** One member's `etcdctl snapshot restore`, every flag taken from the manifest and config. */
export interface EtcdMemberRestore {
  readonly snapshotPath: string;
  readonly name: string;
  readonly dataDir: string;
  /** `name=peerUrl,...` of every member being restored. */
  readonly initialCluster: string;
  readonly initialAdvertisePeerUrls: string;
  readonly initialClusterToken?: string;
  readonly skipHashCheck: boolean;
}

/**
 * A cold copy's db was copied out of a stopped member, not written by `snapshot save`, so it carries
 * no snapshot hash: seed 002 (5.4.2.2) restores such a `member/snap/db` with --skip-hash-check.
 */
export function skipsHashCheck(manifest: EtcdManifest): boolean {
  return manifest.etcd.mode === 'cold-copy';
}

/** Where the db is inside the unpacked payload: the snapshot itself, or the copied member dir's. */
export function snapshotPathIn(manifest: EtcdManifest, unpackedPayload: string): string {
  return manifest.etcd.mode === 'cold-copy' ? `${unpackedPayload}/member/snap/db` : unpackedPayload;
}

export function etcdSnapshotRestoreArgs(restore: EtcdMemberRestore): string[] {
  return [
    'snapshot', 'restore', restore.snapshotPath,
    '--name', restore.name,
    '--data-dir', restore.dataDir,
    '--initial-cluster', restore.initialCluster,
    '--initial-advertise-peer-urls', restore.initialAdvertisePeerUrls,
    ...(restore.initialClusterToken ? ['--initial-cluster-token', restore.initialClusterToken] : []),
    ...(restore.skipHashCheck ? ['--skip-hash-check'] : []),
  ];
}
