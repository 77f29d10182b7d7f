import * as z from 'zod';
import { RestoreError } from '../errors';
import { recoveredSchema, recoveryPlanSchema } from '../restore/database-restore';
import type { ReportLine } from '../ssm/report-lines';
import type { DrillCheck } from '../catalog/drill-result';

const countedSchema = z.object({ database: z.string(), rows: z.record(z.string(), z.number().int().nonnegative()) });

function line<S extends z.ZodType>(lines: readonly ReportLine[], kind: string, schema: S): z.infer<S> {
  const found = lines.find((candidate) => candidate.kind === kind);
  if (!found) throw new RestoreError(`the drill reported no ${kind} line`);
  return schema.parse(found.value);
}

/**
 * A drill of a physical base backup and its WAL: the copy stopped at its target second (not short
 * of it, where the WAL ran out), its newest transaction lies within one shipping RPO of that
 * second (the WAL just before it came back), and every database of the copy was read back.
 */
export function judgeRecoveryDrill(lines: readonly ReportLine[], rpoSeconds: number): DrillCheck[] {
  const { stopBefore } = line(lines, 'recoveryPlan', recoveryPlanSchema);
  const { stoppedBefore, reachedAt } = line(lines, 'recovered', recoveredSchema);
  const target = Date.parse(`${stopBefore.replace(' ', 'T')}Z`);
  const counted = lines.filter((candidate) => candidate.kind === 'counted').map((candidate) => countedSchema.parse(candidate.value));
  const tables = counted.reduce((sum, database) => sum + Object.keys(database.rows).length, 0);
  const earliest = target - rpoSeconds * 1000;
  return [
    {
      name: 'recovery stopped at its target',
      expected: `before ${stopBefore}`,
      actual: stoppedBefore === null ? `ended short, at ${reachedAt ?? 'no transaction'}` : `before ${stoppedBefore}`,
      passed: stoppedBefore !== null && Date.parse(stoppedBefore) >= target,
    },
    {
      name: 'newest transaction recovered',
      expected: `at or after ${new Date(earliest).toISOString()}`,
      actual: reachedAt ?? 'none',
      passed: reachedAt !== null && Date.parse(reachedAt) >= earliest,
    },
    { name: 'databases read back', expected: 'at least 1', actual: `${counted.length} databases, ${tables} tables`, passed: counted.length > 0 },
  ];
}
