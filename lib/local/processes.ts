import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** The first port the kernel hands out to outgoing connections and to listen(0). */
function ephemeralLow(): number {
  const range = existsSync(EPHEMERAL_RANGE) ? readFileSync(EPHEMERAL_RANGE, 'utf8').trim().split(/\s+/) : [];
  return Number(range[0]) || 32768;
}
const EPHEMERAL_RANGE = '/proc/sys/net/ipv4/ip_local_port_range';

function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** How many jest workers the port range is shared among; more workers than this share slices. */
const WORKER_SLICES = 8;
/** Ports this process handed out: a server may not have bound one yet when the next is asked for. */
const handedOut = new Set<number>();

/**
 * A free TCP port on loopback for a server started next. It is drawn below the kernel's
 * ephemeral range: a port from listen(0) is free only until an outgoing connection (an aws CLI
 * upload, a client of another server) is given the same one, and the server then fails to bind.
 * Each jest worker draws from its own slice of that range and never hands out a port twice, so
 * two servers starting at once, in one worker or in two, are never given the same port.
 */
export async function freePort(): Promise<number> {
  const worker = (Number(process.env.JEST_WORKER_ID) || 1) - 1;
  const span = Math.floor((ephemeralLow() - 10_000) / WORKER_SLICES);
  const low = 10_000 + (worker % WORKER_SLICES) * span;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const port = low + Math.floor(Math.random() * span);
    if (handedOut.has(port) || !(await listens(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port between ${low} and ${low + span} after 100 tries`);
}

/** Polls `probe` until it resolves true; fails with `what` and the process's output after `timeoutMs`. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Spawned {
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(): Promise<void>;
}

/** Starts a long-running server process; `stop()` terminates it and waits for the exit. */
export function spawnServer(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Spawned {
  // The env is passed even when it is ours: under jest, process.env is the test's own copy, which
  // a child given no env would not see (a host profile's PATH, say).
  const child = spawn(command, args, { ...options, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Waits until a just-started server answers; if it never does, stops it and fails with its output. */
export async function awaitServer(server: Spawned, what: string, probe: () => Promise<boolean>): Promise<void> {
  try {
    await waitUntil(what, probe);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n${server.output()}`);
  }
}
