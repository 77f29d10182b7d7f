import { setTimeout as sleep } from 'node:timers/promises';
import { CronsnapError } from '../errors';
import { advanceHostWorkflow, hostWorkflowSchema, type HostWorkflow, type HostWorkflowDeps, type HostWorkflowInput, type WorkflowFinisher } from '../host-workflow/host-workflow';
import type { HostWorkflowStarter, StartedWorkflow } from '../ports/workflow-starter';

/** Step Functions refuses a state larger than 256 KiB between two states (States.DataLimitExceeded). */
export const STATE_LIMIT_BYTES = 256 * 1024;

/** A step that ran past its function's budget, as Lambda reports it. */
export class FunctionTimeoutError extends CronsnapError {}

export interface LocalHostWorkflowOptions {
  /**
   * How long one step may take, as the step function's Lambda timeout: a step that waits for a
   * host inside it fails here as it would there.
   * @default 13 minutes, the deployed functions' budget
   */
  readonly functionBudgetMs?: number;
  /**
   * Between two steps.
   * @default the state's own waitSeconds, as the state machine's Wait state
   */
  readonly pollMs?: number;
  /** Told the workflow's status line when it changes. */
  readonly progress?: (line: string) => void;
}

async function withinBudget<T>(work: Promise<T>, budgetMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new FunctionTimeoutError(`Task timed out after ${(budgetMs / 1000).toFixed(2)} seconds`)), budgetMs);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the state machine hands the next state: JSON, within its size limit. */
function passedOn(state: HostWorkflow): HostWorkflow {
  const text = JSON.stringify(state);
  if (Buffer.byteLength(text) > STATE_LIMIT_BYTES) throw new CronsnapError(`States.DataLimitExceeded: the workflow state is ${Buffer.byteLength(text)} bytes, over ${STATE_LIMIT_BYTES}`);
  return hostWorkflowSchema.parse(JSON.parse(text));
}

/**
 * The host workflow's state machine run in this process: the same step, repeated with the Wait
 * state's pause between, each step held to a function's budget and its state passed on as JSON.
 */
export class LocalHostWorkflows implements HostWorkflowStarter {
  constructor(
    private readonly deps: HostWorkflowDeps,
    private readonly finisher: WorkflowFinisher,
    private readonly options: LocalHostWorkflowOptions = {},
  ) {}

  async start(input: HostWorkflowInput, name: string): Promise<StartedWorkflow> {
    const budgetMs = this.options.functionBudgetMs ?? 13 * 60 * 1000;
    let state = passedOn(hostWorkflowSchema.parse(input));
    let told = '';
    for (;;) {
      state = passedOn(await withinBudget(advanceHostWorkflow(state, this.deps, this.finisher), budgetMs));
      if (state.status !== told) this.options.progress?.(`${name}: ${state.status}`);
      told = state.status;
      if (state.done) return { executionId: `local-${name}`, output: state.outcome };
      await sleep(this.options.pollMs ?? state.waitSeconds * 1000);
    }
  }
}
