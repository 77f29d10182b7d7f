import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { configInput, etcdJobInput, filesJobInput, mysqlJobInput, postgresJobInput } from './config-factory';

type JobInput = CronsnapConfigInput['jobs'][number];

/** An instance id of the fleet, from a number. */
const instance = (n: number) => `i-0${n.toString(16).padStart(16, '0')}`;

/**
 * The kinds of job a platform team runs, each with the features it would use: a three-member
 * etcd cluster named by DNS with config sets and drills, a tagged etcd fleet drilled on its own
 * host in a time zone, MySQL shipping binary logs in a time zone, physical PostgreSQL shipping
 * WAL, logical PostgreSQL with its password in Secrets Manager, and a tagged file-set fleet
 * rolled out in batches.
 */
const KINDS: readonly ((n: number) => JobInput)[] = [
  (n) =>
    etcdJobInput({
      name: `etcd-cluster-${n}`,
      targets: { instanceIds: [instance(3 * n), instance(3 * n + 1), instance(3 * n + 2)] },
      etcd: {
        endpoints: [0, 1, 2].map((m) => `https://etcd-${m}.cluster-${n}.internal.example.com:2379`),
        memberConfig: ['/etc/etcd', '/etc/kubernetes/pki/etcd'],
        members: [0, 1, 2].map((m) => ({ name: `etcd-${m}.cluster-${n}.internal.example.com`, instanceId: instance(3 * n + m), dataDir: '/var/lib/etcd' })),
      },
      drill: { schedule: '@weekly' },
    } as never),
  (n) =>
    etcdJobInput({
      name: `etcd-fleet-${n}`,
      targets: { tags: { 'cronsnap:cluster': [`fleet-${n}`] } },
      drill: { schedule: '0 4 * * 0', timezone: 'Europe/Berlin', host: instance(10_000 + n) },
    } as never),
  (n) =>
    mysqlJobInput({
      name: `shop-mysql-${n}`,
      timezone: 'America/New_York',
      targets: { instanceIds: [instance(20_000 + n)] },
      binlogs: { schedule: '*/15 * * * *' },
      drill: { schedule: '@weekly' },
    } as never),
  (n) =>
    postgresJobInput({
      name: `ledger-pg-${n}`,
      targets: { instanceIds: [instance(30_000 + n)] },
      postgres: { server: `ledger-${n}.db.internal.example.com:5432`, user: 'backup', passwordParameter: `/cronsnap/ledger-pg-${n}/password`, mode: 'physical' },
      wal: { schedule: '*/5 * * * *', slot: `cronsnap_ledger_${n}` },
      drill: { schedule: '@weekly' },
    } as never),
  (n) =>
    postgresJobInput({
      name: `crm-pg-${n}`,
      targets: { instanceIds: [instance(40_000 + n)] },
      postgres: { server: '127.0.0.1:5432', user: 'backup', passwordSecret: { id: `cronsnap/crm-pg-${n}`, jsonKey: 'password' } },
    } as never),
  (n) =>
    filesJobInput({
      name: `node-files-${n}`,
      targets: { tags: { 'cronsnap:role': ['node'], 'cronsnap:pool': [`pool-${n}`] } },
      rollout: { maxConcurrency: '10%', maxErrors: '5%' },
      files: { paths: ['/etc/kubernetes', '/var/lib/kubelet/config.yaml'] },
    } as never),
];

/** `count` jobs mixing every engine and feature, numbered, with a copy in another region and an email subscription. */
export function fleetConfig(count: number): CronsnapConfigInput {
  const jobs = Array.from({ length: count }, (_, i) => (KINDS[i % KINDS.length] as (n: number) => JobInput)(Math.floor(i / KINDS.length)));
  return { ...configInput(jobs), notifications: { emails: ['oncall@example.com'] }, storage: { replica: { region: 'eu-west-1' } } } as CronsnapConfigInput;
}
