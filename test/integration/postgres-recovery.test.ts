import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { RestoreRefusedError } from '../../lib/errors';
import type { LocalBackupService } from '../../lib/local/local-backup-service';
import { getObjectBytes } from '../../lib/local/object-bytes';
import { serverBinDir, startPostgres, type Postgres } from '../../lib/local/postgres-server';
import { postgresJobInput } from '../helpers/config-factory';
import { localServiceFor } from '../helpers/local-service';
import { useMotoBucket } from '../helpers/moto-fixture';
import { isoSecond as iso, secondPassed as passed } from '../helpers/server-clock';
import { listKeys } from '../helpers/s3-objects';

const HOST = 'i-0a1b2c3d4e5f60032';
const JOB = 'ledger-pg';
const PASSWORD = 'recovery-s3cret';

describe('postgres recovery to a point in time, end to end', () => {
  const aws = useMotoBucket('cronsnap-pg-recovery');
  let source: Postgres;
  let dir: string;
  let bin: string;
  let service: LocalBackupService;
  let between: number;
  const recovered: string[] = [];

  const serverSecond = async () => Number((await source.sql('SELECT floor(extract(epoch FROM clock_timestamp()))::bigint')).trim());
  const secondPassed = (second: number) => passed(serverSecond, second);
  // process.env given on purpose: under jest it is the test's copy, with the host profile's tools first.
  const asPostgres = (args: string[]) => execFileSync('runuser', ['-u', 'postgres', '--', ...args], { env: process.env }).toString();
  /** Rows of the recovered copy, asked over its own socket in its data dir. */
  const rowsOf = (dataDir: string, port: string, sql = 'SELECT note FROM ledger ORDER BY id') =>
    asPostgres(['psql', '-h', dataDir, '-p', port, '-d', 'postgres', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql]).trim().split('\n').filter(Boolean);

  async function run(kind?: 'wal') {
    const { completions } = await service.runJob(JOB, `${kind ?? 'base'}-${Date.now()}`, new Date(), kind);
    const completion = completions[0];
    if (completion?.kind !== (kind ? 'wal-shipped' : 'succeeded')) throw new Error(JSON.stringify({ completions, sns: service.notifier.messages }));
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cronsnap-pg-recovery-it-'));
    // The recovered server runs as postgres, in a data dir under this one.
    chmodSync(dir, 0o755);
    bin = await serverBinDir();
    source = await startPostgres();
    await aws.moto.putSecureString(`/cronsnap/${JOB}/password`, PASSWORD);
    await source.sql(`CREATE ROLE backup LOGIN SUPERUSER REPLICATION PASSWORD '${PASSWORD}'`);
    await source.sql("CREATE TABLE ledger (id serial PRIMARY KEY, note text); INSERT INTO ledger (note) VALUES ('in the base')");
    const defaults = (postgresJobInput() as { postgres: Record<string, unknown> }).postgres;
    const job = postgresJobInput({
      name: JOB,
      targets: { instanceIds: [HOST] },
      workDir: dir,
      postgres: { ...defaults, passwordParameter: `/cronsnap/${JOB}/password`, server: `127.0.0.1:${source.port}`, mode: 'physical', checkpoint: 'fast', pgCtl: join(bin, 'pg_ctl') },
      wal: { schedule: '*/5 * * * *', slot: 'cronsnap_recovery' },
      drill: { schedule: '0 5 * * 0', workDir: dir },
    } as never);
    service = localServiceFor(job, { ...aws, host: HOST, dir, audit: aws.audit, s3As: aws.s3As });

    await run();
    await run('wal');
    await source.sql("INSERT INTO ledger (note) VALUES ('before 1'); INSERT INTO ledger (note) VALUES ('before 2')");
    const written = await serverSecond();
    between = written + 1;
    await secondPassed(between);
    await source.sql("INSERT INTO ledger (note) VALUES ('after'); UPDATE ledger SET note = 'changed after' WHERE id = 1");
    // Segments after the one that holds the first commit past the target, shipped by the same run.
    for (let filled = 0; filled < 3; filled++) await source.sql('CREATE TABLE IF NOT EXISTS filler (n int); INSERT INTO filler VALUES (1); SELECT pg_switch_wal()');
    await run('wal');
    await source.sql('DROP TABLE ledger');
  });

  afterAll(async () => {
    for (const dataDir of recovered) {
      if (existsSync(join(dataDir, 'postmaster.pid'))) asPostgres([join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop']);
    }
    await source?.sql("SELECT pg_drop_replication_slot('cronsnap_recovery')").catch(() => undefined);
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the chain in the dry run, then recovers every row committed up to that second and none after, into a new data dir on its own port', async () => {
    const dataDir = join(dir, 'to-time');
    const plan = await service.restore({ job: JOB, backup: 'latest', toTime: iso(between), dataDir });
    expect(plan).toMatchObject({
      kind: 'database',
      dryRun: true,
      report: { recoveryPlan: { dataDir, segments: expect.any(Number), stopBefore: iso(between + 1).replace('T', ' ').replace('Z', '') } },
      pointInTime: { kind: 'wal', toTime: iso(between), segments: { count: expect.any(Number) } },
    });
    expect(existsSync(dataDir)).toBe(false);

    recovered.push(dataDir);
    const outcome = await service.restore({ job: JOB, backup: 'latest', toTime: iso(between), dataDir, dryRun: false, confirm: JOB });

    if (outcome.kind !== 'database' || !outcome.report.recovered) throw new Error(JSON.stringify(outcome));
    const { server, reachedAt, stoppedBefore, timeline } = outcome.report.recovered;
    const port = server.split(':')[1] ?? '';
    expect(rowsOf(dataDir, port)).toEqual(['in the base', 'before 1', 'before 2']);
    expect(rowsOf(dataDir, port, 'SELECT pg_is_in_recovery()')).toEqual(['f']);
    expect(port).not.toBe(String(source.port));
    // The last commit replayed is the second before the target's end; the first one left out is past it.
    expect(Date.parse(reachedAt ?? '')).toBeLessThan((between + 1) * 1000);
    expect(Date.parse(stoppedBefore ?? '')).toBeGreaterThanOrEqual((between + 1) * 1000);
    expect(timeline).toBe(2);
    // The live server is untouched by it.
    expect(await source.sql("SELECT count(*) FROM pg_tables WHERE tablename = 'ledger'")).toBe('0\n');
  });

  it('fetches the WAL of a recovery to a time only up to the segment that holds the first commit past it', async () => {
    const plan = await service.restore({ job: JOB, backup: 'latest', toTime: iso(between), dataDir: join(dir, 'searched') });
    if (plan.kind !== 'database' || plan.pointInTime?.kind !== 'wal' || !plan.report.recoveryPlan) throw new Error(JSON.stringify(plan));
    const { segments } = plan.pointInTime;
    const { firstSegment, lastSegment, segments: fetched } = plan.report.recoveryPlan;

    // The run that covers the target shipped three more segments after that one: none is fetched.
    expect(firstSegment).toBe(segments.first);
    expect(fetched).toBeLessThanOrEqual(segments.count - 3);
    expect(lastSegment < segments.last).toBe(true);
  });

  it('without a time recovers the newest base backup to the end of its shipped WAL', async () => {
    const dataDir = join(dir, 'to-end');
    recovered.push(dataDir);
    const outcome = await service.restore({ job: JOB, backup: 'latest', dataDir, dryRun: false, confirm: JOB });
    if (outcome.kind !== 'database' || !outcome.report.recovered) throw new Error(JSON.stringify(outcome));
    expect(outcome).toMatchObject({ pointInTime: { kind: 'wal', toTime: undefined }, report: { recovered: { stoppedBefore: null } } });
    expect(rowsOf(dataDir, outcome.report.recovered.server.split(':')[1] ?? '')).toEqual(['changed after', 'before 1', 'before 2', 'after']);
  });

  it('refuses a time before the oldest base backup, and one past the newest shipping run, with the window', async () => {
    const dataDir = join(dir, 'refused');
    await expect(service.restore({ job: JOB, backup: 'latest', toTime: '2020-01-01T00:00:00Z', dataDir })).rejects.toThrow(
      /no physical base backup finished at or before 2020-01-01T00:00:00Z: restores can reach \S+ to \S+ \(from run \S+\)$/,
    );
    await expect(service.restore({ job: JOB, backup: 'latest', toTime: iso((await serverSecond()) + 3600), dataDir })).rejects.toBeInstanceOf(RestoreRefusedError);
    await expect(service.restore({ job: JOB, backup: 'latest', toTime: iso(between), databases: ['postgres'], dataDir })).rejects.toThrow(/^event\.databases: a physical base backup recovers the whole cluster/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses, before a data dir exists or a server starts, a recovery whose shipped segment was changed in the bucket', async () => {
    const plan = await service.restore({ job: JOB, backup: 'latest', toTime: iso(between), dataDir: join(dir, 'tampered') });
    const last = plan.kind === 'database' ? plan.report.recoveryPlan?.lastSegment : undefined;
    if (last === undefined) throw new Error(JSON.stringify(plan));
    // The last segment the recovery reads: the first ones were fetched whole before it comes to it.
    const [segment] = (await listKeys(aws.moto.s3(), aws.bucket, `${JOB}/wal/`)).filter((key) => key.endsWith(`/${last}.zst`));
    const original = await getObjectBytes(aws.moto.s3(), aws.bucket, segment ?? '');
    await aws.moto.s3().send(new PutObjectCommand({ Bucket: aws.bucket, Key: segment, Body: Buffer.concat([original, Buffer.from('tampered')]) }));
    const dataDir = join(dir, 'tampered');
    try {
      const refused = service.restore({ job: JOB, backup: 'latest', toTime: iso(between), dataDir, dryRun: false, confirm: JOB });
      await expect(refused).rejects.toThrow(/failed: step=download-wal: sha256 of s3:\/\/\S+\.zst is [0-9a-f]{64} but the manifest says [0-9a-f]{64}; nothing was changed/);
      expect(existsSync(dataDir)).toBe(false);
      expect(existsSync(`${dataDir}.cronsnap-wal`)).toBe(false);
    } finally {
      await aws.moto.s3().send(new PutObjectCommand({ Bucket: aws.bucket, Key: segment, Body: original }));
    }
  });

  it('drills the newest second the shipped WAL reaches: recovered into scratch, read back, stopped and removed', async () => {
    const outcome = await service.drill(JOB, `drill-${Date.now()}`);

    if (outcome.kind !== 'drilled') throw new Error(JSON.stringify(outcome));
    expect(outcome.result).toMatchObject({ passed: true, drillHost: HOST });
    expect(outcome.result.checks.map((check) => [check.name, check.passed])).toEqual([
      ['recovery stopped at its target', true],
      ['newest transaction recovered', true],
      ['databases read back', true],
    ]);
    // Nothing of the scratch copy is left: no data dir, no staged WAL, no server.
    expect(readdirSync(dir).filter((name) => name.startsWith('cronsnap_drill_'))).toEqual([]);
    expect(execFileSync('sh', ['-c', "ps -eo args | grep -c '[p]ostgres -D .*cronsnap_drill_' || true"]).toString().trim()).toBe('0');
  });
});
