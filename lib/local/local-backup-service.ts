import { Logger } from '@aws-lambda-powertools/logger';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { completeBackup, type CompletionOutcome } from '../backup/complete-backup';
import { startBackup, type ScheduledBackupEvent, type StartOutcome } from '../backup/start-backup';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { BACKUP_PROGRAMS } from '../engines';
import { DRILL_DOCUMENTS } from '../drill/drill-programs';
import type { DrillAnswer, DrilledOutcome, DrillOutcome } from '../drill/run-drill';
import { drillResultSchema } from '../catalog/drill-result';
import { RESTORE_PROGRAMS } from '../restore/restore-programs';
import { LocalCommandRunner, type LocalCommandRunnerOptions, type LocalHost } from '../adapters/local-command-runner';
import { MemoryNotifier } from '../adapters/memory-notifier';
import { S3ObjectStore } from '../adapters/s3-object-store';
import { buildCommandDocument, type CommandDocument } from '../ssm/command-document';
import { documentName } from '../ssm/host-program';
import type { StatusChangeEvent } from '../ssm/status-change-event';
import type { FilesManifest } from '../catalog/manifest';
import { listBackups } from '../restore/list-backups';
import { jobStatuses, type JobStatus } from '../status/job-status';
import { jobHosts, type JobHostsReport } from '../hosts/job-hosts';
import { LocalHostInventory } from '../adapters/local-host-inventory';
import { keepBackup, keepEventSchema, type KeepEventInput, type KeepOutcome } from '../retention/backup-keeps';
import type { RestoreAnswer, RestoreEventInput, RestoreOutcome } from '../restore/restore';
import { followRestore } from '../restore/restore-following';
import { SsmCommandRunner } from '../adapters/ssm-command-runner';
import { SnsNotifier } from '../adapters/sns-notifier';
import { SfnHostWorkflowStarter, SfnWorkflowStarter } from '../adapters/sfn-workflow-starter';
import { callHandler, type LambdaHandler, type LocalFunctionBinding } from '../adapters/local-state-machine';
import type { CommandRunner } from '../ports/command-runner';
import type { Notifier } from '../ports/notifier';
import { COMMAND_FINISHED_KEY, functionKey, INVENTORY_DELIVERED_KEY, scheduleKey, STAND_IN_BUCKET, stateMachineKey, standInCall } from './aws-call-recorder';
import { standInClient, type CallSink, type StandInClientClass, type StandInService } from './stand-in-handler';
import { HARNESS_ACCESS_KEY } from './moto-server';
import { ssmStandIn } from './ssm-stand-in';
import { snsStandIn } from './sns-stand-in';
import { SfnStandIn, type LocalStateMachine } from './sfn-stand-in';
import type { HostWorkflow } from '../host-workflow/host-workflow';
import { HOST_WORKFLOW_TIMEOUT_SECONDS } from '../host-workflow/command-timeout';
import { restoreFunction } from '../lambda/restore-function';
import { readByNameOnly } from '../lambda/aws-dependencies';
import { restoreDrillFunction } from '../lambda/restore-drill-function';
import { etcdRestoreStepFunction } from '../lambda/etcd-restore-step-function';
import { hostWorkflowDefinition } from '../state-machines/host-workflow-definition';
import { etcdRestoreDefinition } from '../state-machines/etcd-restore-definition';
import { STEP_TIMEOUT_SECONDS } from '../state-machines/asl';
import { ETCD_COMMAND_TIMEOUT_SECONDS, ETCD_RESTORE_TIMEOUT_SECONDS, type StepResult } from '../restore/etcd-restore-workflow';
import type { FileSetRestoreReport, FileSetRestoreRequest } from '../restore/file-set-restore';
import type { Job } from '../config/job-config';
import type { BucketRole } from '../replica/bucket-role';
import { preflightProgram } from '../preflight/preflight-program';
import { publishHostPrograms } from './host-program-publishing';
import { runPreflight, type PreflightResult } from '../preflight/run-preflight';

