import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Targets } from '../config/targets';
import type { CommandDocument } from '../ssm/command-document';
import { STDERR_LIMIT, STDOUT_LIMIT } from '../ssm/host-report';
import type { CommandRequest, CommandRunner, Invocation } from '../ports/command-runner';

export interface LocalHost {
  /** Extra environment for this "host", e.g. a network namespace wrapper's variables. */
  readonly env?: Readonly<Record<string, string>>;
  /** Whether the host answers, as SSM's PingStatus would say. */
  readonly online?: boolean;
  /**
   * A command prefix the host's shell runs under, e.g. `['ip', 'netns', 'exec', 'member-a']`, or
   * `setpriv` dropping capabilities to play an agent that cannot read everything.
   */
  readonly wrapper?: readonly string[];
}

export interface LocalCommandRunnerOptions {
  /** Documents by name, as generated for SSM. */
  readonly documents: Readonly<Record<string, CommandDocument>>;
  /**
   * Settles once what the documents load is in place (the deployment's program objects); no
   * command is accepted before.
   * @default - already in place
   */
  readonly deployed?: Promise<void>;
  /** The hosts this machine stands in for, by host id. */
  readonly hosts: Readonly<Record<string, LocalHost>>;
  /**
   * Environment every script gets on top of the agent's (AWS endpoint, credentials, lock dir).
   * A region in it is dropped: the agent gives none but AWS_SSM_REGION_NAME.
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The region the stand-in agent reports in AWS_SSM_REGION_NAME.
   * @default 'us-east-1'
   */
  readonly region?: string;
  /**
   * The access key ID a host of `job` signs with, so a recorder can tell whose instance profile
   * made each call.
   * @default - the env's own
   */
  readonly hostAccessKey?: (job: string) => string;
  /**
   * A bin dir put first on every host's PATH: another host's tools (an older bash, tar or etcd)
   * for the scripts to meet.
   * @default - CRONSNAP_LOCAL_HOST_PATH, or none
   */
  readonly pathPrefix?: string;
  /**
   * A program every host's shell runs under, inside the host's own wrapper: another host's whole
   * userland (a root of today's releases) for the scripts to meet.
   * @default - CRONSNAP_LOCAL_HOST_ENTER, or none
   */
  readonly enter?: string;
  /**
   * How the stand-in agent hands a document its parameters: `env-var` as SSM Agent 3.3.2746.0 and
   * later do for `interpolationType: ENV_VAR` (SSM_<name> variables), `text` as older agents do
   * (each `{{ name }}` in the commands replaced by its value, no SSM_ variables).
   * @default 'env-var'
   */
  readonly parameterPassing?: 'env-var' | 'text';
}

/** The PATH systemd gives a service without one of its own, as the SSM agent's unit has. */
export const AGENT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The environment the SSM agent gives a document's script: its own few variables and nothing of
 * the caller's. No AWS_DEFAULT_REGION or AWS_REGION, no HOME, no aws CLI config to find a region
 * in, so a script that needs a region must take it from AWS_SSM_REGION_NAME as on a real host.
 */
export function agentEnvironment(hostId: string, region: string, extra: Readonly<Record<string, string>>): Record<string, string> {
  const rest = Object.fromEntries(Object.entries(extra).filter(([name]) => name !== 'AWS_DEFAULT_REGION' && name !== 'AWS_REGION'));
  return {
    PATH: AGENT_PATH,
    AWS_CONFIG_FILE: '/nonexistent/cronsnap-agent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/cronsnap-agent/credentials',
    ...rest,
    AWS_SSM_INSTANCE_ID: hostId,
    AWS_SSM_REGION_NAME: region,
  };
}

/**
 * Runs the same runCommand lines SSM would run, with `sh`, on this machine. As with SSM, `send`
 * returns at once and each invocation is InProgress until its script exits, so a caller that
 * waits inside one function invocation meets the same limit it would in Lambda; `settled` is
 * what SSM's status-change event stands for.
 */
