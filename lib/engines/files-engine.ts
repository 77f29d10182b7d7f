import type { FileSet } from '../config/file-set-settings';
import type { FilesJob } from '../config/job-config';
import { PATTERNS } from '../parameters/shell-safe';
import { listPattern } from '../parameters/document-parameter';
import { backupProgram, type BackupEngine } from './backup-engine';

const pathList = listPattern(PATTERNS.absolutePath, 64);

/** Document parameter values for a file set, shared by files jobs and etcd members' config. */
export function fileSetParameters(fileSet: FileSet, workDir: string, setName = ''): Record<string, string> {
  return {
    paths: fileSet.paths.map(({ path }) => path).join(','),
    requiredPaths: fileSet.paths.filter(({ required }) => required).map(({ path }) => path).join(','),
    packageList: String(fileSet.packageList),
    setName,
    workDir,
  };
}

export const filesEngine: BackupEngine<FilesJob> = {
  engine: 'files',
  program: backupProgram(
    'files',
    'cronsnap: per-host tar of configured paths with owners, modes, ACLs, xattrs and SELinux labels, a sha256 listing and the package list, streamed through zstd to S3',
    ['file-metadata.sh', 'files-archive.sh'],
    [
      { name: 'paths', description: 'Comma-separated absolute paths to archive', pattern: pathList },
      { name: 'requiredPaths', description: 'Paths whose absence fails the run', pattern: pathList, optional: true },
      { name: 'packageList', description: 'Store the host package list', pattern: '^(true|false)$' },
      { name: 'setName', description: 'Sub-folder of the host folder for a linked set (e.g. member-config)', pattern: PATTERNS.token, optional: true },
      { name: 'workDir', description: 'Private scratch dir (fifos and the listing; the archive streams)', pattern: PATTERNS.absolutePath },
    ],
  ),
  parametersFor: (job) => fileSetParameters(job.files, job.workDir),
  hosts: 'every',
};
