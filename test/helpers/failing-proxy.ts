import { createConnection, createServer, type Socket } from 'node:net';
import { freePort } from '../../lib/local/processes';

/** A TCP proxy in front of an endpoint that can go away mid-transfer, as a network or S3 outage does. */
export interface FailingProxy {
  readonly url: string;
  /** Resolves once this many request bytes have passed. */
  bytesPassed(count: number): Promise<void>;
  /** Drops every connection and refuses new ones: the endpoint is gone. */
  cut(): void;
  close(): Promise<void>;
}

export async function startFailingProxy(target: URL): Promise<FailingProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let passed = 0;
  let cut = false;
  const waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((client) => {
    if (cut) return client.destroy();
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.on('data', (chunk: Buffer) => {
      passed += chunk.length;
      for (const waiter of waiters.filter((candidate) => passed >= candidate.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    bytesPassed: (count) => new Promise((resolve) => (passed >= count ? resolve() : waiters.push({ count, resolve }))),
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
