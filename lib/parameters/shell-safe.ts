import * as z from 'zod';

/**
 * Patterns for every value that reaches a host shell. The same regexes become the SSM document
 * parameters' `allowedPattern`, so the Lambda and the SSM service refuse the same inputs.
 */
export const PATTERNS = {
  jobName: '^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$',
  absolutePath: '^/[A-Za-z0-9._/-]{0,4095}$',
  endpoint: '^https?://[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$',
  /** A command and its arguments separated by single spaces, e.g. `crictl exec -i etcd-abc etcdctl`. */
  commandWords: '^[A-Za-z0-9._/:=@-]{1,256}( [A-Za-z0-9._/:=@-]{1,256}){0,15}$',
  token: '^[A-Za-z0-9._-]{1,128}$',
} as const;

const regex = (pattern: string): RegExp => new RegExp(pattern);

export const jobName = z
  .string()
  .regex(regex(PATTERNS.jobName), 'must be 3-63 lower-case letters, digits or hyphens, starting and ending with a letter or digit (it becomes an S3 prefix)');
export const absolutePath = z
  .string()
  .regex(regex(PATTERNS.absolutePath), 'must be an absolute path of letters, digits and . _ / - only');
export const endpointUrl = z
  .string()
  .regex(regex(PATTERNS.endpoint), 'must look like https://10.0.0.1:2379 (scheme, host, port; nothing else)');
export const commandWords = z
  .string()
  .regex(regex(PATTERNS.commandWords), 'must be a command and its arguments separated by single spaces, without quotes or shell metacharacters');
export const token = z.string().regex(regex(PATTERNS.token), 'must be letters, digits and . _ - only');
