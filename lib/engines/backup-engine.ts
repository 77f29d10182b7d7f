import type { Job } from '../config/job-config';
import type { DocumentParameter } from '../ssm/document-parameter';

/** What an engine contributes to the shared schedule → document → manifest flow. */
export interface BackupEngine<J extends Job = Job> {
  readonly engine: J['engine'];
  readonly description: string;
  /** File in lib/host-scripts run after common.sh. */
  readonly script: string;
  readonly parameters: readonly DocumentParameter[];
  /** Engine-specific document parameter values for a job. */
  parametersFor(job: J): Record<string, string>;
  /** Which of the online hosts run the command. */
  chooseHosts(onlineHosts: readonly string[]): string[];
}

/** One backup per cluster: the first online host (they are sorted) takes it. */
export function firstOnlineHost(onlineHosts: readonly string[]): string[] {
  return onlineHosts.slice(0, 1);
}
