/** `npm run bench`: every benchmark, then one table of ratios measured side by side in this run. */
import { benchEtcdSnapshotPipeline } from './etcd-snapshot-pipeline';
import { benchMysqlDumpPipeline } from './mysql-dump-pipeline';

const BENCHMARKS = [benchEtcdSnapshotPipeline, benchMysqlDumpPipeline];

async function main(): Promise<void> {
  const rows = [];
  for (const bench of BENCHMARKS) rows.push(...(await bench()));
  console.log('\nbenchmark                                   ratio   detail');
  for (const row of rows) console.log(`${row.name.padEnd(43)} ${row.ratio.toFixed(2).padStart(5)}x  ${row.detail}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
