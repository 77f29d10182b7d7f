import { newestReachable, planPointInTime, recoverableWindow, windowGaps, type BaseDump } from '../../../lib/binlogs/point-in-time';
import { binlogManifest } from '../../helpers/manifest-factory';

/** A shipped log `binlog.<n>` whose events span `first` to `last` (times of day on 2026-11-30, UTC). */
const shippedLog = (sequence: number, first: string, last: string) => binlogManifest(sequence, `2026-11-30T${first}Z`, `2026-11-30T${last}Z`);

const dump = (runId: string, file: string, finished: string): BaseDump => ({ runId, file, position: 330, dumpStartedAt: `2026-11-30T${finished}Z`, finishedAt: `2026-11-30T${finished}Z`, serverKey: 'server-1' });
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

  it('refuses a time in the gap naming the missing log, a time before the oldest dump and a time past the newest log, each with the window', () => {
    const window = '2026-11-30T02:00:40Z to 2026-11-30T02:45:00Z (from run 20261130T020000Z-aaaaaaaaaa), 2026-11-30T12:00:30Z to 2026-11-30T12:30:00Z (from run 20261130T120000Z-bbbbbbbbbb)';
    expect(planPointInTime([NIGHT, NOON], LOGS, at('06:00:00'))).toMatchObject({
      kind: 'refused',
      reason:
        `the newest dump before 2026-11-30T06:00:00Z is run ${NIGHT.runId}, and the binary logs shipped after it reach 2026-11-30T02:45:00Z ` +
        `(binary log binlog.000013 is missing from the shipped logs between binlog.000012 and binlog.000014): restores can reach ${window}`,
    });
    expect(planPointInTime([NIGHT, NOON], LOGS, at('01:00:00'))).toMatchObject({ kind: 'refused', reason: `no dump finished at or before 2026-11-30T01:00:00Z: restores can reach ${window}` });
    expect(planPointInTime([NIGHT, NOON], LOGS, at('12:30:01'))).toMatchObject({ kind: 'refused', reason: expect.stringContaining('reach 2026-11-30T12:30:00Z') });
  });

  it('never offers a dump alone for a time: its snapshot was taken at some moment of its run', () => {
    const plan = planPointInTime([NIGHT], [], at('02:00:40'));
    expect(plan).toMatchObject({ kind: 'refused', reason: expect.stringContaining('no binary log shipped after it') });
    expect(recoverableWindow([NIGHT], [])).toEqual([]);
  });

  it('names every log of the hole, and none before the dump\'s own file when that one is missing', () => {
    const holed = LOGS.filter((log) => !['binlog.000011', 'binlog.000012'].includes(log.file));
    expect(planPointInTime([NIGHT], holed, at('06:00:00'))).toMatchObject({
      reason: expect.stringContaining('reach 2026-11-30T02:15:00Z (binary logs binlog.000011 to binlog.000013 are missing from the shipped logs between binlog.000010 and binlog.000014)'),
    });
    expect(planPointInTime([NIGHT], LOGS.slice(1), at('02:20:00'))).toMatchObject({
      reason: expect.stringContaining('no binary log shipped after it (binary log binlog.000010 is missing from the shipped logs before binlog.000011)'),
    });
  });

  it('reaches the second of a time given with a fraction and an offset: the logs that reach that second are enough', () => {
    const plan = planPointInTime([NIGHT, NOON], LOGS, new Date('2026-11-30T02:45:00.500+00:00'));
    if (plan.kind !== 'plan') throw new Error(plan.reason);
    expect(plan.toTime).toBe('2026-11-30T02:45:00Z');
    expect(plan.logs.map((log) => log.file)).toEqual(['binlog.000010', 'binlog.000011', 'binlog.000012']);
  });

  it('compares the times manifests write, whole seconds or fractions, as the instants they name', () => {
    // The logs after it end in the second it finished in, but before the moment it did.
    const late = { ...dump('20261130T023000Z-cccccccccc', 'binlog.000012', '02:45:00'), finishedAt: '2026-11-30T02:45:00.300Z' };
    expect(recoverableWindow([late], LOGS)).toEqual([]);
    expect(newestReachable([{ runId: 'a', from: '2026-11-30T02:00:40Z', until: '2026-11-30T12:30:00Z' }, { runId: 'b', from: '2026-11-30T12:00:30Z', until: '2026-11-30T12:30:00.400Z' }])).toBe('2026-11-30T12:30:00.400Z');
    expect(windowGaps([{ runId: 'a', from: '2026-11-30T02:00:40Z', until: '2026-11-30T12:00:30.400Z' }, { runId: 'b', from: '2026-11-30T12:00:30Z', until: '2026-11-30T12:30:00Z' }])).toEqual([]);
  });
});

