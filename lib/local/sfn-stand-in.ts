import { randomUUID } from 'node:crypto';
import { executeLocally, type ExecutionResult, type LocalExecutionOptions } from '../adapters/local-state-machine';
import { outputOfEnded } from '../function-error';
import type { AslDefinition } from '../state-machines/asl';
import { ServiceError, type StandInService } from './stand-in-handler';

/** A deployed state machine's definition, run in this process with each Task's function bound to its handler here. */
export interface LocalStateMachine {
  readonly definition: AslDefinition;
  readonly options: LocalExecutionOptions;
}

/** An execution as DescribeExecution describes it. */
export interface ExecutionDescription {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly input: string;
  readonly startDate: number;
  readonly stopDate?: number;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** StartExecution's name: 1 to 80 characters, none of whitespace, brackets, wildcards, `"#%\^|~`$&,;:/` or control characters. */
// eslint-disable-next-line no-control-regex -- Step Functions refuses control characters in a name, as this says.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/u;
const INPUT_LIMIT_BYTES = 262_144;

/**
 * Step Functions as its API answers the functions' starters: StartExecution checked as Step
 * Functions checks it (state machine, name, input size; a name reused with other input, or
 * after its execution closed, is ExecutionAlreadyExists) and run here, in the background, from
 * the deployed definition; DescribeExecution tells how it stands. `ended` awaits an execution's
 * end, as a follower polling DescribeExecution would see it last.
 */
export class SfnStandIn implements StandInService {
  readonly protocol = 'json';
  readonly target = 'AWSStepFunctions';
  private readonly executions = new Map<string, { description: ExecutionDescription; done: Promise<ExecutionDescription> }>();

  constructor(private readonly machines: Readonly<Record<string, LocalStateMachine>>) {}

  readonly operations = {
    StartExecution: async (input: Record<string, unknown>) => {
      const stateMachineArn = String(input.stateMachineArn);
      const machine = this.machines[stateMachineArn];
      if (!machine) throw new ServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${stateMachineArn}'`);
      const name = String(input.name ?? randomUUID());
      if (!EXECUTION_NAME.test(name)) throw new ServiceError('InvalidName', `Invalid Name: '${name}'`);
      const text = String(input.input ?? '{}');
      if (Buffer.byteLength(text) > INPUT_LIMIT_BYTES) throw new ServiceError('ValidationException', `input is ${Buffer.byteLength(text)} bytes, over ${INPUT_LIMIT_BYTES}`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new ServiceError('InvalidExecutionInput', `Invalid State Machine Execution Input: ${(error as Error).message}`);
      }
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.executions.get(executionArn);
      if (existing) {
        // The same start again is answered as the first while the execution runs; anything else is refused.
        if (existing.description.status === 'RUNNING' && existing.description.input === text) return { executionArn, startDate: existing.description.startDate };
        throw new ServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      }
      const description: ExecutionDescription = { executionArn, stateMachineArn, name, status: 'RUNNING', input: text, startDate: Date.now() / 1000 };
      const done = executeLocally(machine.definition, parsed, name, machine.options)
        // The interpreter itself failing (a Task with no function bound) fails the execution, as States.Runtime.
        .catch((error: Error): ExecutionResult => ({ status: 'FAILED', error: 'States.Runtime', cause: error.message }))
        .then((result) => {
        const ended = { ...description, ...described(result), stopDate: Date.now() / 1000 };
        this.executions.set(executionArn, { description: ended, done });
        return ended;
      });
      this.executions.set(executionArn, { description, done });
      return { executionArn, startDate: description.startDate };
    },
    DescribeExecution: async (input: Record<string, unknown>) => ({ ...this.execution(String(input.executionArn)).description }),
  };

  /** The execution's output once it has ended, or the error its failure stands for, as the CLI reads DescribeExecution. */
  async outputOf(executionArn: string): Promise<unknown> {
    const ended = await this.ended(executionArn);
    return outputOfEnded(ended, `execution ${ended.name}`);
  }

  /** The execution's description once it has ended. */
  ended(executionArn: string): Promise<ExecutionDescription> {
    return this.execution(executionArn).done;
  }

  private execution(executionArn: string) {
    const execution = this.executions.get(executionArn);
    if (!execution) throw new ServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return execution;
  }
}

function described(result: ExecutionResult): Pick<ExecutionDescription, 'status' | 'output' | 'error' | 'cause'> {
  if (result.status === 'SUCCEEDED') return { status: 'SUCCEEDED', output: JSON.stringify(result.output) };
  if (result.status === 'FAILED') return { status: 'FAILED', error: result.error, cause: result.cause };
  return { status: result.status };
}
