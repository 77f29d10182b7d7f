import * as z from 'zod';

const keepCount = (what: string) => z.number().int().min(0).max(1000).default(0).describe(`keep the newest backup of each of the last N ${what} that have one`);

/**
 * How long backups live. Pruning keeps the union of `keepLast` and the daily/weekly/monthly
 * (grandfather-father-son) counts; the days drive the S3 lifecycle rules of the job's prefix.
 */
export const retentionSchema = z
  .object({
    keepLast: z.number().int().min(1).max(10000).default(7).describe('backups kept by count, newest first'),
    keepDaily: keepCount('days (UTC)'),
    keepWeekly: keepCount('ISO weeks (UTC)'),
    keepMonthly: keepCount('months (UTC)'),
    onDemandKeepDays: z
      .number()
      .int()
      .min(1)
      .max(36500)
      .default(30)
      .describe('days a backup started by hand (backup-now) is kept; such backups never count toward keepLast or the daily/weekly/monthly counts'),
    noncurrentVersionDays: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe('days a pruned or overwritten object stays recoverable as a noncurrent version'),
    infrequentAccessAfterDays: z.number().int().min(30).optional().describe('move to STANDARD_IA after this many days'),
    glacierAfterDays: z.number().int().min(1).optional().describe('move to GLACIER_IR after this many days'),
    maxAgeDays: z.number().int().min(1).optional().describe('hard maximum age, a backstop to pruning: objects expire after this many days'),
  })
  .strict()
  .superRefine((r, ctx) => {
    // S3 moves objects only down its waterfall (STANDARD_IA to GLACIER_IR, never back), after 30
    // days in STANDARD_IA, and refuses a lifecycle rule that says otherwise.
    if (r.infrequentAccessAfterDays !== undefined && r.glacierAfterDays !== undefined) {
      if (r.glacierAfterDays <= r.infrequentAccessAfterDays) {
        ctx.addIssue({
          code: 'custom',
          path: ['infrequentAccessAfterDays'],
          message: `S3 cannot move objects from GLACIER_IR (glacierAfterDays ${r.glacierAfterDays}) to STANDARD_IA; make infrequentAccessAfterDays earlier than glacierAfterDays, or leave one out`,
        });
      } else if (r.glacierAfterDays < r.infrequentAccessAfterDays + 30) {
        ctx.addIssue({
          code: 'custom',
          path: ['glacierAfterDays'],
          message: `must be at least ${r.infrequentAccessAfterDays + 30}: S3 keeps objects 30 days in STANDARD_IA (infrequentAccessAfterDays ${r.infrequentAccessAfterDays}) before moving them to GLACIER_IR`,
        });
      }
    }
    if (r.maxAgeDays === undefined) return;
    // S3 refuses an expiration that is not later than every transition.
    for (const transition of ['infrequentAccessAfterDays', 'glacierAfterDays'] as const) {
      const days = r[transition];
      if (days !== undefined && r.maxAgeDays <= days) {
        ctx.addIssue({ code: 'custom', path: ['maxAgeDays'], message: `maxAgeDays must be later than ${transition}` });
      }
    }
    // The backstop must not expire what the counts promise to keep.
    const promisedDays = Math.max(r.keepDaily, r.keepWeekly * 7, r.keepMonthly * 31, r.onDemandKeepDays);
    if (r.maxAgeDays <= promisedDays) {
      ctx.addIssue({ code: 'custom', path: ['maxAgeDays'], message: `maxAgeDays must be more than ${promisedDays}, the days keepDaily/keepWeekly/keepMonthly/onDemandKeepDays promise` });
    }
  });

export type Retention = z.infer<typeof retentionSchema>;
