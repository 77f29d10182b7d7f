import * as z from 'zod';
import { RestoreError, RestoreRefusedError } from '../errors';
import type { CommandRunner, Invocation } from '../ports/command-runner';
import type { ObjectStore } from '../ports/object-store';
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
 * One host command as planned before it is sent: everything SendCommand gets, so a workflow can
 * carry it from the function that planned it to the one that sends it, and show it in the console.
 */
export const plannedCommandSchema = z
  .object({
    programId: z.string().min(1),
    host: z.string().min(1),
    parameters: z.record(z.string(), z.string()),
    comment: z.string(),
    /** What a failure is reported as: `<failure>: <the host's own one-line reason>`. */
    failure: z.string(),
  })
  .strict();

export type PlannedCommand = z.infer<typeof plannedCommandSchema>;

/** How far back a step looks for the command it may have sent already: past a state's six Lambda attempts of 15 minutes each. */
export const RESEND_WINDOW_MS = 2 * 3600 * 1000;

/** SendCommand's delivery timeout: how long SSM tries to reach a host that is not connected. */
export const DELIVERY_TIMEOUT_SECONDS = 600;

/** `program` for `host` with `values`, its execution timeout and a fresh report key; every value checked against the document. */
export function planHostCommand(
  program: HostProgram,
  host: string,
  values: Readonly<Record<string, string>>,
  labels: { readonly comment: string; readonly failure: string },
  timeoutSeconds: number,
): PlannedCommand {
  const parameters = { ...values, executionTimeout: String(timeoutSeconds), reportKey: newReportKey(values.job ?? '') };
  assertParametersAllowed(program, parameters);
  return { programId: program.id, host, parameters, ...labels };
}

/** Sends a planned command, checked again against its program: the plan may have come through a workflow's input. */
export async function sendPlannedCommand(
  command: PlannedCommand,
  programs: readonly HostProgram[],
  deps: Pick<HostProgramDeps, 'runner' | 'documentPrefix'>,
): Promise<{ commandId: string }> {
  const program = programs.find((candidate) => candidate.id === command.programId);
  if (!program) throw new RestoreError(`no host program ${command.programId} may be sent from here (${programs.map((known) => known.id).join(', ')})`);
  assertParametersAllowed(program, command.parameters);
  const request = {
    documentName: documentName(deps.documentPrefix, program),
    hostIds: [command.host],
    parameters: command.parameters,
    comment: command.comment,
    timeoutSeconds: DELIVERY_TIMEOUT_SECONDS,
  };
  // A step Step Functions retries (Lambda's own failure after SendCommand went out) must not send the same restore twice.
  return (await deps.runner.findSent(request, new Date(Date.now() - RESEND_WINDOW_MS))) ?? deps.runner.send(request);
}

/**
 * A finished invocation's report (every report line, read whole from the object the host wrote),
 * or a RestoreError reading `<failure>: <the host's own one-line reason>`.
 */
export async function finishedReport(invocation: Invocation, failure: string, store: ObjectStore): Promise<string> {
  const report = await readHostReport(store, invocation);
  if (invocation.status !== 'Success') {
    const reason = failureReason(report, invocation.status);
    // Every restore program checks in its plan step, before it changes anything.
    const Refusal = reason.startsWith('step=plan: ') ? RestoreRefusedError : RestoreError;
    throw new Refusal(`${failure}: ${reason}`);
  }
  return report;
}
