import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

describe('npm run demo', () => {
  it('backs up, drills, damages, restores and reports on every local engine, and says it passed, never printing the password', async () => {
    const password = `demo-${randomBytes(12).toString('hex')}`;
    const { stdout, stderr } = await execFileAsync('npx', ['tsx', join(__dirname, '../../scripts/demo.ts')], {
      cwd: join(__dirname, '../..'),
      env: { ...process.env, NODE_NO_WARNINGS: '1', CRONSNAP_DEMO_PASSWORD: password },
      maxBuffer: 16 * 1024 * 1024,
    });

    for (const step of ['backup demo-etcd', 'backup demo-mysql', 'backup demo-postgres', 'drill demo-etcd', 'drill demo-mysql', 'drill demo-postgres', 'restore etcd', 'restore mysql', 'restore postgres', 'compliance report']) {
      expect(stdout).toMatch(new RegExp(`^ok {3}${step}: `, 'm'));
    }
    expect(stdout).toMatch(/^demo passed: 12\/12 steps/m);
    expect(stdout).not.toContain(password);
    expect(stderr).not.toContain(password);
  });
});
