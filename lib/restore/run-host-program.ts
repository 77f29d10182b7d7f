import { RestoreError, RestoreRefusedError } from '../errors';
import type { CommandRunner } from '../ports/command-runner';
import type { ObjectStore } from '../ports/object-store';
import { awaitInvocation } from '../ssm/await-invocation';
import { assertParametersAllowed } from '../ssm/command-document';
import { documentName, type HostProgram } from '../ssm/host-program';
import { failureReason, newReportKey, readHostReport } from '../ssm/host-report';

export interface HostProgramDeps {
  readonly runner: CommandRunner;
  /** Where the host writes its report, whole. */
  readonly store: ObjectStore;
  readonly documentPrefix: string;
  /** How long the host may take; also the document's executionTimeout. */
  readonly timeoutMs: number;
  readonly pollMs?: number;
}

/**
 * Sends a restore program to one host and waits for it: its report (every report line, read
 * whole from the object the host wrote) on success, otherwise a RestoreError reading
 * `<failure>: <the host's own one-line reason>`.
 */
export async function runHostProgram(
  program: HostProgram,
  host: string,
  values: Readonly<Record<string, string>>,
  labels: { readonly comment: string; readonly failure: string },
  deps: HostProgramDeps,
): Promise<{ commandId: string; report: string }> {
  const parameters = { ...values, executionTimeout: String(Math.ceil(deps.timeoutMs / 1000)), reportKey: newReportKey(values.job ?? '') };
  assertParametersAllowed(program, parameters);
  const { commandId } = await deps.runner.send({
    documentName: documentName(deps.documentPrefix, program),
    hostIds: [host],
    parameters,
    comment: labels.comment,
    timeoutSeconds: 600,
  });
  const invocation = await awaitInvocation(deps.runner, commandId, host, { timeoutMs: deps.timeoutMs, ...(deps.pollMs ? { pollMs: deps.pollMs } : {}) });
  const report = await readHostReport(deps.store, invocation);
  if (invocation.status !== 'Success') {
    const reason = failureReason(report, invocation.status);
    // Every restore program checks in its plan step, before it changes anything.
    const Refusal = reason.startsWith('step=plan: ') ? RestoreRefusedError : RestoreError;
    throw new Refusal(`${labels.failure}: ${reason}`);
  }
  return { commandId, report };
}
