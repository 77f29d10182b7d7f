import { PATTERNS } from '../config/shell-safe';
import { ETCD_SNAPSHOT_PARAMETERS, RESTORE_COMMON } from '../restore/restore-programs';
import type { HostProgram } from '../ssm/host-program';

const BYTES = '^[0-9]{1,15}$';

/** Restore drills run the restore programs' own host code, into scratch space only. */
export const etcdDrillProgram: HostProgram = {
  id: 'etcd-drill',
  description:
    'cronsnap: restore drill of an etcd snapshot: verify both sha256s, snapshot restore into a scratch dir, start a throwaway member on loopback, read back its revision, key count and a sample of keys, stop it and remove the dir',
  scripts: ['etcd-client.sh', 'etcd-restore.sh', 'etcd-drill.sh'],
  parameters: [
    ...RESTORE_COMMON,
    ...ETCD_SNAPSHOT_PARAMETERS,
    { name: 'payloadSize', description: 'Bytes as stored, for the free-space check', pattern: BYTES },
    { name: 'rawSize', description: 'Decompressed bytes, for the free-space check', pattern: BYTES },
    { name: 'etcdctl', description: 'etcdctl command', pattern: PATTERNS.commandWords },
    { name: 'etcd', description: 'etcd server command for the throwaway member', pattern: PATTERNS.commandWords },
    { name: 'sampleKeys', description: 'Keys read back in full', pattern: '^[0-9]{1,4}$' },
    { name: 'healthTimeoutSeconds', description: 'How long the throwaway member may take to be healthy', pattern: '^[0-9]{1,6}$' },
    { name: 'workDir', description: 'Scratch dir for the download and the throwaway data dir', pattern: PATTERNS.absolutePath },
  ],
};

/** Drill programs: deployed next to the restore documents, sent only by the restore-drill function. */
export const DRILL_PROGRAMS: readonly HostProgram[] = [etcdDrillProgram];
