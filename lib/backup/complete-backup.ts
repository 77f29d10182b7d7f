import type { CronsnapConfig } from '../config/cronsnap-config';
import { CompletionError, ManifestError } from '../errors';
import type { CommandRunner, Invocation } from '../ports/command-runner';
import type { Notifier } from '../ports/notifier';
import type { ObjectStore } from '../ports/object-store';
import { pruneJob, type PruneOutcome } from '../retention/prune-job';
import { commandOutputUrls, type CommandLogGroup } from '../ssm/command-log-stream';
import { failureReason, readHostReport } from '../ssm/host-report';
import type { StatusChangeEvent } from '../ssm/status-change-event';
import { parseManifest, type Manifest } from '../catalog/manifest';
import { completionMarkerKey, completionMarkersPrefix, manifestKey } from '../catalog/object-layout';
import { checkBinlogRun, type CheckedBinlogRun } from '../binlogs/binlog-run-check';
import { checkWalRun, type CheckedWalRun } from '../wal/wal-run-check';
import { SHIPPING_WHAT, shippingKindOfDocument } from '../engines/log-shipping';

export interface CompleteBackupDeps {
  /** The deployed config: each job's retention policy and the bucket's Object Lock. */
  readonly config: CronsnapConfig;
  readonly runner: CommandRunner;
  readonly store: ObjectStore;
  readonly notifier: Notifier;
  readonly now: () => Date;
  /**
   * Told a success as soon as it is judged, before pruning: a prune that runs long (or past the
   * function's timeout) can then never hold back the metric the RPO alarm watches.
   */
  readonly onSucceeded?: (success: JudgedSuccess) => void;
  /**
   * Where the hosts' command output goes: a failure's notice links the run's log streams there.
   * @default - none: the notice has no such link (the local mode keeps no log group)
   */
  readonly commandLog?: CommandLogGroup;
}

/** A run judged a success, before its job is pruned. */
export type JudgedSuccess = Omit<Extract<CompletionOutcome, { kind: 'succeeded' }>, 'retention'>;

/** What pruning did after a success; an error is reported on the topic and leaves the backup a success. */
export type RetentionOutcome = PruneOutcome | { readonly kind: 'error'; readonly job: string; readonly reason: string };

export type CompletionOutcome =
  | {
      kind: 'succeeded';
      job: string;
      runId: string;
      host: string;
      manifest: Manifest;
      durationSeconds: number;
      ageSeconds: number;
      retention: RetentionOutcome;
    }
  | ({ kind: 'shipped'; job: string; runId: string; host: string } & CheckedBinlogRun)
  | ({ kind: 'wal-shipped'; job: string; runId: string; host: string } & CheckedWalRun)
  | { kind: 'failed'; job: string; runId: string; host: string; reason: string }
  | { kind: 'duplicate'; commandId: string; host: string };

async function readManifest(store: ObjectStore, key: string): Promise<Manifest> {
  const text = await store.getText(key);
  if (text === undefined) throw new ManifestError(`the command succeeded but ${key} is missing`);
  return parseManifest(text, key);
}

/** The console pages of the run's output on the host, when the deployment logs command output. */
type OutputLinks = { readonly output?: ReturnType<typeof commandOutputUrls> };

/**
 * What a completion was judged, before anything is done about it: judging only reads, so it may
 * run again; acting on it (a metric, a notice, pruning) happens once, after the claim.
 */
type Judgement =
  | (JudgedSuccess & { readonly invocation: Invocation })
  | Extract<CompletionOutcome, { kind: 'shipped' | 'wal-shipped' }>
  | (Extract<CompletionOutcome, { kind: 'failed' }> & { readonly what: string });

/**
 * Handles one finished SSM command invocation of a cronsnap document: on success the manifest
 * must exist and agree with the run; anything else is a failure reported on the topic.
 */
export async function completeBackup(event: StatusChangeEvent, deps: CompleteBackupDeps): Promise<CompletionOutcome> {
  const commandId = event.detail['command-id'];
  const host = event.detail['instance-id'];
  // Judged before it is claimed: a judgement cut short (an S3 or SSM throttle) leaves the
  // completion unclaimed, so EventBridge's retry judges it again rather than skip it.
  const invocation = await deps.runner.invocation(commandId, host);
  const judgement = await judgeInvocation(event, invocation, deps);
  // The whole output of the run, where SSM's invocation and the host's report hold only its end.
  const output = deps.commandLog && invocation.stepName ? { output: commandOutputUrls(deps.commandLog, { commandId, instanceId: host, stepName: invocation.stepName }) } : {};
  const claimed = await deps.store.putIfAbsent(
    completionMarkerKey(commandId, host),
    JSON.stringify({ status: event.detail.status, handledAt: deps.now().toISOString() }),
  );
  if (!claimed) return { kind: 'duplicate', commandId, host };

  try {
    return await actOn(judgement, event, output, deps);
  } catch (error) {
    // The completion is claimed, so a retry of this event would be skipped as a duplicate: say so now.
    await reportUnhandled(judgement, event, output, deps, error);
    throw error;
  }
}

/**
 * The notice of a claimed completion that was judged but not handled. When the notice fails too
 * (SNS is the likely cause of both), the error thrown keeps the first as its cause.
 */
