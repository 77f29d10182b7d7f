import type { Engine, Job } from '../config/job-config';
import type { BackupEngine } from './backup-engine';
import { etcdEngine } from './etcd-engine';
import { mysqlEngine } from './mysql-engine';
import { postgresEngine } from './postgres-engine';

export const ENGINES: { readonly [E in Engine]: BackupEngine<Extract<Job, { engine: E }>> } = {
  etcd: etcdEngine,
  mysql: mysqlEngine,
  postgres: postgresEngine,
};

export function engineFor<J extends Job>(job: J): BackupEngine<J> {
  return ENGINES[job.engine] as unknown as BackupEngine<J>;
}
