import { parse } from 'csv-parse';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { InvalidInventoryError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { judgeJob, type JobReport } from './compliance-rules';
import type { ComplianceReport } from './report-contents';
import { parseInventoryManifest, type InventoryManifest } from './inventory-manifest';
import { InventoryRowReader } from './inventory-row';
import { InventoryTally } from './inventory-tally';
import { readPointInTimeStatus } from './point-in-time-status';
import { renderReportCsv } from './report-csv';
import { renderReportHtml } from './report-html';
import { readKeepMarkers } from '../retention/backup-keeps';

/**
 * V8 old-space cap for the report process: the tally of a million-row inventory needs about
 * 100 MB, and without a cap V8 lets garbage grow far past that before it collects.
 */
export const COMPLIANCE_REPORT_OLD_SPACE_MB = 160;

export interface ComplianceReportDeps {
  readonly config: CronsnapConfig;
  /** The reports bucket: the inventory is read from it and the report written to it. */
  readonly reports: ObjectStore;
  /** The backup bucket's name: an inventory of any other bucket is refused. */
  readonly backupBucket: string;
  /** The backup bucket, read only for the dump and log manifests of jobs that ship binary logs. */
  readonly backups: ObjectStore;
  readonly now: () => Date;
}

/** Where a report goes: by the inventory's day, and a copy under `latest/` for bookmarks. */
export function reportPrefixes(createdAt: Date): string[] {
  return [`reports/${createdAt.toISOString().slice(0, 10)}`, 'reports/latest'];
}

/** Streams every CSV file of the inventory through the tally: gunzip and parse, one row at a time. */
async function tallyInventory(manifest: InventoryManifest, deps: ComplianceReportDeps): Promise<InventoryTally> {
  const tally = new InventoryTally(deps.config, manifest.createdAt);
  const reader = new InventoryRowReader(manifest.columns);
  for (const file of manifest.files) {
    const records = parse({ relax_column_count: true, skip_empty_lines: true });
    const parsing = pipeline(await deps.reports.getStream(file.key), createGunzip(), records);
    // Awaited below; this only keeps a failure seen first by the loop from going unhandled.
    parsing.catch(() => undefined);
    let line = 0;
    try {
      for await (const record of records as AsyncIterable<string[]>) {
        line += 1;
        tally.add(reader.read(record, `${file.key} line ${line}`));
      }
      await parsing;
    } catch (cause) {
      if (cause instanceof InvalidInventoryError) throw cause;
      throw new InvalidInventoryError(`${file.key} after line ${line}: ${(cause as Error).message}`, { cause });
    }
  }
  return tally;
}

/**
 * Builds the compliance report from one S3 Inventory manifest and writes report.json,
 * report.csv and report.html next to each other. The inventory is streamed, never held whole.
 */
export async function buildComplianceReport(manifestKey: string, deps: ComplianceReportDeps): Promise<{ report: ComplianceReport; keys: string[] }> {
  const text = await deps.reports.getText(manifestKey);
  if (text === undefined) throw new InvalidInventoryError(`${manifestKey} does not exist`);
  const manifest = parseInventoryManifest(text, manifestKey);
  if (manifest.sourceBucket !== deps.backupBucket) {
    throw new InvalidInventoryError(`${manifestKey}: manifest.sourceBucket is ${manifest.sourceBucket}, not the backup bucket ${deps.backupBucket}`);
  }
  const tally = await tallyInventory(manifest, deps);
  const now = manifest.createdAt.getTime();
  const jobs: JobReport[] = [];
  for (const job of deps.config.jobs) {
    const jobTally = tally.jobs.get(job.name);
    if (!jobTally) throw new Error(`no tally for ${job.name}`);
    const pointInTime = jobTally.logs && (await readPointInTimeStatus(job.name, jobTally.logs, deps.backups));
    const keeps = await readKeepMarkers(deps.backups, [...jobTally.keepMarkers.values()]);
    jobs.push(judgeJob(job, jobTally, deps.config, now, pointInTime, keeps));
  }
  const violations = jobs.reduce((sum, job) => sum + job.checks.filter((check) => !check.ok).length, 0);
  const report: ComplianceReport = {
    generatedAt: deps.now().toISOString(),
    inventory: { sourceBucket: manifest.sourceBucket, createdAt: manifest.createdAt.toISOString(), manifestKey, rows: tally.rows, otherObjects: tally.otherObjects },
    ok: violations === 0,
    violations,
    jobs,
  };
  const outputs: [string, string, string][] = [
    ['report.json', `${JSON.stringify(report, null, 2)}\n`, 'application/json'],
    ['report.csv', renderReportCsv(report), 'text/csv; charset=utf-8'],
    ['report.html', renderReportHtml(report), 'text/html; charset=utf-8'],
  ];
  const keys: string[] = [];
  for (const prefix of reportPrefixes(manifest.createdAt)) {
    for (const [name, body, contentType] of outputs) {
      await deps.reports.put(`${prefix}/${name}`, body, contentType);
      keys.push(`${prefix}/${name}`);
    }
  }
  return { report, keys };
}
