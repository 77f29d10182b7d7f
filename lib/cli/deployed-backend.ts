import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListCommandInvocationsCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StartOutcome } from '../backup/start-backup';
import type { ComplianceReport } from '../compliance/report-contents';
import { drillAnswer, type DrillAnswer, type DrilledOutcome, type DrillOutcome } from '../drill/run-drill';
import { ConfigError, CronsnapError } from '../errors';
import type { JobStatus } from '../status/job-status';
import { jobHosts, type JobHostsReport } from '../hosts/job-hosts';
import { SsmHostInventory } from '../adapters/ssm-host-inventory';
import { errorFromFunction, outputOfEnded } from '../function-error';
import type { RestoreAnswer, RestoreEventInput, RestoreOutcome } from '../restore/restore';
import { followRestore } from '../restore/restore-following';
import type { KeepEventInput, KeepOutcome } from '../retention/backup-keeps';
import { TERMINAL_STATUSES } from '../ssm/status-change-event';
import type { BackupListing, BackupNowOptions, BackupNowResult, CronsnapBackend, HostResult, StatusAnswer } from './cronsnap-backend';
import { readStackOutputs, replicaStackOutputsSchema, stackOutputsSchema, type StackOutputs } from './stack-outputs';
import { SsmCommandRunner } from '../adapters/ssm-command-runner';
import type { Job } from '../config/job-config';
import { runPreflight, type PreflightResult } from '../preflight/run-preflight';

type RestoreSideOutputs = Pick<StackOutputs, 'ListBackupsFunction' | 'RestoreFunction'>;

export interface DeployedBackendOptions {
  readonly stackName: string;
  /**
   * `stackName` is the copy's stack (CronsnapReplica): list and restore ask its functions, with
   * `fromReplica`, in its region; nothing else can be asked of it.
   */
  readonly fromReplica?: boolean;
  /** The region of the stack's functions, when not the SDK's default. */
  readonly region?: string;
  /** A named profile of the shared AWS config files, when not the SDK's default. */
  readonly profile?: string;
  readonly lambda?: LambdaClient;
  readonly cloudFormation?: CloudFormationClient;
  readonly ssm?: SSMClient;
  readonly s3?: S3Client;
  readonly sfn?: SFNClient;
  /** Between two looks at a running command. */
  readonly pollMs?: number;
  /** Give up waiting after this long. */
  readonly waitTimeoutMs?: number;
}

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

/** The CLI against the deployed stack: invokes its functions, as an operator would from the console. */
export class DeployedBackend implements CronsnapBackend {
  private readonly lambda: LambdaClient;
  private readonly ssm: SSMClient;
  private readonly s3: S3Client;
  private readonly sfn: SFNClient;
  private readonly cloudFormation: CloudFormationClient;
  private outputs?: Promise<StackOutputs>;
  private restoreOutputs?: Promise<RestoreSideOutputs>;

  constructor(private readonly options: DeployedBackendOptions) {
    const client = { ...(options.region ? { region: options.region } : {}), ...(options.profile ? { profile: options.profile } : {}) };
    this.lambda = options.lambda ?? new LambdaClient(client);
    this.ssm = options.ssm ?? new SSMClient(client);
    this.s3 = options.s3 ?? new S3Client(client);
    this.sfn = options.sfn ?? new SFNClient(client);
    this.cloudFormation = options.cloudFormation ?? new CloudFormationClient(client);
  }

  /**
   * Follows a workflow execution to its end, as the console would show it: its output when it
   * succeeded; when it failed, the error its step raised (a refusal stays a refusal).
   */
  private async followExecution(executionArn: string, what: string, progress: (line: string) => void): Promise<unknown> {
    const region = executionArn.split(':')[3] ?? '';
    progress(`${what}: running as ${executionArn}\n  console: https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${executionArn}`);
    const started = Date.now();
    const deadline = started + (this.options.waitTimeoutMs ?? 50 * 3600 * 1000);
    let told = 0;
    for (;;) {
      const execution = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return outputOfEnded(execution, `${what} (${executionArn})`);
      if (Date.now() > deadline) throw new CronsnapError(`${what}: still running after the wait limit; follow ${executionArn} in the Step Functions console`);
      const minutes = Math.floor((Date.now() - started) / 60_000);
      if (minutes >= told + 5) {
        told = minutes;
        progress(`${what}: still running after ${minutes} min`);
      }
      await sleep(this.options.pollMs ?? 10_000);
    }
  }