export class LocalCommandRunner implements CommandRunner {
  private readonly invocations = new Map<string, Invocation>();
  private readonly commandHosts = new Map<string, string[]>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly options: LocalCommandRunnerOptions) {
    // A failed deployment is reported to the first sender, not as an unhandled rejection meanwhile.
    options.deployed?.catch(() => undefined);
  }

  /** The document `name` as registered with SSM, or undefined when there is none. */
  documentOf(name: string): CommandDocument | undefined {
    return this.options.documents[name];
  }

  /** The hosts `targets` names and whether each answers, sorted; stand-in hosts carry no tags, so a tag target matches every one. */
  hostStatuses(targets: Targets): { id: string; online: boolean }[] {
    return Object.entries(this.options.hosts)
      .filter(([id]) => !targets.instanceIds || targets.instanceIds.includes(id))
      .map(([id, host]) => ({ id, online: host.online !== false }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }

  async onlineHosts(targets: Targets): Promise<string[]> {
    return this.hostStatuses(targets).filter((host) => host.online).map((host) => host.id);
  }

  async send(request: CommandRequest): Promise<{ commandId: string }> {
    await this.options.deployed;
    const document = this.options.documents[request.documentName];
    if (!document) throw new Error(`no local document named ${request.documentName}`);
    const [step] = document.mainSteps;
    if (!step) throw new Error(`${request.documentName} has no steps`);
    const commandId = randomUUID();
    const hostIds = request.tags ? await this.onlineHosts({ tags: { ...request.tags } as Record<string, string[]> }) : [...request.hostIds];
    this.commandHosts.set(commandId, hostIds);
    this.running.set(commandId, Promise.all(hostIds.map((hostId) => this.runOnHost(commandId, hostId, request, document, step))).then(() => undefined));
    return { commandId };
  }

  async findSent(request: CommandRequest): Promise<{ commandId: string } | undefined> {
    const reportKey = request.parameters.reportKey;
    if (!reportKey) return undefined;
    const sent = [...this.invocations.values()].find((invocation) => invocation.documentName === request.documentName && invocation.parameters.reportKey === reportKey);
    return sent ? { commandId: sent.commandId } : undefined;
  }

  /** Resolves once every host of the command has finished. */
  async settled(commandId: string): Promise<void> {
    await this.running.get(commandId);
  }

  /** The hosts a command ran on, as SSM's ListCommandInvocations would list them. */
  hostsOf(commandId: string): string[] {
    return this.commandHosts.get(commandId) ?? [];
  }

  async invocation(commandId: string, hostId: string): Promise<Invocation> {
    const invocation = this.invocations.get(`${commandId}/${hostId}`);
    if (!invocation) throw new Error(`no invocation ${commandId} on ${hostId}`);
    return { ...invocation, targetCount: this.hostsOf(commandId).length };
  }

  private async runOnHost(commandId: string, hostId: string, request: CommandRequest, document: CommandDocument, step: CommandDocument['mainSteps'][number]): Promise<void> {
    const parameters: Record<string, string> = {};
    for (const [name, spec] of Object.entries(document.parameters)) {
      parameters[name] = request.parameters[name] ?? spec.default ?? '';
    }
    const agent = agentEnvironment(hostId, this.options.region ?? 'us-east-1', { ...this.options.env, ...this.options.hosts[hostId]?.env });
    const pathPrefix = this.options.pathPrefix ?? process.env.CRONSNAP_LOCAL_HOST_PATH;
    const env: Record<string, string> = {
      ...agent,
      ...(pathPrefix ? { PATH: `${pathPrefix}:${agent.PATH}` } : {}),
      ...(this.options.hostAccessKey ? { AWS_ACCESS_KEY_ID: this.options.hostAccessKey(parameters.job ?? '') } : {}),
      // Each stand-in host locks in its own dir, as each machine has its own /var/lock.
      ...(this.options.env?.CRONSNAP_LOCK_DIR ? { CRONSNAP_LOCK_DIR: join(this.options.env.CRONSNAP_LOCK_DIR, hostId) } : {}),
      ...(this.options.parameterPassing === 'text' ? {} : Object.fromEntries(Object.entries(parameters).map(([name, value]) => [`SSM_${name}`, value]))),
    };
    const timeoutMs = Number(parameters.executionTimeout || '3600') * 1000;
    const enter = this.options.enter ?? process.env.CRONSNAP_LOCAL_HOST_ENTER;
    const wrapper = [...(this.options.hosts[hostId]?.wrapper ?? []), ...(enter ? [enter] : [])];
    const commands = step.inputs.runCommand.join('\n');
    const script = this.options.parameterPassing === 'text' ? commands.replace(/\{\{\s*(\w+)\s*\}\}/g, (_match, name: string) => parameters[name] ?? '') : commands;
    const key = `${commandId}/${hostId}`;
    const invocation = { commandId, hostId, documentName: request.documentName, parameters };
    if (this.options.hosts[hostId]?.online === false) {
      // A host that does not answer never gets the command: it waits out the delivery timeout, as SSM's would.
      this.invocations.set(key, { ...invocation, status: 'Pending', stdout: '', stderr: '' });
      await new Promise((resolve) => setTimeout(resolve, request.timeoutSeconds * 1000).unref());
      this.invocations.set(key, { ...invocation, status: 'DeliveryTimedOut', stdout: '', stderr: '' });
      return;
    }
    this.invocations.set(key, { ...invocation, status: 'InProgress', stdout: '', stderr: '' });
    // The agent runs each command in a directory of its own (under its orchestration dir), never
    // where the caller happens to be: a script that leans on its working directory fails here too.
    const cwd = mkdtempSync(join(tmpdir(), `cronsnap-agent-${hostId}-`));
    chmodSync(cwd, 0o755);
    const result = await runShell([...wrapper, 'sh', '-c', script], env, timeoutMs, cwd)
      .catch((error: Error): ShellResult => ({ code: null, stdout: '', stderr: `failed to start the shell: ${error.message}`, timedOut: false }))
      .finally(() => rmSync(cwd, { recursive: true, force: true }));
    this.invocations.set(key, {
      ...invocation,
      status: result.timedOut ? 'TimedOut' : result.code === 0 ? 'Success' : 'Failed',
      // What GetCommandInvocation returns of them: the first 24,000 and 8,000 characters.
      stdout: result.stdout.slice(0, STDOUT_LIMIT),
      stderr: result.stderr.slice(0, STDERR_LIMIT),
    });
  }
}

interface ShellResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

function runShell([command, ...args]: string[], env: Record<string, string>, timeoutMs: number, cwd: string): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    // detached: a timeout kills the whole process group, as the SSM agent does.
    const child = spawn(command ?? 'sh', args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString(), timedOut });
    });
  });
}