async function reportUnhandled(judgement: Judgement, event: StatusChangeEvent, output: OutputLinks, deps: CompleteBackupDeps, error: unknown): Promise<void> {
  const { job, runId, host } = judgement;
  const reason = `handling the run, judged ${judgement.kind}, failed: ${(error as Error).message}`;
  try {
    await deps.notifier.publish(`cronsnap: ${job} run on ${host} could not be handled`, { job, host, runId, commandId: event.detail['command-id'], status: event.detail.status, reason, ...output });
  } catch (publishError) {
    throw new CompletionError(`${reason}; and its notice could not be published: ${(publishError as Error).message}`, { cause: error });
  }
}

/** Success needs a manifest that exists and names this run; anything else is a failure. */
async function judgeInvocation(event: StatusChangeEvent, invocation: Invocation, deps: CompleteBackupDeps): Promise<Judgement> {
  const host = event.detail['instance-id'];
  const job = invocation.parameters.job ?? 'unknown';
  const runId = invocation.parameters.runId ?? 'unknown';
  const shipping = shippingKindOfDocument(invocation.documentName);
  const what = shipping ? SHIPPING_WHAT[shipping] : 'backup';
  if (event.detail.status !== 'Success') {
    return { kind: 'failed', job, runId, host, what, reason: failureReason(await readHostReport(deps.store, invocation), event.detail.status) };
  }
  try {
    const run = { job, runId, host, runPrefix: invocation.parameters.runPrefix ?? '' };
    if (shipping === 'binlogs') return { kind: 'shipped', ...run, ...(await checkBinlogRun(deps.store, run)) };
    if (shipping === 'wal') return { kind: 'wal-shipped', ...run, ...(await checkWalRun(deps.store, run)) };
    const key = manifestKey(invocation.parameters.runPrefix ?? '', host, invocation.parameters.setName);
    const manifest = await readManifest(deps.store, key);
    if (manifest.job !== job || manifest.runId !== runId || manifest.host !== host) {
      throw new ManifestError(`${key} names job ${manifest.job}, run ${manifest.runId}, host ${manifest.host}: not this run`);
    }
    const finished = new Date(manifest.finishedAt).getTime();
    return {
      kind: 'succeeded',
      job,
      runId,
      host,
      manifest,
      durationSeconds: (finished - new Date(manifest.startedAt).getTime()) / 1000,
      ageSeconds: Math.max(0, (deps.now().getTime() - finished) / 1000),
      invocation,
    };
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    return { kind: 'failed', job, runId, host, what, reason: error.message };
  }
}

/** Counts and prunes a success, reports a failure; a checked shipping run needs nothing more. */
async function actOn(judgement: Judgement, event: StatusChangeEvent, output: OutputLinks, deps: CompleteBackupDeps): Promise<CompletionOutcome> {
  if (judgement.kind === 'succeeded') {
    const { invocation, ...success } = judgement;
    deps.onSucceeded?.(success);
    return { ...success, retention: await applyRetention(success.job, invocation, deps) };
  }
  if (judgement.kind === 'failed') {
    const { what, ...failed } = judgement;
    const commandId = event.detail['command-id'];
    await deps.notifier.publish(`cronsnap: ${failed.job} ${what} failed on ${failed.host}`, {
      job: failed.job,
      host: failed.host,
      runId: failed.runId,
      commandId,
      status: event.detail.status,
      reason: failed.reason,
      ...output,
    });
    return failed;
  }
  const newChain = judgement.kind === 'shipped' ? judgement.manifest.newChain : null;
  if (newChain) {
    // The run itself is good, but a dump taken before the break reaches no further than the old
    // chain's end: the operator needs to know before a restore to a time finds out.
    const { job, host, manifest } = judgement;
    await deps.notifier.publish(`cronsnap: ${job} binary logs of ${manifest.server} began a new chain`, {
      job,
      host,
      runId: judgement.runId,
      reason: newChain.reason,
      restores:
        `dumps taken before ${newChain.since} reach no further than the end of ${newChain.previousFile} (${newChain.previousFolder}); ` +
        `restores to a later time need a dump taken since, so take one now (cronsnap backup-now ${job})`,
    });
  }
  return judgement;
}

/**
 * Prunes the job after a success, once per run: only the completion that finds every host of its
 * command finished (each claims its marker before it acts, so the last to list sees them all)
 * lists the job's objects, which grow with hosts times kept runs. A failure to prune is reported,
 * never turned into a failed backup.
 */
async function applyRetention(jobName: string, invocation: Invocation, deps: CompleteBackupDeps): Promise<RetentionOutcome> {
  const job = deps.config.jobs.find((candidate) => candidate.name === jobName);
  if (!job) return { kind: 'held', job: jobName, reason: `job ${jobName} is not in the deployed config` };
  try {
    if (invocation.targetCount !== undefined && invocation.targetCount > 1) {
      const finished = (await deps.store.list(completionMarkersPrefix(invocation.commandId))).length;
      if (finished < invocation.targetCount) {
        return { kind: 'held', job: jobName, reason: `${finished} of ${invocation.targetCount} hosts of this run have finished; the last one prunes` };
      }
    }
    return await pruneJob(job, { store: deps.store, now: deps.now, objectLock: deps.config.storage.objectLock !== undefined });
  } catch (error) {
    const reason = `pruning failed: ${(error as Error).message}`;
    await deps.notifier.publish(`cronsnap: ${jobName} retention could not be applied`, { job: jobName, reason });
    return { kind: 'error', job: jobName, reason };
  }
}
