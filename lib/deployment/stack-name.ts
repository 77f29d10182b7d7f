import * as z from 'zod';
import { ConfigError } from '../errors';
import { formatIssues } from '../validation-issues';

/** The CDK context key that names a deployment: `npx cdk deploy -c cronsnap:stackName=Staging`. */
export const STACK_NAME_CONTEXT = 'cronsnap:stackName';

/** The stack name of a deployment that names none. */
export const DEFAULT_STACK_NAME = 'Cronsnap';

/**
 * The longest name every name derived from it can take: the schedule group is named after the
 * stack, and EventBridge Scheduler allows 64 characters (which also keeps `<name>-restore` within
 * Step Functions' 80 and `<name>Replica` within CloudFormation's 128).
 */
export const MAX_STACK_NAME_LENGTH = 64;

/** IAM's longest role name, which the copy's replication role (`<name>-replication-<region>`) must fit. */
export const MAX_ROLE_NAME_LENGTH = 64;

/**
 * A deployment's stack name, as CloudFormation takes one (`[A-Za-z][A-Za-z0-9-]*`, at most 128
 * characters with the copy's suffix). Every name the deployment gives what it creates derives from
 * it (lib/deployment/deployment-names.ts), so the SSM document prefixes SSM keeps for itself are
 * refused here too.
 */
export const stackNameSchema = z
  .string()
  .max(MAX_STACK_NAME_LENGTH, `must be at most ${MAX_STACK_NAME_LENGTH} characters (the deployment's schedule group takes its name, and EventBridge Scheduler allows ${MAX_STACK_NAME_LENGTH})`)
  .regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must start with a letter and hold only letters, digits and hyphens (a CloudFormation stack name)')
  .refine((name) => !/^(aws|amazon|amzn)/i.test(name), {
    message: 'must not start with aws, amazon or amzn: SSM keeps those prefixes for its own documents, and cronsnap names its documents after the stack',
  });

/** The stack name given as `cronsnap:stackName` (the default without one), or a ConfigError naming that key. */
export function parseStackName(value: unknown = DEFAULT_STACK_NAME): string {
  const result = stackNameSchema.safeParse(value);
  if (!result.success) throw new ConfigError(formatIssues(result.error, `${STACK_NAME_CONTEXT} ${JSON.stringify(value)}`));
  return result.data;
}
