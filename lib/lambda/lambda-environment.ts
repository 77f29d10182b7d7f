import * as z from 'zod';
import { ConfigError } from '../errors';
import { bucketRoleSchema } from '../replica/bucket-role';
import { formatIssues } from '../validation-issues';

/** Environment the stack gives every cronsnap function. */
export const lambdaEnvironmentSchema = z.object({
  CRONSNAP_BUCKET: z.string().min(3),
  CRONSNAP_KMS_KEY_ID: z.string().min(1),
  CRONSNAP_TOPIC_ARN: z.string().min(1),
  CRONSNAP_DOCUMENT_PREFIX: z.string().min(1),
  /** The deployment's log group every command's output goes to (SendCommand's CloudWatchLogGroupName: 1-512 of these characters). */
  CRONSNAP_COMMAND_LOG_GROUP: z.string().regex(/^[.\-_/#A-Za-z0-9]{1,512}$/, 'must be a CloudWatch Logs group name'),
  /** The function's region, which Lambda sets: where its console links point. */
  AWS_REGION: z.string().min(1),
  /** `replica` in the CronsnapReplica stack, whose bucket is the copy. */
  CRONSNAP_BUCKET_ROLE: bucketRoleSchema.default('source'),
  /** The validated config, bundled next to the handler at synth. */
  CRONSNAP_CONFIG_FILE: z.string().default('cronsnap.config.json'),
  /** The bucket S3 Inventory delivers to and reports are written to; only compliance-report gets it. */
  CRONSNAP_REPORTS_BUCKET: z.string().default(''),
  /** The etcd restore state machine; only the restore function gets it. */
  CRONSNAP_RESTORE_STATE_MACHINE_ARN: z.string().default(''),
  /** The state machine that runs this function's host programs to their end: the restore's or the drill's. */
  CRONSNAP_HOST_WORKFLOW_ARN: z.string().default(''),
});

export type LambdaEnvironment = z.infer<typeof lambdaEnvironmentSchema>;

export function readLambdaEnvironment(env: NodeJS.ProcessEnv = process.env): LambdaEnvironment {
  const result = lambdaEnvironmentSchema.safeParse(env);
  if (!result.success) throw new ConfigError(`function environment is incomplete:\n${formatIssues(result.error, 'env')}`);
  return result.data;
}
