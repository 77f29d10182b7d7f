import * as z from 'zod';
import { RestoreError } from '../errors';
import type { CommandRunner, Invocation } from '../ports/command-runner';
import type { ObjectStore } from '../ports/object-store';
import type { HostProgram } from '../ssm/host-program';
import { DELIVERY_TIMEOUT_SECONDS, finishedReport, plannedCommandSchema, sendPlannedCommand } from './run-host-program';
import { MAX_EXECUTION_SECONDS } from './command-timeout';

/**
 * What a long host program is run for. The planning function records the backup it chose, so
 * every later step works on that one even when a newer backup lands meanwhile.
 */
export const hostOperationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('database-restore'), job: z.string(), runId: z.string(), dryRun: z.boolean() }).strict(),
  z.object({ kind: z.literal('file-set-restore'), job: z.string(), runId: z.string(), dryRun: z.boolean() }).strict(),
  /** One step of an etcd restore, its commands followed by the etcd restore state machine. */
  z.object({ kind: z.literal('etcd-step'), job: z.string(), runId: z.string(), step: z.string() }).strict(),
  z
    .object({
      kind: z.literal('drill'),
      job: z.string(),
      drillId: z.string(),
      startedAt: z.iso.datetime(),
      backup: z.object({ runId: z.string(), host: z.string(), manifestKey: z.string() }).strict(),
      drillHost: z.string(),
    })
    .strict(),
]);

export type HostOperation = z.infer<typeof hostOperationSchema>;

const sentCommandSchema = z.object({ commandId: z.string(), host: z.string(), sentAt: z.iso.datetime() }).strict();

/**
 * A workflow's state between two steps: the planned commands (sent together, one per host), what
 * was sent, and when done the outcome. It is the Step Functions execution's state, so it stays
 * small: reports are read back from the objects the hosts wrote.
 */
export const hostWorkflowSchema = z
  .object({
    operation: hostOperationSchema,
    commands: z.array(plannedCommandSchema).min(1).max(50),
    sent: z.array(sentCommandSchema).default([]),
    /** Seconds the state machine's Wait state waits before the next step. */
    waitSeconds: z.number().int().min(1).default(1),
    /** One line for an operator watching the execution in the console or the CLI. */
    status: z.string().default('planned'),
    done: z.boolean().default(false),
    outcome: z.unknown().optional(),
  })
  .strict();

export type HostWorkflow = z.infer<typeof hostWorkflowSchema>;
export type HostWorkflowInput = z.input<typeof hostWorkflowSchema>;

/** One finished command's report, in the order the commands were planned. */
export interface CommandReport {
  readonly host: string;
  readonly commandId: string;
  readonly report: string;
}

/** What an operation makes of its hosts' reports: a restore's answer, or a drill's verdict. */
export interface WorkflowFinisher {
  /** The programs this workflow may send; a planned command naming another is refused. */
  readonly programs: readonly HostProgram[];
  finish(state: HostWorkflow, reports: readonly CommandReport[]): Promise<unknown>;
  /** A host failed: throw (a restore fails its execution) or return an outcome (a drill records its verdict). */
  failed(state: HostWorkflow, error: RestoreError): Promise<unknown>;
}

export interface HostWorkflowDeps {
  readonly runner: CommandRunner;
  readonly store: ObjectStore;
  readonly documentPrefix: string;
  readonly now: () => Date;
}

const PENDING = new Set<Invocation['status']>(['Pending', 'InProgress']);

/** A margin past the delivery timeout for the agent's last report. */
const LATE_REPORT_SECONDS = 300;

/**
 * Seconds until the next look: 5 at first, then a tenth of the time waited so far, at most 120.
 * A short restore is answered within seconds, and a 48-hour one stays well inside the execution
 * history's limit (historyEventsFor).
 */
export function pollIntervalSeconds(elapsedSeconds: number): number {
  return Math.min(120, Math.max(5, Math.round(elapsedSeconds / 10)));
}

/** Step Functions ends a standard execution that reaches 25,000 history events. */
export const EXECUTION_HISTORY_LIMIT = 25_000;

/**
 * History events of one turn of the loop: the Lambda task (entered, scheduled, started,
 * succeeded, exited), the Choice (entered, exited) and the Wait (entered, exited).
 */
export const HISTORY_EVENTS_PER_POLL = 9;

