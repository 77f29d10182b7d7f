import { planPointInTime, recoverableWindow, type BaseDump } from '../../../lib/binlogs/point-in-time';
import { binlogManifest } from '../../helpers/manifest-factory';

/** A shipped log `binlog.<n>` whose events span `first` to `last` (times of day on 2026-11-30, UTC). */
const shippedLog = (sequence: number, first: string, last: string) => binlogManifest(sequence, `2026-11-30T${first}Z`, `2026-11-30T${last}Z`);

const dump = (runId: string, file: string, finished: string): BaseDump => ({ runId, file, position: 330, finishedAt: `2026-11-30T${finished}Z`, serverKey: 'server-1' });
const at = (time: string) => new Date(`2026-11-30T${time}Z`);

const NIGHT = dump('20261130T020000Z-aaaaaaaaaa', 'binlog.000010', '02:00:40');
const NOON = dump('20261130T120000Z-bbbbbbbbbb', 'binlog.000014', '12:00:30');
const LOGS = [
  shippedLog(10, '02:00:05', '02:15:00'),
  shippedLog(11, '02:15:00', '02:30:00'),
  shippedLog(12, '02:30:00', '02:45:00'),
  // 13 was purged before it was shipped.
  shippedLog(14, '11:59:50', '12:15:00'),
  shippedLog(15, '12:15:00', '12:30:00'),
];

describe('point-in-time restore plans', () => {
  it('replays the newest dump before the time with its logs up to the first that reaches the second', () => {
    const plan = planPointInTime([NIGHT, NOON], LOGS, at('02:20:07'));
    expect(plan).toMatchObject({ kind: 'plan', dump: NIGHT, toTime: '2026-11-30T02:20:07Z' });
    if (plan.kind !== 'plan') throw new Error(plan.reason);
    expect(plan.logs.map((log) => log.file)).toEqual(['binlog.000010', 'binlog.000011']);
  });

  it('takes the later dump once it has finished, and only the logs after its coordinates', () => {
    const plan = planPointInTime([NIGHT, NOON], LOGS, at('12:20:00'));
    if (plan.kind !== 'plan') throw new Error(plan.reason);
    expect(plan.dump).toBe(NOON);
    expect(plan.logs.map((log) => log.file)).toEqual(['binlog.000014', 'binlog.000015']);
  });

  it('shows the window with its gap: each dump to the end of its unbroken chain', () => {
    expect(recoverableWindow([NOON, NIGHT], LOGS)).toEqual([
      { runId: NIGHT.runId, from: '2026-11-30T02:00:40Z', until: '2026-11-30T02:45:00Z' },
      { runId: NOON.runId, from: '2026-11-30T12:00:30Z', until: '2026-11-30T12:30:00Z' },
    ]);
  });

  it('refuses a time in the gap, a time before the oldest dump and a time past the newest log, each with the window', () => {
    const window = '2026-11-30T02:00:40Z to 2026-11-30T02:45:00Z (from run 20261130T020000Z-aaaaaaaaaa), 2026-11-30T12:00:30Z to 2026-11-30T12:30:00Z (from run 20261130T120000Z-bbbbbbbbbb)';
    expect(planPointInTime([NIGHT, NOON], LOGS, at('06:00:00'))).toMatchObject({
      kind: 'refused',
      reason: `the newest dump before 2026-11-30T06:00:00Z is run ${NIGHT.runId}, and the binary logs shipped after it reach 2026-11-30T02:45:00Z: restores can reach ${window}`,
    });
    expect(planPointInTime([NIGHT, NOON], LOGS, at('01:00:00'))).toMatchObject({ kind: 'refused', reason: `no dump finished at or before 2026-11-30T01:00:00Z: restores can reach ${window}` });
    expect(planPointInTime([NIGHT, NOON], LOGS, at('12:30:01'))).toMatchObject({ kind: 'refused', reason: expect.stringContaining('reach 2026-11-30T12:30:00Z') });
  });

  it('never offers a dump alone for a time: its snapshot was taken at some moment of its run', () => {
    const plan = planPointInTime([NIGHT], [], at('02:00:40'));
    expect(plan).toMatchObject({ kind: 'refused', reason: expect.stringContaining('no binary log shipped after it') });
    expect(recoverableWindow([NIGHT], [])).toEqual([]);
  });
});
