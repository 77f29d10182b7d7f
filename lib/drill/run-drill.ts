import { scheduledBackupEventSchema, type ScheduledBackupEvent } from '../backup/start-backup';
import { CRONSNAP_VERSION } from '../cronsnap-version';
import { drillMarkerKey, drillResultKey, lastPassedDrillKey } from '../catalog/object-layout';
import { parseManifest } from '../catalog/manifest';
import { runIdFor } from '../catalog/run-id';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { isDrilled, type DrilledJob } from '../config/job-config';
import { findJob } from '../config/load-config';
import { InvalidEventError, RestoreError } from '../errors';
import { restoreTimeoutSeconds } from '../host-workflow/command-timeout';
import type { HostOperation, HostWorkflow, HostWorkflowInput, WorkflowFinisher } from '../host-workflow/host-workflow';
import type { Notifier } from '../ports/notifier';
import type { ObjectStore } from '../ports/object-store';
import { documentStepName } from '../ssm/command-document';
import { commandOutputUrls, type CommandLogGroup } from '../ssm/command-log-stream';
import type { HostWorkflowStarter, StartedWorkflow } from '../ports/workflow-starter';
import { newestBackup } from '../catalog/backup-catalog';
import { planHostCommand } from '../host-workflow/run-host-program';
import { drillResultSchema, failedChecks, type DrillResult } from '../catalog/drill-result';
import { drillJudge, drillPlan, recoveryDrillPlan, type DrillPlan } from './drill-plan';
import { chooseWalRecovery, newestReachableSecond } from '../wal/wal-recovery-choice';
import { choosePointInTime, newestReachableBinlogSecond } from '../binlogs/point-in-time-restore';
import type { RestorableBackup } from '../catalog/backup-catalog';
import { DRILL_PROGRAMS } from './drill-programs';

/** What the drill schedule sends is what a backup schedule sends; an operator may send `{job}` alone. */
export const drillEventSchema = scheduledBackupEventSchema;

export type DrillEvent = ScheduledBackupEvent;

/** What the drill's verdict is recorded with: the bucket, its results' readers and the failure topic. */
export interface DrillRecordDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
  readonly notifier: Notifier;
  readonly bucket: string;
  readonly now: () => Date;
  /**
   * Where the hosts' command output is logged: a failed drill's notice links each host's output.
   * @default - no links (the local mode logs no command output)
   */
  readonly commandLog?: CommandLogGroup;
}

export interface DrillDeps extends DrillRecordDeps {
  /** Runs the drill's host program to its end, however long the restore into scratch takes. */
  readonly hostWorkflows: HostWorkflowStarter<HostWorkflowInput>;
}

export type DrilledOutcome = { readonly kind: 'drilled'; readonly result: DrillResult; readonly resultKey: string; readonly secondsSinceLastPass?: number };

export type DrillOutcome =
  | { readonly kind: 'duplicate'; readonly job: string; readonly drillId: string }
  | { readonly kind: 'started'; readonly job: string; readonly drillId: string; readonly workflow: StartedWorkflow }
  | DrilledOutcome;

type DrillVerdict = Pick<DrillResult, 'checks' | 'backup' | 'drillHost' | 'reason' | 'restoreSeconds'>;

function drilledJob(config: CronsnapConfig, name: string): DrilledJob {
  const job = findJob(config, name);
  if (!isDrilled(job)) throw new InvalidEventError(`event.job: job ${name} has no drill in its config`);
  return job;
}

/**
 * A restore drill: the job's newest backup restored into scratch space on the drill host by the
 * restore's own host code, compared with its manifest, and the verdict stored under
 * `drills/<job>/`. This claims the drill and starts its workflow; drillFinisher judges it when the
 * host has finished. A failure is published; live data is never touched.
 */
