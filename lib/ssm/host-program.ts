import type { DocumentParameter } from '../parameters/document-parameter';

/**
 * A bash program the hosts run through one SSM Command document: common.sh followed by `scripts`
 * from lib/host-scripts. Backups and restores alike are host programs.
 */
export interface HostProgram {
  /** Document name suffix, e.g. `etcd-backup`: the document is `<prefix>-<id>`. */
  readonly id: string;
  readonly description: string;
  /** Files in lib/host-scripts run after common.sh, in order. */
  readonly scripts: readonly string[];
  /** Every parameter the document takes, with the pattern SSM enforces. */
  readonly parameters: readonly DocumentParameter[];
}

/** The name a deployed stack gives a program's document; local mode uses the same names. */
export function documentName(prefix: string, program: Pick<HostProgram, 'id'>): string {
  return `${prefix}-${program.id}`;
}
