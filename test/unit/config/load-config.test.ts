import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, UnknownJobError } from '../../../lib/errors';
import { loadConfigFile } from '../../../lib/config/config-file';
import { findJob, parseConfig } from '../../../lib/config/load-config';
import { configInput, etcdJobInput, filesJobInput, mysqlJobInput, postgresJobInput } from '../../helpers/config-factory';

describe('config', () => {
  it('loads the example config shipped in the repo', () => {
    const config = loadConfigFile(join(__dirname, '../../../config/cronsnap.example.yaml'));
    expect(config.jobs.map((job) => job.name)).toEqual(['prod-etcd', 'staging-etcd', 'kube-etcd', 'shop-mysql', 'master-files']);
    expect(config.jobs[1]?.timezone).toBe('Europe/Berlin');
  });

  it('fills documented defaults', () => {
    const [job] = parseConfig(configInput()).jobs;
    expect(job).toMatchObject({
      timeoutMinutes: 60,
      enabled: true,
      retention: { keepLast: 7, noncurrentVersionDays: 30 },
      etcd: { etcdctl: 'etcdctl', dataDir: '/var/lib/etcd', workDir: '/var/tmp', snapshotTimeoutSeconds: 1800 },
    });
  });

  it('refuses a maxAgeDays that would expire what the daily, weekly or monthly counts keep', () => {
    const input = configInput([etcdJobInput({ retention: { keepLast: 7, keepMonthly: 12, maxAgeDays: 365 } })]);

    expect(() => parseConfig(input)).toThrow('jobs[0].retention.maxAgeDays: maxAgeDays must be more than 372, the days keepDaily/keepWeekly/keepMonthly/onDemandKeepDays promise');
  });

  it.each([
    ['a transition to STANDARD_IA after one to GLACIER_IR', { infrequentAccessAfterDays: 90, glacierAfterDays: 60 }, 'jobs[0].retention.infrequentAccessAfterDays: S3 cannot move objects from GLACIER_IR (glacierAfterDays 60) to STANDARD_IA'],
    ['GLACIER_IR less than 30 days after STANDARD_IA', { infrequentAccessAfterDays: 30, glacierAfterDays: 45 }, 'jobs[0].retention.glacierAfterDays: must be at least 60: S3 keeps objects 30 days in STANDARD_IA'],
    ['an expiry before the move to STANDARD_IA', { infrequentAccessAfterDays: 90, maxAgeDays: 60 }, 'jobs[0].retention.maxAgeDays: maxAgeDays must be later than infrequentAccessAfterDays'],
  ])('refuses the lifecycle S3 refuses: %s, naming the field', (_label, retention, message) => {
    expect(() => parseConfig(configInput([etcdJobInput({ retention })]))).toThrow(message);
  });

  it('takes STANDARD_IA then GLACIER_IR 30 days later', () => {
    const [job] = parseConfig(configInput([etcdJobInput({ retention: { infrequentAccessAfterDays: 30, glacierAfterDays: 60 } })])).jobs;
    expect(job?.retention).toMatchObject({ infrequentAccessAfterDays: 30, glacierAfterDays: 60 });
  });

  it('writes time zones in their canonical IANA case', () => {
    const [job] = parseConfig(configInput([etcdJobInput({ timezone: 'europe/berlin', drill: { schedule: '@weekly', timezone: 'AMERICA/NEW_YORK' } } as never)])).jobs;
    expect(job?.timezone).toBe('Europe/Berlin');
    expect(job?.engine === 'etcd' && job.drill?.timezone).toBe('America/New_York');
  });

  it('keeps the current IANA name of a zone that ICU resolves to an older alias', () => {
    const [job] = parseConfig(configInput([etcdJobInput({ timezone: 'Asia/Kolkata', drill: { schedule: '@weekly', timezone: 'Europe/Kyiv' } } as never)])).jobs;
    expect(job?.timezone).toBe('Asia/Kolkata');
    expect(job?.engine === 'etcd' && job.drill?.timezone).toBe('Europe/Kyiv');
  });

  it("pins H in a job's schedules from its name, the same at every read", () => {
    const input = configInput([mysqlJobInput({ name: 'prod-etcd', schedule: 'H 3 * * *', binlogs: { schedule: 'H/15 * * * *' } } as never)]);
    for (const [job] of [parseConfig(input).jobs, parseConfig(input).jobs]) {
      expect(job?.schedule).toBe('25 3 * * *');
      expect(job?.engine === 'mysql' && job.binlogs?.schedule).toBe('10-59/15 * * * *');
    }
  });

  it('refuses an Object Lock mode it does not know, naming the field', () => {
    const input = { ...configInput(), storage: { objectLock: { mode: 'strict', days: 7 } } };

    expect(() => parseConfig(input as never)).toThrow('storage.objectLock.mode');
  });

  it('names the field path of every problem', () => {
    const bad = configInput([
      etcdJobInput(),
      etcdJobInput({ name: 'Bad Name', schedule: '0 3 1 * 1', targets: {} }),
    ]);
    expect(() => parseConfig(bad)).toThrow(ConfigError);
    try {
      parseConfig(bad);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('jobs[1].name: must be 3-63 lower-case letters');
      expect(message).toContain('jobs[1].schedule: ');
      expect(message).toContain('jobs[1].targets: set exactly one of instanceIds or tags');
    }
  });

  it.each([
    ['an endpoint with a shell metacharacter', { etcd: { endpoints: ['http://x:2379;rm -rf /'] } }, 'jobs[0].etcd.endpoints[0]'],
    ['a relative data dir', { etcd: { endpoints: ['http://a:2379'], dataDir: 'var/lib/etcd' } }, 'jobs[0].etcd.dataDir'],
    ['an etcdctl command with a quote', { etcd: { endpoints: ['http://a:2379'], etcdctl: "etcdctl '" } }, 'jobs[0].etcd.etcdctl'],
    ['an unknown time zone', { timezone: 'Mars/Olympus' }, 'jobs[0].timezone'],
    ['a misspelled field', { retention: { keepLats: 3 } }, 'jobs[0].retention'],
    ['a bad instance id', { targets: { instanceIds: ['server-1'] } }, 'jobs[0].targets.instanceIds[0]'],
    ['an EC2 instance id of 16 hex digits, which SSM refuses', { targets: { instanceIds: ['i-0fa0170000000001'] } }, 'jobs[0].targets.instanceIds[0]'],
    ['six tag keys, more than SendCommand takes', { targets: { tags: Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((key) => [key, ['x']])) } }, 'jobs[0].targets.tags'],
    ['51 values of one tag', { targets: { tags: { role: Array.from({ length: 51 }, (_, i) => `v${i}`) } } }, 'jobs[0].targets.tags.role'],
  ])('refuses %s', (_label, overrides, path) => {
    expect(() => parseConfig(configInput([etcdJobInput(overrides as never)]))).toThrow(`${path}: `);
  });

  it('refuses a drill of a job that dumps a read-only replica without a writable drill.server', () => {
    const job = mysqlJobInput({ mysql: { hosts: ['10.0.2.15:3306'], source: 'replica', user: 'backup', passwordParameter: '/cronsnap/prod-mysql/password' }, drill: { schedule: '@weekly' } } as never);
    expect(() => parseConfig(configInput([job]))).toThrow('jobs[0].drill.server: a job that dumps a read-only replica needs a writable drill.server');
    const withServer = mysqlJobInput({ ...(job as object), drill: { schedule: '@weekly', server: '10.0.2.16:3306' } } as never);
    expect(parseConfig(configInput([withServer])).jobs[0]).toMatchObject({ drill: { server: '10.0.2.16:3306' } });
  });

  it('refuses a drill of a single pg_dumpall, which cannot be restored under scratch names', () => {
    const job = postgresJobInput({ postgres: { server: '10.0.3.20:5432', user: 'backup', passwordParameter: '/cronsnap/pg/password', mode: 'dumpall' }, drill: { schedule: '@weekly' } } as never);
    expect(() => parseConfig(configInput([job]))).toThrow('jobs[0].drill: a drill restores each database into a scratch database');
  });

  it('refuses a drill on a file set', () => {
    expect(() => parseConfig(configInput([filesJobInput({ drill: { schedule: '@weekly' } } as never)]))).toThrow('jobs[0]: ');
  });

  it.each(['drills', 'binlogs', 'wal'])("refuses a job named '%s', a folder the bucket's layout keeps beside or inside the jobs", (name) => {
    expect(() => parseConfig(configInput([etcdJobInput({ name })]))).toThrow(new RegExp(`jobs\\[0\\]\\.name: '${name}' is a folder cronsnap keeps (in the bucket|inside every job); choose another name`));
  });

  it('refuses two jobs with the same name', () => {
    expect(() => parseConfig(configInput([etcdJobInput(), etcdJobInput()]))).toThrow(
      "jobs[1].name: duplicates jobs[0].name 'prod-etcd'",
    );
  });

  it('reports YAML syntax errors with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cronsnap-config-'));
    try {
      const path = join(dir, 'broken.yaml');
      writeFileSync(path, 'version: 1\njobs: [\n');
      expect(() => loadConfigFile(path)).toThrow(`${path} is not valid YAML`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds a job by name or says which jobs exist', () => {
    const config = parseConfig(configInput());
    expect(findJob(config, 'prod-etcd').name).toBe('prod-etcd');
    expect(() => findJob(config, 'nope')).toThrow(UnknownJobError);
    expect(() => findJob(config, 'nope')).toThrow('known: prod-etcd');
  });

  it('fills mysql defaults: primary, all databases, no MaxScale', () => {
    const [job] = parseConfig(configInput([mysqlJobInput()])).jobs;
    expect(job).toMatchObject({ engine: 'mysql', workDir: '/var/tmp', mysql: { source: 'primary', maxscale: false, mysqldump: 'mysqldump' } });
    expect(job?.engine === 'mysql' && job.mysql.databases).toBeUndefined();
  });

  it('refuses parallel dumps of a single pg_dumpall, and more than 16, naming the field', () => {
    const withPostgres = (postgres: Record<string, unknown>) =>
      configInput([postgresJobInput({ postgres: { server: 'db:5432', user: 'backup', passwordParameter: '/db/pw', ...postgres } } as never)]);
    expect(() => parseConfig(withPostgres({ mode: 'dumpall', parallelDatabases: 4 }))).toThrow('jobs[0].postgres.parallelDatabases: a dumpall or a physical base backup is one stream');
    expect(() => parseConfig(withPostgres({ parallelDatabases: 17 }))).toThrow('jobs[0].postgres.parallelDatabases');
    const [job] = parseConfig(withPostgres({})).jobs;
    expect(job?.engine === 'postgres' && job.postgres.parallelDatabases).toBe(1);
  });

  it('takes a physical base backup only with WAL shipping, of the whole cluster, and ships WAL only onto one, naming the field', () => {
    const wal = { schedule: '*/5 * * * *', slot: 'cronsnap_prod' };
    const withPhysical = (postgres: Record<string, unknown>, fields: Record<string, unknown> = {}) =>
      configInput([postgresJobInput({ postgres: { server: 'db:5432', user: 'backup', passwordParameter: '/db/pw', ...postgres }, ...fields } as never)]);
    expect(() => parseConfig(withPhysical({ mode: 'physical' }))).toThrow('jobs[0].wal: a physical base backup carries no WAL of its own');
    expect(() => parseConfig(withPhysical({}, { wal }))).toThrow('jobs[0].wal: WAL replays onto a physical base backup only');
    expect(() => parseConfig(withPhysical({ mode: 'physical', databases: ['shop'] }, { wal }))).toThrow('jobs[0].postgres.databases: a physical base backup copies the whole cluster');
    expect(() => parseConfig(withPhysical({ mode: 'physical' }, { wal: { ...wal, slot: 'Prod-Slot' } }))).toThrow('jobs[0].wal.slot: must be a replication slot name');
    expect(() => parseConfig(withPhysical({ mode: 'physical' }, { wal, drill: { schedule: '0 5 * * 0', server: '10.0.3.21:5432' } }))).toThrow('jobs[0].drill.server: a physical base backup is drilled as a whole cluster');
    expect(parseConfig(withPhysical({ mode: 'physical' }, { wal, drill: { schedule: '0 5 * * 0' } })).jobs[0]).toMatchObject({ drill: { workDir: '/var/tmp' } });
    const [job] = parseConfig(withPhysical({ mode: 'physical' }, { wal })).jobs;
    expect(job?.engine === 'postgres' && { checkpoint: job.postgres.checkpoint, wal: job.wal }).toEqual({
      checkpoint: 'spread',
      wal: { ...wal, timeoutMinutes: 30, alarmRetainedGiB: 16, pgReceivewal: 'pg_receivewal', enabled: true },
    });
  });

  it('refuses resource limits the host cannot apply, naming the field', () => {
    const withResources = (resources: Record<string, unknown>) => configInput([filesJobInput({ resources } as never)]);
    expect(() => parseConfig(withResources({ nice: 20 }))).toThrow('jobs[0].resources.nice');
    expect(() => parseConfig(withResources({ ioClass: 'idle', ioPriority: 3 }))).toThrow('jobs[0].resources.ioPriority: ioPriority applies to ioClass best-effort');
    expect(() => parseConfig(withResources({ ioClass: 'realtime' }))).toThrow('jobs[0].resources.ioClass');
    expect(() => parseConfig(configInput([filesJobInput({ maxPayloadGiB: 6000 } as never)]))).toThrow('jobs[0].maxPayloadGiB');
  });

  it("refuses MaxScale REST API credentials without exactly one password source, naming the field", () => {
    const withMaxscale = (maxscale: unknown) => configInput([mysqlJobInput({ mysql: { hosts: ['db:3306'], user: 'backup', passwordParameter: '/db/pw', maxscale } } as never)]);
    expect(() => parseConfig(withMaxscale({ user: 'monitor' }))).toThrow(/jobs\[0\]\.mysql\.maxscale: set exactly one of passwordParameter/);
    expect(() => parseConfig(withMaxscale({ user: 'monitor', passwordParameter: '/mx/pw', hosts: ['maxscale'] }))).toThrow(/jobs\[0\]\.mysql\.maxscale\.hosts\[0\]: must be host:port/);
    const [job] = parseConfig(withMaxscale({ user: 'monitor', passwordSecret: { id: 'prod/maxscale' } })).jobs;
    expect(job?.engine === 'mysql' && job.mysql.maxscale).toEqual({ user: 'monitor', passwordSecret: { id: 'prod/maxscale' } });
  });

  it('takes the password from a Secrets Manager secret, by name or ARN, as well as from SSM', () => {
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-3f2a-AbCdEf';
    const [byName, byArn] = parseConfig(
      configInput([
        mysqlJobInput({ mysql: { hosts: ['db:3306'], user: 'backup', passwordSecret: { id: 'prod/mysql', jsonKey: 'password' } } } as never),
        postgresJobInput({ postgres: { server: 'db:5432', user: 'backup', passwordSecret: { id: arn } } } as never),
      ]),
    ).jobs;
    expect(byName?.engine === 'mysql' && byName.mysql).toMatchObject({ passwordSecret: { id: 'prod/mysql', jsonKey: 'password' } });
    expect(byName?.engine === 'mysql' && byName.mysql.passwordParameter).toBeUndefined();
    expect(byArn?.engine === 'postgres' && byArn.postgres.passwordSecret).toEqual({ id: arn });
  });

  it.each([
    ['a password given inline', { mysql: { hosts: ['db:3306'], user: 'backup', password: 'x', passwordParameter: '/p' } }, 'jobs[0].mysql: '],
    ['a host without a port', { mysql: { hosts: ['db'], user: 'backup', passwordParameter: '/p' } }, 'jobs[0].mysql.hosts[0]: '],
    ['a relative parameter name', { mysql: { hosts: ['db:3306'], user: 'backup', passwordParameter: 'p' } }, 'jobs[0].mysql.passwordParameter: '],
    ['a database name with a quote', { mysql: { hosts: ['db:3306'], user: 'backup', passwordParameter: '/p', databases: ["x'"] } }, 'jobs[0].mysql.databases[0]: '],
    ['an etcd block on a mysql job', { etcd: { endpoints: ['http://a:2379'] } }, 'jobs[0]: '],
    ['both a password parameter and a secret', { mysql: { hosts: ['db:3306'], user: 'backup', passwordParameter: '/p', passwordSecret: { id: 'db/pw' } } }, 'jobs[0].mysql: set exactly one of passwordParameter (SSM SecureString) or passwordSecret'],
    ['no password at all', { mysql: { hosts: ['db:3306'], user: 'backup' } }, 'jobs[0].mysql: set exactly one of passwordParameter'],
    ['a secret id with a space', { mysql: { hosts: ['db:3306'], user: 'backup', passwordSecret: { id: 'db pw' } } }, 'jobs[0].mysql.passwordSecret.id: must be a Secrets Manager secret name or ARN'],
    ['a secret field name with a quote', { mysql: { hosts: ['db:3306'], user: 'backup', passwordSecret: { id: 'db/pw', jsonKey: "pass'" } } }, 'jobs[0].mysql.passwordSecret.jsonKey: '],
  ])('refuses a mysql job with %s', (_label, overrides, path) => {
    expect(() => parseConfig(configInput([mysqlJobInput(overrides as never)]))).toThrow(path);
  });
});

