import { judgeRecoveryDrill } from '../../../lib/drill/recovery-drill-checks';
import { reportLines } from '../../../lib/ssm/report-lines';

const plan = '{"dataDir": "/var/tmp/d", "server": "127.0.0.1:5433", "firstSegment": "000000010000000000000002", "lastSegment": "000000010000000000000004", "segments": 3, "stopBefore": "2026-12-03 16:40:00"}';
const recovered = (stoppedBefore: string | null, reachedAt: string | null) =>
  `{"dataDir": "/var/tmp/d", "server": "127.0.0.1:5433", "socketDir": "/var/tmp/d", "timeline": 2, "reachedAt": ${JSON.stringify(reachedAt)}, "stoppedBefore": ${JSON.stringify(stoppedBefore)}}`;
const report = (stoppedBefore: string | null, reachedAt: string | null, databases = ['ledger', 'postgres']) =>
  [
    `cronsnap: recoveryPlan ${plan}`,
    `cronsnap: recovered ${recovered(stoppedBefore, reachedAt)}`,
    ...databases.map((name) => `cronsnap: counted {"database": "${name}", "into": "${name}", "rows": {"public.entries": 3}}`),
  ].join('\n');
const passed = (stdout: string) => judgeRecoveryDrill(reportLines(stdout), 900).map((check) => [check.name, check.passed]);

describe('judgeRecoveryDrill', () => {
  it('passes a copy that stopped at its target with a transaction from within the RPO before it, every database read back', () => {
    expect(passed(report('2026-12-03T16:40:02.500Z', '2026-12-03T16:35:00.000Z'))).toEqual([
      ['recovery stopped at its target', true],
      ['newest transaction recovered', true],
      ['databases read back', true],
    ]);
  });

  it('fails a recovery that ran out of WAL short of its target', () => {
    expect(judgeRecoveryDrill(reportLines(report(null, '2026-12-03T16:35:00.000Z')), 900)[0]).toEqual({
      name: 'recovery stopped at its target',
      expected: 'before 2026-12-03 16:40:00',
      actual: 'ended short, at 2026-12-03T16:35:00.000Z',
      passed: false,
    });
  });

  it('fails a copy whose newest transaction is older than one RPO before the target, or that read back no database', () => {
    expect(passed(report('2026-12-03T16:40:02.500Z', '2026-12-03T16:20:00.000Z'))[1]).toEqual(['newest transaction recovered', false]);
    expect(passed(report('2026-12-03T16:40:02.500Z', '2026-12-03T16:35:00.000Z', []))[2]).toEqual(['databases read back', false]);
  });

  it('judges the newest transaction by the instant it names, whatever zone the report wrote it in', () => {
    // 15:26:00 an hour west of UTC is 16:26:00Z, within the 15 minutes before the target.
    expect(passed(report('2026-12-03T16:40:02.500Z', '2026-12-03T15:26:00.000-01:00'))[1]).toEqual(['newest transaction recovered', true]);
  });
});
