import { randomUUID } from 'node:crypto';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { Context } from 'aws-lambda';
import { CronsnapError } from '../errors';
import type { AslDefinition } from '../state-machines/asl';

// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node.js has from 22 only.
const promises = Promise as unknown as { withResolvers?: () => { promise: Promise<unknown>; resolve: (value: unknown) => void; reject: (reason?: unknown) => void } };
promises.withResolvers ??= () => {
  let resolve!: (value: unknown) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<unknown>((done, fail) => ((resolve = done), (reject = fail)));
  return { promise, resolve, reject };
};

/** Step Functions refuses a state larger than 256 KiB between two states (States.DataLimitExceeded). */
export const STATE_LIMIT_BYTES = 256 * 1024;

/** A Lambda handler as the runtime calls it (a middy handler also takes the abort signal of its timeout). */
export type LambdaHandler = (event: never, context: Context, options: { signal: AbortSignal }) => unknown;

/** Calls `handler` with `event`, as the runtime does. */
export async function callHandler(binding: Pick<LocalFunctionBinding, 'handler' | 'name' | 'timeoutMs'>, event: unknown, requestId?: string, signal = new AbortController().signal): Promise<unknown> {
  return binding.handler(event as never, lambdaContext(binding, requestId), { signal });
}

/** A function as a Task's Resource names it: its handler, run as Lambda runs it. */
export interface LocalFunctionBinding {
  readonly handler: LambdaHandler;
  /** The function's name, for its context and errors. */
  readonly name: string;
  /** The function's timeout: a step that waits for a host past it fails here as it would there. */
  readonly timeoutMs: number;
}

export interface LocalExecutionOptions {
  /** Every function a Task may invoke, by the ARN its Resource names. */
  readonly functions: Readonly<Record<string, LocalFunctionBinding>>;
  /**
   * Milliseconds each Wait state pauses instead of the seconds it says.
   * @default the state's own seconds
   */
  readonly waitMs?: number;
  /**
   * Milliseconds a Retry waits before the next attempt instead of its IntervalSeconds and backoff.
   * @default the retrier's own
   */
  readonly retryIntervalMs?: number;
  /** Told every Task state's output as the state exits. */
  readonly onTaskDone?: (stateName: string, output: unknown) => void;
}

/** Lambda's answer to an error the handler raised: its name as errorType, and the JSON payload the Task's Cause carries. */
class LambdaFunctionError extends Error {
  constructor(error: Error) {
    super(JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }));
    this.name = error.name;
  }
}

function jsonSized(value: unknown, what: string): unknown {
  const text = JSON.stringify(value ?? null);
  if (Buffer.byteLength(text) > STATE_LIMIT_BYTES) {
    throw Object.assign(new Error(`${what} is ${Buffer.byteLength(text)} bytes, over ${STATE_LIMIT_BYTES}`), { name: 'States.DataLimitExceeded' });
  }
  return JSON.parse(text) as unknown;
}

/** The context Lambda gives a handler; `requestId` stands for the invocation's own id. */
export function lambdaContext(binding: Pick<LocalFunctionBinding, 'name' | 'timeoutMs'>, requestId: string = randomUUID()): Context {
  const deadline = Date.now() + binding.timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: binding.name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `local:${binding.name}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${binding.name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * One synchronous Lambda invocation as Step Functions makes it: the event passed as JSON, the
 * handler held to the function's timeout (Sandbox.Timedout), its error turned into Lambda's
 * errorType and JSON cause, its answer passed on as JSON within the state limit.
 */
async function invoke(binding: LocalFunctionBinding, input: unknown): Promise<unknown> {
  const event = jsonSized(input, `the input of ${binding.name}`);
  let timer: NodeJS.Timeout | undefined;
  const abort = new AbortController();
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`Task timed out after ${(binding.timeoutMs / 1000).toFixed(2)} seconds`);
      error.name = 'Sandbox.Timedout';
      reject(error);
      // Lambda freezes what is left of the invocation; the handler is told to stop.
      abort.abort();
    }, binding.timeoutMs);
  });
  try {
    const answer = await Promise.race([callHandler(binding, event, undefined, abort.signal), timedOut]);
    return jsonSized(answer, `the answer of ${binding.name}`);
  } catch (error) {
    throw new LambdaFunctionError(error as Error);
  } finally {
    clearTimeout(timer);
  }
}

function taskHandlers(definition: AslDefinition, functions: LocalExecutionOptions['functions']): Record<string, (input: unknown) => Promise<unknown>> {
  return Object.fromEntries(
    Object.entries(definition.States).flatMap(([name, state]) => {
      if (state.Type !== 'Task') return [];
      const binding = functions[state.Resource];
      if (!binding) throw new CronsnapError(`state ${name} invokes ${state.Resource}, which no local function stands for`);
      return [[name, (input: unknown) => invoke(binding, input)]];
    }),
  );
}

/** How an execution ended, as DescribeExecution tells it. */
export type ExecutionResult =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string }
  | { readonly status: 'TIMED_OUT' };

/**
 * Executes a state machine's definition in this process with aws-local-stepfunctions (an
 * interpreter of the Amazon States Language, definition validated by asl-validator): paths,
 * parameters, Retry, Catch, Choice, Wait, Fail and the execution's TimeoutSeconds as Step
 * Functions evaluates them, each Task's Lambda bound to the real handler.
 */
export async function executeLocally(definition: AslDefinition, input: unknown, name: string, options: LocalExecutionOptions): Promise<ExecutionResult> {
  // Its validator writes defaults into the definition it is given.
  const machine = new StateMachine(structuredClone(definition), { validationOptions: { checkArn: true, checkPaths: true } });
  const statesOf = (type: string, ms: number | undefined) =>
    ms === undefined ? {} : Object.fromEntries(Object.entries(definition.States).filter(([, state]) => state.Type === type).map(([state]) => [state, ms]));
  const execution = machine.run(jsonSized(input, `the input of ${name}`) as never, {
    overrides: {
      taskResourceLocalHandlers: taskHandlers(definition, options.functions) as never,
      waitTimeOverrides: statesOf('Wait', options.waitMs),
      retryIntervalOverrides: statesOf('Task', options.retryIntervalMs),
    },
    context: { Execution: { Name: name } },
  });
  const watching = options.onTaskDone ? follow(execution.eventLogs, definition, options.onTaskDone) : Promise.resolve();
  try {
    return { status: 'SUCCEEDED', output: await execution.result };
  } catch (error) {
    if (error instanceof ExecutionTimeoutError) return { status: 'TIMED_OUT' };
    if (!(error instanceof ExecutionError)) throw error;
    const failure = error.cause as Error;
    return { status: 'FAILED', error: failure.name, cause: failure.message };
  } finally {
    await watching;
  }
}

async function follow(events: AsyncGenerator<{ type: string; state?: { name: string; output?: unknown } }>, definition: AslDefinition, told: (stateName: string, output: unknown) => void): Promise<void> {
  for await (const event of events) {
    if (event.type === 'StateExited' && event.state && definition.States[event.state.name]?.Type === 'Task') told(event.state.name, event.state.output);
  }
}
