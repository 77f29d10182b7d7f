import type { Targets } from '../config/targets';
import type { LocalCommandRunner } from '../adapters/local-command-runner';
import type { CommandRequest } from '../ports/command-runner';
import { atMost, ServiceError, type StandInService } from './stand-in-handler';

type Json = Record<string, unknown>;

/** What SSM keeps of a sent command, for ListCommands. */
interface SentCommand {
  readonly CommandId: string;
  readonly DocumentName: string;
  readonly Parameters: Record<string, string[]>;
  readonly Comment: string;
  readonly RequestedDateTime: number;
}

// SendCommand's constraints, from the SSM API's model.
const MAX_CONCURRENCY = /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/;
const MAX_ERRORS = /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/;

/** One page of `items` as SSM pages them: at most `MaxResults`, the rest behind a NextToken. */
function page<T>(items: readonly T[], input: Json, fallback: number): { items: T[]; NextToken?: string } {
  const from = Number(input.NextToken ?? 0);
  const size = Number(input.MaxResults ?? fallback);
  return { items: items.slice(from, from + size), ...(from + size < items.length ? { NextToken: String(from + size) } : {}) };
}

function invalid(code: string, message: string): never {
  throw new ServiceError(code, message);
}

function within(input: Json, member: string, min: number, max: number): void {
  const value = input[member];
  if (value !== undefined && (typeof value !== 'number' || value < min || value > max)) invalid('ValidationException', `${member} must be between ${min} and ${max}, not ${String(value)}`);
}

/** Targets (`tag:<key>` or `InstanceIds`) as the hosts they name. */
function targetsOf(filters: readonly { Key: string; Values: string[] }[]): Targets {
  const instanceIds = filters.find((filter) => filter.Key === 'InstanceIds')?.Values;
  if (instanceIds) return { instanceIds };
  return { tags: Object.fromEntries(filters.map((filter) => [filter.Key.replace(/^tag:/, ''), filter.Values])) };
}

/** A SendCommand request as SSM checks it, then as the command the stand-in agent runs. */
function commandRequest(input: Json, agent: LocalCommandRunner): CommandRequest {
  const name = String(input.DocumentName ?? '');
  const document = agent.documentOf(name) ?? invalid('InvalidDocument', `document ${name} does not exist`);
  const instanceIds = (input.InstanceIds ?? []) as string[];
  const targets = (input.Targets ?? []) as { Key: string; Values: string[] }[];
  if (instanceIds.length > 50) invalid('ValidationException', `InstanceIds has ${instanceIds.length} members, at most 50`);
  if (targets.length > 5) invalid('ValidationException', `Targets has ${targets.length} members, at most 5`);
  if ((instanceIds.length > 0) === (targets.length > 0)) invalid('ValidationException', 'give InstanceIds or Targets, one of them');
  const known = new Set(agent.hostStatuses({}).map((host) => host.id));
  const unknown = instanceIds.filter((id) => !known.has(id));
  if (unknown.length > 0) invalid('InvalidInstanceId', `${unknown.join(', ')}: not a managed node of this account and region`);
  atMost(input, 'Comment', 100);
  within(input, 'TimeoutSeconds', 30, 2_592_000);
  for (const [member, pattern] of [['MaxConcurrency', MAX_CONCURRENCY], ['MaxErrors', MAX_ERRORS]] as const) {
    const value = input[member];
    if (value !== undefined && !pattern.test(String(value))) invalid('ValidationException', `${member} ${String(value)} fails to satisfy ${pattern.source}`);
  }
  const given = (input.Parameters ?? {}) as Record<string, string[]>;
  const missing = Object.entries(document.parameters).filter(([parameter, spec]) => spec.default === undefined && given[parameter] === undefined);
  if (missing.length > 0) invalid('InvalidParameters', `document ${name} requires ${missing.map(([parameter]) => parameter).join(', ')}, which have no default`);
  const parameters: Record<string, string> = {};
  for (const [parameter, values] of Object.entries((input.Parameters ?? {}) as Record<string, string[]>)) {
    const spec = document.parameters[parameter] ?? invalid('InvalidParameters', `document ${name} has no parameter ${parameter}`);
    const [value = ''] = values;
    if (values.length !== 1) invalid('InvalidParameters', `parameter ${parameter} of ${name} is a String: one value, not ${values.length}`);
    if (!new RegExp(spec.allowedPattern).test(value)) {
      invalid('InvalidParameters', `parameter ${parameter} of ${name} fails to satisfy its allowedPattern`);
    }
    parameters[parameter] = value;
  }
  const { tags } = targetsOf(targets);
  return {
    documentName: name,
    hostIds: instanceIds,
    ...(targets.length > 0 && tags ? { tags } : {}),
    ...(input.MaxConcurrency ? { rollout: { maxConcurrency: String(input.MaxConcurrency), maxErrors: String(input.MaxErrors ?? '0') } } : {}),
    parameters,
    comment: String(input.Comment ?? ''),
    timeoutSeconds: Number(input.TimeoutSeconds ?? 3600),
  };
}

