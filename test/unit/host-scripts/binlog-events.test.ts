import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const SCRIPT = resolve(__dirname, '../../../lib/host-scripts/mysql-binlogs.sh');

/** One v4 event: timestamp, type, server id, size, end position, flags, then its body. */
function event(timestamp: number, endPosition: number, bodyBytes: number): Buffer {
  const header = Buffer.alloc(19);
  header.writeUInt32LE(timestamp, 0);
  header.writeUInt8(2, 4);
  header.writeUInt32LE(1, 5);
  header.writeUInt32LE(19 + bodyBytes, 9);
  header.writeUInt32LE(endPosition, 13);
  return Buffer.concat([header, Buffer.alloc(bodyBytes, 0x61)]);
}

/** A log of events with these timestamps and body sizes, its end positions as the server writes them. */
function binaryLog(events: readonly (readonly [number, number])[]): Buffer {
  let position = 4;
  return Buffer.concat([Buffer.from([0xfe, 0x62, 0x69, 0x6e]), ...events.map(([timestamp, body]) => event(timestamp, (position += 19 + body), body))]);
}

/** binlog_events from mysql-binlogs.sh (its definition alone) over `log` on stdin. */
function binlogEvents(log: Buffer) {
  const script = `set -euo pipefail\neval "$(sed -n '/^binlog_events() {/,/^}/p' '${SCRIPT}')"\nbinlog_events`;
  return spawnSync('bash', ['--norc', '-c', script], { input: log, encoding: 'utf8' });
}

describe('binlog_events: the events, time range and end of a raw binary log, read from its headers', () => {
  it('counts every event and takes the first and last timestamps, skipping events without one', () => {
    const log = binaryLog([[1_796_200_000, 100], [0, 30], [1_796_200_042, 3_000_000], [1_796_200_050, 0]]);
    const result = binlogEvents(log);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`whole 4 1796200000 1796200050 ${log.length}\n`);
  });

  it('calls a log cut inside an event invalid, naming where the last whole event ends', () => {
    const log = binaryLog([[1_796_200_000, 100], [1_796_200_001, 5000]]);
    const result = binlogEvents(log.subarray(0, log.length - 10));
    expect(result.stdout).toBe('invalid the log ends inside an event at position 123\n');
  });

  it('calls what is not a binary log, or nothing at all, invalid', () => {
    expect(binlogEvents(Buffer.from('-- MariaDB dump\n')).stdout).toBe('invalid not a binary log\n');
    expect(binlogEvents(Buffer.alloc(0)).stdout).toBe('invalid not a binary log\n');
  });
});
