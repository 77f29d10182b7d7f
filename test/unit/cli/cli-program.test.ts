import { jobGroupStackId } from '../../../lib/config/job-group';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliDeps, type GlobalOptions } from '../../../lib/cli/cli-program';
import type { BackupNowOptions, BackupNowResult, CronsnapBackend, StatusAnswer } from '../../../lib/cli/cronsnap-backend';
import { EXIT } from '../../../lib/cli/exit-codes';
import type { ComplianceReport } from '../../../lib/compliance/report-contents';
import type { DrillAnswer } from '../../../lib/drill/run-drill';
import type { RestoreEventInput } from '../../../lib/restore/restore';
import { RestoreRefusedError, UnknownJobError } from '../../../lib/errors';
import { configInput, etcdJobInput, mysqlJobInput } from '../../helpers/config-factory';
import type { Job } from '../../../lib/config/job-config';
import type { PreflightResult } from '../../../lib/preflight/run-preflight';
import type { KeepEventInput, KeepOutcome } from '../../../lib/retention/backup-keeps';
import { CRONSNAP_VERSION } from '../../../lib/cronsnap-version';
import type { JobStatus } from '../../../lib/status/job-status';
import type { JobHostsReport } from '../../../lib/hosts/job-hosts';
import { tempDir } from '../../helpers/temp-dirs';

/** A backend that records what it is asked and answers from a table of outcomes per job. */
class FakeBackend implements CronsnapBackend {
  readonly backups: { job: string; wait: boolean; kind?: string }[] = [];
  readonly restores: RestoreEventInput[] = [];
  readonly keeps: KeepEventInput[] = [];
  readonly statusAsked: (readonly string[] | undefined)[] = [];
  constructor(private readonly outcomes: Record<string, BackupNowResult['outcome']> = {}, private readonly violations = 0) {}

  async drill(job: string): Promise<DrillAnswer> {
    const passed = this.outcomes[job] !== 'failed';
    const check = { name: 'rows shop.products', expected: 3, actual: passed ? 3 : 2, passed };
    return { kind: 'drilled', job, drillId: '20261124T011000Z-abcdef0123', passed, ...(passed ? {} : { reason: 'rows shop.products: expected 3, restored 2' }), checks: [check], result: `drills/${job}/20261124T011000Z-abcdef0123.json` };
  }

