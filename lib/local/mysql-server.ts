import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitServer, freePort, spawnServer } from './processes';
import { run } from './run-command';

/** Which server: MariaDB (this Debian's) or Oracle MySQL (8.4 and later, with GTIDs on, as users run it). */
export type MySqlFlavour = 'mariadb' | 'mysql';

export interface MySqlServer {
  readonly flavour: MySqlFlavour;
  readonly port: number;
  readonly socket: string;
  /** Where the server keeps its data and binary logs (`binlog.NNNNNN`). */
  readonly dataDir: string;
  /** Runs SQL as root over the socket; returns tab-separated rows. */
  sql(statement: string): Promise<string>;
  /** Feeds a file or a shell pipeline's output to the mysql client as root. */
  load(shellPipeline: string): Promise<void>;
  /** The binary log being written and its position (MySQL 8.4 removed SHOW MASTER STATUS). */
  binlogPosition(): Promise<{ file: string; position: number }>;
  /** The server's executed GTID set, in its own syntax (MariaDB's domain-server-sequence, MySQL's uuid:interval). */
  executedGtids(): Promise<string>;
  stop(): Promise<void>;
}

/** The flavour CRONSNAP_LOCAL_MYSQL names (a test profile's), MariaDB by default. */
export function localMySqlFlavour(): MySqlFlavour {
  const named = process.env.CRONSNAP_LOCAL_MYSQL ?? 'mariadb';
  if (named !== 'mariadb' && named !== 'mysql') throw new Error(`CRONSNAP_LOCAL_MYSQL: '${named}' is neither mariadb nor mysql`);
  return named;
}

const FLAVOURS = {
  mariadb: {
    client: 'mariadb',
    initialize: (dataDir: string, tmp: string) =>
      run('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, '--user=root', '--auth-root-authentication-method=socket', '--skip-test-db']),
    server: 'mariadbd',
    options: [] as string[],
    binlogStatus: 'SHOW MASTER STATUS',
    executedGtids: 'SELECT @@gtid_binlog_pos',
  },
  mysql: {
    client: 'mysql',
    initialize: (dataDir: string, tmp: string) => run('mysqld', ['--no-defaults', '--initialize-insecure', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, '--user=root']),
    server: 'mysqld',
    // GTIDs on, as most MySQL fleets (and every replica set) run; no X plugin port to collide on.
    options: ['--gtid-mode=ON', '--enforce-gtid-consistency=ON', '--mysqlx=OFF'],
    binlogStatus: 'SHOW BINARY LOG STATUS',
    executedGtids: 'SELECT @@GLOBAL.gtid_executed',
  },
} as const;

/** A throwaway MySQL or MariaDB on a free loopback port, with the binary log on (for binlog coordinates). */
export async function startMySql(flavour: MySqlFlavour = localMySqlFlavour()): Promise<MySqlServer> {
  const kind = FLAVOURS[flavour];
  const dir = mkdtempSync(join(tmpdir(), `cronsnap-${flavour}-`));
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const port = await freePort();
  // Its own tmpdir: bootstraps running side by side in /tmp collided on their temporary tables.
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  await kind.initialize(dataDir, tmp);
  const server = spawnServer(kind.server, [
    '--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', '--user=root',
    `--pid-file=${join(dir, 'mysqld.pid')}`, `--log-bin=${join(dataDir, 'binlog')}`, '--server-id=1', '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M', '--max-allowed-packet=64M', ...kind.options,
  ]);
  const client = ['--no-defaults', '-S', socket, '-u', 'root'];
  const sql = (statement: string) => run(kind.client, [...client, '-N', '-B', '-e', statement]);
  await awaitServer(server, flavour, async () => (await sql('SELECT 1')).trim() === '1');
  return {
    flavour,
    port,
    socket,
    dataDir,
    sql,
    load: async (shellPipeline) => {
      await run('sh', ['-c', `${shellPipeline} | ${kind.client} --no-defaults --default-character-set=utf8mb4 -S '${socket}' -u root`]);
    },
    async binlogPosition() {
      const [file = '', position = ''] = (await sql(kind.binlogStatus)).split('\t');
      return { file, position: Number(position) };
    },
    executedGtids: async () => (await sql(kind.executedGtids)).trim().replace(/\n/g, ''),
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
