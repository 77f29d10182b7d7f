import { segmentName, segmentNumber, segmentOfLsn, walChain } from '../../../lib/catalog/wal-segments';

const MB16 = 16 * 1024 ** 2;
const segments = (...numbers: number[]) => numbers.map((n) => segmentName(1, BigInt(n), MB16));

describe('WAL segment names', () => {
  it('names the segment holding an LSN as PostgreSQL does, for 16 MB and 1 GB segments', () => {
    expect(segmentOfLsn('0/3000028', 1, MB16)).toBe('000000010000000000000003');
    expect(segmentOfLsn('16/B374D848', 1, MB16)).toBe('0000000100000016000000B3');
    expect(segmentOfLsn('16/B374D848', 3, 1024 ** 3)).toBe('000000030000001600000002');
  });

  it('numbers segments across a 4 GiB log id, so the one after ...FF is the next id\'s 00', () => {
    expect(segmentNumber('0000000100000016000000FF', MB16) + 1n).toBe(segmentNumber('000000010000001700000000', MB16));
    expect(segmentName(1, segmentNumber('0000000100000016000000FF', MB16) + 1n, MB16)).toBe('000000010000001700000000');
  });

  it('refuses what is no segment name', () => {
    expect(() => segmentNumber('000000010000000000000003.partial', MB16)).toThrow('is not a WAL segment name');
  });
});

describe('walChain', () => {
  it('is whole from the base backup\'s segment to the newest shipped, whatever was shipped before it', () => {
    expect(walChain(segments(5)[0] ?? '', segments(2, 3, 4, 5, 6, 7), MB16)).toEqual({ kind: 'whole', from: segments(5)[0], to: segments(7)[0] });
  });

  it('is whole with nothing shipped yet from the base backup on', () => {
    expect(walChain(segments(9)[0] ?? '', segments(7, 8), MB16)).toEqual({ kind: 'whole', from: segments(9)[0], to: undefined });
  });

  it('names the first hole after the base backup, across a log id boundary', () => {
    const from = '0000000100000016000000FE';
    const shipped = [from, '000000010000001700000002'];
    expect(walChain(from, shipped, MB16)).toEqual({ kind: 'broken', from, missing: { from: '0000000100000016000000FF', to: '000000010000001700000001' } });
  });

  it('is broken at the base backup\'s own segment when shipping began after it', () => {
    expect(walChain(segments(5)[0] ?? '', segments(7, 8), MB16)).toMatchObject({ kind: 'broken', missing: { from: segments(5)[0], to: segments(6)[0] } });
  });

  it('ignores segments of another timeline', () => {
    expect(walChain(segments(5)[0] ?? '', [...segments(5, 6), segmentName(2, 7n, MB16)], MB16)).toEqual({ kind: 'whole', from: segments(5)[0], to: segments(6)[0] });
  });
});
