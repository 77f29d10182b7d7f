import type { BinlogManifest, BinlogRunManifest } from '../../lib/catalog/binlog-manifest';
import type { WalRunManifest } from '../../lib/catalog/wal-manifest';
import type { Manifest } from '../../lib/catalog/manifest';

/** A valid etcd manifest for the run in test/events; override any field per test. */
export function etcdManifest(overrides: Partial<Manifest> = {}): Manifest {
  return {
    formatVersion: 1,
    job: 'prod-etcd',
    engine: 'etcd',
    runId: '20261123T103000Z-0123456789',
    host: 'i-0123456789abcdef0',
    startedAt: '2026-11-23T10:30:02Z',
    finishedAt: '2026-11-23T10:30:47Z',
    payload: {
      key: 'prod-etcd/2026/11/23/20261123T103000Z-0123456789/i-0123456789abcdef0/snapshot.db.zst',
      size: 1234,
      sha256: 'a'.repeat(64),
      rawSize: 4096,
      rawSha256: 'b'.repeat(64),
      compression: 'zstd',
    },
    tools: { etcdctl: '3.4.23', etcdServer: '3.4.23', zstd: 'v1.5.4' },
    etcd: {
      endpoint: 'https://10.0.1.10:2379',
      revision: 42,
      hash: 1271113127,
      totalKeys: 51,
      totalSize: 20480,
      dbSize: 20480,
      memberId: 'bdae9bbc11dd390d',
      memberName: 'etcd-1',
      peerUrls: 'https://10.0.1.10:2380',
      dataDir: '/var/lib/etcd',
      clusterToken: 'etcd-cluster-1',
      members: [{ id: 'bdae9bbc11dd390d', name: 'etcd-1', status: 'started', peerUrls: 'https://10.0.1.10:2380', clientUrls: 'https://10.0.1.10:2379' }],
      health: [{ endpoint: 'https://10.0.1.10:2379', health: true, took: '3ms' }],
    },
    ...overrides,
  } as Manifest;
}

/** A valid mysql manifest of an all-databases dump; `rowCounts` as the dump recorded them, if at all. */
export function mysqlManifest(rowCounts?: Record<string, Record<string, number>>): Extract<Manifest, { engine: 'mysql' }> {
  const prefix = 'prod-mysql/2026/11/23/20261123T103000Z-0123456789/i-0123456789abcdef1';
  return {
    formatVersion: 1,
    job: 'prod-mysql',
    engine: 'mysql',
    runId: '20261123T103000Z-0123456789',
    host: 'i-0123456789abcdef1',
    startedAt: '2026-11-23T10:30:02Z',
    finishedAt: '2026-11-23T10:31:12Z',
    payload: { key: `${prefix}/all-databases.sql.zst`, size: 52_000, sha256: 'c'.repeat(64), rawSize: 310_000, rawSha256: 'd'.repeat(64), compression: 'zstd' },
    tools: { mysqldump: 'mysqldump from 10.11.6-MariaDB', zstd: 'v1.5.4' },
    mysql: {
      server: '10.0.2.15:3306',
      source: 'primary',
      serverVersion: '10.11.6-MariaDB',
      databases: ['crm', 'mysql', 'shop'],
      binlogFile: 'binlog.000002',
      binlogPosition: 328,
      gtid: '0-1-42',
      ...(rowCounts ? { rowCounts } : {}),
    },
  };
}

/** A shipped binary log `binlog.<sequence>` of job `orders` from folder `server-1`, its events from `firstEventAt` to `lastEventAt`. */
export function binlogManifest(sequence: number, firstEventAt: string, lastEventAt: string, overrides: Partial<BinlogManifest> = {}): BinlogManifest {
  const file = `binlog.${String(sequence).padStart(6, '0')}`;
  const { job = 'orders', serverKey = 'server-1' } = overrides;
  return {
    formatVersion: 1, kind: 'mysql-binlog', job, runId: '20261130T000000Z-0123456789', host: 'i-0123456789abcdef0',
    server: 'db:3306', serverKey, serverVersion: '10.11.19-MariaDB', file, previousFile: '', shippedAt: lastEventAt,
    payload: { key: `${job}/binlogs/${serverKey}/${file}.zst`, size: 100, sha256: 'a'.repeat(64), rawSize: 400, rawSha256: 'a'.repeat(64), compression: 'zstd' },
    events: 10, startPosition: 4, endPosition: 400, firstEventAt, lastEventAt, startGtid: '', gtid: '0-1-10',
    ...overrides,
  };
}

/** The manifest of a binary log shipping run of job `orders` on folder `serverKey`: it shipped `shipped`, and the server's oldest log was `oldestOnServer`. */
export function binlogRunManifest(runId: string, shipped: readonly string[], oldestOnServer: string, serverKey = 'server-1'): BinlogRunManifest {
  return {
    formatVersion: 1, kind: 'mysql-binlogs', job: 'orders', runId, host: 'i-0123456789abcdef0', startedAt: '2026-11-30T12:00:02Z', finishedAt: '2026-11-30T12:00:09Z',
    server: 'db:3306', serverKey, logPrefix: `orders/binlogs/${serverKey}`, newChain: null, oldestOnServer, newestShipped: shipped.at(-1) ?? '', shipped: [...shipped],
  };
}

/** A physical base backup of job `ledger` whose WAL starts at `walStart` and is consistent at `walEnd` (16 MiB segments). */
export function physicalManifest(runId: string, finishedAt: string, walStart: string, walEnd: string, host = 'i-0123456789abcdef2'): Extract<Manifest, { engine: 'postgres' }> {
  const key = `ledger/2026/11/30/${runId}/${host}/base.tar.zst`;
  const payload = { key, size: 9_000, sha256: 'e'.repeat(64), rawSize: 40_000, rawSha256: 'f'.repeat(64), compression: 'zstd' as const };
  return {
    formatVersion: 1, job: 'ledger', engine: 'postgres', runId, host, startedAt: finishedAt, finishedAt, payload,
    tools: { pg_basebackup: 'pg_basebackup (PostgreSQL) 15.8', zstd: 'v1.5.4' },
    postgres: {
      server: '10.0.3.20:5432', serverVersion: '15.8', mode: 'physical', databases: [], parts: [{ ...payload, name: 'base', kind: 'base-backup' }], rowCounts: null,
      physical: { systemIdentifier: '7715021221002976895', timeline: 1, walStart, walEnd, walSegmentSize: 16 * 1024 ** 2, slot: 'cronsnap_ledger', slotCreated: false },
    },
  } as Extract<Manifest, { engine: 'postgres' }>;
}

/** The manifest of a WAL shipping run of job `ledger` that started at `startedAt` and shipped up to `newestShipped`. */
export function walRunManifest(runId: string, startedAt: string, newestShipped: string): WalRunManifest {
  return {
    formatVersion: 1, kind: 'postgres-wal', job: 'ledger', runId, host: 'i-0123456789abcdef2', startedAt, finishedAt: startedAt,
    server: '10.0.3.20:5432', serverVersion: '15.8', systemIdentifier: '7715021221002976895', timeline: 1, walSegmentSize: 16 * 1024 ** 2,
    logPrefix: 'ledger/wal/7715021221002976895', slot: 'cronsnap_ledger', slotCreated: false, slotRetainedBytes: 0, newestShipped, shipped: [newestShipped], gap: null,
  };
}
