import { planWalRecovery, walRecoverableWindow, type RecoveryBase, type ShippedSegments, type WalReach } from '../../../lib/wal/wal-recovery-plan';
import { segmentName } from '../../../lib/catalog/wal-segments';

const MB16 = 16 * 1024 ** 2;
const CLUSTER = '7715021221002976895';
const seg = (n: number, timeline = 1) => segmentName(timeline, BigInt(n), MB16);

const base = (runId: string, finishedAt: string, start: number, consistent = start): RecoveryBase => ({
  runId,
  finishedAt,
  systemIdentifier: CLUSTER,
  timeline: 1,
  segmentSize: MB16,
  startSegment: seg(start),
  consistentSegment: seg(consistent),
});
/** A shipping run that started at `startedAt`, shipped up to segment `newest` and finished a minute later (or at `finishedAt`). */
const reach = (startedAt: string, newest: number, systemIdentifier = CLUSTER, finishedAt = new Date(Date.parse(startedAt) + 60_000).toISOString()): WalReach => ({
  runId: `run-${startedAt}`,
  startedAt,
  finishedAt,
  systemIdentifier,
  newestShipped: seg(newest),
});
const shipped = (...numbers: number[]): ShippedSegments => new Map(numbers.map((n) => [seg(n), 1000 + n]));
const of = (segments: ShippedSegments) => () => segments;

