import { parseConfig } from '../../../lib/config/load-config';
import { hostFacts, judgeHost, versionIn } from '../../../lib/preflight/host-requirements';
import { reportLines } from '../../../lib/ssm/report-lines';
import { preflightParameters } from '../../../lib/preflight/run-preflight';
import { configInput, etcdJobInput, filesJobInput, mysqlJobInput, postgresJobInput } from '../../helpers/config-factory';

/** A host's preflight answer with these tools (name -> version line; '' version means present, no version). */
function facts(tools: Record<string, string>, region = 'eu-central-1') {
  const lines = Object.entries(tools).map(([name, version]) => `cronsnap: tool ${JSON.stringify({ name, path: `/usr/bin/${name}`, version })}`);
  return hostFacts(reportLines([...lines, 'cronsnap: space {"dir": "/var/tmp", "freeBytes": 1073741824}', `cronsnap: region ${JSON.stringify({ region })}`].join('\n')));
}

const CENTOS_7 = {
  bash: '4.2.46(2)-release',
  coreutils: 'tee (GNU coreutils) 8.22',
  tar: 'tar (GNU tar) 1.26',
  zstd: '*** zstd command line interface 64-bits v1.5.5 ***',
  openssl: 'OpenSSL 1.0.2k-fips  26 Jan 2017',
  aws: 'aws-cli/1.18.147 Python/2.7.18',
  flock: 'flock from util-linux 2.23.2',
  mysqldump: 'mysqldump  Ver 10.14 Distrib 5.5.68-MariaDB',
  mysql: 'mysql  Ver 15.1 Distrib 5.5.68-MariaDB',
};

const jobOf = (input: ReturnType<typeof mysqlJobInput>) => {
  const [job] = parseConfig(configInput([input])).jobs;
  if (!job) throw new Error('no job');
  return job;
};
const failing = (checks: ReturnType<typeof judgeHost>) => checks.filter((check) => !check.ok).map((check) => check.requirement);

