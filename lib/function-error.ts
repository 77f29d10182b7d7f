import { ConfigError, CronsnapError, InvalidEventError, ManifestError, NoTargetError, RestoreError, RestoreRefusedError, UnknownJobError } from './errors';

/** A deployed function answered with an error that is not one of ours: a bug or a runtime failure there. */
export class FunctionError extends CronsnapError {}

/** Our error types by the name Lambda reports as errorType, so a function's refusal means here what it meant there. */
const KNOWN = { ConfigError, InvalidEventError, ManifestError, NoTargetError, RestoreError, RestoreRefusedError, UnknownJobError } as const;

/** The Fail states of the etcd restore (ETCD_RESTORE_FAILURES): each a failed restore, told by its Cause. */
const RESTORE_FAILURES = new Set(['RestoreFailed', 'RestoreRolledBack', 'RestoreCleanupFailed', 'RevisionNotAdvanced', 'ReplaceFailed']);

/** Lambda's error payload (also a Task's Cause): `{errorType, errorMessage, trace}`, or the runtime's own text. */
function parseLambdaError(payload: string): { type?: string; message?: string } {
  try {
    const parsed = JSON.parse(payload || '{}') as { errorType?: unknown; errorMessage?: unknown };
    return {
      ...(typeof parsed.errorType === 'string' ? { type: parsed.errorType } : {}),
      ...(typeof parsed.errorMessage === 'string' ? { message: parsed.errorMessage } : {}),
    };
  } catch {
    return {};
  }
}

/** The message of a Lambda error as a Task's Cause carries it; a Cause that is not Lambda's JSON is the message itself. */
export function lambdaErrorMessage(cause: string): string {
  return parseLambdaError(cause).message ?? cause;
}

/**
 * The error a function's answer stands for: the same class for our own (an unknown job is a usage
 * error here as there), a FunctionError naming the function for anything else.
 */
export function errorFromFunction(functionName: string, payload: string): CronsnapError {
  const parsed = parseLambdaError(payload);
  const type = parsed.type ?? 'Error';
  const message = parsed.message ?? payload;
  const Known = Object.hasOwn(KNOWN, type) ? KNOWN[type as keyof typeof KNOWN] : undefined;
  return Known ? new Known(message) : new FunctionError(`${functionName} failed: ${type}: ${message}`);
}

/** The failed step's cause and its clean-up's, one per line as the etcd restore's CleanupFailed state joins them. */
function cleanupCauses(cause: string): [string, string] {
  const at = cause.indexOf('\n');
  return at < 0 ? [cause, 'unknown'] : [cause.slice(0, at), cause.slice(at + 1)];
}

/**
 * The error a failed execution stands for, from its error name and cause (DescribeExecution's, or
 * the local interpreter's): a step's own error as the function raised it, an etcd restore's Fail
 * state as a RestoreError with the account its Cause gives.
 */
export function errorFromExecution(what: string, error: string | undefined, cause: string | undefined): CronsnapError {
  if (error === 'RestoreCleanupFailed') {
    const [failed, cleanUp] = cleanupCauses(cause ?? '');
    return new RestoreError(`${lambdaErrorMessage(failed)}; the clean-up step (abandon or rollback) failed too, so members may be stopped or hold restore markers (see ${what}): ${lambdaErrorMessage(cleanUp)}`);
  }
  if (error && RESTORE_FAILURES.has(error)) return new RestoreError(lambdaErrorMessage(cause ?? error));
  return errorFromFunction(what, cause ?? JSON.stringify({ errorType: error, errorMessage: error }));
}

/** An ended execution as DescribeExecution tells it. */
export interface EndedExecution {
  readonly status?: string | undefined;
  readonly output?: string | undefined;
  readonly error?: string | undefined;
  readonly cause?: string | undefined;
}

/** The output of an ended execution, or the error its failure (or timeout, or abort) stands for. */
export function outputOfEnded(execution: EndedExecution, what: string): unknown {
  if (execution.status === 'SUCCEEDED') return JSON.parse(execution.output ?? 'null');
  if (execution.status === 'FAILED') throw errorFromExecution(what, execution.error, execution.cause);
  throw new CronsnapError(`${what} ended ${execution.status ?? 'without a status'}${execution.cause ? `: ${execution.cause}` : ''}`);
}
