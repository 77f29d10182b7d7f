import type { CommandRunner, Invocation } from '../ports/command-runner';

export interface AwaitInvocationOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const PENDING = new Set<Invocation['status']>(['Pending', 'InProgress']);

/**
 * The invocation once it has finished. SSM answers InvocationDoesNotExist for a moment after
 * SendCommand; the adapter reports that as Pending, so it is polled like any other wait.
 */
export async function awaitInvocation(runner: CommandRunner, commandId: string, hostId: string, options: AwaitInvocationOptions): Promise<Invocation> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const invocation = await runner.invocation(commandId, hostId);
    if (!PENDING.has(invocation.status)) return invocation;
    if (Date.now() >= deadline) throw new Error(`command ${commandId} on ${hostId} still ${invocation.status} after ${options.timeoutMs} ms`);
    await sleep(options.pollMs ?? 2000);
  }
}
