import * as z from 'zod';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { findJob } from '../config/load-config';
import { engineFor, ENGINES } from '../engines';
import { fileSetParameters } from '../engines/files-engine';
import { NoTargetError } from '../errors';
import type { CommandRunner } from '../ports/command-runner';
import type { Notifier } from '../ports/notifier';
import type { ObjectStore } from '../ports/object-store';
import { assertParametersAllowed } from '../ssm/command-document';
import { documentName, type HostProgram } from '../ssm/host-program';
import { newReportKey } from '../ssm/host-report';
import { logShippingOf, type ShippingKind } from '../engines/log-shipping';
import { commandRecordKey, MEMBER_CONFIG_SET, onDemandMarkerKey, runMarkerKey, runPrefix } from '../catalog/object-layout';
import type { CommandRecord } from '../catalog/command-record';
import { hostLimitValues } from '../config/host-limits';
import type { Job } from '../config/job-config';
import { ConfigError } from '../errors';
import { runIdFor } from '../catalog/run-id';

/** What the schedule (or an operator) sends to scheduled-backup. */
export const scheduledBackupEventSchema = z
  .object({
    job: z.string().min(1),
    /** The EventBridge event id or Scheduler execution id; a redelivery carries the same one. */
    eventId: z.string().min(1).optional(),
    scheduledTime: z.iso.datetime({ offset: true }).optional(),
    /** `binlogs` or `wal`: the job's binary log or WAL shipping instead of its dump. */
    kind: z.enum(['backup', 'binlogs', 'wal']).optional(),
    /**
     * The job's schedules say `schedule`; anything else (backup-now, a console test event) is a
     * run on demand, which retention keeps apart from the policy's counts.
     */
    trigger: z.enum(['schedule', 'on-demand']).default('on-demand'),
  })
  .strict();

export type ScheduledBackupEvent = z.input<typeof scheduledBackupEventSchema>;

export interface StartBackupDeps {
  readonly config: CronsnapConfig;
  readonly runner: CommandRunner;
  readonly store: ObjectStore;
  readonly notifier: Notifier;
  readonly bucket: string;
  readonly kmsKeyId: string;
  /** Documents are named `<prefix>-<program id>`, as the stack deploys them. */
  readonly documentPrefix: string;
  readonly now: () => Date;
}

/** A command sent for a linked file set (etcd members' config), next to the main one. */
export interface LinkedCommand {
  readonly setName: string;
  readonly commandId: string;
  readonly hosts: string[];
}

export type StartOutcome =
  | {
      kind: 'started';
      job: string;
      runId: string;
      commandId: string;
      /** The hosts sent to; empty when the run went to every host with the job's tags. */
      hosts: string[];
      linked: LinkedCommand[];
    }
  | { kind: 'duplicate'; job: string; runId: string }
  | { kind: 'disabled'; job: string };

/**
 * Starts one run of a job: resolves its hosts, claims the run id (a conditional write, so a
 * redelivered event starts nothing) and sends the engine's document.
 */
export async function startBackup(event: ScheduledBackupEvent, fallbackEventId: string, deps: StartBackupDeps): Promise<StartOutcome> {
  const job = findJob(deps.config, event.job);
  if (event.kind === 'binlogs' || event.kind === 'wal') return startLogShipping(job, event.kind, event, fallbackEventId, deps);
  if (!job.enabled) return { kind: 'disabled', job: job.name };
  const scheduledTime = event.scheduledTime ? new Date(event.scheduledTime) : deps.now();
  const runId = runIdFor(event.eventId ?? fallbackEventId, scheduledTime);
  const prefix = runPrefix(job.name, runId, scheduledTime);
  const engine = engineFor(job);

  const common = { ...runParameters(job, runId, prefix, job.timeoutMinutes, deps), ...hostLimitValues(job) };
  const member = engine.memberFileSet?.(job);
  // A fleet targeted by tags is sent by its tags: SSM resolves the hosts, so this costs the same
  // for 5 hosts or 500; one short page of the inventory only proves someone is online.
  const byTags = engine.hosts === 'every' && job.targets.tags !== undefined && !member;
  const onlineHosts = await deps.runner.onlineHosts(job.targets, byTags ? 5 : undefined);
  const memberHosts = member ? onlineHosts : [];
  const parameters = { ...common, ...engine.parametersFor(job, memberHosts) };
  assertParametersAllowed(engine.program, parameters);
  const linkedParameters = member && { ...common, ...fileSetParameters(member.fileSet, member.workDir, MEMBER_CONFIG_SET) };
  if (linkedParameters) assertParametersAllowed(ENGINES.files.program, linkedParameters);

  const hosts = byTags ? [] : engine.hosts === 'every' ? onlineHosts : onlineHosts.slice(0, 1);
  if (onlineHosts.length === 0) return refuseOffline(job, runId, 'backup', deps);

  // Marked before the claim: a run is never claimed without its mark, and a mark without a claim names no run.
  if (event.trigger !== 'schedule') await deps.store.put(onDemandMarkerKey(job.name, runId), JSON.stringify({ job: job.name, runId, at: deps.now().toISOString() }), 'application/json');
  const claimed = await deps.store.putIfAbsent(
    runMarkerKey(job.name, runId),
    JSON.stringify({ job: job.name, runId, hosts, ...(byTags ? { tags: job.targets.tags } : {}), memberHosts, claimedAt: deps.now().toISOString() }),
  );
  if (!claimed) return { kind: 'duplicate', job: job.name, runId };

  const send = (program: HostProgram, hostIds: string[], values: Record<string, string>) =>
    sendRun({ job, runId, what: 'backup', program, hostIds, values, ...(byTags && program === engine.program ? { tags: job.targets.tags } : {}) }, deps);
  const commandId = await send(engine.program, hosts, parameters);
  const linked: LinkedCommand[] = [];
  if (linkedParameters) {
    linked.push({ setName: MEMBER_CONFIG_SET, commandId: await send(ENGINES.files.program, memberHosts, linkedParameters), hosts: memberHosts });
  }
  const record: CommandRecord = {
    runId,
    sentAt: deps.now().toISOString(),
    commands: [{ commandId, program: engine.program.id, hosts }, ...linked.map((command) => ({ commandId: command.commandId, program: ENGINES.files.program.id, hosts: command.hosts }))],
  };
  await deps.store.put(commandRecordKey(job.name, runId), JSON.stringify(record), 'application/json');
  return { kind: 'started', job: job.name, runId, commandId, hosts, linked };
}

