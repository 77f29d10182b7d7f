import type { Job } from '../config/job-config';
import type { FileSet } from '../config/file-set-settings';
import { COMMON_PARAMETERS, type DocumentParameter } from '../parameters/document-parameter';
import type { HostProgram } from '../ssm/host-program';

export interface MemberFileSet {
  readonly fileSet: FileSet;
  /** Scratch dir on the members. */
  readonly workDir: string;
}

/** What an engine contributes to the shared schedule → document → manifest flow. */
export interface BackupEngine<J extends Job = Job> {
  readonly engine: J['engine'];
  /** The host program each run sends. */
  readonly program: HostProgram;
  /**
   * Engine-specific document parameter values for a job. `memberHosts` are the hosts taking the
   * linked member file set in the same run (empty without one), for the manifest to name them.
   */
  parametersFor(job: J, memberHosts: readonly string[]): Record<string, string>;
  /**
   * `one`: one backup per cluster, taken on the first online host (they are sorted). `every`:
   * each targeted host backs up its own data.
   */
  readonly hosts: 'one' | 'every';
  /** Files taken on every online host in the same run and linked from the manifest (etcd members' config). */
  memberFileSet?(job: J): MemberFileSet | undefined;
}

/** A backup program: the parameters and manifest helpers every backup shares, then the engine's own. */
export function backupProgram(engine: string, description: string, scripts: readonly string[], parameters: readonly DocumentParameter[]): HostProgram {
  return { id: `${engine}-backup`, description, scripts: ['backup-upload.sh', ...scripts], parameters: [...COMMON_PARAMETERS, ...parameters] };
}