export interface LocalBackupServiceOptions {
  readonly config: CronsnapConfig;
  readonly s3: S3Client;
  readonly bucket: string;
  readonly kmsKeyId: string;
  /**
   * `replica`: the bucket is the copy, as the CronsnapReplica stack's functions see theirs.
   * @default 'source'
   */
  readonly bucketRole?: BucketRole;
  readonly hosts: Readonly<Record<string, LocalHost>>;
  /** Environment for the host scripts: AWS endpoint and credentials, lock dir. */
  readonly hostEnv: Readonly<Record<string, string>>;
  readonly now?: () => Date;
  /** Scratch dir for restores on the hosts. */
  readonly restoreWorkDir?: string;
  /**
   * The S3 client each function's logic uses, so a recorder can tell whose role made each call.
   * @default - `s3` for all
   */
  readonly s3As?: (fn: LocalFunction) => S3Client;
  /**
   * Told every call the functions and state machines make to a stand-in (SSM Run Command, SNS,
   * Step Functions, Lambda) as the SDK would have sent it, signed as its principal, so a
   * recorder can judge them with the S3 calls against the stack's IAM.
   * @default - not recorded
   */
  readonly recordCall?: CallSink;
  /**
   * Told, for each step of a scenario, the principals (access key IDs) it has act: the functions,
   * state machines, schedules, rules and hosts AWS would see calling. A recorder that then judges
   * no call of one of them fails, so a principal whose calls stop being recorded cannot pass unjudged.
   * @default - not told
   */
  readonly expectActing?: (accessKeyId: string) => void;
  /** See LocalCommandRunnerOptions.hostAccessKey. */
  readonly hostAccessKey?: (job: string) => string;
  /** See LocalCommandRunnerOptions.parameterPassing. */
  readonly parameterPassing?: LocalCommandRunnerOptions['parameterPassing'];
  /**
   * How long one invocation of a workflow's function may take, as its Lambda timeout; tests
   * shorten it to meet host programs that outlast a function.
   * @default 15 minutes, the deployed step functions' timeout
   */
  readonly functionBudgetMs?: number;
}

/** The deployed function whose logic a local call stands for. */
export type LocalFunction = 'scheduled-backup' | 'backup-completed' | 'list-backups' | 'restore' | 'keep-backup' | 'etcd-restore-step' | 'restore-drill' | 'compliance-report' | 'job-status';

export interface LocalRun {
  readonly start: StartOutcome;
  readonly completions: CompletionOutcome[];
}

export const LOCAL_DOCUMENT_PREFIX = 'cronsnap';

/** The state machines of the stack, as the local mode names them. */
export type LocalStateMachineName = 'restore' | 'drill' | 'etcd-restore';

/** The region the local mode's ARNs and stand-in clients name. */
const LOCAL_REGION = 'us-east-1';