  async backupNow(job: string, options: BackupNowOptions): Promise<BackupNowResult> {
    this.backups.push({ job, wait: options.wait, ...(options.kind && options.kind !== 'backup' ? { kind: options.kind } : {}) });
    options.progress(`${job}: 1024 bytes uploaded`);
    const outcome = this.outcomes[job] ?? 'succeeded';
    return { job, outcome, runId: '20261124T010000Z-0123456789', hosts: [{ host: 'i-0123456789abcdef0', status: outcome === 'failed' ? 'failed' : 'succeeded', detail: 'x' }] };
  }
  async list(job: string) {
    const backup = { runId: '20261124T010000Z-0123456789', host: 'i-0123456789abcdef0', finishedAt: '2026-11-24T01:00:40Z', bytes: 4096, detail: 'revision 42', manifestKey: 'k', trigger: 'schedule' as const };
    return { job, engine: 'etcd' as const, backups: [backup], refused: [] };
  }
  async keep(event: KeepEventInput): Promise<KeepOutcome> {
    this.keeps.push(event);
    if (event.action === 'unkeep') return { kind: 'unkept', job: event.job, runId: event.runId, wasKept: true, legalHolds: 0 };
    return { kind: 'kept', job: event.job, runId: event.runId, ...(event.until ? { until: '2027-07-01T00:00:00.000Z' } : {}), reason: event.reason ?? '', legalHolds: 3 };
  }
  async hosts(job: Job, policyExport: string): Promise<JobHostsReport> {
    const online = this.outcomes[job.name] !== 'failed';
    return {
      job: job.name,
      targets: job.targets,
      ok: online,
      hosts: [
        {
          host: 'i-0123456789abcdef0',
          managed: { id: 'i-0123456789abcdef0', pingStatus: online ? 'Online' : 'ConnectionLost', lastPingAt: '2026-11-24T01:09:00.000Z', agentVersion: '3.3.3050.0', platform: 'CentOS Linux 7.9.2009' },
          ...(online ? { lastBackup: { host: 'i-0123456789abcdef0', runId: '20261124T010000Z-0123456789', finishedAt: '2026-11-24T01:00:40Z' } } : {}),
          problems: online ? [] : [`SSM says ConnectionLost; policy ${policyExport}`],
        },
      ],
    };
  }
  async status(jobs?: readonly string[]): Promise<StatusAnswer> {
    this.statusAsked.push(jobs);
    const late = this.outcomes['prod-etcd'] === 'failed';
    const statuses: JobStatus[] = [
      {
        job: 'prod-etcd',
        engine: 'etcd',
        enabled: true,
        lastBackup: { runId: '20261124T010000Z-0123456789', finishedAt: '2026-11-24T01:00:40.000Z', hosts: ['i-0123456789abcdef0'], manifestKeys: ['k'], bytes: 1536, durationSeconds: 38 },
        ...(late
          ? { lastAttempt: { runId: '20261124T013000Z-abcdef0123', claimedAt: '2026-11-24T01:30:00.000Z', state: 'failed' as const, command: { runId: '20261124T013000Z-abcdef0123', sentAt: '2026-11-24T01:30:01.000Z', commands: [{ commandId: 'c0000000-0000-4000-8000-000000000001', program: 'etcd-backup', hosts: ['i-0123456789abcdef0'] }] } } }
          : {}),
        ageSeconds: 570,
        rpoSeconds: 5400,
        withinRpo: true,
        nextRun: '2026-11-24T01:30:00.000Z',
        lastDrill: { drillId: '20261123T040000Z-aaaaaaaaaa', passed: true, finishedAt: '2026-11-23T04:02:00.000Z' },
      },
      { job: 'shop-mysql', engine: 'mysql', enabled: true, rpoSeconds: 90000, withinRpo: false, nextRun: '2026-11-25T02:00:00.000Z', pointInTime: {} },
    ];
    return { jobs: statuses, ...(late ? { commandLog: { region: 'eu-central-1', name: 'CronsnapProd-commands' } } : {}) };
  }
  async restore(event: RestoreEventInput) {
    this.restores.push(event);
    return { kind: 'files' as const, dryRun: event.dryRun !== false, reports: [] };
  }
  async preflight(job: Job): Promise<PreflightResult> {
    const ready = this.outcomes[job.name] !== 'failed';
    const zstd = ready ? { requirement: 'zstd', found: '*** Zstandard CLI (64-bit) v1.5.4', ok: true } : { requirement: 'zstd', found: 'missing', ok: false, fix: 'package zstd' };
    return { job: job.name, ok: ready, hosts: [{ host: 'i-0123456789abcdef0', ok: ready, checks: [{ requirement: 'bash 4.2+', found: '4.2.46(2)-release', ok: true }, zstd] }] };
  }
  async report() {
    const report = { ok: this.violations === 0, violations: this.violations, inventory: { createdAt: '2026-11-24T01:00:00.000Z' }, jobs: [] } as unknown as ComplianceReport;
    return { report, location: 's3://reports/reports/latest/report.html' };
  }
}

function configFile(jobs = [etcdJobInput(), mysqlJobInput({ name: 'shop-mysql' }), mysqlJobInput({ name: 'old-mysql', enabled: false })]): string {
  const file = join(tempDir('cronsnap-cli-'), 'cronsnap.json');
  writeFileSync(file, JSON.stringify(configInput(jobs)));
  return file;
}

async function cli(args: string[], backend = new FakeBackend(), jobs?: Parameters<typeof configFile>[0]) {
  const out: string[] = [];
  const err: string[] = [];
  const asked: GlobalOptions[] = [];
  const deps: CliDeps = {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    backendFor: (options) => {
      asked.push(options);
      return backend;
    },
    now: () => new Date('2026-11-24T01:10:00Z'),
    localZone: 'Asia/Shanghai',
  };
  const code = await runCli(['--config', configFile(jobs), ...args], deps);
  return { code, out: out.join('\n'), err: err.join('\n'), backend, asked };
}

