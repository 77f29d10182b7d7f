import { z } from 'zod';

/** How long backups live: a count for pruning, days for the S3 lifecycle rules of the job's prefix. */
export const retentionSchema = z
  .object({
    keepLast: z.number().int().min(1).max(10000).default(7).describe('backups kept by count, newest first'),
    noncurrentVersionDays: z
      .number()
      .int()
      .min(1)
      .default(30)
      .describe('days a deleted or overwritten object stays recoverable as a noncurrent version'),
    infrequentAccessAfterDays: z.number().int().min(30).optional().describe('move to STANDARD_IA after this many days'),
    glacierAfterDays: z.number().int().min(1).optional().describe('move to GLACIER_IR after this many days'),
    maxAgeDays: z.number().int().min(1).optional().describe('hard maximum age: objects expire after this many days'),
  })
  .strict()
  .refine(
    (r) => r.maxAgeDays === undefined || r.glacierAfterDays === undefined || r.maxAgeDays > r.glacierAfterDays,
    { message: 'maxAgeDays must be later than glacierAfterDays', path: ['maxAgeDays'] },
  );

export type Retention = z.infer<typeof retentionSchema>;
