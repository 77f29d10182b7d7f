import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import * as z from 'zod';
import { ConfigError } from '../errors';
import { formatIssues } from '../validation-issues';

/** The outputs of the deployed stack that the CLI needs (infra/cronsnap-stack.ts). */
export const stackOutputsSchema = z.object({
  BackupBucket: z.string().min(3),
  ReportsBucket: z.string().min(3),
  ScheduledBackupFunction: z.string().min(1),
  ListBackupsFunction: z.string().min(1),
  RestoreFunction: z.string().min(1),
  KeepBackupFunction: z.string().min(1),
  RestoreDrillFunction: z.string().min(1),
  DocumentPrefix: z.string().min(3),
  /** Absent from stacks deployed before `cronsnap status`. */
  JobStatusFunction: z.string().min(1).optional(),
  /** Where the hosts' command output goes; absent from stacks deployed before it. */
  CommandLogGroup: z.string().min(1).optional(),
});

export type StackOutputs = z.infer<typeof stackOutputsSchema>;

/** The outputs of the copy's stack (infra/cronsnap-replica-stack.ts): it lists and restores, nothing else. */
export const replicaStackOutputsSchema = stackOutputsSchema.pick({ BackupBucket: true, ListBackupsFunction: true, RestoreFunction: true, DocumentPrefix: true, CommandLogGroup: true });

/** Reads the stack's outputs; a stack deployed before the CLI existed is named as such. */
export async function readStackOutputs<S extends z.ZodType<Record<string, string>>>(client: CloudFormationClient, stackName: string, schema: S): Promise<z.infer<S>> {
  const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
  const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']));
  const result = schema.safeParse(outputs);
  if (!result.success) throw new ConfigError(`stack ${stackName} lacks outputs the CLI needs (deploy this version):\n${formatIssues(result.error, 'Outputs')}`);
  return result.data;
}
