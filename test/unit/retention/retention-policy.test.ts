import fc from 'fast-check';
import { compactUtc } from '../../../lib/catalog/run-id';
import { planRetention, type RetentionInput, type RunKeep, type RunRecord } from '../../../lib/retention/retention-policy';

const NOW = new Date('2026-11-24T12:00:00Z');
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

/** A run `hoursAgo` before NOW; `hosts` maps each host to whether its manifest is complete. */
function run(hoursAgo: number, hosts: Record<string, boolean> = { 'i-a': true }, lockedUntil?: Date, marks: { onDemand?: boolean; kept?: RunKeep } = {}): RunRecord {
  const startedAt = new Date(NOW.getTime() - hoursAgo * HOUR);
  const runId = `${compactUtc(startedAt)}-0123456789`;
  return {
    runId,
    startedAt,
    units: Object.entries(hosts).map(([host, complete]) => ({ name: host, host, main: true, complete })),
    ...(lockedUntil ? { lockedUntil } : {}),
    ...marks,
  };
}

/** A complete run started by hand `hoursAgo`. */
const onDemandRun = (hoursAgo: number) => run(hoursAgo, undefined, undefined, { onDemand: true });
/** A complete run an operator kept, until `until` (forever when absent). */
const keptRun = (hoursAgo: number, until?: Date) => run(hoursAgo, undefined, undefined, { kept: { reason: 'before the upgrade', ...(until ? { until } : {}) } });

function input(runs: RunRecord[], overrides: Partial<RetentionInput> = {}): RetentionInput {
  return {
    runs,
    policy: { keepLast: 3, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, onDemandKeepDays: 30 },
    seriesPerHost: false,
    now: NOW,
    incompleteAfterSeconds: 86400,
    ...overrides,
  };
}

function pruned(plan: ReturnType<typeof planRetention>) {
  if (plan.kind !== 'prune') throw new Error(`expected a prune plan, got: ${plan.reason}`);
  return plan;
}

const deletedRuns = (plan: ReturnType<typeof planRetention>) => pruned(plan).delete.filter((d) => d.unit === undefined).map((d) => d.runId);

