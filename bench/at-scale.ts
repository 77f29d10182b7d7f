/**
 * Issue 23's bench at scale: a MariaDB dump and an etcd snapshot at each of BENCH_SCALE_MB
 * (default 400,2048) MB, each row printed as soon as it is measured (a fixture of 2 GB takes
 * minutes to build, and says so first). For each size: the full run against the raw dump, against
 * the bare `dump | zstd | aws s3 cp -` floor, and `| gzip -6` against the full run; the fixed cost
 * of a run (the same job on an empty database); and the peak RSS of the host program's processes.
 * S3 writes go to an endpoint that discards them (null-sink.ts): moto's own ingest of 2 GB would
 * be what is measured otherwise. Each contender is timed BENCH_SCALE_ROUNDS (default 1) times.
 * Targets at 2 GB: full run <= 1.15x the floor, gzip >= 5x slower than the full run, host RSS <= 128 MB.
 */
import { rmSync } from 'node:fs';
import { run } from '../lib/local/run-command';
import { startEtcd } from '../lib/local/etcd-server';
import { parseConfig } from '../lib/config/load-config';
import { benchService } from './bench-storage';
import { withFilledEtcd } from './filled-etcd';
import { BENCH_PASSWORD, withFilledMariaDb } from './filled-mariadb';
import { sampleHostRss, type RssPeak } from './host-rss';
import { startNullSink } from './null-sink';
import { sideBySide, timed, type BenchResult } from './timing';

/** BENCH_SCALE_MB, else 2048 alone for `BENCH_ONLY=large`, else 400 and 2048. */
function sizes(): number[] {
  const listed = (process.env.BENCH_SCALE_MB ?? (process.env.BENCH_ONLY?.toLowerCase() === 'large' ? '2048' : '400,2048')).split(',').map(Number);
  if (listed.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`BENCH_SCALE_MB must list sizes in MB, got '${process.env.BENCH_SCALE_MB}'`);
  return listed;
}

const rounds = () => Number(process.env.BENCH_SCALE_ROUNDS ?? 1);

/** Prints `row` now, as the table's own line, and keeps it for the summary. */
function reported(row: BenchResult): BenchResult {
  console.log(`${row.name.padEnd(43)} ${row.ratio.toFixed(2).padStart(5)}x  ${row.detail}`);
  return row;
}

/** `work`'s peak RSS (MB) of the process trees under `root`, sampled throughout. */
async function peakRssOf(work: () => Promise<void>, root?: string): Promise<RssPeak> {
  const sampler = sampleHostRss(root);
  try {
    await work();
  } catch (error) {
    await sampler.stop();
    throw error;
  }
  return sampler.stop();
}

const NO_PEAK: RssPeak = { anonMb: 0, fileMb: 0, largest: '' };
const higher = (a: RssPeak, b: RssPeak) => (b.anonMb > a.anonMb ? b : a);

/** null-sink.ts runs the bare floor pipeline as `bash -c "set -o pipefail; ..."`. */
const FLOOR_ROOT = 'bash -c set -o pipefail;';

interface Measured {
  readonly engine: string;
  readonly size: number;
  readonly raw: number;
  readonly floor: number;
  readonly full: number;
  readonly gzip: number;
  readonly fixed: number;
  /** The floor with the checks a run makes on the way: what the run's own per-byte work costs. */
  readonly checked: number;
  readonly peak: RssPeak;
  /** The bare floor pipeline's own peak RSS: what the dump, zstd and the aws CLI take without cronsnap. */
  readonly floorPeak: RssPeak;
}

/**
 * What a run does to every byte besides the floor's: the compressed stream's sha256 and size, and
 * its decompression hashed (the raw sha256, which proves the payload decodes).
 */
const CHECKS = ' | tee >(openssl dgst -sha256 >/dev/null) >(wc -c >/dev/null) >(zstd -d -c | openssl dgst -sha256 >/dev/null)';

function rows({ engine, size, raw, floor, full, gzip, fixed, checked, peak, floorPeak }: Measured): BenchResult[] {
  const label = `${engine} ${size} MB`;
  return [
    reported({ name: `${label}: full run / raw`, ratio: full / raw, detail: `raw ${raw.toFixed(2)} s, full run ${full.toFixed(2)} s` }),
    reported({ name: `${label}: full run / floor`, ratio: full / floor, detail: `the bare dump | zstd | aws s3 cp - ${floor.toFixed(2)} s [target at 2 GB <= 1.15x]` }),
    reported({ name: `${label}: floor with the run's checks / floor`, ratio: checked / floor, detail: `the floor | tee to sha256, wc and zstd -d | sha256: ${checked.toFixed(2)} s` }),
    reported({ name: `${label}: full run / floor with checks`, ratio: full / checked, detail: 'what remains: the CLI starts for the secret and the manifest, the manifest, bash' }),
    reported({ name: `${label}: gzip -6 / full run`, ratio: gzip / full, detail: `| gzip -6 ${gzip.toFixed(2)} s [target at 2 GB >= 5x]` }),
    reported({ name: `${label}: gzip -6 / floor`, ratio: gzip / floor, detail: 'the most the previous row can be on this machine: the full run is never faster than the floor' }),
    reported({ name: `${label}: fixed cost / full run`, ratio: fixed / full, detail: `a run on an empty database ${fixed.toFixed(2)} s` }),
    reported({
      name: `${label}: host RSS / 128 MB`,
      ratio: peak.anonMb / 128,
      detail:
        `${peak.anonMb.toFixed(0)} MB peak anonymous RSS of the host program's processes (${peak.largest}; ${peak.fileMb.toFixed(0)} MB of mapped files besides); ` +
        `the bare floor pipeline's ${floorPeak.anonMb.toFixed(0)} MB (${floorPeak.largest}) [target <= 1x]`,
    }),
  ];
}

