import { PATTERNS } from '../config/shell-safe';
import { listPattern } from '../ssm/document-parameter';
import type { HostProgram } from '../ssm/host-program';

export const filesRestoreProgram: HostProgram = {
  id: 'files-restore',
  description:
    'cronsnap: restore a file set: verify the archive sha256, compare with the disk, and (apply) move replaced entries to <path>.old-<stamp> and extract with owners, modes, ACLs, xattrs and labels',
  scripts: ['files-restore.sh'],
  parameters: [
    { name: 'job', description: 'Job the backup belongs to', pattern: PATTERNS.jobName },
    { name: 'bucket', description: 'Backup bucket', pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$' },
    { name: 'payloadKey', description: 'Key of the archive', pattern: '^[A-Za-z0-9][A-Za-z0-9/._-]{0,1023}$' },
    { name: 'payloadSha256', description: 'sha256 of the archive from its manifest', pattern: '^[0-9a-f]{64}$' },
    { name: 'payloadSize', description: 'Archive bytes, for the free-space check', pattern: '^[0-9]{1,15}$' },
    { name: 'rawSize', description: 'Unpacked bytes, for the free-space check', pattern: '^[0-9]{1,15}$' },
    { name: 'paths', description: 'Archived paths to restore', pattern: listPattern(PATTERNS.absolutePath, 64) },
    { name: 'setName', description: 'Linked set name (e.g. member-config), for the job lock', pattern: PATTERNS.token, optional: true },
    { name: 'restoreRoot', description: 'Restore under this dir; / puts files back where they were', pattern: PATTERNS.absolutePath },
    { name: 'mode', description: 'dry-run reports only; apply changes files', pattern: '^(dry-run|apply)$' },
    { name: 'stamp', description: 'Suffix of the .old-<stamp> copies', pattern: '^[0-9]{8}T[0-9]{6}Z$' },
    { name: 'workDir', description: 'Private scratch dir for the archive and its staging copy', pattern: PATTERNS.absolutePath },
    { name: 'executionTimeout', description: 'Seconds before SSM stops the script', pattern: '^[0-9]{1,6}$' },
  ],
};

/** Restore programs: deployed next to the backup documents, sent only by operators' restores. */
export const RESTORE_PROGRAMS: readonly HostProgram[] = [filesRestoreProgram];
