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

/** Storage classes a restore reads at once; Glacier Flexible Retrieval and Deep Archive need a restore request first. */
export const REPLICA_STORAGE_CLASSES = ['STANDARD', 'STANDARD_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR'] as const;

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/[0-9a-f-]{36}$/;

/** A copy of the backup bucket in another region, or in another account, kept by S3 Replication. */
export const replicaSchema = z
  .object({
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-1')
      .describe('where the copy lives; the restore functions deployed there serve it while the source region is down'),
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional()
      .describe('another account that owns an existing copy bucket; cronsnap prints the bucket and key policy statements it must apply'),
    bucketName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name')
      .optional()
      .describe('the copy bucket; default cronsnap-replica-<account>-<region>, created by the CronsnapReplica stack'),
    kmsKeyArn: z
      .string()
      .regex(KMS_KEY_ARN, 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)')
      .optional()
      .describe("another account's key the copy is encrypted with; a copy in this account gets its own key"),
    replicationTimeControl: z.boolean().default(true).describe('S3 Replication Time Control: 99.99% of objects copied within 15 minutes, at extra cost'),
    storageClass: z.enum(REPLICA_STORAGE_CLASSES).default('STANDARD').describe('storage class of the copies; only classes a restore can read at once'),
  })
  .strict()
  .superRefine((replica, ctx) => {
    if (replica.account === undefined) {
      if (replica.kmsKeyArn !== undefined) ctx.addIssue({ code: 'custom', path: ['kmsKeyArn'], message: "names another account's key: give account too, or leave it out and the copy gets its own key" });
      return;
    }
    for (const field of ['bucketName', 'kmsKeyArn'] as const) {
      if (replica[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `a copy in account ${replica.account} is that account's bucket: give its ${field}` });
    }
    const key = replica.kmsKeyArn === undefined ? undefined : KMS_KEY_ARN.exec(replica.kmsKeyArn);
    if (key && (key[1] !== replica.region || key[2] !== replica.account)) {
      ctx.addIssue({ code: 'custom', path: ['kmsKeyArn'], message: `must be a key of account ${replica.account} in ${replica.region}, where the copy is; it is in ${key[2]} ${key[1]}` });
    }
  });

/** Bucket-wide settings; the bucket is shared by every job. */
export const storageSettingsSchema = z
  .object({
    objectLock: objectLockSchema.optional().describe('write-once backups; can only be turned on when the bucket is created'),
    replica: replicaSchema.optional().describe('a copy in another region or account, for the day this region or account is lost'),
  })
  .strict();

export type ObjectLockSettings = z.infer<typeof objectLockSchema>;
export type ReplicaSettings = z.infer<typeof replicaSchema>;
export type StorageSettings = z.infer<typeof storageSettingsSchema>;
