import type { Targets } from '../config/targets';
import type { CommandRequest, CommandRunner, Invocation } from '../ports/command-runner';
import type { Notifier } from '../ports/notifier';
import { standInCall, type RecordedCall } from './aws-call-recorder';

/** Where recorded calls go: the recorder's list, judged against the stack's IAM. */
export type CallSink = (call: RecordedCall) => void;

/**
 * A CommandRunner that records, for each call, the SSM requests SsmCommandRunner would send for
 * it, signed by `accessKeyId`, then lets `inner` (the stand-in agent) do it.
 */
export class RecordedCommandRunner implements CommandRunner {
  constructor(
    private readonly inner: CommandRunner,
    private readonly accessKeyId: string,
    private readonly sink: CallSink,
  ) {}

  private record(operation: string, input: Readonly<Record<string, unknown>>): void {
    this.sink(standInCall(this.accessKeyId, `AmazonSSM.${operation}`, input));
  }

  onlineHosts(targets: Targets, limit?: number): Promise<string[]> {
    this.record('DescribeInstanceInformation', { Filters: targets.instanceIds ? [{ Key: 'InstanceIds', Values: targets.instanceIds }] : [] });
    return this.inner.onlineHosts(targets, limit);
  }

  send(request: CommandRequest): Promise<{ commandId: string }> {
    this.record('SendCommand', {
      DocumentName: request.documentName,
      ...(request.tags ? { Targets: Object.entries(request.tags).map(([key, values]) => ({ Key: `tag:${key}`, Values: values })) } : { InstanceIds: request.hostIds }),
    });
    return this.inner.send(request);
  }

  findSent(request: CommandRequest, since: Date): Promise<{ commandId: string } | undefined> {
    this.record('ListCommands', { Filters: [{ key: 'DocumentName', value: request.documentName }] });
    return this.inner.findSent(request, since);
  }

  invocation(commandId: string, hostId: string): Promise<Invocation> {
    this.record('GetCommandInvocation', { CommandId: commandId, InstanceId: hostId });
    this.record('ListCommands', { CommandId: commandId });
    return this.inner.invocation(commandId, hostId);
  }
}

/** A Notifier that records the SNS Publish each message would be, signed by `accessKeyId`. */
export class RecordedNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    private readonly accessKeyId: string,
    private readonly sink: CallSink,
  ) {}

  publish(subject: string, message: Readonly<Record<string, unknown>>): Promise<void> {
    this.sink(standInCall(this.accessKeyId, 'AmazonSNS.Publish', { Subject: subject }));
    return this.inner.publish(subject, message);
  }
}
