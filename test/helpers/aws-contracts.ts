import type { Client, MetadataBearer } from '@smithy/types';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';

/**
 * Request constraints from the AWS API references that the SDK does not check client-side and
 * that neither aws-sdk-client-mock nor moto enforces. A contract returns what AWS would refuse
 * in one request (empty when it would accept it).
 */
type Contract = (input: Record<string, unknown>) => string[];

const SSM_INSTANCE_ID = /^(i-([0-9a-f]{8}|[0-9a-f]{17})|mi-[0-9a-f]{17})$/;
const COMMAND_ID = /^[0-9a-f-]{36}$/;

function between(field: string, value: unknown, min: number, max: number): string[] {
  if (value === undefined) return [];
  return typeof value === 'number' && value >= min && value <= max ? [] : [`${field} must be ${min}..${max}, got ${String(value)}`];
}

function atMost(field: string, value: unknown, max: number): string[] {
  if (value === undefined) return [];
  const length = Array.isArray(value) || typeof value === 'string' ? value.length : Number.NaN;
  return length <= max ? [] : [`${field} may have at most ${max} ${typeof value === 'string' ? 'characters' : 'items'}, got ${length}`];
}

function matches(field: string, value: unknown, pattern: RegExp): string[] {
  if (value === undefined) return [];
  return typeof value === 'string' && pattern.test(value) ? [] : [`${field} '${String(value)}' does not match ${pattern}`];
}

