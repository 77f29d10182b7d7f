import * as z from 'zod';
import { ConfigError } from '../errors';
import { REPLICA_STACK_SUFFIX } from '../replica/replica-target';
import { formatIssues } from '../validation-issues';

/** The CDK context key that names a deployment: `npx cdk deploy -c cronsnap:stackName=Staging`. */
export const STACK_NAME_CONTEXT = 'cronsnap:stackName';

/** The stack name of a deployment that names none. */
export const DEFAULT_STACK_NAME = 'Cronsnap';

/** CloudFormation's longest stack name, less the suffix the copy's stack adds (`<name>Replica`). */
export const MAX_STACK_NAME_LENGTH = 128 - REPLICA_STACK_SUFFIX.length;

/**
 * A deployment's stack name, as CloudFormation takes one (`[A-Za-z][A-Za-z0-9-]*`, at most 128
 * characters with the copy's suffix). Every name the deployment gives what it creates derives from
 * it (lib/deployment/deployment-names.ts), so the SSM document prefixes SSM keeps for itself are
 * refused here too.
 */
export const stackNameSchema = z
  .string()
  .max(MAX_STACK_NAME_LENGTH, `must be at most ${MAX_STACK_NAME_LENGTH} characters (CloudFormation's 128, less the copy stack's suffix ${REPLICA_STACK_SUFFIX})`)
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