/** The failure topic, as the local mode's functions publish to it. */
export const LOCAL_TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:000000000000:cronsnap-failures`;

/** The ARN a local function's StartExecution names a state machine by. */
export function localStateMachineArn(machine: LocalStateMachineName): string {
  return `arn:aws:states:${LOCAL_REGION}:000000000000:stateMachine:cronsnap-${machine}`;
}

/** The ARN a local state machine's Task names a function by, as CloudFormation would resolve it. */
export function localFunctionArn(fn: LocalFunction): string {
  return `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:cronsnap-${fn}`;
}

/** A function's logger in the local mode: the demo and the CLI print their own lines, not Lambda's JSON logs. */
function silentLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: 'SILENT' });
}

/** A look at a local invocation costs a map lookup, not an API call: poll often. */
const LOCAL_POLL_MS = 50;

/**
 * The deployed flow on one machine: the functions' logic with the deployed adapters, whose SSM,
 * SNS and Step Functions requests the stand-ins serve (the document scripts run by
 * LocalCommandRunner, the state machines by the Step Functions stand-in), then backup-completed's
 * logic fed with the status-change events SSM would emit. Used by the demo and the integration tests.
 */
export class LocalBackupService {
  /** What the failure topic's subscribers received. */
  readonly notifier = new MemoryNotifier();
  /** The stand-in SSM agent on the stand-in hosts. */
  readonly runner: LocalCommandRunner;
  private readonly ssm: StandInService;
  private readonly sns: StandInService;
  private readonly stores = new Map<LocalFunction, S3ObjectStore>();
  private readonly now: () => Date;

  constructor(private readonly options: LocalBackupServiceOptions) {
    const programs = [...BACKUP_PROGRAMS, ...RESTORE_PROGRAMS, ...DRILL_DOCUMENTS, preflightProgram];
    const documents: Record<string, CommandDocument> = Object.fromEntries(
      programs.map((program) => [documentName(LOCAL_DOCUMENT_PREFIX, program), buildCommandDocument(program, options.bucket)]),
    );
    this.runner = new LocalCommandRunner({
      documents,
      deployed: publishHostPrograms(options.s3, options.bucket, options.kmsKeyId, programs),
      hosts: options.hosts,
      env: options.hostEnv,
      ...(options.hostAccessKey ? { hostAccessKey: options.hostAccessKey } : {}),
      ...(options.parameterPassing ? { parameterPassing: options.parameterPassing } : {}),
    });
    this.now = options.now ?? (() => new Date());
    this.ssm = ssmStandIn(this.runner, this.now);
    this.sns = snsStandIn(LOCAL_TOPIC_ARN, this.notifier);
  }

  get config(): CronsnapConfig {
    return this.options.config;
  }

  /** One event for `job` (its dump, or with `binlogs` or `wal` its log shipping), end to end: a scheduled one unless `trigger` says otherwise. */
  async runJob(job: string, eventId: string, scheduledTime = this.now(), kind: ScheduledBackupEvent['kind'] = 'backup', trigger: ScheduledBackupEvent['trigger'] = 'schedule'): Promise<LocalRun> {
    const as = (fn: LocalFunction) => ({ config: this.options.config, runner: this.runnerOf(fn), notifier: this.notifierOf(fn), now: this.now, store: this.storeOf(fn) });
    if (trigger === 'schedule') this.invokedByAws(scheduleKey(kind ?? 'backup', job), 'scheduled-backup');
    this.acting(functionKey('scheduled-backup'));
    const start = await startBackup(
      { job, eventId, scheduledTime: scheduledTime.toISOString(), kind, trigger },
      eventId,
      { ...as('scheduled-backup'), bucket: this.options.bucket, kmsKeyId: this.options.kmsKeyId, documentPrefix: LOCAL_DOCUMENT_PREFIX },
    );
    if (start.kind !== 'started') return { start, completions: [] };
    this.acting(functionKey('backup-completed'), ...this.hostsOf(job));
    const completions: CompletionOutcome[] = [];
    for (const { commandId } of [start, ...start.linked]) {
      // SSM's status-change event comes when the host has finished.
      await this.runner.settled(commandId);
      for (const host of this.runner.hostsOf(commandId)) {
        const invocation = await this.runner.invocation(commandId, host);
        this.invokedByAws(COMMAND_FINISHED_KEY, 'backup-completed');
        completions.push(await completeBackup(this.statusChangeEvent(commandId, host, invocation.documentName, invocation.status), as('backup-completed')));
      }
    }
    return { start, completions };
  }

  /** list-backups' answer for a job, from the same bucket. */
  async listBackups(job: string, limit = 20, fromReplica?: boolean) {
    this.acting(functionKey('list-backups'));
    return listBackups(
      { job, limit, ...(fromReplica === undefined ? {} : { fromReplica }) },
      { config: this.options.config, store: this.storeOf('list-backups'), now: this.now, bucketRole: this.bucketRole },
    );
  }

  /** `cronsnap hosts`: the job's hosts as the local runner has them, with each one's newest backup. */
  async hosts(job: Job, policyExport: string): Promise<JobHostsReport> {
    const [managed, listing] = await Promise.all([new LocalHostInventory(this.runner).describe(job.targets), this.listBackups(job.name, 200)]);
    return jobHosts(job, managed, listing.backups, policyExport);
  }

  /** job-status's logic: every job asked at a glance. */
  async status(jobs?: readonly string[]): Promise<JobStatus[]> {
    this.acting(functionKey('job-status'));
    return jobStatuses(jobs ? { jobs: [...jobs] } : {}, { config: this.options.config, store: this.storeOf('job-status'), now: this.now });
  }

  private get bucketRole(): BucketRole {
    return this.options.bucketRole ?? 'source';
  }

  /** keep-backup's logic (the restore role's), for `caller`. */
  async keep(event: KeepEventInput, caller: string): Promise<KeepOutcome> {
    this.acting(functionKey('keep-backup'));
    return keepBackup(keepEventSchema.parse(event), { config: this.options.config, store: this.storeOf('keep-backup'), now: this.now, caller });
  }

  /**
   * S3 Inventory delivered a report: its rule invokes compliance-report, whose view of the backup
   * bucket (keep markers, log manifests, read by name) this returns.
   */
  inventoryDelivered(): S3ObjectStore {
    this.invokedByAws(INVENTORY_DELIVERED_KEY, 'compliance-report');
    return this.storeOf('compliance-report');
  }

  /** The recorder's sink, each call naming this service's bucket (a test file may run several). */
  private get recordCall(): CallSink | undefined {
    const sink = this.options.recordCall;
    return sink ? (call) => sink({ ...call, headers: { ...call.headers, [STAND_IN_BUCKET]: this.options.bucket } }) : undefined;
  }

  /**
   * An SDK client of `service` as the principal `accessKeyId` stands for builds it (a function's
   * role, or the operator): the real client, its requests served by the stand-in and each
   * recorded when asked.
   */
  private clientOf<Client>(Client: StandInClientClass<Client>, accessKeyId: string, service: StandInService): Client {
    return standInClient(Client, service, { region: LOCAL_REGION, accessKeyId, ...(this.recordCall ? { record: this.recordCall } : {}) });
  }

  /** SSM Run Command as function `fn` calls it: SsmCommandRunner, as deployed, against the stand-in agent. */
  private runnerOf(fn: LocalFunction): CommandRunner {
    return new SsmCommandRunner(this.clientOf(SSMClient, functionKey(fn), this.ssm));
  }

  /** SNS as function `fn` publishes to it: SnsNotifier, as deployed, to the failure topic whose messages `notifier` keeps. */
  private notifierOf(fn: LocalFunction): Notifier {
    return new SnsNotifier(this.clientOf(SNSClient, functionKey(fn), this.sns), LOCAL_TOPIC_ARN);
  }

  /** `binding` as state machine `machine` invokes it: each invocation recorded as the machine role's. */
  private invokedBy(machine: LocalStateMachineName, fn: LocalFunction, binding: LocalFunctionBinding): LocalFunctionBinding {
    const record = this.recordCall;
    if (!record) return binding;
    return {
      ...binding,
      handler: (event, ...rest) => {
        record(standInCall(stateMachineKey(machine), 'AWSLambda.Invoke', { FunctionName: localFunctionArn(fn) }));
        return binding.handler(event, ...rest);
      },
    };
  }

  /** Records AWS (a schedule, a rule) invoking `fn` as `accessKeyId`'s principal. */
  private invokedByAws(accessKeyId: string, fn: LocalFunction): void {
    this.acting(accessKeyId);
    this.recordCall?.(standInCall(accessKeyId, 'AWSLambda.Invoke', { FunctionName: localFunctionArn(fn) }));
  }

  /** Tells the recorder these principals act in the step under way. */
  private acting(...accessKeyIds: string[]): void {
    for (const accessKeyId of accessKeyIds) this.options.expectActing?.(accessKeyId);
  }

  /** The principal `job`'s hosts sign as, when they sign as one. */
  private hostsOf(job: string): string[] {
    return this.options.hostAccessKey ? [this.options.hostAccessKey(job)] : [];
  }

  /** The object store as function `fn` sees the bucket. */
  private storeOf(fn: LocalFunction): S3ObjectStore {
    let store = this.stores.get(fn);
    if (!store) {
      store = new S3ObjectStore(this.options.s3As?.(fn) ?? this.options.s3, this.options.bucket, this.options.kmsKeyId, readByNameOnly);
      this.stores.set(fn, store);
    }
    return store;
  }

  /** What every local restore of function `fn` runs with: this service's runner, its store, bucket and clock. */
  private restoreDeps(fn: LocalFunction) {
    return {
      runner: this.runnerOf(fn),
      store: this.storeOf(fn),
      bucket: this.options.bucket,
      documentPrefix: LOCAL_DOCUMENT_PREFIX,
      now: this.now,
      timeoutMs: 600_000,
      pollMs: LOCAL_POLL_MS,
      workDir: this.options.restoreWorkDir ?? '/var/tmp',
    };
  }

  /** The deployed function `fn` as the state machines bind it: its handler, name and timeout. */
  private binding(fn: LocalFunction, handler: LambdaHandler): LocalFunctionBinding {
    return { handler, name: `cronsnap-${fn}`, timeoutMs: this.options.functionBudgetMs ?? STEP_TIMEOUT_SECONDS * 1000 };
  }

  /**
   * The restore function with its three state machines (the restore's host workflow, the etcd
   * restore and its step function), each executed by the Step Functions stand-in from the
   * definition CloudFormation deploys, each Task bound to the real handler; `progress` is told
   * each step's status.
   */
  private restoreFunction(progress?: (line: string) => void): { restore: LocalFunctionBinding; sfn: SfnStandIn } {
    const etcdStepDeps = { ...this.restoreDeps('etcd-restore-step'), timeoutMs: ETCD_COMMAND_TIMEOUT_SECONDS * 1000 };
    const etcdStep = this.binding('etcd-restore-step', etcdRestoreStepFunction({ step: etcdStepDeps, logger: silentLogger('etcd-restore-step') }));
    const sfn = new SfnStandIn({
      [localStateMachineArn('etcd-restore')]: {
        definition: etcdRestoreDefinition(localFunctionArn('etcd-restore-step'), ETCD_RESTORE_TIMEOUT_SECONDS),
        options: {
          functions: { [localFunctionArn('etcd-restore-step')]: this.invokedBy('etcd-restore', 'etcd-restore-step', etcdStep) },
          waitMs: LOCAL_POLL_MS,
          onTaskDone: (state, output) => {
            // The Task's own step (a replacement's states are prefixed), done once its result is there.
            const done = (output as { steps: Record<string, { result?: StepResult }> }).steps[state.replace(/^replace-/, '')]?.result;
            if (done) progress?.(`step ${done.step} done${done.members.length > 0 ? ` on ${done.members.map((member) => member.member).join(', ')}` : ' (nothing to do)'}`);
          },
        },
      },
      // The workflow's step is the restore function itself, bound once it exists.
      [localStateMachineArn('restore')]: this.hostWorkflowMachine('restore', 'restore', () => restore, progress),
    });
    const client = this.clientOf(SFNClient, functionKey('restore'), sfn);
    const { runner, store, now, documentPrefix, ...rest } = this.restoreDeps('restore');
    const workflows = new SfnWorkflowStarter(client, localStateMachineArn('etcd-restore'));
    const hostWorkflows = new SfnHostWorkflowStarter(client, localStateMachineArn('restore'));
    const restore: LocalFunctionBinding = this.binding(
      'restore',
      restoreFunction({
        restore: { ...rest, store, now, config: this.options.config, bucketRole: this.bucketRole, workflows, hostWorkflows },
        step: { runner, store, now, documentPrefix },
        logger: silentLogger('restore'),
      }),
    );
    return { restore, sfn };
  }

  /** The host workflow state machine `machine` (hostWorkflowDefinition) whose step is `fn`, told to `progress` as its status changes. */
  private hostWorkflowMachine(machine: LocalStateMachineName, fn: LocalFunction, step: () => LocalFunctionBinding, progress?: (line: string) => void): LocalStateMachine {
    const arn = localFunctionArn(fn);
    let told = '';
    return {
      definition: hostWorkflowDefinition(arn, HOST_WORKFLOW_TIMEOUT_SECONDS),
      options: {
        functions: { [arn]: this.invokedBy(machine, fn, this.binding(fn, (event, ...rest) => step().handler(event, ...rest))) },
        waitMs: LOCAL_POLL_MS,
        onTaskDone: (_state: string, output: unknown) => {
          const { status, operation } = output as HostWorkflow;
          if (status !== told) progress?.(`${operation.kind === 'drill' ? `drill-${operation.job}` : `restore-${operation.job}`}: ${status}`);
          told = status;
        },
      },
    };
  }

  /** The restore function's answer, the workflow it started followed to its end and told to `progress`. */
  async restore(event: RestoreEventInput, progress: (line: string) => void = () => undefined): Promise<RestoreOutcome> {
    const { restore, sfn } = this.restoreFunction(progress);
    this.acting(functionKey('restore'));
    const answer = (await callHandler(restore, event)) as RestoreAnswer;
    if (answer.kind === 'started') this.acting(stateMachineKey('restore'), ...this.hostsOf(event.job));
    if (answer.kind === 'etcd-started') this.acting(stateMachineKey('etcd-restore'), functionKey('etcd-restore-step'), ...this.hostsOf(event.job));
    return followRestore(answer, event.job, (executionArn) => sfn.outputOf(executionArn), progress);
  }

  /**
   * The restore-drill function's answer to one drill of `job` (`eventId` its request id), its
   * workflow followed to the verdict: invoked by the job's drill schedule unless `trigger` is `on-demand`.
   */
  async drill(job: string, eventId: string, scheduledTime = this.now(), trigger: ScheduledBackupEvent['trigger'] = 'schedule'): Promise<Exclude<DrillOutcome, { kind: 'started' }>> {
    if (trigger === 'schedule') this.invokedByAws(scheduleKey('drill', job), 'restore-drill');
    const sfn = new SfnStandIn({ [localStateMachineArn('drill')]: this.hostWorkflowMachine('drill', 'restore-drill', () => drill) });
    const hostWorkflows = new SfnHostWorkflowStarter(this.clientOf(SFNClient, functionKey('restore-drill'), sfn), localStateMachineArn('drill'));
    const { runner, documentPrefix, ...record } = this.restoreDeps('restore-drill');
    const drill: LocalFunctionBinding = this.binding(
      'restore-drill',
      restoreDrillFunction({
        drill: { ...record, config: this.options.config, notifier: this.notifierOf('restore-drill'), hostWorkflows },
        step: { runner, documentPrefix },
        logger: silentLogger('restore-drill'),
      }),
    );
    this.acting(functionKey('restore-drill'));
    const answer = (await callHandler(drill, { job, eventId, scheduledTime: scheduledTime.toISOString() }, eventId)) as Extract<DrillOutcome, { kind: 'started' }> | DrillAnswer;
    if (answer.kind === 'started') {
      this.acting(stateMachineKey('drill'), ...this.hostsOf(job));
      return (await sfn.outputOf(answer.workflow.executionId)) as DrilledOutcome;
    }
    if (answer.kind === 'duplicate') return answer;
    // A drill that ended before its workflow started is answered in brief; its record holds the whole verdict.
    return { kind: 'drilled', resultKey: answer.result, result: drillResultSchema.parse(JSON.parse((await this.storeOf('restore-drill').getText(answer.result)) ?? 'null')) };
  }

  /** `cronsnap preflight` of `job` on its stand-in hosts, through the same document as deployed. */
  async preflight(job: Job): Promise<PreflightResult> {
    // Sent with the operator's own credentials, as the CLI sends it: no function of the stack does.
    return runPreflight(job, { runner: new SsmCommandRunner(this.clientOf(SSMClient, HARNESS_ACCESS_KEY, this.ssm)), documentPrefix: LOCAL_DOCUMENT_PREFIX, timeoutMs: 120_000, pollMs: LOCAL_POLL_MS });
  }

  /**
   * One host's file set from one run restored as an operator asks the restore function for it
   * (the job, the run, that host as its target): planned by the function, run by the restore
   * state machine. A file-set job's only; an etcd member's config set is the etcd restore's config step.
   */
  async restoreFiles(manifest: FilesManifest, request: Omit<FileSetRestoreRequest, 'host'>): Promise<FileSetRestoreReport> {
    const { dryRun, confirm, restoreRoot } = request;
    const outcome = await this.restore({
      job: manifest.job,
      backup: manifest.runId,
      targets: [manifest.host],
      ...(dryRun === undefined ? {} : { dryRun }),
      ...(confirm === undefined ? {} : { confirm }),
      ...(restoreRoot === undefined ? {} : { restoreRoot }),
    });
    const [report, ...more] = outcome.kind === 'files' ? outcome.reports : [];
    if (!report || more.length > 0) throw new Error(`the restore of ${manifest.job} on ${manifest.host} answered ${outcome.kind}, not one file set's report`);
    return report;
  }

  private statusChangeEvent(commandId: string, host: string, documentName: string, status: string): StatusChangeEvent {
    const time = this.now().toISOString();
    return {
      id: `local-${commandId}-${host}`,
      'detail-type': 'EC2 Command Invocation Status-change Notification',
      source: 'aws.ssm',
      time,
      detail: {
        'command-id': commandId,
        'document-name': documentName,
        'instance-id': host,
        'requested-date-time': time,
        status: status as StatusChangeEvent['detail']['status'],
      },
    };
  }
}
