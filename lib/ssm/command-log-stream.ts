import { logStreamConsoleUrl, logStreamsConsoleUrl } from '../aws-console-urls';

/** One document step's run on one managed node: what Run Command names its CloudWatch Logs streams after. */
export interface CommandStepRun {
  readonly commandId: string;
  /** The managed node: `i-…` or a hybrid `mi-…`. */
  readonly instanceId: string;
  /** The step's `name` in the document's mainSteps, which SSM calls the plugin (GetCommandInvocation's PluginName). */
  readonly stepName: string;
}

/** Which of a step's outputs: SSM writes each to a stream of its own, and only once there is some. */
export type CommandOutputStream = 'stdout' | 'stderr';

/** Where a deployment's hosts send their command output. */
export interface CommandLogGroup {
  readonly region: string;
  readonly name: string;
}

/**
 * The log stream Run Command writes one output of a step's run to, with CloudWatchOutputConfig on:
 * `<command-id>/<instance-id>/<step>/<stdout|stderr>` (Systems Manager user guide, "Configuring
 * Amazon CloudWatch Logs for Run Command").
 */
export function commandLogStreamName(run: CommandStepRun, stream: CommandOutputStream): string {
  return `${run.commandId}/${run.instanceId}/${run.stepName}/${stream}`;
}

/**
 * The console page of every stream of a command: those of each node it reached, the way to a
 * command sent to tags, which names no nodes until they answer.
 */
export function commandStreamsUrl(group: CommandLogGroup, commandId: string): string {
  return logStreamsConsoleUrl(group.region, group.name, `${commandId}/`);
}

/** The console page of both outputs of a step's run, as a notice links them. */
export function commandOutputUrls(group: CommandLogGroup, run: CommandStepRun): Record<CommandOutputStream, string> {
  return {
    stdout: logStreamConsoleUrl(group.region, group.name, commandLogStreamName(run, 'stdout')),
    stderr: logStreamConsoleUrl(group.region, group.name, commandLogStreamName(run, 'stderr')),
  };
}
