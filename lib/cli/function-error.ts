import { ConfigError, CronsnapError, InvalidEventError, ManifestError, NoTargetError, RestoreError, RestoreRefusedError, UnknownJobError } from '../errors';

/** A deployed function answered with an error that is not one of ours: a bug or a runtime failure there. */
export class FunctionError extends CronsnapError {}

/** Our error types by the name Lambda reports as errorType, so a function's refusal means here what it meant there. */
const KNOWN = { ConfigError, InvalidEventError, ManifestError, NoTargetError, RestoreError, RestoreRefusedError, UnknownJobError } as const;

/**
 * The error a function's answer stands for: the same class for our own (an unknown job is a usage
 * error here as there), a FunctionError naming the function for anything else.
 */
export function errorFromFunction(functionName: string, payload: string): CronsnapError {
  let parsed: { errorType?: unknown; errorMessage?: unknown } = {};
  try {
    parsed = JSON.parse(payload || '{}') as typeof parsed;
  } catch {
    // Not JSON: the runtime's own text, kept whole below.
  }
  const type = typeof parsed.errorType === 'string' ? parsed.errorType : 'Error';
  const message = typeof parsed.errorMessage === 'string' ? parsed.errorMessage : payload;
  const Known = Object.hasOwn(KNOWN, type) ? KNOWN[type as keyof typeof KNOWN] : undefined;
  return Known ? new Known(message) : new FunctionError(`${functionName} failed: ${type}: ${message}`);
}