const CONTRACTS: Record<string, Contract> = {
  // SSM API reference, DescribeInstanceInformation: MaxResults 5-50; Filters values 1-100 items;
  // "Tag filters can't be combined with other filter types".
  DescribeInstanceInformationCommand: (input) => {
    const filters = (input.Filters ?? []) as { Key: string; Values: string[] }[];
    const tags = filters.filter((filter) => filter.Key.startsWith('tag:') || filter.Key === 'tag-key');
    return [
      ...between('MaxResults', input.MaxResults, 5, 50),
      ...(tags.length > 0 && tags.length < filters.length ? [`Filters: tag filters can't be combined with other filter types (${filters.map((f) => f.Key).join(', ')})`] : []),
      ...(input.InstanceInformationFilterList && input.Filters ? ['InstanceInformationFilterList and Filters cannot be used together'] : []),
      ...filters.flatMap((filter) => [
        ...(filter.Values.length >= 1 ? [] : [`Filters ${filter.Key}: at least one value`]),
        ...atMost(`Filters ${filter.Key} Values`, filter.Values, 100),
        ...(filter.Key === 'InstanceIds' ? filter.Values.flatMap((id) => matches('Filters InstanceIds', id, SSM_INSTANCE_ID)) : []),
      ]),
    ];
  },
  // SSM API reference, SendCommand.
  SendCommandCommand: (input) => {
    const targets = (input.Targets ?? []) as { Key: string; Values: string[] }[];
    const instanceIds = (input.InstanceIds ?? []) as string[];
    return [
      ...matches('DocumentName', input.DocumentName, /^[a-zA-Z0-9_\-.:/]{3,128}$/),
      ...atMost('InstanceIds', input.InstanceIds, 50),
      ...instanceIds.flatMap((id) => matches('InstanceIds', id, SSM_INSTANCE_ID)),
      ...atMost('Targets', input.Targets, 5),
      ...targets.flatMap((target) => [...atMost(`Targets ${target.Key} Key`, target.Key, 163), ...atMost(`Targets ${target.Key} Values`, target.Values, 50)]),
      ...(input.InstanceIds && input.Targets ? ['InstanceIds and Targets cannot be used together'] : []),
      ...(input.InstanceIds || input.Targets ? [] : ['one of InstanceIds or Targets is required']),
      ...atMost('Comment', input.Comment, 100),
      ...between('TimeoutSeconds', input.TimeoutSeconds, 30, 2592000),
      ...matches('MaxConcurrency', input.MaxConcurrency, /^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$/),
      ...matches('MaxErrors', input.MaxErrors, /^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$/),
      // CloudWatchOutputConfig: CloudWatchLogGroupName 1-512 characters of [.\-_/#A-Za-z0-9].
      ...matches('CloudWatchOutputConfig CloudWatchLogGroupName', (input.CloudWatchOutputConfig as { CloudWatchLogGroupName?: string } | undefined)?.CloudWatchLogGroupName, /^[.\-_/#A-Za-z0-9]{1,512}$/),
    ];
  },
  // SSM API reference, GetCommandInvocation: CommandId is 36 characters; InstanceId pattern.
  GetCommandInvocationCommand: (input) => [...matches('CommandId', input.CommandId, COMMAND_ID), ...matches('InstanceId', input.InstanceId, SSM_INSTANCE_ID)],
  // SSM API reference, ListCommands and CommandFilter: 1-5 filters of five keys; InvokedAfter and
  // InvokedBefore take a timestamp such as 2021-07-07T00:00:00Z.
  ListCommandsCommand: (input) => {
    const filters = (input.Filters ?? []) as { key: string; value: string }[];
    return [
      ...matches('CommandId', input.CommandId, COMMAND_ID),
      ...between('MaxResults', input.MaxResults, 1, 50),
      ...(input.Filters === undefined || (filters.length >= 1 && filters.length <= 5) ? [] : [`Filters must have 1..5 items, got ${filters.length}`]),
      ...filters.flatMap((filter) => [
        ...matches('Filters key', filter.key, /^(InvokedAfter|InvokedBefore|Status|ExecutionStage|DocumentName)$/),
        ...atMost(`Filters ${filter.key} value`, filter.value, 128),
        ...(/^Invoked(After|Before)$/.test(filter.key) ? matches(`Filters ${filter.key}`, filter.value, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/) : []),
      ]),
    ];
  },
  ListCommandInvocationsCommand: (input) => [...matches('CommandId', input.CommandId, COMMAND_ID), ...between('MaxResults', input.MaxResults, 1, 50)],
  // SNS API reference, Publish: a subject is ASCII, under 100 characters, without line breaks.
  PublishCommand: (input) => [
    ...(input.Subject === undefined || (typeof input.Subject === 'string' && /^[\x20-\x7e]{1,99}$/.test(input.Subject))
      ? []
      : [`Subject '${String(input.Subject)}' must be printable ASCII under 100 characters`]),
    ...(Buffer.byteLength(String(input.Message ?? '')) <= 256 * 1024 ? [] : ['Message exceeds 256 KB']),
  ],
  // S3 API reference, DeleteObjects: at most 1,000 keys a request.
  DeleteObjectsCommand: (input) => atMost('Delete.Objects', (input.Delete as { Objects?: unknown[] } | undefined)?.Objects, 1000),
  // Step Functions API reference, StartExecution: name 1-80 characters of a restricted set.
  StartExecutionCommand: (input) => matches('name', input.name, /^[A-Za-z0-9_-]{1,80}$/),
};

/** What AWS would refuse in one request of the named command. */
export function contractViolations(commandName: string, input: Record<string, unknown>): string[] {
  return CONTRACTS[commandName]?.(input) ?? [];
}

/**
 * An aws-sdk-client-mock stub that fails the test (after it) when any request it answered breaks
 * its API's contract, so a mock never accepts what AWS refuses.
 */
export function strictMockClient<TInput extends object, TOutput extends MetadataBearer, TConfiguration>(
  client: { prototype: Client<TInput, TOutput, TConfiguration> },
): AwsStub<TInput, TOutput, TConfiguration> {
  const stub = mockClient(client);
  afterEach(() => {
    const broken = stub.calls().flatMap((call) => {
      const command = call.args[0] as unknown as { constructor: { name: string }; input: Record<string, unknown> };
      return contractViolations(command.constructor.name, command.input).map((violation) => `${command.constructor.name}: ${violation}`);
    });
    expect(broken).toEqual([]);
  });
  return stub;
}
