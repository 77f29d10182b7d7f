import { parseBinlogChainFolder } from '../../../lib/catalog/object-layout';
import { binlogChain, chainFolderOf, describeGap } from '../../../lib/binlogs/binlog-chain';
import { logSequence } from '../../../lib/catalog/binlog-manifest';

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

describe('chainFolderOf', () => {
  /** server-1's first chain, two begun after its logs were reset, and the folders of servers whose keys start alike. */
  const FOLDERS = ['server-1', 'server-1.chain-20261130T030001Z', 'server-1.chain-20261130T090001Z', 'server-10', 'server-10.chain-20261130T120000Z', 'server-2'];
  const startedAt = (serverKey: string, time: string) => ({ serverKey, dumpStartedAt: `2026-11-30T${time}Z` });

  it('gives a dump the newest chain of its server begun by the time it started, and its first before any', () => {
    expect(chainFolderOf(startedAt('server-1', '02:59:59'), FOLDERS)).toBe('server-1');
    expect(chainFolderOf(startedAt('server-1', '03:00:01'), FOLDERS)).toBe('server-1.chain-20261130T030001Z');
    expect(chainFolderOf(startedAt('server-1', '08:59:00'), FOLDERS)).toBe('server-1.chain-20261130T030001Z');
    expect(chainFolderOf(startedAt('server-1', '12:00:00'), FOLDERS)).toBe('server-1.chain-20261130T090001Z');
  });

  it('never gives a dump the chain of a server whose key starts alike', () => {
    expect(chainFolderOf(startedAt('server-10', '10:00:00'), FOLDERS)).toBe('server-10');
    expect(chainFolderOf(startedAt('server-2', '23:00:00'), FOLDERS)).toBe('server-2');
  });

  it('gives a dump its server\'s first folder while none of its logs is shipped', () => {
    expect(chainFolderOf(startedAt('server-3', '10:00:00'), FOLDERS)).toBe('server-3');
  });

  it('reads a chain\'s folder as its server and the second it begins', () => {
    expect(parseBinlogChainFolder('3e11fa47-71ca-11e1-9e33-c80aa9429562.chain-20261130T030001Z')).toEqual({ serverKey: '3e11fa47-71ca-11e1-9e33-c80aa9429562', since: '2026-11-30T03:00:01Z' });
    expect(parseBinlogChainFolder('server-1')).toEqual({ serverKey: 'server-1', since: undefined });
  });
});