/**
 * SSM Run Command as its API answers the functions' SsmCommandRunner, with `agent` running each
 * document on this machine: SendCommand checked as SSM checks it (document, parameters and their
 * patterns, rate controls, limits), ListCommands by id or by document and time, and
 * GetCommandInvocation saying InvocationDoesNotExist for a host the command never reached.
 */
export function ssmStandIn(agent: LocalCommandRunner, now: () => Date = () => new Date()): StandInService {
  const sent = new Map<string, SentCommand>();
  // SSM is eventually consistent: right after SendCommand an invocation is not there yet. One
  // still running is missing at its first look, so a caller that takes that for a failure fails
  // here too; one already finished (looked at after its status-change event) is there.
  const looked = new Set<string>();
  const listed = (command: SentCommand) => ({ ...command, TargetCount: agent.hostsOf(command.CommandId).length });
  return {
    protocol: 'json',
    target: 'AmazonSSM',
    operations: {
      async SendCommand(input) {
        const request = commandRequest(input, agent);
        const { commandId } = await agent.send(request);
        const command = {
          CommandId: commandId,
          DocumentName: request.documentName,
          Parameters: (input.Parameters ?? {}) as Record<string, string[]>,
          Comment: request.comment,
          RequestedDateTime: now().getTime() / 1000,
        };
        sent.set(commandId, command);
        return { Command: { ...listed(command), Status: 'Pending' } };
      },
      async ListCommands(input) {
        within(input, 'MaxResults', 1, 50);
        if (input.CommandId !== undefined) {
          const command = sent.get(String(input.CommandId)) ?? invalid('InvalidCommandId', `no command ${String(input.CommandId)}`);
          return { Commands: [listed(command)] };
        }
        const filters = (input.Filters ?? []) as { key: string; value: string }[];
        const matches = (command: SentCommand) =>
          filters.every(({ key, value }) => {
            if (key === 'DocumentName') return command.DocumentName === value;
            if (key === 'InvokedAfter') return command.RequestedDateTime * 1000 >= Date.parse(value);
            return invalid('InvalidFilterKey', `the stand-in filters ListCommands by DocumentName and InvokedAfter only, not ${key}`);
          });
        const { items, NextToken } = page([...sent.values()].filter(matches).reverse(), input, 50);
        return { Commands: items.map(listed), ...(NextToken ? { NextToken } : {}) };
      },
      async GetCommandInvocation(input) {
        const commandId = String(input.CommandId);
        const hostId = String(input.InstanceId);
        if (!agent.hostsOf(commandId).includes(hostId)) invalid('InvocationDoesNotExist', `command ${commandId} has no invocation on ${hostId}`);
        const invocation = await agent.invocation(commandId, hostId);
        const first = !looked.has(`${commandId}/${hostId}`);
        looked.add(`${commandId}/${hostId}`);
        if (first && (invocation.status === 'Pending' || invocation.status === 'InProgress')) invalid('InvocationDoesNotExist', `command ${commandId} has no invocation on ${hostId} yet`);
        return {
          CommandId: commandId,
          InstanceId: hostId,
          DocumentName: invocation.documentName,
          Status: invocation.status,
          StatusDetails: invocation.status,
          StandardOutputContent: invocation.stdout,
          StandardErrorContent: invocation.stderr,
        };
      },
      async DescribeInstanceInformation(input) {
        within(input, 'MaxResults', 5, 50);
        const filters = (input.Filters ?? []) as { Key: string; Values: string[] }[];
        const tagged = filters.filter((filter) => filter.Key.startsWith('tag:'));
        if (tagged.length > 0 && tagged.length < filters.length) invalid('InvalidFilterKey', 'tag filters cannot be combined with other filter keys');
        const { items, NextToken } = page(agent.hostStatuses(targetsOf(filters)), input, 10);
        return { InstanceInformationList: items.map((host) => ({ InstanceId: host.id, PingStatus: host.online ? 'Online' : 'ConnectionLost' })), ...(NextToken ? { NextToken } : {}) };
      },
    },
  };
}