describe('host requirements', () => {
  it('reads the first dotted version of a version line', () => {
    expect(versionIn('4.2.46(2)-release')).toEqual([4, 2, 46]);
    expect(versionIn('etcdctl version: 3.3.17')).toEqual([3, 3, 17]);
    expect(versionIn('tar (GNU tar) 1.26')).toEqual([1, 26]);
    expect(versionIn('no version here')).toBeUndefined();
  });

  it("finds a CentOS 7 host, the seeds' floor, ready for a MySQL job", () => {
    expect(failing(judgeHost(jobOf(mysqlJobInput()), facts(CENTOS_7)))).toEqual([]);
  });

  it('refuses bash 4.1 and coreutils 8.4 (RHEL 6), each with its fix', () => {
    const checks = judgeHost(jobOf(mysqlJobInput()), facts({ ...CENTOS_7, bash: '4.1.2(1)-release', coreutils: 'tee (GNU coreutils) 8.4' }));

    expect(checks.filter((check) => !check.ok)).toEqual([
      { requirement: 'bash 4.2+', found: '4.1.2(1)-release', ok: false, fix: expect.stringContaining('bash 4.2 or later') },
      { requirement: 'coreutils 8.22+', found: 'tee (GNU coreutils) 8.4', ok: false, fix: expect.stringContaining('8.22') },
    ]);
  });

  it('asks for jq only where a JSON secret is read, perl only for drilled MySQL jobs, tar only for file sets', () => {
    const base = (mysqlJobInput() as { mysql: Record<string, unknown> }).mysql;
    const jsonSecret = jobOf(mysqlJobInput({ mysql: { ...base, passwordParameter: undefined, passwordSecret: { id: 'prod/mysql', jsonKey: 'password' } } } as never));
    const drilled = jobOf(mysqlJobInput({ drill: { schedule: '@weekly' } } as never));
    const files = jobOf(filesJobInput());
    const withoutTar = Object.fromEntries(Object.entries(CENTOS_7).filter(([name]) => name !== 'tar'));

    expect(failing(judgeHost(jsonSecret, facts(CENTOS_7)))).toEqual(['jq (JSON secret)']);
    expect(failing(judgeHost(drilled, facts(CENTOS_7)))).toEqual(['perl (drill row counts)']);
    expect(failing(judgeHost(jobOf(mysqlJobInput()), facts(withoutTar)))).toEqual([]);
    expect(failing(judgeHost(files, facts(withoutTar)))).toEqual(['GNU tar 1.26+']);
  });

  it('asks an etcd host for etcdutl 3.5 or curl, so that a quorum restore can advance the revision', () => {
    const etcd = jobOf(etcdJobInput() as never);
    const seedHost = { ...CENTOS_7, etcdctl: 'etcdctl version: 3.2.28' };
    const bump = (tools: Record<string, string>) => judgeHost(etcd, facts(tools)).find((check) => check.requirement.startsWith('etcdutl 3.5+ or curl'));

    expect(bump({ ...seedHost, curl: 'curl 7.29.0 (x86_64-redhat-linux-gnu)' })).toMatchObject({ ok: true, found: 'curl 7.29.0 (x86_64-redhat-linux-gnu) (online)' });
    expect(bump({ ...seedHost, etcdutl: 'etcdutl version: 3.5.17' })).toMatchObject({ ok: true, found: 'etcdutl version: 3.5.17 (offline)' });
    expect(bump(seedHost)).toMatchObject({ ok: false, found: 'neither', fix: expect.stringContaining('package curl') });
    expect(judgeHost(jobOf(mysqlJobInput()), facts(CENTOS_7)).some((check) => check.requirement.startsWith('etcdutl'))).toBe(false);
  });

  it('asks a host of an etcd container for its runtime CLI instead of etcdctl, and for etcdutl or etcdctl for restores', () => {
    const inContainer = jobOf(
      etcdJobInput({ etcd: { endpoints: ['https://10.0.1.10:2379'], container: { runtime: 'crictl', name: 'etcd', namespace: 'kube-system', sharedDir: { host: '/var/lib/etcd', container: '/var/lib/etcd' } } } } as never),
    );
    const kubeadmMaster = { ...CENTOS_7, curl: 'curl 7.29.0', container: 'crictl version v1.29.0' };

    expect(failing(judgeHost(inContainer, facts(kubeadmMaster)))).toEqual(['etcdutl or etcdctl on the host (restore of a stopped container)']);
    expect(failing(judgeHost(inContainer, facts({ ...kubeadmMaster, etcdutl: 'etcdutl version: 3.5.12' })))).toEqual([]);
    expect(failing(judgeHost(inContainer, facts({ ...CENTOS_7, curl: 'curl 7.29.0', etcdctl: 'etcdctl version: 3.5.12' })))).toEqual(['crictl (etcd in a container)']);
  });

  it('asks a MySQL host that asks MaxScale for maxctrl or maxadmin', () => {
    const base = (mysqlJobInput() as { mysql: Record<string, unknown> }).mysql;
    const viaMaxscale = jobOf(mysqlJobInput({ mysql: { ...base, maxscale: true } } as never));

    expect(failing(judgeHost(viaMaxscale, facts(CENTOS_7)))).toEqual(['maxctrl (MaxScale 2.5+) or maxadmin']);
    expect(failing(judgeHost(viaMaxscale, facts({ ...CENTOS_7, maxadmin: 'MaxScale 2.4.19' })))).toEqual([]);
    expect(failing(judgeHost(jobOf(mysqlJobInput()), facts(CENTOS_7)))).toEqual([]);
  });

  it("says which way an agent passes parameters: SSM_ variables from 3.3.2746.0, the {{ }} fallback before", () => {
    const agent = (version: string) => judgeHost(jobOf(mysqlJobInput()), facts({ ...CENTOS_7, ssmAgent: version })).find((check) => check.requirement.startsWith('SSM agent'));

    expect(agent('SSM Agent version: 3.3.2746.0')).toMatchObject({ ok: true, found: 'SSM Agent version: 3.3.2746.0' });
    expect(agent('SSM Agent version: 3.2.582.0')).toMatchObject({ ok: true, found: 'SSM Agent version: 3.2.582.0: parameters through the {{ }} fallback' });
  });

  it('fails a host whose aws CLI would have no region', () => {
    expect(failing(judgeHost(jobOf(mysqlJobInput()), facts(CENTOS_7, '')))).toEqual(['aws region']);
  });

  it('asks a log shipping job for its shipping tools: mysqlbinlog and perl, or pg_basebackup and pg_receivewal 10 or later', () => {
    const binlogs = jobOf(mysqlJobInput({ binlogs: { schedule: '*/5 * * * *', mysqlbinlog: 'mariadb-binlog' } } as never));
    const physical = jobOf(
      postgresJobInput({
        postgres: { server: 'db:5432', user: 'backup', passwordParameter: '/cronsnap/prod-postgres/password', mode: 'physical' },
        wal: { schedule: '*/5 * * * *', slot: 'cronsnap_prod' },
      } as never),
    );
    const postgres96 = { ...CENTOS_7, pgDump: 'pg_dump (PostgreSQL) 9.6.24', pgDumpall: 'pg_dumpall (PostgreSQL) 9.6.24', psql: 'psql (PostgreSQL) 9.6.24', pgRestore: 'pg_restore (PostgreSQL) 9.6.24' };

    expect(failing(judgeHost(binlogs, facts(CENTOS_7)))).toEqual(['mysqlbinlog (binary log shipping)', 'perl (binary log events)']);
    expect(preflightParameters(binlogs, 60)).toMatchObject({ mysqlbinlog: 'mariadb-binlog' });
    expect(failing(judgeHost(physical, facts({ ...postgres96, pgBasebackup: 'pg_basebackup (PostgreSQL) 9.6.24', pgReceivewal: 'pg_receivewal (PostgreSQL) 9.6.24' })))).toEqual([
      'pg_basebackup 10+ (physical)',
      'pg_receivewal 10+ (WAL shipping)',
    ]);
    expect(failing(judgeHost(physical, facts({ ...postgres96, pgBasebackup: 'pg_basebackup (PostgreSQL) 15.18', pgReceivewal: 'pg_receivewal (PostgreSQL) 15.18' })))).toEqual([]);
    expect(preflightParameters(physical, 60)).toMatchObject({ pgBasebackup: 'pg_basebackup', pgReceivewal: 'pg_receivewal' });
  });
});
