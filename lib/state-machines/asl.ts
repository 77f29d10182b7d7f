import type { StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * A state machine in the Amazon States Language, as CloudFormation deploys it and as the local
 * mode executes it: one definition, so what runs here is what runs in AWS.
 */
export type AslDefinition = StateMachineDefinition;
export type AslState = AslDefinition['States'][string];

/** Step Functions' wildcard: it matches every error a Task raises, but not States.DataLimitExceeded or States.Runtime. */
export const ALL_ERRORS = 'States.ALL';

/**
 * The errors of Lambda's service, not of our code: retried with backoff. TooManyRequests is
 * throttling (the account's concurrency), which a restore must outlast rather than fail on.
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
] as const;

/** A step's Lambda stops at 15 minutes; the Task waits no longer. */
export const STEP_TIMEOUT_SECONDS = 900;

export interface LambdaTaskFields {
  /** The state after this one; absent for the last. */
  readonly Next?: string;
  /** The payload template (keys ending in `.$` are paths); absent, the function gets the whole state. */
  readonly Parameters?: Record<string, unknown>;
  readonly ResultPath?: string;
  readonly Catch?: { ErrorEquals: string[]; ResultPath?: string; Next: string }[];
}

/**
 * A Task that invokes `functionArn` with its input and takes its answer as the result (the
 * function's ARN as Resource, which is what CDK's payloadResponseOnly renders).
 */
export function lambdaTask(functionArn: string, fields: LambdaTaskFields): AslState {
  return {
    Type: 'Task',
    Resource: functionArn,
    TimeoutSeconds: STEP_TIMEOUT_SECONDS,
    Retry: [{ ErrorEquals: [...LAMBDA_SERVICE_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 }],
    ...fields,
    ...(fields.Next ? {} : { End: true }),
  } as AslState;
}