/** History events of an execution that polls a command for `seconds`, start and end included. */
export function historyEventsFor(seconds: number): number {
  let polls = 0;
  for (let elapsed = 0; elapsed < seconds; elapsed += pollIntervalSeconds(elapsed)) polls += 1;
  return (polls + 2) * HISTORY_EVENTS_PER_POLL;
}

/** Longest an invocation may stay Pending or InProgress: its execution timeout, delivery and a margin. */
export function commandDeadlineSeconds(parameters: Readonly<Record<string, string>>): number {
  const execution = Number(parameters.executionTimeout) || MAX_EXECUTION_SECONDS;
  return execution + DELIVERY_TIMEOUT_SECONDS + LATE_REPORT_SECONDS;
}

function minutes(seconds: number): string {
  return seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`;
}

async function sendAll(state: HostWorkflow, deps: HostWorkflowDeps, finisher: WorkflowFinisher): Promise<HostWorkflow> {
  const sentAt = deps.now().toISOString();
  const sent = [];
  for (const command of state.commands) {
    const { commandId } = await sendPlannedCommand(command, finisher.programs, deps).catch((error: Error) => {
      if (error instanceof RestoreError) throw error;
      throw new RestoreError(`${command.failure}: SendCommand: ${error.message}`, { cause: error });
    });
    sent.push({ commandId, host: command.host, sentAt });
  }
  return { ...state, sent, waitSeconds: pollIntervalSeconds(0), status: `sent to ${sent.map((command) => command.host).join(', ')}` };
}

/**
 * One step of a workflow, short whatever the host takes: the first sends every planned command;
 * each later one looks at the invocations once and says how long to wait, until every host has
 * finished and the finisher has made its outcome. The state machine (deployed, or executed locally)
 * repeats it until `done`.
 */
export async function advanceHostWorkflow(state: HostWorkflow, deps: HostWorkflowDeps, finisher: WorkflowFinisher): Promise<HostWorkflow> {
  if (state.done) return state;
  if (state.sent.length === 0) {
    // A host that cannot be sent to ends the operation as a failed one would (a drill records it).
    return sendAll(state, deps, finisher).catch(async (error: RestoreError) => ({ ...state, done: true, status: 'failed', outcome: await finisher.failed(state, error) }));
  }

  const invocations = await Promise.all(state.sent.map((sent) => deps.runner.invocation(sent.commandId, sent.host)));
  const elapsed = (deps.now().getTime() - Math.min(...state.sent.map((sent) => Date.parse(sent.sentAt)))) / 1000;
  const pending = invocations.filter((invocation) => PENDING.has(invocation.status));
  // The deadline comes from the command as planned: GetCommandInvocation does not return parameters.
  const timeoutOf = (invocation: Invocation) => state.commands.find((command) => command.host === invocation.hostId)?.parameters ?? {};
  const overdue = pending.filter((invocation) => elapsed > commandDeadlineSeconds(timeoutOf(invocation)));
  if (overdue.length > 0) {
    const late = overdue.map((invocation) => `${invocation.hostId} still ${invocation.status} after ${minutes(elapsed)}, past its execution timeout of ${timeoutOf(invocation).executionTimeout} s`);
    return { ...state, done: true, status: 'failed', outcome: await finisher.failed(state, new RestoreError(late.join('; '))) };
  }
  if (pending.length > 0) {
    const running = pending.map((invocation) => `${invocation.hostId} ${invocation.status}`).join(', ');
    return { ...state, waitSeconds: pollIntervalSeconds(elapsed), status: `${running} for ${minutes(elapsed)}` };
  }

  const settled = await Promise.allSettled(
    invocations.map(async (invocation, at) => ({ host: invocation.hostId, commandId: invocation.commandId, report: await finishedReport(invocation, state.commands[at]?.failure ?? invocation.hostId, deps.store) })),
  );
  const failures = settled.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as Error] : []));
  if (failures.length > 0) {
    // One failure keeps its own class (a refusal stays a refusal); several are named together.
    const [first] = failures;
    const error = failures.length === 1 && first instanceof RestoreError ? first : new RestoreError(failures.map((failure) => failure.message).join('; '));
    return { ...state, done: true, status: 'failed', outcome: await finisher.failed(state, error) };
  }
  const reports = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  return { ...state, done: true, status: `finished after ${minutes(elapsed)}`, outcome: await finisher.finish(state, reports) };
}
