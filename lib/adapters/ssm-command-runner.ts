import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  paginateListCommands,
  SendCommandCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import type { Targets } from '../config/targets';
import { nodeFilters } from './ssm-node-filters';
import type { CommandRequest, CommandRunner, Invocation } from '../ports/command-runner';

export interface SsmCommandRunnerOptions {
  /**
   * The log group every command's output goes to as well (CloudWatchOutputConfig): all of it,
   * where GetCommandInvocation returns only its first 24,000 characters.
   * @default - none: the output stays in SSM only
   */
  readonly commandLogGroup?: string;
}

/** Real hosts through SSM Run Command. */
export class SsmCommandRunner implements CommandRunner {
  constructor(
    private readonly client: SSMClient,
    private readonly options: SsmCommandRunnerOptions = {},
  ) {}

  async onlineHosts(targets: Targets, limit = Number.MAX_SAFE_INTEGER): Promise<string[]> {
    const filters = nodeFilters(targets);
    const ids: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new DescribeInstanceInformationCommand({ Filters: filters, NextToken: nextToken, MaxResults: Math.max(5, Math.min(50, limit)) }),
      );
      for (const info of page.InstanceInformationList ?? []) {
        if (info.InstanceId && info.PingStatus === 'Online') ids.push(info.InstanceId);
      }
      nextToken = page.NextToken;
    } while (nextToken && ids.length < limit);
    return ids.sort();
  }

  async send(request: CommandRequest): Promise<{ commandId: string }> {
    const response = await this.client.send(
      new SendCommandCommand({
        DocumentName: request.documentName,
        ...(request.tags
          ? { Targets: Object.entries(request.tags).map(([key, values]) => ({ Key: `tag:${key}`, Values: [...values] })) }
          : { InstanceIds: [...request.hostIds] }),
        ...(request.rollout ? { MaxConcurrency: request.rollout.maxConcurrency, MaxErrors: request.rollout.maxErrors } : {}),
        Parameters: Object.fromEntries(Object.entries(request.parameters).map(([name, value]) => [name, [value]])),
        Comment: request.comment.slice(0, 100),
        TimeoutSeconds: request.timeoutSeconds,
        ...(this.options.commandLogGroup ? { CloudWatchOutputConfig: { CloudWatchLogGroupName: this.options.commandLogGroup, CloudWatchOutputEnabled: true } } : {}),
      }),
    );
    const commandId = response.Command?.CommandId;
    if (!commandId) throw new Error(`SendCommand for ${request.documentName} returned no command id`);
    return { commandId };
  }

  async findSent(request: CommandRequest, since: Date): Promise<{ commandId: string } | undefined> {
    const reportKey = request.parameters.reportKey;
    if (!reportKey) return undefined;
    // ListCommands filters by document and time, not by parameter: the report key is matched here.
    const filters = [
      { key: 'DocumentName' as const, value: request.documentName },
      { key: 'InvokedAfter' as const, value: since.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    ];
    for await (const page of paginateListCommands({ client: this.client, pageSize: 50 }, { Filters: filters })) {
      const sent = page.Commands?.find((command) => command.Parameters?.reportKey?.[0] === reportKey);
      if (sent?.CommandId) return { commandId: sent.CommandId };
    }
    return undefined;
  }

  async invocation(commandId: string, hostId: string): Promise<Invocation> {
    const [invocation, listed] = await Promise.all([
      this.client.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: hostId })).catch((error: Error) => {
        // Right after SendCommand the invocation may not exist yet: it is pending, not failed.
        if (error.name === 'InvocationDoesNotExist') return undefined;
        throw error;
      }),
      this.client.send(new ListCommandsCommand({ CommandId: commandId })),
    ]);
    if (!invocation) return { commandId, hostId, documentName: '', status: 'Pending', parameters: {}, stdout: '', stderr: '' };
    const command = listed.Commands?.[0];
    const parameters = command?.Parameters ?? {};
    return {
      commandId,
      hostId,
      documentName: invocation.DocumentName ?? '',
      status: (invocation.Status ?? 'Failed') as Invocation['status'],
      parameters: Object.fromEntries(Object.entries(parameters).map(([name, values]) => [name, values[0] ?? ''])),
      stdout: invocation.StandardOutputContent ?? '',
      stderr: invocation.StandardErrorContent ?? '',
      ...(command?.TargetCount ? { targetCount: command.TargetCount } : {}),
      ...(invocation.PluginName ? { stepName: invocation.PluginName } : {}),
    };
  }
}
