/**
 * Issue 24's shipping bench: a cronsnap WAL shipping run (pg_receivewal on the slot into the spool,
 * then per segment sha256, size, zstd and an upload with its manifest) against the floor of
 * copying the same completed segments from pg_wal with `zstd | aws s3 cp -` alone, on
 * BENCH_WAL_MB (default 1024) MB of fresh WAL per round. The floor goes first each round, while
 * the slot still holds the segments on the server.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../lib/config/load-config';
import { run } from '../lib/local/run-command';
import { startMoto } from '../lib/local/moto-server';
import { startPostgres } from '../lib/local/postgres-server';
import { benchService } from './bench-storage';
import { benchRounds, median, timed, type BenchResult } from './timing';

const MB = 1024 * 1024;
const HOST = 'mi-0be0c0000000000c4';
const PASSWORD = 'bench-wal-password';

export async function benchWalShipping(): Promise<BenchResult[]> {
  const megabytes = Number(process.env.BENCH_WAL_MB ?? 1024);
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-bench-wal-'));
  chmodSync(dir, 0o755);
  const [moto, source] = await Promise.all([startMoto(), startPostgres()]);
  try {
    const { bucket, kmsKeyId } = await moto.createBackupBucket('cronsnap-bench-wal');
    await moto.putSecureString('/cronsnap/bench-wal/password', PASSWORD);
    await source.sql(`CREATE ROLE backup LOGIN SUPERUSER REPLICATION PASSWORD '${PASSWORD}'; CREATE TABLE filler (id bigserial PRIMARY KEY, pad text)`);
    const config = parseConfig({
      version: 1,
      jobs: [
        {
          name: 'bench-wal',
          engine: 'postgres',
          schedule: '@daily',
          targets: { instanceIds: [HOST] },
          workDir: dir,
          postgres: { server: `127.0.0.1:${source.port}`, user: 'backup', passwordParameter: '/cronsnap/bench-wal/password', mode: 'physical', checkpoint: 'fast' },
          wal: { schedule: '*/5 * * * *', slot: 'cronsnap_bench' },
        },
      ],
    });
    const service = benchService({ dir, moto, bucket, kmsKeyId }, config, HOST);
    const ship = async (eventId: string) => {
      const [completion] = (await service.runJob('bench-wal', eventId, new Date(), 'wal')).completions;
      if (completion?.kind !== 'wal-shipped') throw new Error(`WAL shipping failed: ${JSON.stringify(completion)}`);
      return completion.manifest;
    };
    const [base] = (await service.runJob('bench-wal', 'bench-wal-base')).completions;
    if (base?.kind !== 'succeeded') throw new Error(`base backup failed: ${JSON.stringify(base)}`);
    let newest = (await ship('bench-wal-0')).newestShipped;

    const floorTimes: number[] = [];
    const shipTimes: number[] = [];
    let segments = 0;
    for (let round = 1; round <= benchRounds(); round++) {
      const start = (await source.sql('SELECT pg_current_wal_lsn()')).trim();
      while (Number(await source.sql(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${start}')`)) < megabytes * MB) {
        await source.sql("INSERT INTO filler (pad) SELECT md5(random()::text) || md5(random()::text) || repeat('x', 200) FROM generate_series(1, 200000)");
      }
      await source.sql('SELECT pg_switch_wal()');
      const current = (await source.sql('SELECT pg_walfile_name(pg_current_wal_lsn())')).trim();
      // pg_wal also holds recycled segments named past the current one: only those completed since the last run count.
      const names = (await run('ls', [join(source.dataDir, 'pg_wal')])).split('\n').filter((name) => /^[0-9A-F]{24}$/.test(name) && name > newest && name < current);
      segments = names.length;
      const files = names.map((name) => `'${join(source.dataDir, 'pg_wal', name)}'`).join(' ');
      const floor = await timed(() =>
        run('bash', ['-c', `set -eo pipefail; for f in ${files}; do zstd -q -1 -T0 -c "$f" | aws --endpoint-url '${moto.endpoint}' s3 cp - "s3://${bucket}/floor/$(basename "$f").zst" --only-show-errors; done`], moto.env),
      );
      const shipped = await timed(() => ship(`bench-wal-${round}`));
      if (!names.every((name) => shipped.result.shipped.includes(name))) throw new Error(`the run shipped ${shipped.result.shipped.length} segments, not the ${names.length} measured`);
      newest = shipped.result.newestShipped;
      floorTimes.push(floor.seconds);
      shipTimes.push(shipped.seconds);
    }
    const [floor, shipping] = [median(floorTimes), median(shipTimes)];
    return [
      {
        name: 'WAL shipping run / zstd | aws s3 cp floor',
        ratio: shipping / floor,
        detail: `${segments} segments (${((segments * 16 * MB) / MB).toFixed(0)} MB of WAL): per segment zstd | aws s3 cp ${floor.toFixed(1)} s, cronsnap shipping run ${shipping.toFixed(1)} s (receive, zstd and both sha256s per segment, then one upload of the segments and one of their manifests)`,
      },
    ];
  } finally {
    await source.sql("SELECT pg_drop_replication_slot('cronsnap_bench')").catch(() => undefined);
    await Promise.all([source.stop(), moto.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}
