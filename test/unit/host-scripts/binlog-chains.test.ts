import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseBinlogChainFolder } from '../../../lib/catalog/object-layout';

const SCRIPT = resolve(__dirname, '../../../lib/host-scripts/mysql-binlogs.sh');

/** The definitions of mysql-binlogs.sh's `functions` alone, then `body`, under the programs' shell options. */
function run(functions: readonly string[], body: string) {
  const definitions = functions.map((name) => `eval "$(sed -n '/^${name}() {/,/^}/p' '${SCRIPT}')"`).join('\n');
  return spawnSync('bash', ['--norc', '-c', `set -Eeuo pipefail\nfail() { echo "FAILED: $*"; exit 1; }\n${definitions}\n${body}`], { encoding: 'utf8' });
}

/** The server's logs (`name size` and the GTID state each starts at), and the newest shipped log as its manifest says. */
interface ChainWorld {
  readonly server: readonly (readonly [name: string, size: number, start: string])[];
  readonly last: { readonly file: string; readonly size: number; readonly start?: string; readonly end: string };
}

/** chain_break's BREAK for `world`; SHOW BINLOG EVENTS (start_gtid) answers from the list. */
function chainBreak(world: ChainWorld): string {
  const starts = world.server.map(([name, , start]) => `[${name}]='${start}'`).join(' ');
  const result = run(
    ['chain_break'],
    `declare -A STARTS=(${starts})
start_gtid() { START_GTID=\${STARTS[$1]}; }
NAMES=(${world.server.map(([name]) => name).join(' ')}) SIZES=(${world.server.map(([, size]) => size).join(' ')})
LAST_FILE=${world.last.file} LAST_SIZE=${world.last.size} LAST_HAS_START=${world.last.start === undefined ? '' : 'yes'} LAST_START='${world.last.start ?? ''}' LAST_END='${world.last.end}'
chain_break
printf '%s' "$BREAK"`,
  );
  expect(result.stderr).toBe('');
  return result.stdout;
}

const SHIPPED_10 = { file: 'binlog.000010', size: 5000, start: '0-1-40', end: '0-1-50' };

describe("chain_break: whether the server's binary logs go on from the newest shipped one", () => {
  it('goes on when the server still has the shipped file as it was, or the next file starts where it ended', () => {
    expect(chainBreak({ server: [['binlog.000009', 900, '0-1-30'], ['binlog.000010', 5000, '0-1-40'], ['binlog.000011', 700, '0-1-50'], ['binlog.000012', 300, '0-1-55']], last: SHIPPED_10 })).toBe('');
    expect(chainBreak({ server: [['binlog.000011', 700, '0-1-50'], ['binlog.000012', 300, '0-1-55']], last: SHIPPED_10 })).toBe('');
  });

  it('leaves a gap (logs purged before they were shipped) to the chain, whose manifests name it', () => {
    expect(chainBreak({ server: [['binlog.000014', 700, '0-1-70'], ['binlog.000015', 300, '0-1-75']], last: SHIPPED_10 })).toBe('');
  });

  it('compares a manifest written before the start was recorded by its size alone, and a next file with the end unknown not at all', () => {
    expect(chainBreak({ server: [['binlog.000010', 5000, '0-1-40'], ['binlog.000011', 300, '0-1-50']], last: { file: 'binlog.000010', size: 5000, end: '' } })).toBe('');
    expect(chainBreak({ server: [['binlog.000011', 300, '0-1-3']], last: { file: 'binlog.000010', size: 5000, end: '' } })).toBe('');
  });

  it('breaks when every log on the server is older than the newest shipped (RESET MASTER, or RESET BINARY LOGS AND GTIDS)', () => {
    expect(chainBreak({ server: [['binlog.000001', 900, ''], ['binlog.000002', 400, '0-1-2']], last: SHIPPED_10 })).toBe(
      "the server's newest binary log is binlog.000002, older than binlog.000010 shipped last: its binary logs were reset (RESET MASTER, or RESET BINARY LOGS AND GTIDS)",
    );
  });

  it('breaks when the server has a file of the shipped name that is another: its size, or the GTID state it starts at', () => {
    const server = (size: number, start: string) => [['binlog.000009', 900, ''], ['binlog.000010', size, start], ['binlog.000011', 300, '0-1-9']] as const;
    expect(chainBreak({ server: server(4000, '0-1-5'), last: SHIPPED_10 })).toBe(
      "the server's binlog.000010 (4000 bytes, GTID state '0-1-5' at its start) is not the one shipped (5000 bytes, '0-1-40'): its binary logs were reset",
    );
    expect(chainBreak({ server: server(5000, '0-1-5'), last: SHIPPED_10 })).toContain('is not the one shipped');
  });

  it('breaks when the file after the shipped one does not start where that one ended', () => {
    expect(chainBreak({ server: [['binlog.000011', 700, '0-1-12'], ['binlog.000012', 300, '0-1-20']], last: SHIPPED_10 })).toBe(
      "the server's binlog.000011 starts at GTID state '0-1-12', but binlog.000010, shipped last, ended at '0-1-50': its binary logs were reset",
    );
  });

  it('breaks when the server names its logs otherwise (log-bin changed)', () => {
    expect(chainBreak({ server: [['mysql-bin.000001', 900, '0-1-50'], ['mysql-bin.000002', 300, '0-1-52']], last: SHIPPED_10 })).toBe(
      "the server's binary logs are named mysql-bin.*, no longer binlog.*: log-bin was changed",
    );
  });
});

