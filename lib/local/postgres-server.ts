import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awaitServer, freePort, spawnServer } from './processes';
import { run } from './run-command';

export interface Postgres {
  readonly port: number;
  /** The cluster's data directory (owned by the postgres user). */
  readonly dataDir: string;
  /** Runs SQL as the postgres superuser over the socket; unaligned, tuples only. */
  sql(statement: string, database?: string): Promise<string>;
  /** Runs a shell command line as the postgres user with PGHOST/PGPORT set to this server. */
  shell(commandLine: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Where initdb and postgres are: CRONSNAP_LOCAL_POSTGRES_BIN when set (a host whose tools run
 * elsewhere, as a test profile's); Debian and Ubuntu keep each major release under
 * /usr/lib/postgresql/<major>/bin (the newest is taken); elsewhere pg_config knows.
 */
export async function serverBinDir(): Promise<string> {
  const named = process.env.CRONSNAP_LOCAL_POSTGRES_BIN;
  if (named) return named;
  const debian = '/usr/lib/postgresql';
  const majors = existsSync(debian) ? readdirSync(debian).filter((major) => existsSync(join(debian, major, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  if (newest) return join(debian, newest, 'bin');
  const bindir = (await run('pg_config', ['--bindir']).catch(() => '')).trim();
  if (bindir && existsSync(join(bindir, 'initdb'))) return bindir;
  throw new Error(`no PostgreSQL server found: neither ${debian}/<major>/bin/initdb nor pg_config --bindir; install the postgresql package`);
}

/**
 * A throwaway PostgreSQL on a free loopback port. PostgreSQL refuses to run as root, so initdb and
 * the server run as the Debian `postgres` user in a temp dir it owns; TCP logins need a password.
 */
export async function startPostgres(): Promise<Postgres> {
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-pg-'));
  const uid = Number(await run('id', ['-u', 'postgres']));
  const gid = Number(await run('id', ['-g', 'postgres']));
  chownSync(dir, uid, gid);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const asPostgres = (args: string[]) => run('runuser', ['-u', 'postgres', '--', ...args]);
  const bin = await serverBinDir();
  await asPostgres([join(bin, 'initdb'), '-D', dataDir, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
  const server = spawnServer('runuser', [
    '-u', 'postgres', '--', join(bin, 'postgres'), '-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1',
  ]);
  const shell = (commandLine: string) => asPostgres(['sh', '-c', `export PGHOST='${dir}' PGPORT=${port}; ${commandLine}`]);
  const sql = (statement: string, database = 'postgres') =>
    asPostgres(['psql', '-h', dir, '-p', String(port), '-d', database, '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', statement]);
  await awaitServer(server, 'postgres', async () => (await sql('SELECT 1')).trim() === '1');
  return {
    port,
    dataDir,
    sql,
    shell,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
