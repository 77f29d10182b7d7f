/**
 * Run by bench/compliance-report.ts in its own process, so its peak RSS is the report's alone:
 * builds the report from the inventory under argv[2] and prints one JSON line of measurements.
 */
import { DirectoryObjectStore } from '../lib/adapters/directory-object-store';
import { buildComplianceReport } from '../lib/compliance/compliance-report';
import { parseConfig } from '../lib/config/load-config';

async function main(): Promise<void> {
  const [root = '', manifestKey = '', configJson = '', bucket = ''] = process.argv.slice(2);
  const started = process.hrtime.bigint();
  const store = new DirectoryObjectStore(root);
  const { report } = await buildComplianceReport(manifestKey, {
    config: parseConfig(JSON.parse(configJson)),
    reports: store,
    backupBucket: bucket,
    backups: store,
    now: () => new Date(),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ seconds, rows: report.inventory.rows, peakRssMb: process.resourceUsage().maxRSS / 1024, violations: report.violations }));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
