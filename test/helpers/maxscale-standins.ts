import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One row of MaxScale's server list, as its monitor reports it. */
export interface MaxscaleServer {
  name: string;
  address: string;
  port: number;
  /** e.g. `Master, Running`, `Slave, Running`, `Down`. */
  state: string;
}

/**
 * Which MaxScale the stand-in plays:
 * - `maxctrl-23`: maxctrl of MaxScale 6 to 23.x, `--tsv` rows with GTID and Monitor columns, `--config` for credentials;
 * - `maxctrl-2.5`: maxctrl of 2.5, padded `--tsv` cells, no `--config`;
 * - `maxadmin-2.4`: maxadmin's `|` table of 2.4 and older, and no maxctrl.
 */
export type MaxscaleRelease = 'maxctrl-23' | 'maxctrl-2.5' | 'maxadmin-2.4';

export interface MaxscaleStandIn {
  /** Put first on the host's PATH. */
  readonly bin: string;
  /** Rewrites the server list the next call prints: a master that moves. */
  setServers(servers: MaxscaleServer[]): void;
  /** Every argv maxctrl was called with, one line per call. */
  readonly argvLog: string;
}

/**
 * A `maxctrl` or `maxadmin` stand-in printing the formats of MaxScale's documentation for the
 * given release. With `credentials`, maxctrl answers only a `--config` file that is private to its
 * owner (maxctrl refuses any other) and holds that user and password, as a REST API with
 * non-default credentials does; without them it takes maxctrl's defaults.
 */
export function maxscaleStandIn(dir: string, release: MaxscaleRelease, credentials?: { user: string; password: string }): MaxscaleStandIn {
  const bin = mkdtempSync(join(dir, 'maxscale-'));
  const listing = join(bin, 'servers.txt');
  const argvLog = join(bin, 'argv.log');
  const expected = join(bin, 'expected.cnf');
  if (credentials) writeFileSync(expected, `[maxctrl]\nu = ${credentials.user}\np = ${credentials.password}\n`);
  const tool = release === 'maxadmin-2.4' ? 'maxadmin' : 'maxctrl';
  const help = release === 'maxctrl-23' ? '  -c, --config     MaxCtrl configuration file  [string] [default: "~/.maxctrl.cnf"]' : '  -u, --user  Username to use  [string] [default: "admin"]';
  const script = [
    '#!/bin/bash',
    `printf '%s\\n' "$*" >>'${argvLog}'`,
    `case " $* " in *' --help '*) echo '${help}'; exit 0 ;; esac`,
    'config=""',
    'while [ $# -gt 0 ]; do case $1 in --config|-c) config=$2; shift 2 ;; *) shift ;; esac; done',
    credentials
      ? [
          `if [ -z "$config" ]; then echo 'Error: Unauthorized' >&2; exit 1; fi`,
          `if [ "$(stat -c %a "$config")" != 600 ]; then echo "Error: $config: permissions must be 0600" >&2; exit 1; fi`,
          `cmp -s "$config" '${expected}' || { echo 'Error: Unauthorized' >&2; exit 1; }`,
        ].join('\n')
      : '',
    `cat '${listing}'`,
  ].join('\n');
  writeFileSync(join(bin, tool), script);
  chmodSync(join(bin, tool), 0o755);

  const format = (servers: MaxscaleServer[]): string => {
    switch (release) {
      case 'maxadmin-2.4':
        return [
          'Servers.',
          '-------------------+-----------------+-------+-------------+--------------------',
          'Server             | Address         | Port  | Connections | Status',
          '-------------------+-----------------+-------+-------------+--------------------',
          ...servers.map((s) => `${s.name.padEnd(19)}| ${s.address.padEnd(16)}| ${String(s.port).padStart(5)} |           0 | ${s.state}`),
          '-------------------+-----------------+-------+-------------+--------------------',
        ].join('\n');
      case 'maxctrl-2.5':
        // cli-table pads each cell to its column's width; 2.5 did not trim them.
        return servers.map((s) => [s.name.padEnd(10), s.address.padEnd(16), String(s.port).padEnd(6), '0', s.state.padEnd(16), ''].join('\t')).join('\n');
      case 'maxctrl-23':
        return servers.map((s, i) => [s.name, s.address, String(s.port), '3', s.state, `0-1-${10 + i}`, 'MariaDB-Monitor'].join('\t')).join('\n');
    }
  };
  return {
    bin,
    argvLog,
    setServers: (servers) => writeFileSync(listing, `${format(servers)}\n`),
  };
}
