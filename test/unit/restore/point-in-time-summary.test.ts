import { describePointInTime, type PointInTimeSummary } from '../../../lib/restore/point-in-time-summary';

const wal = (toTime: string | undefined): PointInTimeSummary => ({
  kind: 'wal',
  toTime,
  base: { runId: '20261201T010000Z-0123456789', finishedAt: '2026-12-01T01:01:00Z' },
  segments: { count: 5, first: '000000010000000000000002', last: '000000010000000000000006' },
  reaches: { from: '2026-12-01T01:01:00Z', until: '2026-12-01T02:59:59Z' },
});

describe('describePointInTime', () => {
  it('says a recovery to a time replays at most the planned WAL segments, and one to the end all of them', () => {
    expect(describePointInTime(wal('2026-12-01T02:30:00Z'))).toBe(
      'to 2026-12-01T02:30:00Z: base backup 20261201T010000Z-0123456789 (finished 2026-12-01T01:01:00Z), then at most 5 WAL segments 000000010000000000000002..000000010000000000000006 (this base reaches 2026-12-01T01:01:00Z to 2026-12-01T02:59:59Z)',
    );
    expect(describePointInTime(wal(undefined))).toContain('then 5 WAL segments 000000010000000000000002..000000010000000000000006 (');
  });
});
