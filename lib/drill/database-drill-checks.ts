import * as z from 'zod';
import type { Manifest } from '../catalog/manifest';
import { RestoreError } from '../errors';
import type { ReportLine } from '../ssm/report-lines';
import { equalCheck, type DrillCheck } from '../catalog/drill-result';

type RowCounts = NonNullable<Extract<Manifest, { engine: 'mysql' }>['mysql']['rowCounts']>;

/** What a database drill reports per scratch database: `counted {database, into, rows}`. */
const countedSchema = z.object({ database: z.string(), into: z.string(), rows: z.record(z.string(), z.number().int().nonnegative()) });

const NO_TABLE = 'no such table';

/** What a drill to a second counted in the replayed row events: inserted minus deleted rows per database and table. */
const replayedRowsSchema = z.record(z.string(), z.record(z.string(), z.number().int()));

/**
 * The rows a drilled copy must hold: those its dump recorded, plus what the replayed binary logs
 * inserted and minus what they deleted (the drill's `replayedRows` line), per table.
 */
export function rowsAtTarget(recorded: RowCounts | null | undefined, lines: readonly ReportLine[]): RowCounts | null | undefined {
  const line = lines.find((candidate) => candidate.kind === 'replayedRows');
  if (!line || !recorded) return recorded;
  const changes = replayedRowsSchema.parse(line.value);
  const expected: Record<string, Record<string, number>> = Object.fromEntries(Object.entries(recorded).map(([database, tables]) => [database, { ...tables }]));
  for (const [database, tables] of Object.entries(changes)) {
    const counts = (expected[database] ??= {});
    for (const [table, delta] of Object.entries(tables)) counts[table] = (counts[table] ?? 0) + delta;
  }
  return expected;
}

/**
 * Every drilled database came back, and every table in it holds the rows the manifest recorded at
 * dump time (changed by the replayed logs, in a drill to a second): a table missing on either side
 * fails as `no such table`. A backup taken before row counts were recorded is judged on its
 * databases alone.
 */
export function judgeDatabaseDrill(dumped: RowCounts | null | undefined, databases: readonly string[], lines: readonly ReportLine[]): DrillCheck[] {
  const recorded = rowsAtTarget(dumped, lines);
  const counted = lines.filter((line) => line.kind === 'counted').map((line) => countedSchema.parse(line.value));
  if (counted.length === 0) throw new RestoreError('the drill reported no restored database (no counted line in its output)');
  const checks = [equalCheck('databases restored', databases.join(','), counted.map((database) => database.database).join(','))];
  if (!recorded) return checks;
  for (const { database, rows } of counted) {
    const expected = recorded[database] ?? {};
    const tables = [...new Set([...Object.keys(expected), ...Object.keys(rows)])].sort();
    for (const table of tables) checks.push(equalCheck(`rows ${database}.${table}`, expected[table] ?? NO_TABLE, rows[table] ?? NO_TABLE));
  }
  return checks;
}
