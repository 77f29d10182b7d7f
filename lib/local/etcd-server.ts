import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { awaitServer, freePort, spawnServer } from './processes';
import { run } from './run-command';

export interface TlsFiles {
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
}

export interface Etcd {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  readonly tls?: TlsFiles;
  /** etcdctl against this member, with its TLS flags. */
  etcdctl(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface StartEtcdOptions {
  /** Use this data dir (e.g. one produced by `snapshot restore`) instead of a fresh one. */
  readonly dataDir?: string;
  readonly name?: string;
  readonly tls?: TlsFiles;
  /** What this harness's own etcdctl presents, when not `tls` (e.g. beside an expired server certificate). */
  readonly clientTls?: TlsFiles;
  /** Ports to reuse, e.g. the peer URL a restored snapshot was given. */
  readonly clientPort?: number;
  readonly peerPort?: number;
  /** More etcd flags, e.g. a larger `--quota-backend-bytes`. */
  readonly extraArgs?: readonly string[];
}

/** Makes a CA and one certificate for 127.0.0.1 used as both server and client cert. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const caFile = join(dir, 'ca.crt');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=cronsnap-test-ca', '-keyout', join(dir, 'ca.key'), '-out', caFile]);
  return issueCertificate(caFile, 'etcd', 2);
}

/**
 * Another certificate for 127.0.0.1 from the CA whose certificate is `caFile` (its key beside it),
 * valid for `days` days from now: -1 makes one that expired yesterday.
 */
export async function issueCertificate(caFile: string, name: string, days: number): Promise<TlsFiles> {
  const dir = dirname(caFile);
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.crt`);
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', csr]);
  await run('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth,clientAuth\\n' > '${ext}'`]);
  await run('openssl', ['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', join(dir, 'ca.key'), '-CAcreateserial', '-days', String(days), '-extfile', ext, '-out', certFile]);
  return { caFile, certFile, keyFile };
}

export function tlsArgs(tls: TlsFiles | undefined): string[] {
  return tls ? ['--cacert', tls.caFile, '--cert', tls.certFile, '--key', tls.keyFile] : [];
}

/** A single-member etcd on free loopback ports in a temp dir. */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<Etcd> {
  const name = options.name ?? 'member-1';
  const clientPort = options.clientPort ?? (await freePort());
  const peerPort = options.peerPort ?? (await freePort());
  const ownDir = options.dataDir ? undefined : mkdtempSync(join(tmpdir(), 'cronsnap-etcd-'));
  const dataDir = options.dataDir ?? join(ownDir ?? '', 'data');
  const scheme = options.tls ? 'https' : 'http';
  const clientUrl = `${scheme}://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const serverTls = options.tls
    ? ['--cert-file', options.tls.certFile, '--key-file', options.tls.keyFile, '--trusted-ca-file', options.tls.caFile, '--client-cert-auth']
    : [];
  const server = spawnServer('etcd', [
    '--name', name,
    '--data-dir', dataDir,
    '--listen-client-urls', clientUrl,
    '--advertise-client-urls', clientUrl,
    '--listen-peer-urls', peerUrl,
    '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `${name}=${peerUrl}`,
    ...serverTls,
    ...(options.extraArgs ?? []),
  ]);
  const etcdctl = (args: string[]) => run('etcdctl', [`--endpoints=${clientUrl}`, ...tlsArgs(options.clientTls ?? options.tls), ...args], { ETCDCTL_API: '3' });
  // Whether it serves, not whether its certificate is good: a test may give it an expired one.
  const ready = () => etcdctl(['endpoint', 'health', '-w', 'json', ...(options.tls ? ['--insecure-skip-tls-verify'] : [])]);
  await awaitServer(server, `etcd on ${clientUrl}`, async () => (await ready()).includes('"health":true'));
  return {
    name,
    clientUrl,
    peerUrl,
    dataDir,
    ...(options.tls ? { tls: options.tls } : {}),
    etcdctl,
    async stop() {
      await server.stop();
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
    },
  };
}

/** Every key and value, base64 as etcdctl prints them, sorted by key. */
export async function dumpKeys(etcd: Etcd): Promise<Record<string, string>> {
  const out = JSON.parse(await etcd.etcdctl(['get', '', '--prefix', '-w', 'json'])) as { kvs?: { key: string; value: string }[] };
  return Object.fromEntries((out.kvs ?? []).map((kv) => [kv.key, kv.value]));
}