describe('retention policy', () => {
  it('keeps the last N complete backups and deletes the older ones whole', () => {
    const runs = [1, 2, 3, 4, 5].map((hoursAgo) => run(hoursAgo));

    const plan = pruned(planRetention(input(runs)));

    expect(plan.keep.map((kept) => kept.runId)).toEqual(runs.slice(0, 3).map((r) => r.runId));
    expect(plan.delete).toEqual([
      { runId: runs[3]?.runId, reason: 'outside the retention policy' },
      { runId: runs[4]?.runId, reason: 'outside the retention policy' },
    ]);
  });

  it('holds everything while the latest run failed, however old the rest is', () => {
    const runs = [run(1, { 'i-a': false }), ...[30, 60, 90, 120].map((hoursAgo) => run(hoursAgo))];

    expect(planRetention(input(runs))).toEqual({ kind: 'held', reason: `the latest run ${runs[0]?.runId} has no complete backup` });
  });

  it('holds everything while a newer run was started but stored nothing', () => {
    const runs = [2, 3, 4, 5].map((hoursAgo) => run(hoursAgo));

    const plan = planRetention(input(runs, { latestStartedRunId: '20261124T115900Z-ffffffffff' }));

    expect(plan).toEqual({ kind: 'held', reason: 'the latest run 20261124T115900Z-ffffffffff has no complete backup' });
  });

  it('holds while a host of the latest run has not written its manifest yet', () => {
    const runs = [run(1, { 'i-a': true, 'i-b': false }), run(30), run(60), run(90)];

    expect(planRetention(input(runs))).toEqual({ kind: 'held', reason: `the latest run ${runs[0]?.runId} has no manifest yet for i-b` });
  });

  it('removes an incomplete backup only once it is older than the threshold', () => {
    const runs = [run(1), run(10, { 'i-a': false }), run(30, { 'i-a': false })];

    const plan = pruned(planRetention(input(runs)));

    expect(plan.delete).toEqual([{ runId: runs[2]?.runId, reason: 'incomplete: no complete backup' }]);
  });

  it('removes an old incomplete unit from a run it keeps, and only that unit', () => {
    const runs = [run(1), run(30, { 'i-a': true, 'i-b': false })];

    const plan = pruned(planRetention(input(runs, { seriesPerHost: true })));

    expect(plan.delete).toEqual([{ runId: runs[1]?.runId, unit: 'i-b', reason: 'incomplete: i-b has no complete manifest' }]);
  });

  it('keeps the newest backup of each of the last N days, weeks and months', () => {
    // Two runs a day for 120 days.
    const runs = Array.from({ length: 240 }, (_, index) => run(1 + index * 12));

    const plan = pruned(planRetention(input(runs, { policy: { keepLast: 2, keepDaily: 7, keepWeekly: 4, keepMonthly: 3, onDemandKeepDays: 30 } })));

    const keptDays = plan.keep.map((kept) => runs.find((r) => r.runId === kept.runId)?.startedAt.toISOString().slice(0, 10));
    expect(new Set(keptDays).size).toBe(keptDays.length);
    const daily = plan.keep.flatMap((kept) => kept.reasons.filter((reason) => reason.startsWith('daily')));
    expect(daily).toEqual(['24', '23', '22', '21', '20', '19', '18'].map((day) => `daily 2026-11-${day}`));
    const monthly = plan.keep.filter((kept) => kept.reasons.some((reason) => reason.startsWith('monthly')));
    expect(monthly.map((kept) => kept.reasons.find((reason) => reason.startsWith('monthly')))).toEqual(['monthly 2026-11', 'monthly 2026-10', 'monthly 2026-09']);
    const weekly = plan.keep.flatMap((kept) => kept.reasons.filter((reason) => reason.startsWith('weekly')));
    expect(weekly).toEqual(['weekly 2026-W48', 'weekly 2026-W47', 'weekly 2026-W46', 'weekly 2026-W45']);
    expect(plan.keep.length + deletedRuns(plan).length).toBe(240);
  });

  it('numbers ISO weeks across a year boundary as ISO 8601 does', () => {
    // 2027-01-01 is a Friday: it belongs to 2026-W53.
    const now = new Date('2027-01-04T12:00:00Z');
    const runs = ['2027-01-04T01:00:00Z', '2027-01-01T01:00:00Z', '2026-12-28T01:00:00Z'].map((time) => ({
      ...run(0),
      runId: `${compactUtc(new Date(time))}-0123456789`,
      startedAt: new Date(time),
    }));

    const plan = pruned(planRetention(input(runs, { now, policy: { keepLast: 1, keepDaily: 0, keepWeekly: 3, keepMonthly: 0, onDemandKeepDays: 30 } })));

    expect(plan.keep.flatMap((kept) => kept.reasons.filter((reason) => reason.startsWith('weekly')))).toEqual(['weekly 2027-W01', 'weekly 2026-W53']);
  });

  it('keeps each host its own series for file sets', () => {
    // i-b has stored nothing in the last three runs: its newest backup is older than the job's last three.
    const runs = [run(1), run(2), run(3), run(4, { 'i-a': true, 'i-b': true }), run(5, { 'i-a': true, 'i-b': true })];

    const plan = pruned(planRetention(input(runs, { seriesPerHost: true, policy: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, onDemandKeepDays: 30 } })));

    expect(plan.keep).toEqual([
      { runId: runs[0]?.runId, reasons: ['newest of i-a'] },
      { runId: runs[3]?.runId, reasons: ['newest of i-b'] },
    ]);
  });

  it('leaves a run under Object Lock in place and says until when', () => {
    const until = new Date(NOW.getTime() + 5 * DAY);
    const runs = [run(1), run(2), run(3), run(4, { 'i-a': true }, until), run(5)];

    const plan = pruned(planRetention(input(runs)));

    expect(plan.locked).toEqual([{ runId: runs[3]?.runId, until }]);
    expect(deletedRuns(plan)).toEqual([runs[4]?.runId]);
  });

  it('counts only scheduled runs toward keepLast, and keeps a run started by hand for onDemandKeepDays', () => {
    const runs = [onDemandRun(1), run(2), onDemandRun(3), run(4), run(5), onDemandRun(24 * 31), run(24 * 32)];

    const plan = pruned(planRetention(input(runs)));

    expect(plan.keep).toEqual([
      { runId: runs[0]?.runId, reasons: ['newest', 'on demand, kept 30 days'] },
      { runId: runs[1]?.runId, reasons: ['last 3'] },
      { runId: runs[2]?.runId, reasons: ['on demand, kept 30 days'] },
      { runId: runs[3]?.runId, reasons: ['last 3'] },
      { runId: runs[4]?.runId, reasons: ['last 3'] },
    ]);
    expect(deletedRuns(plan)).toEqual([runs[5]?.runId, runs[6]?.runId]);
  });

  it('keeps a kept run beyond the policy while its keep holds, and prunes it once the keep has lapsed', () => {
    const runs = [run(1), run(2), run(3), keptRun(24 * 100), keptRun(24 * 101, new Date(NOW.getTime() + DAY)), keptRun(24 * 102, new Date(NOW.getTime() - HOUR))];

    const plan = pruned(planRetention(input(runs)));

    expect(plan.keep.slice(3)).toEqual([
      { runId: runs[3]?.runId, reasons: ['kept forever: before the upgrade'] },
      { runId: runs[4]?.runId, reasons: [`kept until ${new Date(NOW.getTime() + DAY).toISOString()}: before the upgrade`] },
    ]);
    expect(deletedRuns(plan)).toEqual([runs[5]?.runId]);
  });

  it('keeps an old on-demand run that an operator kept', () => {
    const runs = [run(1), { ...onDemandRun(24 * 90), kept: { reason: 'audit' } }];

    expect(deletedRuns(planRetention(input(runs, { policy: { keepLast: 1, keepDaily: 0, keepWeekly: 0, keepMonthly: 0, onDemandKeepDays: 30 } })))).toEqual([]);
  });

  describe('invariants over arbitrary histories', () => {
    const history = fc
      .array(
        fc.record({
          hoursAgo: fc.integer({ min: 0, max: 24 * 400 }),
          hosts: fc.dictionary(fc.constantFrom('i-a', 'i-b', 'i-c'), fc.boolean(), { minKeys: 1 }),
          locked: fc.boolean(),
          onDemand: fc.boolean(),
          kept: fc.option(fc.integer({ min: -48, max: 48 }), { nil: undefined }),
        }),
        { maxLength: 60 },
      )
      .map((entries) => {
        const byId = new Map<string, RunRecord>();
        for (const entry of entries) {
          // A keep `kept` hours from now: lapsed when negative, forever when 0.
          const kept = entry.kept === undefined ? undefined : { reason: 'kept', ...(entry.kept !== 0 ? { until: new Date(NOW.getTime() + entry.kept * HOUR) } : {}) };
          const record = run(entry.hoursAgo, entry.hosts, entry.locked ? new Date(NOW.getTime() + DAY) : undefined, { onDemand: entry.onDemand, ...(kept ? { kept } : {}) });
          byId.set(record.runId, record);
        }
        return [...byId.values()];
      });
    const policy = fc.record({
      keepLast: fc.integer({ min: 1, max: 10 }),
      keepDaily: fc.integer({ min: 0, max: 10 }),
      keepWeekly: fc.integer({ min: 0, max: 6 }),
      keepMonthly: fc.integer({ min: 0, max: 6 }),
      onDemandKeepDays: fc.integer({ min: 1, max: 60 }),
    });
    const newest = (runs: RunRecord[]) => [...runs].sort((a, b) => b.runId.localeCompare(a.runId))[0];
    const completeRuns = (runs: RunRecord[], host?: string) =>
      runs.filter((r) => r.units.some((unit) => unit.main && unit.complete && (host === undefined || unit.host === host)));
    /** Histories whose latest run is complete: the ones retention prunes rather than holds. */
    const prunable = history
      .filter((runs) => runs.length > 0)
      .map((runs) => {
        const latest = newest(runs);
        return runs.map((r) => (r === latest ? { ...r, units: r.units.map((unit) => ({ ...unit, complete: true })) } : r));
      });
    /** How many generated plans deleted something: the share where the invariants had something to check. */
    const withDeletions = (count: { plans: number; deleting: number }, plan: { delete: readonly unknown[] }) => {
      count.plans += 1;
      if (plan.delete.length > 0) count.deleting += 1;
    };

    it('never deletes the newest complete backup of any series', () => {
      const count = { plans: 0, deleting: 0 };
      fc.assert(
        fc.property(prunable, policy, fc.boolean(), (runs, rules, perHost) => {
          const plan = pruned(planRetention(input(runs, { policy: rules, seriesPerHost: perHost })));
          withDeletions(count, plan);
          const deleted = new Set(plan.delete.filter((d) => d.unit === undefined).map((d) => d.runId));
          for (const host of perHost ? ['i-a', 'i-b', 'i-c'] : [undefined]) {
            const best = newest(completeRuns(runs, host));
            if (best) expect(deleted.has(best.runId)).toBe(false);
          }
        }),
      );
      expect(count.deleting / count.plans).toBeGreaterThan(0.3);
    });

    it('deletes nothing while the latest run has an incomplete unit', () => {
      fc.assert(
        fc.property(history, policy, (runs, rules) => {
          const latest = newest(runs);
          fc.pre(latest !== undefined && latest.units.some((unit) => !unit.complete));
          expect(planRetention(input(runs, { policy: rules })).kind).toBe('held');
        }),
      );
    });

    it('keeps at least keepLast complete scheduled runs, deletes only whole runs it does not keep, and nothing locked or young and incomplete', () => {
      const count = { plans: 0, deleting: 0 };
      fc.assert(
        fc.property(prunable, policy, (runs, rules) => {
          const plan = pruned(planRetention(input(runs, { policy: rules })));
          withDeletions(count, plan);
          const kept = new Set(plan.keep.map((k) => k.runId));
          const scheduled = completeRuns(runs).filter((r) => !r.onDemand);
          expect(scheduled.filter((r) => kept.has(r.runId)).length).toBeGreaterThanOrEqual(Math.min(rules.keepLast, scheduled.length));
          for (const deletion of plan.delete) {
            const record = runs.find((r) => r.runId === deletion.runId);
            expect(record?.lockedUntil).toBeUndefined();
            if (deletion.unit === undefined) expect(kept.has(deletion.runId)).toBe(false);
            else expect(kept.has(deletion.runId)).toBe(true);
            const incomplete = deletion.unit !== undefined || !record?.units.some((unit) => unit.main && unit.complete);
            if (incomplete) expect(NOW.getTime() - (record?.startedAt.getTime() ?? 0)).toBeGreaterThan(DAY);
          }
        }),
      );
      expect(count.deleting / count.plans).toBeGreaterThan(0.3);
    });
    it('never puts a run in the prune plan while its keep holds', () => {
      const count = { plans: 0, deleting: 0 };
      let keptSeen = 0;
      fc.assert(
        fc.property(prunable, policy, fc.boolean(), (runs, rules, perHost) => {
          const plan = pruned(planRetention(input(runs, { policy: rules, seriesPerHost: perHost })));
          withDeletions(count, plan);
          const holding = runs.filter((r) => r.kept && (r.kept.until === undefined || r.kept.until > NOW));
          keptSeen += holding.length;
          const deleted = new Set(plan.delete.filter((d) => d.unit === undefined).map((d) => d.runId));
          for (const r of holding) expect(deleted.has(r.runId)).toBe(false);
        }),
      );
      expect(count.deleting / count.plans).toBeGreaterThan(0.3);
      expect(keptSeen).toBeGreaterThan(100);
    });

    it('never lets a run started by hand push a scheduled backup out', () => {
      let compared = 0;
      fc.assert(
        fc.property(prunable, policy, (runs, rules) => {
          const scheduledOnly = runs.filter((r) => !r.onDemand);
          const latest = newest(scheduledOnly);
          fc.pre(latest !== undefined && latest.units.every((unit) => unit.complete));
          const keptWith = new Set(pruned(planRetention(input(runs, { policy: rules }))).keep.map((k) => k.runId));
          const keptWithout = pruned(planRetention(input(scheduledOnly, { policy: rules }))).keep.map((k) => k.runId);
          if (scheduledOnly.length < runs.length) compared += 1;
          for (const runId of keptWithout) expect(keptWith.has(runId)).toBe(true);
        }),
      );
      expect(compared).toBeGreaterThan(30);
    });
  });
});