describe('point-in-time restore plans after the server\'s binary logs were reset', () => {
  const CHAIN = 'server-1.chain-20261130T030001Z';
  /** A log of the chain begun after the reset: the same names again, in a folder of its own. */
  const chainLog = (sequence: number, first: string, last: string) => {
    const log = shippedLog(sequence, first, last);
    return { ...log, payload: { ...log.payload, key: `orders/binlogs/${CHAIN}/${log.file}.zst` } };
  };
  // The first chain ends at 03:00:00; the logs were reset then, and numbered from 1 again.
  const BEFORE = [shippedLog(1, '01:00:00', '02:00:00'), shippedLog(2, '02:00:00', '02:30:00'), shippedLog(3, '02:30:00', '03:00:00')];
  const AFTER = [chainLog(1, '03:10:00', '03:20:00'), chainLog(2, '03:20:00', '03:40:00')];
  const EARLY = dump('20261130T020000Z-aaaaaaaaaa', 'binlog.000002', '02:10:00');
  const LATE = { ...dump('20261130T031500Z-bbbbbbbbbb', 'binlog.000001', '03:16:00'), dumpStartedAt: '2026-11-30T03:15:00Z' };

  it('replays a dump taken after the reset with the logs of its own chain only, whatever order they are read in', () => {
    for (const logs of [[...AFTER, ...BEFORE], [...BEFORE, ...AFTER]]) {
      const plan = planPointInTime([EARLY, LATE], logs, at('03:30:00'));
      if (plan.kind !== 'plan') throw new Error(plan.reason);
      expect(plan).toMatchObject({ dump: LATE, folder: CHAIN });
      expect(plan.logs.map((log) => log.payload.key)).toEqual([`orders/binlogs/${CHAIN}/binlog.000001.zst`, `orders/binlogs/${CHAIN}/binlog.000002.zst`]);
    }
  });

  it('reaches with a dump taken before the reset no further than the end of its chain', () => {
    expect(recoverableWindow([EARLY, LATE], [...AFTER, ...BEFORE])).toEqual([
      { runId: EARLY.runId, from: '2026-11-30T02:10:00Z', until: '2026-11-30T03:00:00Z' },
      { runId: LATE.runId, from: '2026-11-30T03:16:00Z', until: '2026-11-30T03:40:00Z' },
    ]);
    const plan = planPointInTime([EARLY, LATE], [...BEFORE, ...AFTER], at('02:45:00'));
    if (plan.kind !== 'plan') throw new Error(plan.reason);
    expect(plan).toMatchObject({ dump: EARLY, folder: 'server-1' });
    expect(plan.logs.map((log) => log.payload.key)).toEqual(['orders/binlogs/server-1/binlog.000002.zst', 'orders/binlogs/server-1/binlog.000003.zst']);
  });

  it('refuses to replay a dump from a same-named log written before it ran (logs shipped before resets were told apart)', () => {
    // The reset's logs past the old numbers went on in the first folder: 4 and 5 are of the new logs.
    const mixed = [...BEFORE, shippedLog(4, '03:40:00', '03:50:00'), shippedLog(5, '03:50:00', '04:00:00')];

    const plan = planPointInTime([EARLY, LATE], mixed, at('03:55:00'));

    expect(plan).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining(
        `the newest dump before 2026-11-30T03:55:00Z is run ${LATE.runId}, and no binary log shipped after it (the shipped binlog.000001 was written from 2026-11-30T01:00:00Z to 2026-11-30T02:00:00Z, not while the dump ran`,
      ),
    });
    expect(recoverableWindow([LATE], mixed)).toEqual([]);
  });
});