describe('planWalRecovery', () => {
  const bases = [base('b1', '2026-12-01T01:00:00Z', 2, 3), base('b2', '2026-12-02T01:00:00Z', 10)];
  const reaches = [reach('2026-12-01T02:00:00Z', 4), reach('2026-12-01T03:00:00Z', 6), reach('2026-12-02T02:00:00Z', 11), reach('2026-12-02T03:00:00Z', 12)];
  const all = shipped(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12);

  it('takes the newest base backup before the time, and its segments up to those of the first run that started after that second', () => {
    const plan = planWalRecovery(bases, of(all), reaches, { toTime: new Date('2026-12-01T02:30:00Z') });
    expect(plan).toEqual({
      kind: 'plan',
      base: bases[0],
      first: seg(2),
      last: seg(6),
      searchFrom: seg(5),
      segments: 5,
      bytes: 1002 + 1003 + 1004 + 1005 + 1006,
      toTime: '2026-12-01T02:30:00Z',
      span: { runId: 'b1', from: '2026-12-01T01:00:00Z', until: '2026-12-02T02:59:59Z' },
    });
  });

  it('reaches a second only when a run started after it: the run at 02:00 covers up to 01:59:59', () => {
    expect(planWalRecovery(bases, of(all), reaches, { toTime: new Date('2026-12-01T01:59:59Z') })).toMatchObject({ kind: 'plan', last: seg(4) });
    expect(planWalRecovery(bases, of(all), reaches, { toTime: new Date('2026-12-01T02:00:00Z') })).toMatchObject({ kind: 'plan', last: seg(6) });
  });

  it('refuses a time before the oldest base backup, naming the window', () => {
    const refused = planWalRecovery(bases, of(all), reaches, { toTime: new Date('2026-11-30T00:00:00Z') });
    expect(refused).toMatchObject({ kind: 'refused', window: [{ runId: 'b1' }, { runId: 'b2' }] });
    expect(refused.kind === 'refused' && refused.reason).toBe(
      'no physical base backup finished at or before 2026-11-30T00:00:00Z: restores can reach 2026-12-01T01:00:00Z to 2026-12-02T02:59:59Z (from run b1), 2026-12-02T01:00:00Z to 2026-12-02T02:59:59Z (from run b2)',
    );
  });

  it('refuses a time past what the newest shipping run covers', () => {
    expect(planWalRecovery(bases, of(all), reaches, { toTime: new Date('2026-12-02T03:00:00Z') })).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(/^the newest base backup before 2026-12-02T03:00:00Z is run b2, and its shipped WAL reaches 2026-12-02T02:59:59Z: /),
    });
  });

  it('ends a base backup\'s span at a hole in its chain: runs that shipped past it do not count', () => {
    const holed = shipped(2, 3, 4, 6, 7, 10, 11, 12);
    expect(walRecoverableWindow(bases, of(holed), reaches)).toEqual([
      { runId: 'b1', from: '2026-12-01T01:00:00Z', until: '2026-12-01T01:59:59Z' },
      { runId: 'b2', from: '2026-12-02T01:00:00Z', until: '2026-12-02T02:59:59Z' },
    ]);
    expect(planWalRecovery(bases, of(holed), reaches, { toTime: new Date('2026-12-01T02:30:00Z') })).toMatchObject({ kind: 'refused' });
  });

  it('reaches nothing from a base backup until a run has shipped its consistent point, nor with a run of another cluster', () => {
    const early = [reach('2026-12-01T02:00:00Z', 2), reach('2026-12-01T03:00:00Z', 6, '7715021221002976000')];
    expect(walRecoverableWindow([bases[0] as RecoveryBase], of(all), early)).toEqual([]);
  });

  it('without a time replays the whole chain of the chosen base backup, or of the newest', () => {
    expect(planWalRecovery(bases, of(all), reaches, { base: undefined })).toMatchObject({ kind: 'plan', base: bases[1], first: seg(10), last: seg(12), segments: 3, toTime: undefined });
    expect(planWalRecovery(bases, of(all), reaches, { base: bases[0] })).toMatchObject({ kind: 'plan', base: bases[0], first: seg(2), last: seg(12), segments: 11 });
    expect(planWalRecovery(bases, of(shipped(10)), [], { base: bases[1] })).toMatchObject({ kind: 'refused', reason: expect.stringContaining('no WAL shipping run has yet shipped what base backup b2 needs') });
  });

  it('names the segments missing from the base backup\'s chain when the shipped WAL does not reach the time', () => {
    const holed = shipped(2, 3, 4, 7, 8, 9, 10, 11, 12);
    expect(planWalRecovery(bases, of(holed), reaches, { toTime: new Date('2026-12-01T02:30:00Z') })).toMatchObject({
      kind: 'refused',
      reason: expect.stringMatching(
        `^the newest base backup before 2026-12-01T02:30:00Z is run b1, and its shipped WAL reaches 2026-12-01T01:59:59Z \\(WAL segments ${seg(5)} to ${seg(6)} are missing from the shipped logs between ${seg(4)} and ${seg(7)}\\): restores can reach `,
      ),
    });
    expect(planWalRecovery(bases, of(shipped(3, 4, 5, 6)), reaches, { base: bases[0] })).toMatchObject({
      kind: 'refused',
      reason: expect.stringContaining(`needs to be consistent (WAL segment ${seg(2)} is missing from the shipped logs before ${seg(3)})`),
    });
  });

  it('searches for the segment that ends a recovery to a time only past those of the runs that had finished by then', () => {
    const runs = [reach('2026-12-01T02:00:00Z', 4), reach('2026-12-01T02:20:00Z', 5, CLUSTER, '2026-12-01T02:30:00Z'), reach('2026-12-01T03:00:00Z', 9)];
    // The run of 02:20 finished at 02:30:00: its segment holds nothing committed past that second.
    expect(planWalRecovery(bases, of(all), runs, { toTime: new Date('2026-12-01T02:30:00Z') })).toMatchObject({ kind: 'plan', last: seg(9), searchFrom: seg(6), segments: 8 });
    expect(planWalRecovery(bases, of(all), runs, { toTime: new Date('2026-12-01T02:29:59Z') })).toMatchObject({ kind: 'plan', last: seg(9), searchFrom: seg(5) });
    // Never before the segment the base backup is consistent in, and never a search without a time.
    expect(planWalRecovery(bases, of(all), runs, { toTime: new Date('2026-12-01T01:30:00Z') })).toMatchObject({ kind: 'plan', last: seg(4), searchFrom: seg(3) });
    expect(planWalRecovery(bases, of(all), runs, { base: bases[0] })).toMatchObject({ kind: 'plan', searchFrom: undefined });
  });

  it('compares base backups\' and runs\' times, whole seconds or fractions, as the instants they name', () => {
    const late = base('b3', '2026-12-01T02:30:00.500Z', 5);
    // b3 finished half a second after the target: the plan starts from b1.
    expect(planWalRecovery([...bases, late], of(all), reaches, { toTime: new Date('2026-12-01T02:30:00+00:00') })).toMatchObject({ kind: 'plan', base: bases[0] });
    // The run of 02:00 covers up to 01:59:59, before the base finished at 01:59:59.500: no span.
    expect(walRecoverableWindow([base('b4', '2026-12-01T01:59:59.500Z', 2, 3)], of(all), [reach('2026-12-01T02:00:00Z', 4)])).toEqual([]);
  });
});
