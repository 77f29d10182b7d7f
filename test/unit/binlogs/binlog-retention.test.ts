import { planBinlogPruning } from '../../../lib/retention/binlog-retention';
import type { BaseDump } from '../../../lib/binlogs/point-in-time';

const CHAIN = 'server-1.chain-20261130T030001Z';
const log = (folder: string, sequence: number) => [`orders/binlogs/${folder}/binlog.${String(sequence).padStart(6, '0')}.zst`, `orders/binlogs/${folder}/binlog.${String(sequence).padStart(6, '0')}.json`];

/** A kept dump of server-1 started at `time` on 2026-11-30, its data ending in `binlog.<sequence>`. */
function kept(sequence: number, time: string): BaseDump & { readonly startedAt: Date } {
  const at = `2026-11-30T${time}Z`;
  return { runId: `run-${time}`, file: `binlog.${String(sequence).padStart(6, '0')}`, position: 330, serverKey: 'server-1', dumpStartedAt: at, finishedAt: at, startedAt: new Date(at) };
}

describe('planBinlogPruning', () => {
  it('prunes each chain of a server from the oldest kept dump of that chain, so the low numbers after a reset stay for the dumps taken since', () => {
    // The first chain's logs 5 to 10 end before 03:00:01; the logs were reset then and numbered from 1 again.
    const keys = [5, 6, 7, 8, 9, 10].flatMap((sequence) => log('server-1', sequence)).concat([1, 2, 3, 4].flatMap((sequence) => log(CHAIN, sequence)));

    const plan = planBinlogPruning([kept(8, '02:00:00'), kept(2, '03:15:00')], keys);

    expect([...plan.manifests, ...plan.payloads].sort()).toEqual([...log('server-1', 5), ...log('server-1', 6), ...log('server-1', 7), ...log(CHAIN, 1)].sort());
    expect(plan.keptFrom).toEqual([
      { serverKey: 'server-1', folder: 'server-1', file: 'binlog.000008' },
      { serverKey: 'server-1', folder: CHAIN, file: 'binlog.000002' },
    ]);
  });
});