export async function runDrill(event: DrillEvent, requestId: string, deps: DrillDeps): Promise<DrillOutcome> {
  const job = drilledJob(deps.config, event.job);
  const startedAt = deps.now();
  const drillId = runIdFor(event.eventId ?? requestId, event.scheduledTime ? new Date(event.scheduledTime) : startedAt);
  // EventBridge delivers at least once: a redelivered event finds its drill already claimed.
  if (!(await deps.store.putIfAbsent(drillMarkerKey(job.name, drillId), JSON.stringify({ startedAt: startedAt.toISOString() })))) {
    return { kind: 'duplicate', job: job.name, drillId };
  }

  let verdict: DrillVerdict = { checks: [], restoreSeconds: 0 };
  try {
    const newest = await newestBackup(deps.store, job.name);
    if ('reason' in newest) throw new RestoreError(`the newest backup ${newest.manifestKey} cannot be restored: ${newest.reason}`);
    const { plan, backup } = await planDrill(job, newest, drillId, deps);
    const drillHost = job.drill.host ?? backup.host;
    const chosen = { runId: backup.runId, host: backup.host, manifestKey: backup.manifestKey };
    verdict = { ...verdict, backup: chosen, drillHost };
    const command = planHostCommand(
      plan.program,
      drillHost,
      plan.parameters,
      { comment: `cronsnap drill ${job.name} ${backup.runId}`, failure: `drill of ${job.name} run ${backup.runId} on ${drillHost} failed` },
      restoreTimeoutSeconds(job, backup.manifest.payload.rawSize + (plan.replayedBytes ?? 0)),
    );
    const operation: HostOperation = { kind: 'drill', job: job.name, drillId, startedAt: startedAt.toISOString(), backup: chosen, drillHost };
    const workflow = await deps.hostWorkflows.start({ operation, commands: [command] }, `drill-${job.name}-${drillId}`);
    return { kind: 'started', job: job.name, drillId, workflow };
  } catch (error) {
    // The marker is claimed: a drill that ends here must be recorded and published now, since a
    // retry of this event would be skipped as a duplicate.
    const message = (error as Error).message;
    return recordDrill(job, drillId, startedAt, { ...verdict, reason: error instanceof RestoreError ? message : `the drill did not finish: ${message}` }, deps);
  }
}

/**
 * The drill of the newest backup. A MySQL job that ships binary logs is restored to the newest
 * second its logs reach, its dump and the logs after it together. A physical job is recovered to the newest second its shipped
 * WAL reaches, from the newest base backup before it, so the drill proves the base and the WAL
 * after it together.
 */
async function planDrill(job: DrilledJob, newest: RestorableBackup, drillId: string, deps: DrillDeps): Promise<{ plan: DrillPlan; backup: RestorableBackup }> {
  if (job.engine === 'mysql' && job.binlogs?.enabled) {
    // A MySQL job that ships binary logs: its dump and the logs after it, to the newest second they reach.
    const second = await newestReachableBinlogSecond(deps.store, job.name, deps.now());
    if (second === undefined) return { plan: drillPlan(job, newest, drillId, deps.bucket), backup: newest };
    const { backup, replay } = await choosePointInTime(deps.store, job.name, new Date(second));
    return { plan: drillPlan(job, backup, drillId, deps.bucket, replay), backup };
  }
  if (job.engine !== 'postgres' || job.postgres.mode !== 'physical') return { plan: drillPlan(job, newest, drillId, deps.bucket), backup: newest };
  const second = await newestReachableSecond(deps.store, job.name);
  if (second === undefined) throw new RestoreError(`no second can be recovered to yet: no base backup of ${job.name} is followed by a WAL shipping run past its end`);
  const { backup, plan } = await chooseWalRecovery(deps.store, job.name, { toTime: new Date(second) });
  return { plan: recoveryDrillPlan(job, backup, plan, drillId, deps.bucket, deps.now()), backup };
}

/** Stores the verdict under `drills/<job>/`, and the last passed one; a failure is published. */
async function recordDrill(job: DrilledJob, drillId: string, startedAt: Date, verdict: DrillVerdict, deps: DrillRecordDeps, state?: HostWorkflow): Promise<DrilledOutcome> {
  const result = drillResultSchema.parse({
    formatVersion: 1,
    cronsnapVersion: CRONSNAP_VERSION,
    job: job.name,
    drillId,
    passed: verdict.reason === undefined,
    ...verdict,
    startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(),
  });
  const resultKey = drillResultKey(job.name, drillId);
  const body = JSON.stringify(result, null, 2);
  await deps.store.put(resultKey, body, 'application/json');
  if (result.passed) {
    await deps.store.put(lastPassedDrillKey(job.name), body, 'application/json');
    return { kind: 'drilled', result, resultKey, secondsSinceLastPass: 0 };
  }
  const outputs = state && deps.commandLog ? commandOutputs(state, deps.commandLog) : [];
  await deps.notifier.publish(`cronsnap: ${job.name} restore drill failed`, { job: job.name, drillId, reason: result.reason, result: resultKey, ...(outputs.length > 0 ? { outputs } : {}) });
  const lastPass = await lastPassedAt(deps.store, job.name);
  return {
    kind: 'drilled',
    result,
    resultKey,
    ...(lastPass ? { secondsSinceLastPass: Math.round((deps.now().getTime() - lastPass.getTime()) / 1000) } : {}),
  };
}

