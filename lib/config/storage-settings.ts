import * as z from 'zod';

/** S3 Object Lock on the backup bucket: every new object version is write-once for `days`. */
export const objectLockSchema = z
  .object({
    mode: z
      .enum(['governance', 'compliance'])
      .describe('governance: principals with s3:BypassGovernanceRetention may still delete; compliance: nobody can, root included'),
    days: z.number().int().min(1).max(36500).describe('default retention of every new object version'),
  })
  .strict();

/** Bucket-wide settings; the bucket is shared by every job. */
export const storageSettingsSchema = z
  .object({
    objectLock: objectLockSchema.optional().describe('write-once backups; can only be turned on when the bucket is created'),
  })
  .strict();

export type ObjectLockSettings = z.infer<typeof objectLockSchema>;
export type StorageSettings = z.infer<typeof storageSettingsSchema>;