/** The parameters every run of a job sends, whatever its program. */
function runParameters(job: Job, runId: string, prefix: string, timeoutMinutes: number, deps: StartBackupDeps): Record<string, string> {
  return { job: job.name, runId, runPrefix: prefix, bucket: deps.bucket, kmsKeyId: deps.kmsKeyId, executionTimeout: String(timeoutMinutes * 60) };
}

/** No host of the job is online: said on the topic, since nothing else will report the missed run. */
async function refuseOffline(job: Job, runId: string, what: string, deps: StartBackupDeps): Promise<never> {
  const reason = `no host matching ${JSON.stringify(job.targets)} is online in SSM`;
  await deps.notifier.publish(`cronsnap: ${job.name} ${what} did not start`, { job: job.name, runId, reason });
  throw new NoTargetError(`job ${job.name}: ${reason}`);
}

interface RunCommand {
  readonly job: Job;
  readonly runId: string;
  /** What the run is, for the topic: `backup`, `binary log shipping` or `WAL shipping`. */
  readonly what: string;
  readonly program: HostProgram;
  readonly hostIds: string[];
  readonly values: Record<string, string>;
  readonly tags?: Readonly<Record<string, readonly string[]>>;
}

/** Sends a claimed run's command; a refusal is reported, since a retry of the claimed run would be skipped. */
async function sendRun(run: RunCommand, deps: StartBackupDeps): Promise<string> {
  const { job, runId, program, hostIds } = run;
  try {
    const { commandId } = await deps.runner.send({
      documentName: documentName(deps.documentPrefix, program),
      hostIds,
      ...(run.tags ? { tags: run.tags } : {}),
      rollout: job.rollout,
      parameters: { ...run.values, reportKey: newReportKey(job.name) },
      comment: `cronsnap ${job.name} ${runId}`,
      timeoutSeconds: 600,
    });
    return commandId;
  } catch (error) {
    const reason = `SendCommand ${program.id} failed: ${(error as Error).message}`;
    await deps.notifier.publish(`cronsnap: ${job.name} ${run.what} did not start`, { job: job.name, runId, hosts: run.tags ?? hostIds, reason });
    throw error;
  }
}

/**
 * One log shipping run (binary logs or WAL): on the job's first online host, as its dumps, claimed
 * apart from them so that shipping and dumping never skip each other. Bandwidth and priority
 * limits apply; the payload bound does not, since every log's size is known.
 */
async function startLogShipping(job: Job, kind: ShippingKind, event: ScheduledBackupEvent, fallbackEventId: string, deps: StartBackupDeps): Promise<StartOutcome> {
  const shipping = logShippingOf(job, kind);
  if (!shipping) throw new ConfigError(`job ${job.name}: ${kind === 'wal' ? 'wal' : 'binlogs'} is not set, so it ships no ${kind === 'wal' ? 'WAL' : 'binary logs'}`);
  if (!shipping.enabled) return { kind: 'disabled', job: job.name };
  const scheduledTime = event.scheduledTime ? new Date(event.scheduledTime) : deps.now();
  const runId = runIdFor(event.eventId ?? fallbackEventId, scheduledTime);
  const parameters = {
    ...runParameters(job, runId, shipping.runPrefix(runId, scheduledTime), shipping.timeoutMinutes, deps),
    ...hostLimitValues({ resources: job.resources }),
    ...shipping.parameters,
  };
  assertParametersAllowed(shipping.program, parameters);
  const hosts = (await deps.runner.onlineHosts(job.targets, 1)).slice(0, 1);
  if (hosts.length === 0) return refuseOffline(job, runId, shipping.what, deps);
  const claimed = await deps.store.putIfAbsent(shipping.markerKey(runId), JSON.stringify({ job: job.name, runId, hosts, claimedAt: deps.now().toISOString() }));
  if (!claimed) return { kind: 'duplicate', job: job.name, runId };
  const commandId = await sendRun({ job, runId, what: shipping.what, program: shipping.program, hostIds: hosts, values: parameters }, deps);
  return { kind: 'started', job: job.name, runId, commandId, hosts, linked: [] };
}
