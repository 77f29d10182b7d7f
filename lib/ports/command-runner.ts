/**
 * The hosts a job names: fixed instance ids, or every managed node carrying all the given tags
 * (exactly one of the two; the config's `targets` checks it).
 */
export interface HostTargets {
  readonly instanceIds?: readonly string[];
  readonly tags?: Readonly<Record<string, readonly string[]>>;
}

export interface CommandRequest {
  readonly documentName: string;
  /** The hosts, at most 50 (SendCommand's limit); empty when `tags` name them. */
  readonly hostIds: readonly string[];
  /** Every online host with all these tags, resolved by SSM: one request for any fleet size. */
  readonly tags?: Readonly<Record<string, readonly string[]>>;
  /** SSM rate control: hosts at once, and failures before SSM stops sending (a number or a percentage). */
  readonly rollout?: { readonly maxConcurrency: string; readonly maxErrors: string };
  /** Document parameter values; every value was checked against the document's allowedPattern. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly comment: string;
  readonly timeoutSeconds: number;
}

/** Terminal statuses of an SSM command invocation. */
export type InvocationStatus = 'Success' | 'Failed' | 'TimedOut' | 'Cancelled' | 'DeliveryTimedOut' | 'ExecutionTimedOut' | 'Undeliverable' | 'Terminated';

export interface Invocation {
  readonly commandId: string;
  readonly hostId: string;
  readonly documentName: string;
  readonly status: InvocationStatus | 'Pending' | 'InProgress';
  readonly parameters: Readonly<Record<string, string>>;
  readonly stdout: string;
  readonly stderr: string;
  /** How many hosts the command went to, once SSM has resolved its targets (ListCommands' TargetCount). */
  readonly targetCount?: number;
  /** The document step this is the run of (GetCommandInvocation's PluginName), which names its log streams. */
  readonly stepName?: string;
}

/**
 * Runs document scripts on hosts. `SsmCommandRunner` uses SSM Run Command; `LocalCommandRunner`
 * runs the very same document script on this machine for the demo and integration tests.
 */
export interface CommandRunner {
  /** IDs of the hosts matching `targets` that can take a command now, sorted; with `limit`, at most about that many. */
  onlineHosts(targets: HostTargets, limit?: number): Promise<string[]>;
  send(request: CommandRequest): Promise<{ commandId: string }>;
  /**
   * The command `request` was already sent as, found by its `reportKey` parameter among the
   * commands of its document sent since `since`; undefined when there is none (or `request` has
   * no report key). A retried step reuses it rather than send the same work twice.
   */
  findSent(request: CommandRequest, since: Date): Promise<{ commandId: string } | undefined>;
  invocation(commandId: string, hostId: string): Promise<Invocation>;
}