  private stack(): Promise<StackOutputs> {
    this.outputs ??= readStackOutputs(this.cloudFormation, this.options.stackName, stackOutputsSchema);
    return this.outputs;
  }

  /** The functions list and restore ask: the main stack's, or the copy's. */
  private restoreSide(): Promise<RestoreSideOutputs> {
    this.restoreOutputs ??= this.options.fromReplica ? readStackOutputs(this.cloudFormation, this.options.stackName, replicaStackOutputsSchema) : this.stack();
    return this.restoreOutputs;
  }

  /** What list and restore send beside the caller's request: the copy's functions refuse a request that does not say it means the copy. */
  private get copyFlag(): { fromReplica?: true } {
    return this.options.fromReplica ? { fromReplica: true } : {};
  }

  private async invoke<T>(functionName: string, payload: unknown): Promise<T> {
    const response = await this.lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
    const text = new TextDecoder().decode(response.Payload ?? new Uint8Array());
    if (response.FunctionError) throw errorFromFunction(functionName, text);
    return JSON.parse(text) as T;
  }

  async backupNow(job: string, { wait, progress, kind = 'backup' }: BackupNowOptions): Promise<BackupNowResult> {
    const outputs = await this.stack();
    const start = await this.invoke<StartOutcome>(outputs.ScheduledBackupFunction, { job, eventId: `cli-${randomUUID()}`, scheduledTime: new Date().toISOString(), trigger: 'on-demand', ...(kind === 'backup' ? {} : { kind }) });
    if (start.kind !== 'started') return { job, outcome: start.kind, ...('runId' in start ? { runId: start.runId } : {}), hosts: [] };
    progress(`${job}: run ${start.runId} sent to ${start.hosts.join(', ') || 'every host with the job\'s tags'} (command ${start.commandId})`);
    if (!wait) return { job, outcome: 'started', runId: start.runId, hosts: start.hosts.map((host) => ({ host, status: 'running', detail: 'sent' })) };

    const hosts = await this.awaitCommands([start.commandId, ...start.linked.map((linked) => linked.commandId)], job, progress);
    // Shipped logs are judged by the host's program, which checks each upload; list-backups offers dumps only.
    if (kind !== 'backup') return { job, runId: start.runId, outcome: hosts.every((host) => host.status === 'succeeded') ? 'succeeded' : 'failed', hosts: hosts.map(({ command: _command, ...host }) => host) };
    // The command's success is the host's word; the backup counts once list-backups offers it.
    const listing = await this.invoke<BackupListing>(outputs.ListBackupsFunction, { job, runId: start.runId });
    const offered = new Set(listing.backups.filter((backup) => backup.runId === start.runId).map((backup) => backup.host));
    const judged = hosts.map(({ command, ...host }): HostResult =>
      host.status === 'succeeded' && command === start.commandId && !offered.has(host.host)
        ? { host: host.host, status: 'failed', detail: 'the command succeeded but list-backups does not offer the backup' }
        : host,
    );
    return { job, runId: start.runId, outcome: judged.every((host) => host.status === 'succeeded') ? 'succeeded' : 'failed', hosts: judged };
  }

  private async awaitCommands(commandIds: string[], job: string, progress: (line: string) => void): Promise<(HostResult & { command: string })[]> {
    const deadline = Date.now() + (this.options.waitTimeoutMs ?? 3 * 3600 * 1000);
    const seen = new Map<string, string>();
    for (;;) {
      const invocations = (await Promise.all(commandIds.map((CommandId) => this.invocationsOf(CommandId)))).flat();
      for (const { command, host, status } of invocations) {
        if (seen.get(`${command}/${host}`) !== status) progress(`${job}: ${host} ${status}`);
        seen.set(`${command}/${host}`, status);
      }
      if (invocations.length > 0 && invocations.every((invocation) => TERMINAL.has(invocation.status))) {
        return invocations.map(({ command, host, status }) => ({ command, host, status: status === 'Success' ? 'succeeded' : 'failed', detail: `SSM ${status}` }));
      }
      if (Date.now() > deadline) throw new CronsnapError(`${job}: still running after the wait limit; the commands are ${commandIds.join(', ')}`);
      await sleep(this.options.pollMs ?? 10_000);
    }
  }