describe('cronsnap CLI', () => {
  it('validates the config and names every bad field with exit code 2', async () => {
    expect(await cli(['validate'])).toMatchObject({ code: EXIT.ok, out: expect.stringContaining('valid, 3 jobs (prod-etcd, shop-mysql, old-mysql)') });

    const bad = join(tempDir('cronsnap-cli-'), 'bad.json');
    writeFileSync(bad, JSON.stringify(configInput([etcdJobInput({ schedule: '0 3 1 * 1' })])));
    const out: string[] = [];
    const code = await runCli(['--config', bad, 'validate'], { out: (t) => out.push(t), err: (t) => out.push(t), backendFor: () => new FakeBackend(), now: () => new Date(), localZone: 'UTC' });
    expect(code).toBe(EXIT.usage);
    expect(out.join('\n')).toContain('jobs[0].schedule:');
  });

  it('plans the next five runs of each job in UTC and in local time', async () => {
    const { code, out } = await cli(['--json', 'plan']);

    expect(code).toBe(EXIT.ok);
    const [etcd] = JSON.parse(out) as { job: string; eventBridge: string; stack: string; nextRuns: { utc: string; local: string }[] }[];
    expect(etcd?.eventBridge).toBe('cron(0/30 * * * ? *)');
    // Where the deployed stack keeps its schedules, alarms and host policy (cronsnap-stack.test.ts checks the same name).
    expect(etcd?.stack).toBe(jobGroupStackId(etcd?.job ?? ''));
    expect(etcd?.stack).toMatch(/^JobGroup[0-9A-F]$/);
    expect(etcd?.nextRuns).toHaveLength(5);
    expect(etcd?.nextRuns[0]).toEqual({ utc: '2026-11-24T01:30:00.000Z', local: '2026-11-24 09:30:00 Asia/Shanghai' });
  });

  it('backs up every enabled job with --all --wait and exits 0 only when every one succeeded', async () => {
    const good = await cli(['backup-now', '--all', '--wait']);
    const bad = await cli(['backup-now', '--all', '--wait'], new FakeBackend({ 'shop-mysql': 'failed' }));

    expect(good.code).toBe(EXIT.ok);
    expect(good.backend.backups).toEqual([{ job: 'prod-etcd', wait: true }, { job: 'shop-mysql', wait: true }]);
    expect(good.err).toContain('shop-mysql: 1024 bytes uploaded');
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.out).toContain('shop-mysql: failed run 20261124T010000Z-0123456789');
  });

  it('refuses backup-now with neither a job nor --all, and with both', async () => {
    expect((await cli(['backup-now'])).code).toBe(EXIT.usage);
    expect(await cli(['backup-now', 'prod-etcd', '--all'])).toMatchObject({ code: EXIT.usage, err: 'cronsnap: name one job or give --all' });
  });

  it('restores as a dry run unless --confirm names the job, and refuses --dry-run with --confirm', async () => {
    const dry = await cli(['restore', 'prod-etcd', '--backup', '20261124T010000Z-0123456789']);
    const real = await cli(['restore', 'prod-etcd', '--confirm', 'prod-etcd', '--targets', 'i-0000000000000000a,i-0000000000000000b']);
    const both = await cli(['restore', 'prod-etcd', '--dry-run', '--confirm', 'prod-etcd']);

    expect(dry.backend.restores).toEqual([{ job: 'prod-etcd', backup: '20261124T010000Z-0123456789', dryRun: true }]);
    expect(dry.out).toContain('dry run: nothing changed; repeat with --confirm prod-etcd');
    expect(dry.err).toBe('prod-etcd: run 20261124T010000Z-0123456789 from i-0123456789abcdef0: 4096 bytes to download and verify');
    expect(real.backend.restores).toEqual([{ job: 'prod-etcd', backup: 'latest', dryRun: false, confirm: 'prod-etcd', targets: ['i-0000000000000000a', 'i-0000000000000000b'] }]);
    // A replaced member takes its data from the leader: nothing of the snapshot is downloaded.
    expect(real.err).toBe('prod-etcd: run 20261124T010000Z-0123456789: replacing i-0000000000000000a, i-0000000000000000b; no snapshot is downloaded');
    expect(both.code).toBe(EXIT.usage);
    expect(both.backend.restores).toEqual([]);
  });

  it('refuses a --limit that is not a whole number from 1 to 200 as bad usage, listing nothing', async () => {
    for (const limit of ['abc', '0', '201', '2.5']) {
      const { code, err } = await cli(['list', 'prod-etcd', '--limit', limit]);
      expect({ limit, code, err }).toEqual({ limit, code: EXIT.usage, err: expect.stringContaining(`--limit: ${limit} is not a whole number from 1 to 200`) });
    }
  });

  it.each([
    ['an unknown job the function refused', new UnknownJobError('no job named prod-etc in the deployed config'), EXIT.usage],
    ['a storage that cannot be reached', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }), EXIT.unreachable],
    ['a call the caller may not make', Object.assign(new Error('User: arn:aws:iam::123456789012:user/ops is not authorized to perform: lambda:InvokeFunction'), { name: 'AccessDeniedException' }), EXIT.failed],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'runId')"), EXIT.failed],
    ['no credentials anywhere, said with where to give them', Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), EXIT.usage],
  ])('exits with the code that %s means, saying what it was', async (_what, error, expected) => {
    const backend = new FakeBackend();
    backend.list = async () => {
      throw error;
    };

    const { code, err } = await cli(['list', 'prod-etcd'], backend);

    expect({ code, err }).toEqual({ code: expected, err: expect.stringContaining(error.message) });
    if (error.name === 'CredentialsProviderError') expect(err).toContain('give --profile, set AWS_PROFILE or AWS_ACCESS_KEY_ID');
  });

  it('says a restore would be refused, and exits 4, when its plan finds the target in the way', async () => {
    const backend = new FakeBackend();
    backend.restore = async () => {
      throw new RestoreRefusedError('restore of shop-mysql run 20261124T010000Z-0123456789 on i-0123456789abcdef0 failed: step=plan: database shop on 10.0.0.5:3306 has 2 tables and 1 views; restore under a new name (targetDatabase) or move it aside yourself; nothing was changed');
    };

    const dry = await cli(['restore', 'shop-mysql'], backend);
    const real = await cli(['restore', 'shop-mysql', '--confirm', 'shop-mysql'], backend);

    expect(dry).toMatchObject({ code: EXIT.refused, err: expect.stringContaining('cronsnap: shop-mysql: would be refused, nothing was changed: restore of shop-mysql') });
    expect(real).toMatchObject({ code: EXIT.refused, err: expect.stringContaining('cronsnap: shop-mysql: refused, nothing was changed: ') });
  });

  it('passes --server and --include-globals on to a database restore', async () => {
    const { code, backend } = await cli(['restore', 'shop-mysql', '--server', '10.0.0.7:3306', '--include-globals', '--databases', 'shop,crm']);

    expect(code).toBe(EXIT.ok);
    expect(backend.restores).toEqual([{ job: 'shop-mysql', backup: 'latest', dryRun: true, databases: ['shop', 'crm'], server: '10.0.0.7:3306', includeGlobals: true }]);
  });

  it('drills a job now, printing every check, and exits 1 when the drill failed', async () => {
    const good = await cli(['drill', 'shop-mysql']);
    const bad = await cli(['drill', 'shop-mysql'], new FakeBackend({ 'shop-mysql': 'failed' }));

    expect(good).toMatchObject({ code: EXIT.ok, out: 'shop-mysql: drill 20261124T011000Z-abcdef0123 passed (drills/shop-mysql/20261124T011000Z-abcdef0123.json)\nok   rows shop.products: expected 3, restored 3' });
    expect(bad.code).toBe(EXIT.failed);
    expect(bad.out).toContain('drill 20261124T011000Z-abcdef0123 FAILED: rows shop.products: expected 3, restored 2');
    expect(bad.out).toContain('FAIL rows shop.products: expected 3, restored 2');
  });

  it('prints the preflight table host by host, with the fix for what is missing, and exits 1 when a host would fail', async () => {
    const ready = await cli(['preflight', 'shop-mysql']);
    const missing = await cli(['preflight', 'shop-mysql'], new FakeBackend({ 'shop-mysql': 'failed' }));
    const unknown = await cli(['preflight', 'no-such-job']);

    expect(ready).toMatchObject({ code: EXIT.ok, out: expect.stringMatching(/^shop-mysql: every host ready\ni-0123456789abcdef0: ready\n {2}ok {3}bash 4\.2\+ +4\.2\.46/) });
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.out).toContain('i-0123456789abcdef0: NOT READY');
    expect(missing.out).toMatch(/FAIL zstd +missing -> package zstd/);
    expect(unknown.code).toBe(EXIT.usage);
  });

  it('exits 1 when the compliance report has violations', async () => {
    expect((await cli(['report'])).code).toBe(EXIT.ok);
    expect(await cli(['report'], new FakeBackend({}, 2))).toMatchObject({ code: EXIT.failed, out: expect.stringContaining('2 violations') });
  });

  it('keeps a run until a date with a reason, and unkeeps it', async () => {
    const kept = await cli(['keep', 'prod-etcd', '20261124T010000Z-0123456789', '--until', '2027-06-30', '--reason', 'before the upgrade']);
    const unkept = await cli(['unkeep', 'prod-etcd', '20261124T010000Z-0123456789']);

    expect(kept).toMatchObject({ code: EXIT.ok, out: 'prod-etcd: run 20261124T010000Z-0123456789 kept until 2027-07-01T00:00:00.000Z (before the upgrade): retention will not prune it; legal hold on for 3 objects' });
    expect(kept.backend.keeps).toEqual([{ job: 'prod-etcd', runId: '20261124T010000Z-0123456789', action: 'keep', until: '2027-06-30', reason: 'before the upgrade' }]);
    expect(unkept).toMatchObject({ code: EXIT.ok, out: 'prod-etcd: run 20261124T010000Z-0123456789 no longer kept: retention decides again' });
  });

  it('refuses a keep with neither --until nor --forever, or with a date that is not one, naming the field and asking nothing', async () => {
    const neither = await cli(['keep', 'prod-etcd', '20261124T010000Z-0123456789']);
    const badDate = await cli(['keep', 'prod-etcd', '20261124T010000Z-0123456789', '--until', 'next tuesday']);
    const badRun = await cli(['keep', 'prod-etcd', 'latest', '--forever']);
    const both = await cli(['keep', 'prod-etcd', '20261124T010000Z-0123456789', '--until', '2027-06-30', '--forever']);

    // In the command line's words, not the keep function's event fields.
    expect(neither).toMatchObject({ code: EXIT.usage, err: 'cronsnap: keep: give --until <date> or --forever' });
    expect(badDate).toMatchObject({ code: EXIT.usage, err: expect.stringMatching(/^cronsnap: --until: /) });
    expect(badRun).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('<runId>: must be a run id') });
    expect(both.code).toBe(EXIT.usage);
    for (const result of [neither, badDate, badRun, both]) expect(result.backend.keeps).toEqual([]);
  });

  it('prints its version, the one its host programs write into every manifest', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: EXIT.ok, out: CRONSNAP_VERSION });
    expect(CRONSNAP_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses a job the config lacks before it builds a backend or calls anything', async () => {
    for (const args of [['list', 'nope'], ['backup-now', 'nope'], ['restore', 'nope'], ['drill', 'nope'], ['preflight', 'nope'], ['keep', 'nope', '20261124T010000Z-0123456789', '--forever']]) {
      const result = await cli(args);
      expect(result).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("job 'nope' is not in the config") });
      expect(result.asked).toEqual([]);
    }
  });

  it('names the missing config and how to write one, instead of a bare ENOENT', async () => {
    const err: string[] = [];
    const code = await runCli(['--config', '/nonexistent/cronsnap.yaml', 'validate'], { out: () => undefined, err: (text) => err.push(text), backendFor: () => new FakeBackend(), now: () => new Date(), localZone: 'UTC' });

    expect({ code, err }).toEqual({ code: EXIT.usage, err: [expect.stringMatching(/^cronsnap: --config: \/nonexistent\/cronsnap.yaml does not exist; write a starter config with `cronsnap init/)] });
  });

  it('says where to give a region when the SDK finds none, as bad usage', async () => {
    const backend = new FakeBackend();
    backend.list = () => Promise.reject(new Error('Region is missing'));

    expect(await cli(['list', 'prod-etcd'], backend)).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('no AWS region: give --region') });
  });

  it('refuses a --stack no deployment could have, before any call', async () => {
    expect(await cli(['--stack', 'prod_stack', 'status'])).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('--stack: prod_stack must start with a letter and hold only letters, digits and hyphens'), asked: [] });
  });

  it('hands --region and --profile to the backend', async () => {
    const { asked } = await cli(['--region', 'eu-central-1', '--profile', 'backup-admin', 'list', 'prod-etcd']);

    expect(asked).toEqual([expect.objectContaining({ region: 'eu-central-1', profile: 'backup-admin' })]);
  });

  it("ships a job's binary logs now with backup-now --logs, and refuses --logs for a job that ships none", async () => {
    const jobs = [etcdJobInput(), mysqlJobInput({ name: 'shop-mysql', binlogs: { schedule: '*/15 * * * *' } } as never)];

    const shipped = await cli(['backup-now', 'shop-mysql', '--logs', '--wait'], new FakeBackend(), jobs);
    const refused = await cli(['backup-now', 'prod-etcd', '--logs'], new FakeBackend(), jobs);
    const every = await cli(['backup-now', '--all', '--logs'], new FakeBackend(), jobs);

    expect(shipped).toMatchObject({ code: EXIT.ok });
    expect(shipped.backend.backups).toEqual([{ job: 'shop-mysql', wait: true, kind: 'binlogs' }]);
    expect(refused).toMatchObject({ code: EXIT.usage, err: 'cronsnap: --logs: job prod-etcd ships no logs (set binlogs or wal)' });
    expect(refused.asked).toEqual([]);
    // --all --logs: every job that ships logs, and only those.
    expect(every.backend.backups).toEqual([{ job: 'shop-mysql', wait: false, kind: 'binlogs' }]);
  });

  it("shows the global options and an example in each command's help", async () => {
    for (const command of ['init', 'deployer-policy', 'validate', 'plan', 'status', 'hosts', 'backup-now', 'list', 'keep', 'unkeep', 'restore', 'drill', 'preflight', 'report', 'replica-policy']) {
      const { out } = await cli([command, '--help']);
      expect({ command, global: out.includes('Global Options:') && out.includes('--region <region>'), example: out.includes(`$ cronsnap ${command}`) }).toEqual({ command, global: true, example: true });
    }
  });

  it('shows every job on one line, exits 1 while one is behind its RPO, and prints the statuses as JSON with --json', async () => {
    const { code, out } = await cli(['status']);
    const json = await cli(['--json', 'status']);

    expect(out.split('\n').slice(0, 3)).toEqual([
      expect.stringMatching(/^JOB\s+ENGINE\s+LAST BACKUP \(UTC\)\s+RESULT\s+SIZE\s+TOOK\s+AGE \/ RPO\s+NEXT RUN \(UTC\)\s+DRILL\s+POINT IN TIME\s+COPY$/),
      expect.stringMatching(/^prod-etcd\s+etcd\s+2026-11-24 01:00\s+succeeded\s+1\.5 KiB\s+38s\s+9m 30s \/ 1h 30m\s+2026-11-24 01:30\s+passed 2026-11-23\s+-\s+-$/),
      expect.stringMatching(/^shop-mysql\s+mysql\s+never\s+no backup\s+-\s+-\s+never \/ 1d 1h LATE\s+2026-11-25 02:00\s+-\s+none yet\s+-$/),
    ]);
    expect(code).toBe(EXIT.failed);
    expect((JSON.parse(json.out) as StatusAnswer).jobs.map((status) => status.job)).toEqual(['prod-etcd', 'shop-mysql']);
  });

  it("names a failed run's command on each host under the table, and refuses an unknown job before asking", async () => {
    const { out } = await cli(['status', 'prod-etcd'], new FakeBackend({ 'prod-etcd': 'failed' }));
    const unknown = await cli(['status', 'nope']);

    expect(out).toContain(
      '\nprod-etcd: run 20261124T013000Z-abcdef0123 failed (claimed 2026-11-24T01:30:00.000Z)\n  i-0123456789abcdef0: command c0000000-0000-4000-8000-000000000001\n    stdout: https://eu-central-1.console.aws.amazon.com/cloudwatch/home?region=eu-central-1#logsV2:log-groups/log-group/CronsnapProd-commands/log-events/',
    );
    // The streams SSM names after the command, the node and the document's step: the failure line is on stderr.
    expect(out).toMatch(/^ {4}stdout: \S*log-events\/c0000000-0000-4000-8000-000000000001\S*i-0123456789abcdef0\S*cronsnap-etcd-backup\S*stdout$/m);
    expect(out).toMatch(/^ {4}stderr: \S*log-events\/c0000000-0000-4000-8000-000000000001\S*i-0123456789abcdef0\S*cronsnap-etcd-backup\S*stderr$/m);
    expect(unknown).toMatchObject({ code: EXIT.usage, asked: [] });
  });

  it("lists a job's hosts as SSM sees them, exits 1 when one needs a look, naming the stack's export of the host policy", async () => {
    const ready = await cli(['hosts', 'prod-etcd']);
    const offline = await cli(['--stack', 'CronsnapProd', 'hosts', 'prod-etcd'], new FakeBackend({ 'prod-etcd': 'failed' }));

    expect(ready.code).toBe(EXIT.ok);
    expect(ready.out.split('\n')).toEqual([
      'prod-etcd: targets instance ids i-0123456789abcdef0: 1 hosts ready',
      expect.stringMatching(/^HOST\s+SSM PING\s+LAST PING \(UTC\)\s+AGENT\s+PLATFORM\s+LAST BACKUP$/),
      expect.stringMatching(/^i-0123456789abcdef0\s+Online\s+2026-11-24 01:09\s+3\.3\.3050\.0\s+CentOS Linux 7\.9\.2009\s+20261124T010000Z-0123456789 \(2026-11-24T01:00:40Z\)$/),
    ]);
    expect(offline).toMatchObject({ code: EXIT.failed, out: expect.stringContaining('i-0123456789abcdef0: SSM says ConnectionLost; policy CronsnapProd-host-prod-etcd') });
    expect(await cli(['hosts', 'nope'])).toMatchObject({ code: EXIT.usage, asked: [] });
  });

  it('writes a starter config to stdout that validates as written, and refuses an engine it does not know naming --engine', async () => {
    const init = await cli(['init', '--engine', 'etcd,postgres', '--tag', 'cronsnap:cluster=prod']);
    const file = join(tempDir('cronsnap-init-'), 'cronsnap.yaml');
    writeFileSync(file, init.out);
    const validated = await runCli(['-c', file, 'validate'], { out: () => undefined, err: () => undefined, backendFor: () => new FakeBackend(), now: () => new Date(), localZone: 'UTC' });

    expect({ code: init.code, validated }).toEqual({ code: EXIT.ok, validated: EXIT.ok });
    expect(init.out).toMatch(/^# /m);
    expect(await cli(['init', '--engine', 'oracle'])).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("--engine: unknown engine 'oracle'") });
  });

  it('says to synthesize first when deployer-policy finds no templates', async () => {
    const empty = tempDir('cronsnap-cdk-out-');

    expect(await cli(['deployer-policy', '--cdk-out', empty])).toMatchObject({ code: EXIT.usage, err: expect.stringContaining('run `npx cdk synth -c cronsnap:config=<file>` first'), asked: [] });
  });

  it('refuses a restore whose options the restore function would refuse, in the command line\'s words, before any call', async () => {
    const badTime = await cli(['restore', 'shop-mysql', '--to-time', 'yesterday noon']);
    const badRun = await cli(['restore', 'prod-etcd', '--backup', '../../etc']);
    const badHost = await cli(['restore', 'prod-etcd', '--targets', 'i-0123456789abcdef0,web-1']);

    expect(badTime).toMatchObject({ code: EXIT.usage, err: expect.stringMatching(/^cronsnap: --to-time: /), asked: [] });
    expect(badRun).toMatchObject({ code: EXIT.usage, err: expect.stringContaining("--backup: must be 'latest' or a run id"), asked: [] });
    expect(badHost).toMatchObject({ code: EXIT.usage, err: expect.stringMatching(/^cronsnap: --targets: /), asked: [] });
  });

  it('exits 2 on an unknown command', async () => {
    expect((await cli(['frobnicate'])).code).toBe(EXIT.usage);
  });
});
