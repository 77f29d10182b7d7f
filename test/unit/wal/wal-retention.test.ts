import fc from 'fast-check';
import { planWalPruning, type WalBase } from '../../../lib/retention/wal-retention';
import { segmentName, segmentNumber, segmentTimeline } from '../../../lib/catalog/wal-segments';

const MB16 = 16 * 1024 ** 2;
const CLUSTER = '7715021221002976895';
const OTHER = '7715021221002976000';

const base = (start: number, startedAt: string, timeline = 1, systemIdentifier = CLUSTER): WalBase & { startedAt: Date } => ({
  systemIdentifier,
  timeline,
  segmentSize: MB16,
  startSegment: segmentName(timeline, BigInt(start), MB16),
  startedAt: new Date(startedAt),
});
const shippedKeys = (systemIdentifier: string, timeline: number, ...numbers: number[]) =>
  numbers.flatMap((n) => ['zst', 'json'].map((suffix) => `ledger-pg/wal/${systemIdentifier}/${segmentName(timeline, BigInt(n), MB16)}.${suffix}`));

describe('planWalPruning', () => {
  it('deletes the segments before the oldest kept base backup\'s first one, manifests apart, and the older shipping runs\' records', () => {
    const keys = [
      ...shippedKeys(CLUSTER, 1, 3, 4, 5, 6, 7),
      'ledger-pg/wal/runs/2026/11/29/20261129T010000Z-0123456789/i-0123456789abcdef3/manifest.json',
      'ledger-pg/wal/runs/2026/11/30/20261130T030000Z-0123456789/i-0123456789abcdef3/manifest.json',
    ];

    const plan = planWalPruning([base(6, '2026-11-30T02:00:00Z'), base(5, '2026-11-30T01:00:00Z')], keys);

    expect(plan.manifests).toEqual(shippedKeys(CLUSTER, 1, 3, 4).filter((key) => key.endsWith('.json')));
    expect(plan.payloads).toEqual(shippedKeys(CLUSTER, 1, 3, 4).filter((key) => key.endsWith('.zst')));
    expect(plan.runRecords).toEqual([keys.at(-2)]);
    expect(plan.keptFrom).toEqual([{ systemIdentifier: CLUSTER, segment: segmentName(1, 5n, MB16) }]);
  });

  it('leaves alone the WAL of a cluster or a timeline no kept base backup replays', () => {
    const keys = [...shippedKeys(OTHER, 1, 1, 2), ...shippedKeys(CLUSTER, 2, 1, 2), ...shippedKeys(CLUSTER, 1, 8, 9)];
    expect(planWalPruning([base(9, '2026-11-30T02:00:00Z')], keys)).toMatchObject({ manifests: [shippedKeys(CLUSTER, 1, 8)[1]], payloads: [shippedKeys(CLUSTER, 1, 8)[0]] });
  });

  it('deletes exactly the segments before the oldest kept base backup of their timeline, never one a kept base backup replays, whatever the backups and segments', () => {
    const bases = fc.array(fc.record({ start: fc.integer({ min: 1, max: 600 }), timeline: fc.integer({ min: 1, max: 2 }) }), { minLength: 1, maxLength: 4 });
    const segments = fc.uniqueArray(fc.record({ n: fc.integer({ min: 1, max: 700 }), timeline: fc.integer({ min: 1, max: 2 }) }), { maxLength: 80, selector: (s) => `${s.timeline}/${s.n}` });
    // Runs that deleted something: a property that only ever saw empty plans would prove nothing.
    let deleting = 0;
    fc.assert(
      fc.property(bases, segments, (kept, stored) => {
        const keys = stored.flatMap((s) => shippedKeys(CLUSTER, s.timeline, s.n));
        const plan = planWalPruning(kept.map((b, i) => base(b.start, `2026-11-30T0${i}:00:00Z`, b.timeline)), keys);
        for (const key of [...plan.manifests, ...plan.payloads]) {
          const segment = key.slice(key.lastIndexOf('/') + 1, key.lastIndexOf('.'));
          const needed = kept.some((b) => b.timeline === segmentTimeline(segment) && segmentNumber(segment, MB16) >= BigInt(b.start));
          if (needed) return false;
        }
        // Worked out from the generated numbers, not from key names: a segment goes when some kept
        // base backup is on its timeline and every one there starts after it; the rest, other
        // timeline or not, stays. Both kinds of key keep the order they were listed in.
        const expired = stored.filter((s) => kept.some((b) => b.timeline === s.timeline) && kept.every((b) => b.timeline !== s.timeline || s.n < b.start));
        expect(plan.manifests).toEqual(expired.map((s) => shippedKeys(CLUSTER, s.timeline, s.n)[1]));
        expect(plan.payloads).toEqual(expired.map((s) => shippedKeys(CLUSTER, s.timeline, s.n)[0]));
        expect(plan.runRecords).toEqual([]);
        if (expired.length > 0) deleting += 1;
        return true;
      }),
    );
    expect(deleting).toBeGreaterThan(0);
  });
});