/** Each command the drill sent, with the console pages of its host's output: the whole of it, where the verdict holds one line. */
function commandOutputs(state: HostWorkflow, commandLog: CommandLogGroup) {
  return state.sent.flatMap(({ commandId, host }) => {
    const planned = state.commands.find((command) => command.host === host);
    return planned ? [{ host, commandId, output: commandOutputUrls(commandLog, { commandId, instanceId: host, stepName: documentStepName(planned.programId) }) }] : [];
  });
}

function drillOperation(state: HostWorkflow): Extract<HostOperation, { kind: 'drill' }> {
  if (state.operation.kind !== 'drill') throw new InvalidEventError(`event.operation.kind: ${state.operation.kind} is not a drill`);
  return state.operation;
}

/** The verdict so far: which backup, on which host, and how long the host took. */
function verdictOf(state: HostWorkflow, now: Date): DrillVerdict {
  const { backup, drillHost } = drillOperation(state);
  const sentAt = state.sent[0]?.sentAt;
  return { checks: [], backup, drillHost, restoreSeconds: sentAt ? (now.getTime() - Date.parse(sentAt)) / 1000 : 0 };
}

/** The checks of the host's report against the backup's manifest; a backup that cannot be judged is a failed verdict. */
async function judgeDrill(job: DrilledJob, operation: Extract<HostOperation, { kind: 'drill' }>, report: string, verdict: DrillVerdict, deps: DrillRecordDeps): Promise<DrillVerdict> {
  const manifestKey = operation.backup.manifestKey;
  try {
    const manifest = parseManifest((await deps.store.getText(manifestKey)) ?? '', manifestKey);
    const checks = drillJudge(job, { manifest, manifestKey }, operation.drillId, deps.bucket, deps.now())(report);
    const failed = failedChecks(checks);
    return { ...verdict, checks, ...(failed ? { reason: failed } : {}) };
  } catch (error) {
    return { ...verdict, reason: `the drill could not be judged: ${(error as Error).message}` };
  }
}

/** Judges a drill when its host has finished, however long that took, and records the verdict. */
export function drillFinisher(deps: DrillRecordDeps): WorkflowFinisher {
  return {
    programs: DRILL_PROGRAMS,
    async finish(state, [report]): Promise<DrilledOutcome> {
      const operation = drillOperation(state);
      const job = drilledJob(deps.config, operation.job);
      // Only judging may fail into a verdict; recording it is done once, after.
      const judged = await judgeDrill(job, operation, report?.report ?? '', verdictOf(state, deps.now()), deps);
      return recordDrill(job, operation.drillId, new Date(operation.startedAt), judged, deps, state);
    },
    failed(state, error): Promise<DrilledOutcome> {
      const operation = drillOperation(state);
      return recordDrill(drilledJob(deps.config, operation.job), operation.drillId, new Date(operation.startedAt), { ...verdictOf(state, deps.now()), reason: error.message }, deps, state);
    },
  };
}

/** What the restore-drill function answers (and the CLI prints): the verdict, its checks and where it is stored. */
export type DrillAnswer =
  | Extract<DrillOutcome, { kind: 'duplicate' }>
  | { readonly kind: 'drilled'; readonly job: string; readonly drillId: string; readonly passed: boolean; readonly reason?: string | undefined; readonly checks: DrillResult['checks']; readonly result: string };

export function drillAnswer(outcome: DrilledOutcome | Extract<DrillOutcome, { kind: 'duplicate' }>): DrillAnswer {
  if (outcome.kind === 'duplicate') return outcome;
  const { result } = outcome;
  return { kind: 'drilled', job: result.job, drillId: result.drillId, passed: result.passed, reason: result.reason, checks: result.checks, result: outcome.resultKey };
}

/** When the job's newest passed drill finished; undefined when none ever passed. */
async function lastPassedAt(store: ObjectStore, job: string): Promise<Date | undefined> {
  const text = await store.getText(lastPassedDrillKey(job));
  return text === undefined ? undefined : new Date(drillResultSchema.parse(JSON.parse(text)).finishedAt);
}
