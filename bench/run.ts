/**
 * `npm run bench`: every benchmark, then one table of ratios measured side by side in this run.
 * `BENCH_ONLY=compliance npm run bench` runs those whose name contains the word.
 */
import { benchLargeData } from './at-scale';
import { benchCliSettings } from './cli-settings';
import { benchCliStart } from './cli-start';
import { benchComplianceReport } from './compliance-report';
import { benchEtcdDrill } from './etcd-drill';
import { benchEtcdSnapshotPipeline } from './etcd-snapshot-pipeline';
import { benchFleetSynth } from './fleet-synth';
import { benchLambdaBundles } from './lambda-bundles';
import { benchMysqlDumpPipeline } from './mysql-dump-pipeline';
import { benchMysqlRestore } from './mysql-restore';
import { benchPointInTimeRestore } from './point-in-time-restore';
import { benchWalShipping } from './wal-shipping';

const BENCHMARKS = [benchEtcdSnapshotPipeline, benchEtcdDrill, benchMysqlDumpPipeline, benchMysqlRestore, benchComplianceReport, benchLambdaBundles, benchLargeData, benchCliSettings, benchWalShipping, benchPointInTimeRestore, benchFleetSynth, benchCliStart];

async function main(): Promise<void> {
  const rows = [];
  const only = process.env.BENCH_ONLY?.toLowerCase();
  for (const bench of BENCHMARKS.filter((candidate) => !only || candidate.name.toLowerCase().includes(only))) rows.push(...(await bench()));
  console.log('\nbenchmark                                   ratio   detail');
  for (const row of rows) console.log(`${row.name.padEnd(43)} ${Number.isNaN(row.ratio) ? '  n/a ' : `${row.ratio.toFixed(2).padStart(5)}x`}  ${row.detail}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
