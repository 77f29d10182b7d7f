import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CronsnapConfigInput } from '../../lib/config/cronsnap-config';
import { COMMAND_FINISHED_KEY, functionKey, INVENTORY_DELIVERED_KEY, hostKey, scheduleKey, stateMachineKey, type RecordedCall } from '../../lib/local/aws-call-recorder';
import { auditBucket } from '../helpers/iam-audit';

const execFileAsync = promisify(execFile);

describe('npm run demo', () => {
  it('backs up, drills, damages, restores and reports on every local engine, and says it passed, never printing the password', async () => {
    const password = `demo-${randomBytes(12).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), 'cronsnap-demo-calls-'));
    const callsFile = join(dir, 'calls.json');
    const { stdout, stderr } = await execFileAsync('npx', ['tsx', join(__dirname, '../../scripts/demo.ts')], {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, NODE_NO_WARNINGS: '1', CRONSNAP_DEMO_PASSWORD: password, CRONSNAP_DEMO_CALLS: callsFile },
      maxBuffer: 16 * 1024 * 1024,
    });
    const recorded = JSON.parse(readFileSync(callsFile, 'utf8')) as { bucket: string; kmsKeyId: string; config: CronsnapConfigInput; calls: RecordedCall[] };
    rmSync(dir, { recursive: true, force: true });

    for (const step of ['backup demo-etcd', 'backup demo-mysql', 'backup demo-postgres', 'drill demo-etcd', 'drill demo-mysql', 'drill demo-postgres', 'keep demo-etcd', 'restore etcd', 'restore mysql', 'restore postgres', 'compliance report']) {
      expect(stdout).toMatch(new RegExp(`^ok {3}${step}: `, 'm'));
    }
    expect(stdout).toMatch(/^demo passed: 13\/13 steps/m);
    expect(stdout).not.toContain(password);
    expect(stderr).not.toContain(password);
    // Every call the demo's functions and hosts made, judged against the stack of the demo's config.
    // Every function, state machine, host, schedule and rule the demo has act made calls that were judged.
    const expects = [
      ...recorded.config.jobs.flatMap((job) => [scheduleKey('backup', job.name), scheduleKey('drill', job.name)]),
      COMMAND_FINISHED_KEY,
      INVENTORY_DELIVERED_KEY,
      ...(['scheduled-backup', 'backup-completed', 'restore', 'etcd-restore-step', 'restore-drill', 'list-backups', 'keep-backup', 'compliance-report'] as const).map(functionKey),
      ...['restore', 'drill', 'etcd-restore'].map(stateMachineKey),
      ...recorded.config.jobs.map((job) => hostKey(job.name)),
    ];
    const summary = await auditBucket(recorded.calls, recorded.bucket, { jobs: recorded.config.jobs, kmsKeyId: recorded.kmsKeyId, expects });
    console.log(summary);
    expect(summary).toMatch(/^IAM audit of cronsnap-demo-backups: [1-9]\d* requests evaluated; /);
  });
});
