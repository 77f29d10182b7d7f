/**
 * The compliance report over BENCH_INVENTORY_ROWS (default 1,000,000) inventory rows: 20 jobs,
 * each run a payload, a manifest and a noncurrent version, with time and peak RSS of the report
 * process against plain `gzip -dc` of the same files. Targets (issue 7): under 60 s and 256 MB RSS.
 * The report runs bundled by esbuild under plain node, as the Lambda does, not under tsx.
 */
import { build } from 'esbuild';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPrefix } from '../lib/catalog/object-layout';
import { runIdFor } from '../lib/catalog/run-id';
import { COMPLIANCE_REPORT_OLD_SPACE_MB } from '../lib/compliance/compliance-report';
import { writeInventoryDirectory, type InventoryObject } from '../lib/local/inventory-writer';
import { run } from '../lib/local/run-command';
import { timed, type BenchResult } from './timing';

const BUCKET = 'cronsnap-bench-backups';
const JOBS = 20;
const CREATED = new Date('2026-11-24T01:00:00Z');

/** Hourly runs of every job, newest first, three rows each, until `rows` rows. */
function* inventoryRows(rows: number): Generator<InventoryObject> {
  const runsPerJob = Math.ceil(rows / 3 / JOBS);
  let produced = 0;
  for (let job = 0; job < JOBS; job += 1) {
    for (let index = 0; index < runsPerJob && produced < rows; index += 1) {
      const scheduled = new Date(Date.UTC(2026, 10, 24, 0) - index * 3600 * 1000);
      const prefix = `${runPrefix(`job-${job}`, runIdFor(`bench-${job}-${index}`, scheduled), scheduled)}/i-0123456789abcdef${job % 10}`;
      const lastModified = new Date(scheduled.getTime() + 90_000);
      const objects: InventoryObject[] = [
        { key: `${prefix}/snapshot.db.zst`, size: 50_000_000 + index, lastModified, storageClass: index > 720 ? 'GLACIER_IR' : 'STANDARD' },
        { key: `${prefix}/manifest.json`, size: 2048, lastModified },
        { key: `${prefix}/snapshot.db.zst`, size: 49_000_000, lastModified, isLatest: false },
      ];
      for (const object of objects) {
        if (produced >= rows) return;
        produced += 1;
        yield object;
      }
    }
  }
}

export async function benchComplianceReport(): Promise<BenchResult[]> {
  const rows = Number(process.env.BENCH_INVENTORY_ROWS ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'cronsnap-bench-inventory-'));
  try {
    const manifestKey = await writeInventoryDirectory(dir, BUCKET, inventoryRows(rows), CREATED);
    const dataDir = join(dir, manifestKey, '..', '..', 'data');
    const files = readdirSync(dataDir).map((file) => join(dataDir, file));
    const config = {
      version: 1,
      jobs: Array.from({ length: JOBS }, (_, job) => ({
        name: `job-${job}`,
        engine: 'etcd',
        schedule: '0 * * * *',
        targets: { instanceIds: ['i-0123456789abcdef0'] },
        etcd: { endpoints: ['http://127.0.0.1:2379'] },
        retention: { keepLast: 48, keepDaily: 30, keepMonthly: 12 },
      })),
    };
    const plain = await timed(() => run('sh', ['-c', `gzip -dc ${files.map((file) => `'${file}'`).join(' ')} > /dev/null`]));
    const worker = join(dir, 'worker.js');
    await build({ entryPoints: [join(__dirname, 'compliance-report-worker.ts')], bundle: true, platform: 'node', target: 'node20', minify: true, outfile: worker, logLevel: 'error' });
    // The same old-space cap the deployed function runs with (infra/constructs/compliance-reporting.ts).
    const stdout = await run(process.execPath, [`--max-old-space-size=${COMPLIANCE_REPORT_OLD_SPACE_MB}`, worker, dir, manifestKey, JSON.stringify(config), BUCKET]);
    const measured = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as { seconds: number; rows: number; peakRssMb: number };
    const rate = Math.round(measured.rows / measured.seconds);
    return [
      {
        name: 'compliance report vs gzip -dc alone',
        ratio: measured.seconds / plain.seconds,
        detail: `${measured.rows} rows in ${measured.seconds.toFixed(1)} s (${rate} rows/s; target < 60 s), gzip -dc ${plain.seconds.toFixed(2)} s`,
      },
      {
        name: 'compliance report peak RSS / 256 MB target',
        ratio: measured.peakRssMb / 256,
        detail: `${measured.peakRssMb.toFixed(0)} MB peak RSS of the report process`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