async function mysqlAtScale(size: number): Promise<BenchResult[]> {
  console.log(`building a ${size} MB MariaDB fixture (sysbench rows)...`);
  return withFilledMariaDb(
    `cronsnap-scale-mysql-${size}`,
    async ({ dir, db, moto, bucket, kmsKeyId, clientCnf, service: serviceFor }) => {
      const dump = `mysqldump --defaults-extra-file='${clientCnf}' --protocol=TCP -h 127.0.0.1 -P ${db.port} --single-transaction --routines --triggers --events --hex-blob --databases bench`;
      const host = 'mi-0be0c0000000000c1';
      const sink = await startNullSink({ service: serviceFor(host, { databases: ['bench'] }), moto, bucket, kmsKeyId, host, dir, job: 'bench-mysql', password: BENCH_PASSWORD });
      const empty = await startNullSink({ service: serviceFor(host, { databases: ['emptydb'] }), moto, bucket, kmsKeyId, host, dir, job: 'bench-mysql', password: BENCH_PASSWORD });
      try {
        let peak = NO_PEAK;
        let floorPeak = NO_PEAK;
        const measured = await sideBySide(
          {
            raw: () => run('sh', ['-c', `${dump} > /dev/null`]),
            floor: async () => {
              floorPeak = higher(floorPeak, await peakRssOf(() => sink.uploadOutputOf(`${dump} | zstd -q -1 -T0`), FLOOR_ROOT));
            },
            full: async () => {
              peak = higher(peak, await peakRssOf(() => sink.runOnce()));
            },
            fixed: () => empty.runOnce(),
            checked: () => sink.uploadOutputOf(`${dump} | zstd -q -1 -T0${CHECKS}`),
          },
          rounds(),
        );
        const gzip = await timed(() => run('bash', ['-c', `set -o pipefail; ${dump} | gzip -6 > /dev/null`]));
        const seconds = { raw: measured.raw.seconds, floor: measured.floor.seconds, full: measured.full.seconds, fixed: measured.fixed.seconds, checked: measured.checked.seconds };
        return rows({ engine: 'mysql', size, ...seconds, gzip: gzip.seconds, peak, floorPeak });
      } finally {
        await Promise.all([sink.stop(), empty.stop()]);
      }
    },
    size,
  );
}

async function etcdAtScale(size: number): Promise<BenchResult[]> {
  console.log(`building a ${size} MB etcd fixture (8 KB /registry/ keys)...`);
  return withFilledEtcd(
    `cronsnap-scale-etcd-${size}`,
    async ({ dir, etcd, moto, bucket, kmsKeyId, service: serviceFor }) => {
      const host = 'mi-0be0c0000000000c2';
      const snapshot = `${dir}/plain.db`;
      const save = `ETCDCTL_API=3 etcdctl --endpoints=${etcd.clientUrl} snapshot save '${snapshot}' >/dev/null`;
      const sink = await startNullSink({ service: serviceFor(host), moto, bucket, kmsKeyId, host, dir, job: 'bench-etcd' });
      const emptyEtcd = await startEtcd({ name: 'bench-empty' });
      const emptyConfig = parseConfig({
        version: 1,
        jobs: [{ name: 'bench-etcd', engine: 'etcd', schedule: '@daily', targets: { instanceIds: [host] }, etcd: { endpoints: [emptyEtcd.clientUrl], workDir: dir } }],
      });
      const empty = await startNullSink({ service: benchService({ dir, moto, bucket, kmsKeyId }, emptyConfig, host), moto, bucket, kmsKeyId, host, dir, job: 'bench-etcd' });
      try {
        let peak = NO_PEAK;
        let floorPeak = NO_PEAK;
        const measured = await sideBySide(
          {
            raw: () => run('sh', ['-c', `${save} && rm -f '${snapshot}'`]),
            floor: async () => {
              // `a && b | c` pipes b alone into the upload; the snapshot is removed after it.
              floorPeak = higher(floorPeak, await peakRssOf(() => sink.uploadOutputOf(`${save} && zstd -q -1 -T0 -c '${snapshot}'`), FLOOR_ROOT));
              rmSync(snapshot, { force: true });
            },
            full: async () => {
              peak = higher(peak, await peakRssOf(() => sink.runOnce()));
            },
            fixed: () => empty.runOnce(),
            checked: async () => {
              await sink.uploadOutputOf(`${save} && zstd -q -1 -T0 -c '${snapshot}'${CHECKS}`);
              rmSync(snapshot, { force: true });
            },
          },
          rounds(),
        );
        const gzip = await timed(() => run('bash', ['-c', `set -o pipefail; ${save} && gzip -6 -c '${snapshot}' > /dev/null && rm -f '${snapshot}'`]));
        const seconds = { raw: measured.raw.seconds, floor: measured.floor.seconds, full: measured.full.seconds, fixed: measured.fixed.seconds, checked: measured.checked.seconds };
        return rows({ engine: 'etcd', size, ...seconds, gzip: gzip.seconds, peak, floorPeak });
      } finally {
        await Promise.all([sink.stop(), empty.stop(), emptyEtcd.stop()]);
      }
    },
    size,
  );
}

/** `BENCH_ONLY=large` runs it alone. */
export async function benchLargeData(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const size of sizes()) {
    results.push(...(await mysqlAtScale(size)), ...(await etcdAtScale(size)));
  }
  return results;
}