describe('gtid_state: one form of a GTID state, to compare', () => {
  it("sorts the members of a set and drops what breaks it into lines (SHOW BINLOG EVENTS' \\n)", () => {
    const result = run(['gtid_state'], `for state in '5a1c-e1:1-40,\\n3e11-fa:1-7' '1-2-30, 0-1-5' ''; do echo "[$(gtid_state "$state")]"; done`);
    expect(result.stdout).toBe('[3e11-fa:1-7,5a1c-e1:1-40]\n[0-1-5,1-2-30]\n[]\n');
  });
});

describe("shipped_logs and begin_chain: the server's chains in the bucket", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cronsnap-binlog-chains-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("lists the newest chain's newest shipped log last, skipping payloads without a manifest and a server whose key starts alike", () => {
    const keys = [
      'orders/binlogs/server-1/binlog.000009.json', 'orders/binlogs/server-1/binlog.000010.json', 'orders/binlogs/server-1/binlog.999999.zst',
      'orders/binlogs/server-1.chain-20261130T030001Z/binlog.000002.json', 'orders/binlogs/server-1.chain-20261130T030001Z/binlog.000010.json',
      'orders/binlogs/server-1.chain-20261130T030001Z/binlog.000001.json', 'orders/binlogs/server-1.chain-20261130T090001Z/binlog.000001.zst',
      'orders/binlogs/server-10/binlog.000900.json', 'orders/binlogs/server-1.chain-later/binlog.000900.json',
    ];
    writeFileSync(join(dir, 'listing.txt'), keys.join('\t'));
    const result = run(['shipped_logs'], `aws_cli() { cat '${join(dir, 'listing.txt')}'; }\nCRONSNAP_WORK='${dir}' JOB=orders BUCKET=b SERVER_KEY=server-1\nshipped_logs`);
    expect(result.stdout.trim().split('\n')).toEqual([
      'server-1\tbinlog.000009', 'server-1\tbinlog.000010',
      'server-1.chain-20261130T030001Z\tbinlog.000001', 'server-1.chain-20261130T030001Z\tbinlog.000002', 'server-1.chain-20261130T030001Z\tbinlog.000010',
    ]);
  });

  it('names a new chain for the second after the last event of the one before, as the functions read it', () => {
    const result = run(['iso_of_epoch', 'begin_chain'], `SERVER_KEY=3e11fa47-71ca-11e1-9e33-c80aa9429562 LAST_END_AT=2026-11-30T23:59:59Z\nbegin_chain\necho "$FOLDER $CHAIN_SINCE"`);
    const [folder = '', since] = result.stdout.trim().split(' ');
    expect(since).toBe('2026-12-01T00:00:00Z');
    expect(parseBinlogChainFolder(folder)).toEqual({ serverKey: '3e11fa47-71ca-11e1-9e33-c80aa9429562', since });
  });
});
