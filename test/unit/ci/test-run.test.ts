import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type JestResults } from '../../../scripts/jest-summary';

const ROOT = '/repo';
const suite = (name: string, status: string, tests: string[]) => ({ name: join(ROOT, name), status, assertionResults: tests.map((test) => ({ status: test })) });
const results = (testResults: JestResults['testResults']): JestResults => ({
  numPassedTests: testResults.flatMap((run) => run.assertionResults).filter((test) => test.status === 'passed').length,
  numFailedTests: testResults.flatMap((run) => run.assertionResults).filter((test) => test.status === 'failed').length,
  numPendingTests: 0,
  numTodoTests: 0,
  testResults,
});

describe("the test run's summary", () => {
  it('counts a suite that failed outside its tests (an IAM denial in afterAll) as failed, not "0 failed"', () => {
    const run = results([suite('test/integration/etcd-backup.test.ts', 'failed', ['passed', 'passed']), suite('test/unit/a.test.ts', 'passed', ['passed'])]);

    expect(summarize(run, 'debian', [], ['test/integration/etcd-backup.test.ts', 'test/unit/a.test.ts'], ROOT)).toEqual({
      line: 'debian: 3 passed, 1 failed (1 suites outside a test), 0 skipped',
      failed: 1,
    });
  });

  it('fails a run of everything that left a suite of test/ out, and a profile run that did not run a suite it named', () => {
    const run = results([suite('test/integration/etcd-backup.test.ts', 'passed', ['passed'])]);

    expect(summarize(run, 'debian', [], ['test/integration/etcd-backup.test.ts', 'test/integration/renamed.test.ts'], ROOT)).toMatchObject({
      line: 'debian: 1 passed, 1 failed (did not run: test/integration/renamed.test.ts), 0 skipped',
      failed: 1,
    });
    expect(summarize(run, 'legacy', ['test/integration/etcd-backup', 'test/integration/faults', '--selectProjects', 'integration'], [], ROOT)).toMatchObject({
      line: 'legacy: 1 passed, 1 failed (did not run: test/integration/faults.test.ts), 0 skipped',
      failed: 1,
    });
    expect(summarize(run, 'legacy', ['test/integration/etcd-backup', '--selectProjects', 'integration'], [], ROOT)).toMatchObject({ failed: 0 });
  });

  it('fails at once under CI when ../shared/compat, the legacy host profiles, is absent', () => {
    const checkout = mkdtempSync(join(tmpdir(), 'cronsnap-checkout-'));
    try {
      // A checkout with no ../shared beside it.
      const repo = join(checkout, 'cronsnap');
      mkdirSync(join(repo, 'scripts'), { recursive: true });
      copyFileSync(join(__dirname, '../../../scripts/test.sh'), join(repo, 'scripts', 'test.sh'));

      const run = () => execFileSync('bash', [join(repo, 'scripts', 'test.sh')], { env: { ...process.env, CI: 'true' }, stdio: 'pipe' });

      expect(run).toThrow(expect.objectContaining({ status: 1, stderr: Buffer.from('failed: ../shared/compat is absent, and CI never passes without the legacy host profiles (bash 4.2, etcd 3.2/3.3)\n') }));
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  });
});
