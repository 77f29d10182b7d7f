import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';

type JobInput = CronsnapConfigInput['jobs'][number];

/** A valid etcd job; override any field per test. */
export function etcdJobInput(overrides: Partial<JobInput> = {}): JobInput {
  return {
    name: 'prod-etcd',
    engine: 'etcd',
    schedule: '*/30 * * * *',
    targets: { instanceIds: ['i-0123456789abcdef0'] },
    etcd: { endpoints: ['http://127.0.0.1:2379'] },
    ...overrides,
  } as JobInput;
}

export function configInput(jobs: JobInput[] = [etcdJobInput()]): CronsnapConfigInput {
  return { version: 1, jobs };
}

/** A valid mysql job; override any field per test. */
export function mysqlJobInput(overrides: Partial<JobInput> = {}): JobInput {
  return {
    name: 'prod-mysql',
    engine: 'mysql',
    schedule: '0 2 * * *',
    targets: { instanceIds: ['i-0123456789abcdef0'] },
    mysql: { hosts: ['127.0.0.1:3306'], user: 'backup', passwordParameter: '/cronsnap/prod-mysql/password' },
    ...overrides,
  } as JobInput;
}

/** A valid postgres job; override any field per test. */
export function postgresJobInput(overrides: Partial<JobInput> = {}): JobInput {
  return {
    name: 'prod-postgres',
    engine: 'postgres',
    schedule: '0 3 * * *',
    targets: { instanceIds: ['i-0123456789abcdef0'] },
    postgres: { server: '127.0.0.1:5432', user: 'backup', passwordParameter: '/cronsnap/prod-postgres/password' },
    ...overrides,
  } as JobInput;
}

/** A valid files job; override any field per test. */
export function filesJobInput(overrides: Partial<JobInput> = {}): JobInput {
  return {
    name: 'node-files',
    engine: 'files',
    schedule: '0 1 * * *',
    targets: { instanceIds: ['i-0123456789abcdef0'] },
    files: { paths: ['/etc/etcd'] },
    ...overrides,
  } as JobInput;
}
