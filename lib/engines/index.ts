import type { Engine, Job } from '../config/job-config';
import type { HostProgram } from '../ssm/host-program';
import { SHIPPING_PROGRAMS } from './log-shipping';
import type { BackupEngine } from './backup-engine';
import { etcdEngine } from './etcd-engine';
import { filesEngine } from './files-engine';
import { mysqlEngine } from './mysql-engine';
import { postgresEngine } from './postgres-engine';

export const ENGINES: { readonly [E in Engine]: BackupEngine<Extract<Job, { engine: E }>> } = {
  etcd: etcdEngine,
  mysql: mysqlEngine,
  postgres: postgresEngine,
  files: filesEngine,
};

export function engineFor<J extends Job>(job: J): BackupEngine<J> {
  return ENGINES[job.engine] as unknown as BackupEngine<J>;
}

/** Every program a schedule starts and backup-completed judges, one SSM document each: the engines' dumps and the log shippings. */
export const BACKUP_PROGRAMS: readonly HostProgram[] = [...Object.values(ENGINES).map((engine) => engine.program), ...SHIPPING_PROGRAMS];
