/**
 * The AWS console's address for a region: its partition's console (China's and GovCloud's have
 * their own domains). A region that is still a CloudFormation token gets the commercial one.
 */
export function consoleOrigin(region: string): string {
  if (region.startsWith('cn-')) return `https://${region}.console.amazonaws.cn`;
  if (region.startsWith('us-gov-')) return `https://${region}.console.amazonaws-us-gov.com`;
  return `https://${region}.console.aws.amazon.com`;
}

/** The CloudWatch console at `fragment` (what follows its `#`). */
function cloudWatchConsole(region: string, fragment: string): string {
  return `${consoleOrigin(region)}/cloudwatch/home?region=${region}#${fragment}`;
}

/**
 * A name as the CloudWatch Logs console takes it in its fragment: URI-encoded twice, each `%` then
 * written `$` (`/aws/lambda/x` is `$252Faws$252Flambda$252Fx`).
 */
function logsConsoleName(name: string): string {
  return encodeURIComponent(encodeURIComponent(name)).replaceAll('%', '$');
}

/** The console page of one log stream's events. */
export function logStreamConsoleUrl(region: string, logGroup: string, logStream: string): string {
  return cloudWatchConsole(region, `logsV2:log-groups/log-group/${logsConsoleName(logGroup)}/log-events/${logsConsoleName(logStream)}`);
}

/** The console page of a log group's streams whose names start with `prefix` (the console's stream filter is a prefix). */
export function logStreamsConsoleUrl(region: string, logGroup: string, prefix: string): string {
  return cloudWatchConsole(region, `logsV2:log-groups/log-group/${logsConsoleName(logGroup)}$3FlogStreamNameFilter$3D${logsConsoleName(prefix)}`);
}

/** The console page of a log group. */
export function logGroupConsoleUrl(region: string, logGroup: string): string {
  return cloudWatchConsole(region, `logsV2:log-groups/log-group/${logsConsoleName(logGroup)}`);
}

/** The console page of a CloudWatch dashboard, opened in `region`. */
export function dashboardConsoleUrl(region: string, dashboard: string): string {
  return cloudWatchConsole(region, `dashboards/dashboard/${dashboard}`);
}
