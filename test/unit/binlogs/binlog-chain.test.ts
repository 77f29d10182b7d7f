import { binlogChain, describeGap } from '../../../lib/binlogs/binlog-chain';
import { logSequence } from '../../../lib/binlogs/binlog-manifest';

const dumpAt = (file: string, position = 1234) => ({ runId: '20261130T020000Z-0123456789', file, position });
const logs = (...sequences: number[]) => sequences.map((sequence) => `binlog.${String(sequence).padStart(6, '0')}`);

describe('binlogChain', () => {
  it('is complete from the dump\'s file to the newest shipped, whatever was shipped before the dump', () => {
    expect(binlogChain(dumpAt('binlog.000007'), logs(3, 4, 5, 6, 7, 8, 9))).toEqual({ kind: 'complete', from: dumpAt('binlog.000007'), files: logs(7, 8, 9) });
  });

  it('is complete and empty while nothing since the dump has been shipped', () => {
    expect(binlogChain(dumpAt('binlog.000010'), logs(8, 9))).toEqual({ kind: 'complete', from: dumpAt('binlog.000010'), files: [] });
  });

  it('names every file missing between the dump and the newest shipped, replaying only up to the first gap', () => {
    const chain = binlogChain(dumpAt('binlog.000007'), logs(7, 8, 11, 12, 14));
    expect(chain).toEqual({ kind: 'broken', from: dumpAt('binlog.000007'), files: logs(7, 8), missing: logs(9, 10, 13) });
    if (chain.kind !== 'broken') throw new Error('expected a gap');
    expect(describeGap(chain)).toBe(
      'binary logs binlog.000009, binlog.000010, binlog.000013 are missing from the chain after the newest dump (binlog.000007:1234): they were purged on the server before they were shipped; restores of run 20261130T020000Z-0123456789 reach no further than the end of binlog.000008',
    );
  });

  it('is broken at the dump\'s own file when shipping began after it', () => {
    const chain = binlogChain(dumpAt('binlog.000007'), logs(9, 10));
    expect(chain).toMatchObject({ kind: 'broken', files: [], missing: logs(7, 8) });
    if (chain.kind !== 'broken') throw new Error('expected a gap');
    expect(describeGap(chain)).toContain('can be restored only as dumped');
  });

  it('counts past .999999 into seven digits, as the server names them', () => {
    expect(logSequence('host-bin.1000000')).toBe(1000000);
    expect(binlogChain(dumpAt('host-bin.999999'), ['host-bin.999999', 'host-bin.1000001'])).toMatchObject({ kind: 'broken', missing: ['host-bin.1000000'] });
  });
});
