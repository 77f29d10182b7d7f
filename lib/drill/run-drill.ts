import { scheduledBackupEventSchema, type ScheduledBackupEvent } from '../backup/start-backup';
import { drillMarkerKey, drillResultKey, lastPassedDrillKey } from '../backup/object-layout';
import { runIdFor } from '../backup/run-id';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { isDrilled, type DrilledJob } from '../config/job-config';
import { findJob } from '../config/load-config';
import { InvalidEventError, RestoreError } from '../errors';
import type { Notifier } from '../ports/notifier';
import type { ObjectStore } from '../ports/object-store';
import { newestBackup } from '../restore/backup-catalog';
import { runHostProgram, type HostProgramDeps } from '../restore/run-host-program';
import { drillResultSchema, failedChecks, type DrillResult } from './drill-result';
import { drillPlan } from './drill-plan';

/** What the drill schedule sends is what a backup schedule sends; an operator may send `{job}` alone. */
export const drillEventSchema = scheduledBackupEventSchema;

export type DrillEvent = ScheduledBackupEvent;

export interface DrillDeps extends HostProgramDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
  readonly notifier: Notifier;
  readonly bucket: string;
  readonly now: () => Date;
}

export type DrillOutcome =
  | { readonly kind: 'duplicate'; readonly job: string; readonly drillId: string }
  | { readonly kind: 'drilled'; readonly result: DrillResult; readonly resultKey: string; readonly secondsSinceLastPass?: number };

function drilledJob(config: CronsnapConfig, name: string): DrilledJob {
  const job = findJob(config, name);
  if (!isDrilled(job)) throw new InvalidEventError(`event.job: job ${name} has no drill in its config`);
  return job;
}

/**
 * A restore drill: the job's newest backup restored into scratch space on the drill host by the
 * restore's own host code, compared with its manifest, and the verdict stored under
 * `drills/<job>/`. A failure is published; live data is never touched.
 */
export async function runDrill(event: DrillEvent, requestId: string, deps: DrillDeps): Promise<DrillOutcome> {
  const job = drilledJob(deps.config, event.job);
  const startedAt = deps.now();
  const drillId = runIdFor(event.eventId ?? requestId, event.scheduledTime ? new Date(event.scheduledTime) : startedAt);
  // EventBridge delivers at least once: a redelivered event finds its drill already claimed.
  if (!(await deps.store.putIfAbsent(drillMarkerKey(job.name, drillId), JSON.stringify({ startedAt: startedAt.toISOString() })))) {
    return { kind: 'duplicate', job: job.name, drillId };
  }

  let verdict: Pick<DrillResult, 'checks' | 'backup' | 'drillHost' | 'reason' | 'restoreSeconds'> = { checks: [], restoreSeconds: 0 };
  try {
    const backup = await newestBackup(deps.store, job.name);
    if ('reason' in backup) throw new RestoreError(`the newest backup ${backup.manifestKey} cannot be restored: ${backup.reason}`);
    const drillHost = job.drill.host ?? backup.host;
    verdict = { ...verdict, backup: { runId: backup.runId, host: backup.host, manifestKey: backup.manifestKey }, drillHost };
    const plan = drillPlan(job, backup, drillId, deps.bucket);
    const sent = deps.now().getTime();
    const { report } = await runHostProgram(
      plan.program,
      drillHost,
      plan.parameters,
      { comment: `cronsnap drill ${job.name} ${backup.runId}`, failure: `drill of ${job.name} run ${backup.runId} on ${drillHost} failed` },
      deps,
    );
    const checks = plan.judge(report);
    const failed = failedChecks(checks);
    verdict = { ...verdict, checks, restoreSeconds: (deps.now().getTime() - sent) / 1000, ...(failed ? { reason: failed } : {}) };
  } catch (error) {
    // The marker is claimed: a drill that ends here must be recorded and published now, since a
    // retry of this event would be skipped as a duplicate.
    const message = (error as Error).message;
    verdict = { ...verdict, reason: error instanceof RestoreError ? message : `the drill did not finish: ${message}` };
  }

  const result = drillResultSchema.parse({
    formatVersion: 1,
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
  await deps.notifier.publish(`cronsnap: ${job.name} restore drill failed`, { job: job.name, drillId, reason: result.reason, result: resultKey });
  const lastPass = await lastPassedAt(deps.store, job.name);
  return {
    kind: 'drilled',
    result,
    resultKey,
    ...(lastPass ? { secondsSinceLastPass: Math.round((deps.now().getTime() - lastPass.getTime()) / 1000) } : {}),
  };
}

/** What the restore-drill function answers (and the CLI prints): the verdict, its checks and where it is stored. */
export type DrillAnswer =
  | Extract<DrillOutcome, { kind: 'duplicate' }>
  | { readonly kind: 'drilled'; readonly job: string; readonly drillId: string; readonly passed: boolean; readonly reason?: string | undefined; readonly checks: DrillResult['checks']; readonly result: string };

export function drillAnswer(outcome: DrillOutcome): DrillAnswer {
  if (outcome.kind === 'duplicate') return outcome;
  const { result } = outcome;
  return { kind: 'drilled', job: result.job, drillId: result.drillId, passed: result.passed, reason: result.reason, checks: result.checks, result: outcome.resultKey };
}

/** When the job's newest passed drill finished; undefined when none ever passed. */
async function lastPassedAt(store: ObjectStore, job: string): Promise<Date | undefined> {
  const text = await store.getText(lastPassedDrillKey(job));
  return text === undefined ? undefined : new Date(drillResultSchema.parse(JSON.parse(text)).finishedAt);
}
