import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitServer, freePort, spawnServer } from './processes';
import { run } from './run-command';

export interface MariaDb {
  readonly port: number;
  readonly socket: string;
  /** Where the server keeps its data and binary logs (`binlog.NNNNNN`). */
  readonly dataDir: string;
  /** Runs SQL as root over the socket; returns tab-separated rows. */
  sql(statement: string): Promise<string>;
  /** Feeds a file or a shell pipeline's output to the mysql client as root. */
  load(shellPipeline: string): Promise<void>;
  stop(): Promise<void>;
}

/** A throwaway MariaDB on a free loopback port, with the binary log on (for binlog coordinates). */
export async function startMariaDb(): Promise<MariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-mariadb-'));
  const dataDir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  const port = await freePort();
  // Its own tmpdir: bootstraps running side by side in /tmp collided on their temporary tables.
  const tmp = join(dir, 'tmp');
  mkdirSync(tmp);
  await run('mariadb-install-db', ['--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, '--user=root', '--auth-root-authentication-method=socket', '--skip-test-db']);
  const server = spawnServer('mariadbd', [
    '--no-defaults', `--datadir=${dataDir}`, `--tmpdir=${tmp}`, `--socket=${socket}`, `--port=${port}`, '--bind-address=127.0.0.1', '--user=root',
    `--pid-file=${join(dir, 'mysqld.pid')}`, `--log-bin=${join(dataDir, 'binlog')}`, '--server-id=1', '--skip-name-resolve',
    '--innodb-buffer-pool-size=64M', '--max-allowed-packet=64M',
  ]);
  const client = ['--no-defaults', '-S', socket, '-u', 'root'];
  const sql = (statement: string) => run('mariadb', [...client, '-N', '-B', '-e', statement]);
  await awaitServer(server, 'mariadb', async () => (await sql('SELECT 1')).trim() === '1');
  return {
    port,
    socket,
    dataDir,
    sql,
    load: async (shellPipeline) => {
      await run('sh', ['-c', `${shellPipeline} | mariadb --no-defaults --default-character-set=utf8mb4 -S '${socket}' -u root`]);
    },
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
