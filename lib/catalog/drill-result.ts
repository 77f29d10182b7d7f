import { cronsnapVersionField } from '../cronsnap-version';
import * as z from 'zod';

/** One comparison of what the drill restored with what the backup's manifest recorded. */
export const drillCheckSchema = z.object({
  name: z.string(),
  expected: z.union([z.string(), z.number()]),
  actual: z.union([z.string(), z.number()]),
  passed: z.boolean(),
});

/** `drills/<job>/<drillId>.json`: what one drill restored, what it found, and its verdict. */
export const drillResultSchema = z.object({
  formatVersion: z.literal(1),
  cronsnapVersion: cronsnapVersionField,
  job: z.string(),
  drillId: z.string(),
  passed: z.boolean(),
  /** Why it failed: the host's own reason, or the checks that did not pass. */
  reason: z.string().optional(),
  /** The backup drilled; absent when none could be chosen. */
  backup: z.object({ runId: z.string(), host: z.string(), manifestKey: z.string() }).optional(),
  drillHost: z.string().optional(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  /** Wall time of the host's restore program (download, verify, restore, read back, clean up). */
  restoreSeconds: z.number().nonnegative(),
  checks: z.array(drillCheckSchema),
});

export type DrillCheck = z.infer<typeof drillCheckSchema>;
export type DrillResult = z.infer<typeof drillResultSchema>;

/** A check that passes when `actual` equals `expected`. */
export function equalCheck(name: string, expected: string | number, actual: string | number): DrillCheck {
  return { name, expected, actual, passed: expected === actual };
}

/** The failed checks as one line, e.g. `keys: expected 52, restored 51`. */
export function failedChecks(checks: readonly DrillCheck[]): string {
  return checks
    .filter((check) => !check.passed)
    .map((check) => `${check.name}: expected ${check.expected}, restored ${check.actual}`)
    .join('; ');
}
