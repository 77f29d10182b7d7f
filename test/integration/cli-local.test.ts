import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../lib/cli/cli-program';
import { EXIT } from '../../lib/cli/exit-codes';
import { LocalBackend } from '../../lib/cli/local-backend';
import { startEtcd, type Etcd } from '../../lib/local/etcd-server';
import { MOTO_CREDENTIALS } from '../../lib/local/moto-server';
import { configInput, etcdJobInput, filesJobInput } from '../helpers/config-factory';
import { localCli } from '../helpers/local-cli';
import { expectActing, useMotoBucket } from '../helpers/moto-fixture';
import { functionKey, hostKey, stateMachineKey } from '../../lib/local/aws-call-recorder';
import type { StatusAnswer } from '../../lib/cli/cronsnap-backend';

const HOST = 'mi-0c110000000000001';

describe('cronsnap --local, end to end', () => {
  const aws = useMotoBucket('cronsnap-cli');
  // The command lines below have each of these act, the restore's state machine included.
  expectActing(aws.audit, 'cronsnap-cli', [
    ...(['scheduled-backup', 'backup-completed', 'list-backups', 'restore', 'job-status'] as const).map(functionKey),
    stateMachineKey('restore'),
    hostKey('cli-etcd'),
    hostKey('cli-files'),
  ]);
  let etcd: Etcd;
  beforeAll(async () => {
    Object.assign(process.env, MOTO_CREDENTIALS);
    etcd = await startEtcd({ name: 'cli-member' });
    for (let i = 0; i < 20; i += 1) await etcd.etcdctl(['put', `/cli/key-${i}`, `value ${i}`]);
  });
  afterAll(async () => etcd?.stop());

  /** Runs one command line against a config written for this test; returns exit code and output. */
  const cronsnap = (jobs: Parameters<typeof configInput>[0], ...args: string[]) => localCli(aws, configInput(jobs), args);

  function jobs(endpoint: string) {
    const tree = join(aws.dir, 'conf');
    mkdirSync(tree, { recursive: true });
    writeFileSync(join(tree, 'etcd.conf'), 'name: cli-member\n');
    return [
      etcdJobInput({ name: 'cli-etcd', targets: { instanceIds: [HOST] }, etcd: { endpoints: [endpoint], workDir: aws.dir } }),
      filesJobInput({ name: 'cli-files', targets: { instanceIds: [HOST] }, files: { paths: [tree] }, workDir: aws.dir } as never),
    ];
  }

  it('backs up every job before a risky change, lists, dry-runs a restore and reports compliant', async () => {
    const all = jobs(etcd.clientUrl);

    const backup = await cronsnap(all, '--json', 'backup-now', '--all', '--wait');
    expect(backup.code).toBe(EXIT.ok);
    const results = JSON.parse(backup.out) as { job: string; outcome: string; runId: string }[];
    expect(results.map((result) => [result.job, result.outcome])).toEqual([['cli-etcd', 'succeeded'], ['cli-files', 'succeeded']]);
    expect(backup.err).toMatch(/cli-etcd: mi-0c110000000000001 succeeded, \d+ bytes uploaded/);

    const listed = await cronsnap(all, 'list', 'cli-etcd');
    expect(listed).toMatchObject({ code: EXIT.ok, out: expect.stringContaining(results[0]?.runId ?? '?') });
    // backup-now is a run on demand, which retention keeps apart from the scheduled ones.
    expect(listed.out).toMatch(new RegExp(`${results[0]?.runId}.*\\[on demand\\]`));

    const status = await cronsnap(all, '--json', 'status');
    expect(status.code).toBe(EXIT.ok);
    const statuses = (JSON.parse(status.out) as StatusAnswer).jobs;
    expect(statuses.map((job) => [job.job, job.lastBackup?.runId, job.lastBackup?.hosts, job.lastAttempt?.state, job.withinRpo])).toEqual([
      ['cli-etcd', results[0]?.runId, [HOST], 'succeeded', true],
      ['cli-files', results[1]?.runId, [HOST], 'succeeded', true],
    ]);
    // The run's record names the command each host ran, where its output is logged.
    expect(statuses[0]?.lastAttempt?.command?.commands).toEqual([{ commandId: expect.any(String), program: 'etcd-backup', hosts: [HOST] }]);

    const hosts = await cronsnap(all, 'hosts', 'cli-etcd');
    expect(hosts.code).toBe(EXIT.ok);
    expect(hosts.out).toMatch(new RegExp(`^${HOST}\\s+Online\\s.*${results[0]?.runId}`, 'm'));

    const restore = await cronsnap(all, 'restore', 'cli-files');
    expect(restore).toMatchObject({ code: EXIT.ok, out: expect.stringContaining('dry run: nothing changed') });

    const preflight = await cronsnap(all, 'preflight', 'cli-etcd');
    expect(preflight).toMatchObject({ code: EXIT.ok, out: expect.stringContaining('cli-etcd: every host ready') });

    const out = join(aws.dir, 'report');
    const report = await cronsnap(all, 'report', '--out', out);
    expect(report.out).toMatch(/^compliant/);
    expect(report.code).toBe(EXIT.ok);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('All jobs compliant.');
    expect(existsSync(join(out, 'report.csv'))).toBe(true);
  });

  it('exits 3 when the storage cannot be reached, telling it from a failed backup (1) and bad usage (2)', async () => {
    const all = jobs(etcd.clientUrl);
    const file = join(aws.dir, 'config-unreachable.json');
    writeFileSync(file, JSON.stringify(configInput(all)));
    const err: string[] = [];
    // Port 9 (discard) has no listener here: every S3 call is refused.
    const code = await runCli(['--config', file, '--local', '--bucket', aws.bucket, '--endpoint-url', 'http://127.0.0.1:9', 'list', 'cli-etcd'], {
      out: () => undefined,
      err: (text) => err.push(text),
      backendFor: (options, config) => new LocalBackend({ config, bucket: options.bucket ?? '', kmsKeyId: '', endpointUrl: options.endpointUrl ?? '', workDir: aws.dir }),
      now: () => new Date(),
      localZone: 'UTC',
    });

    expect({ code, err }).toEqual({ code: EXIT.unreachable, err: [expect.stringMatching(/ECONNREFUSED/)] });
    expect((await cronsnap(all, 'list', 'no-such-job')).code).toBe(EXIT.usage);
  });

  it('exits 1 when one job of --all fails, naming the host\'s reason', async () => {
    const all = jobs('http://127.0.0.1:1');

    const backup = await cronsnap(all, 'backup-now', '--all', '--wait');

    expect(backup.code).toBe(EXIT.failed);
    expect(backup.out).toMatch(/cli-etcd: failed run \S+\n {2}mi-0c110000000000001: failed \(step=health/);
    expect(backup.out).toMatch(/cli-files: succeeded/);
  });
});