describe('file set config', () => {
  it('accepts plain paths and {path, required}, and defaults to storing the package list', () => {
    const [job] = parseConfig(configInput([filesJobInput({ files: { paths: ['/etc/origin', { path: '/etc/etcd', required: true }] } } as never)])).jobs;

    expect(job).toMatchObject({ engine: 'files', files: { paths: [{ path: '/etc/origin', required: false }, { path: '/etc/etcd', required: true }], packageList: true }, workDir: '/var/tmp' });
  });

  it.each([
    ['a relative path', { paths: ['etc/etcd'] }, 'jobs[0].files.paths[0]'],
    ['the root file system', { paths: ['/'] }, 'jobs[0].files.paths[0]: the whole root file system is not a file set'],
    ['a path listed twice', { paths: ['/etc/etcd', '/etc/etcd'] }, 'jobs[0].files.paths[1]: /etc/etcd is listed twice'],
    ['no paths', { paths: [] }, 'jobs[0].files.paths'],
    ['an unknown field', { paths: ['/etc/etcd'], exclude: ['*.bak'] }, 'jobs[0].files'],
  ])('refuses %s, naming the field', (_label, files, message) => {
    expect(() => parseConfig(configInput([filesJobInput({ files } as never)]))).toThrow(message);
  });

  it('refuses an etcd member on a host the job does not target, naming the field', () => {
    const job = etcdJobInput({ etcd: { endpoints: ['http://127.0.0.1:2379'], members: [{ name: 'etcd-1', instanceId: 'i-0ffffffffffffffff' }] } } as never);
    expect(() => parseConfig(configInput([job]))).toThrow('jobs[0].etcd.members[0].instanceId: i-0ffffffffffffffff is not among targets.instanceIds');
  });

  describe('etcd in a container', () => {
    const shared = { host: '/var/lib/etcd', container: '/var/lib/etcd' };
    const crictl = { runtime: 'crictl', name: 'etcd', namespace: 'kube-system', sharedDir: shared };
    const staticPod = { staticPod: { manifest: '/etc/kubernetes/manifests/etcd.yaml' } };
    const withEtcd = (etcd: Record<string, unknown>) => configInput([etcdJobInput({ etcd: { endpoints: ['https://10.0.1.10:2379'], ...etcd } } as never)]);

    it('accepts a kubeadm static pod and an OpenShift 3.11 pod, filling the health timeout', () => {
      const [kubeadm] = parseConfig(withEtcd({ container: crictl, service: staticPod })).jobs;
      expect(kubeadm?.engine === 'etcd' && kubeadm.etcd.service).toEqual({ ...staticPod, healthTimeoutSeconds: 120 });
      const openshift = { runtime: 'oc', name: 'etcd', pod: 'master-etcd', namespace: 'kube-system', sharedDir: shared };
      expect(parseConfig(withEtcd({ container: openshift, service: { staticPod: { manifest: '/etc/origin/node/pods/etcd.yaml' } } })).jobs).toHaveLength(1);
    });

    it.each([
      ['oc without the pod', { container: { ...crictl, runtime: 'oc' } }, 'jobs[0].etcd.container.pod: oc needs pod'],
      ['a pod for crictl', { container: { ...crictl, pod: 'etcd' } }, 'jobs[0].etcd.container.pod: pod applies only to oc'],
      ['a runtime it does not know', { container: { ...crictl, runtime: 'nerdctl' } }, 'jobs[0].etcd.container.runtime'],
      ['a relative shared dir', { container: { ...crictl, sharedDir: { ...shared, host: 'var/lib/etcd' } } }, 'jobs[0].etcd.container.sharedDir.host: must be an absolute path'],
      ['a static pod without its container', { service: staticPod }, 'jobs[0].etcd.service.staticPod: a static pod member needs etcd.container'],
      ['a quota set outside the manifest', { container: crictl, service: staticPod, quotaBackendBytes: 8589934592 }, "jobs[0].etcd.quotaBackendBytes: a static pod's etcd flags are its manifest's"],
      ['a cold copy of a container', { container: crictl, mode: 'cold-copy', memberName: 'etcd-1' }, 'jobs[0].etcd.mode: cold-copy copies a data dir on the host'],
    ])('refuses %s, naming the field', (_label, etcd, message) => {
      expect(() => parseConfig(withEtcd(etcd))).toThrow(message);
    });
  });

  it('refuses a cold copy that does not say which member it stops, naming the field', () => {
    expect(() => parseConfig(configInput([etcdJobInput({ etcd: { endpoints: ['http://127.0.0.1:2379'], mode: 'cold-copy' } } as never)]))).toThrow(
      'jobs[0].etcd.memberName: cold-copy needs memberName',
    );
  });

  it("refuses an etcd member config path with shell metacharacters, naming the field", () => {
    expect(() => parseConfig(configInput([etcdJobInput({ etcd: { endpoints: ['http://127.0.0.1:2379'], memberConfig: ['/etc/etcd;rm -rf /'] } } as never)]))).toThrow(
      'jobs[0].etcd.memberConfig[0]',
    );
  });
});