  /** Every host's invocation of a command: ListCommandInvocations answers at most 50 a page. */
  private async invocationsOf(CommandId: string): Promise<{ command: string; host: string; status: string }[]> {
    const invocations: { command: string; host: string; status: string }[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.ssm.send(new ListCommandInvocationsCommand({ CommandId, MaxResults: 50, ...(NextToken ? { NextToken } : {}) }));
      for (const invocation of page.CommandInvocations ?? []) invocations.push({ command: CommandId, host: invocation.InstanceId ?? '', status: invocation.Status ?? 'Pending' });
      NextToken = page.NextToken;
    } while (NextToken);
    return invocations;
  }

  async list(job: string, limit: number): Promise<BackupListing> {
    return this.invoke<BackupListing>((await this.restoreSide()).ListBackupsFunction, { job, limit, ...this.copyFlag });
  }

  /** Asked with the caller's credentials, as preflight is: SSM's node inventory, and list-backups for each host's newest backup. */
  async hosts(job: Job, policyExport: string): Promise<JobHostsReport> {
    const [managed, listing] = await Promise.all([new SsmHostInventory(this.ssm).describe(job.targets), this.list(job.name, 200)]);
    return jobHosts(job, managed, listing.backups, policyExport);
  }

  async status(jobs?: readonly string[]): Promise<StatusAnswer> {
    const { JobStatusFunction, CommandLogGroup } = await this.stack();
    if (!JobStatusFunction) throw new ConfigError(`stack ${this.options.stackName} has no job-status function: deploy this version of cronsnap`);
    const statuses = await this.invoke<JobStatus[]>(JobStatusFunction, jobs ? { jobs } : {});
    const region = await this.lambda.config.region();
    return { jobs: statuses, ...(CommandLogGroup ? { commandLog: { region, name: CommandLogGroup } } : {}) };
  }

  async restore(event: RestoreEventInput, progress: (line: string) => void): Promise<RestoreOutcome> {
    progress(`${event.job}: asking the restore function (${event.dryRun === false ? 'real run' : 'dry run'})`);
    const answer = await this.invoke<RestoreAnswer>((await this.restoreSide()).RestoreFunction, { ...event, ...this.copyFlag });
    return followRestore(answer, event.job, (executionArn, what) => this.followExecution(executionArn, what, progress), progress);
  }

  /** keep-backup runs with the restore function's role: hosts may not keep or unkeep. */
  async keep(event: KeepEventInput): Promise<KeepOutcome> {
    return this.invoke<KeepOutcome>((await this.stack()).KeepBackupFunction, event);
  }

  async drill(job: string, progress: (line: string) => void): Promise<DrillAnswer> {
    progress(`${job}: asking the restore-drill function`);
    const outcome = await this.invoke<DrillAnswer | Extract<DrillOutcome, { kind: 'started' }>>((await this.stack()).RestoreDrillFunction, {
      job,
      eventId: `cli-${randomUUID()}`,
      scheduledTime: new Date().toISOString(),
    });
    if (outcome.kind !== 'started') return outcome;
    return drillAnswer((await this.followExecution(outcome.workflow.executionId, `${job}: drill ${outcome.drillId}`, progress)) as DrilledOutcome);
  }

  /** Sent with the caller's own credentials: the preflight document is read-only and no function sends it. */
  async preflight(job: Job, progress: (line: string) => void): Promise<PreflightResult> {
    const { DocumentPrefix, CommandLogGroup } = await this.stack();
    progress(`${job.name}: sending ${DocumentPrefix}-preflight to the job's online hosts`);
    return runPreflight(job, { runner: new SsmCommandRunner(this.ssm, CommandLogGroup ? { commandLogGroup: CommandLogGroup } : {}), documentPrefix: DocumentPrefix, timeoutMs: this.options.waitTimeoutMs ?? 300_000, ...(this.options.pollMs ? { pollMs: this.options.pollMs } : {}) });
  }

  async report(): Promise<{ report: ComplianceReport; location: string }> {
    const { ReportsBucket } = await this.stack();
    const response = await this.s3.send(new GetObjectCommand({ Bucket: ReportsBucket, Key: 'reports/latest/report.json' })).catch((error: Error) => {
      if (error.name !== 'NoSuchKey') throw error;
      throw new CronsnapError(
        `no compliance report in s3://${ReportsBucket}/reports/latest/ yet: the first is written when the first S3 Inventory is delivered, up to 48 hours after the stack was created; try again then`,
        { cause: error },
      );
    });
    const report = JSON.parse((await response.Body?.transformToString('utf8')) ?? '{}') as ComplianceReport;
    return { report, location: `s3://${ReportsBucket}/reports/latest/report.html` };
  }
}
