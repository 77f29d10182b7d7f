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
import { MEMBER_CONFIG_SET, runMarkerKey, runPrefix } from './object-layout';
import { hostLimitValues } from '../config/host-limits';
import { runIdFor } from './run-id';

/** What the schedule (or an operator) sends to scheduled-backup. */
export const scheduledBackupEventSchema = z
  .object({
    job: z.string().min(1),
    /** The EventBridge event id or Scheduler execution id; a redelivery carries the same one. */
    eventId: z.string().min(1).optional(),
    scheduledTime: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

export type ScheduledBackupEvent = z.infer<typeof scheduledBackupEventSchema>;

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
  if (!job.enabled) return { kind: 'disabled', job: job.name };
  const scheduledTime = event.scheduledTime ? new Date(event.scheduledTime) : deps.now();
  const runId = runIdFor(event.eventId ?? fallbackEventId, scheduledTime);
  const prefix = runPrefix(job.name, runId, scheduledTime);
  const engine = engineFor(job);

  const common = {
    job: job.name,
    runId,
    runPrefix: prefix,
    bucket: deps.bucket,
    kmsKeyId: deps.kmsKeyId,
    executionTimeout: String(job.timeoutMinutes * 60),
    ...hostLimitValues(job),
  };
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
  if (onlineHosts.length === 0) {
    const reason = `no host matching ${JSON.stringify(job.targets)} is online in SSM`;
    await deps.notifier.publish(`cronsnap: ${job.name} backup did not start`, { job: job.name, runId, reason });
    throw new NoTargetError(`job ${job.name}: ${reason}`);
  }

  const claimed = await deps.store.putIfAbsent(
    runMarkerKey(job.name, runId),
    JSON.stringify({ job: job.name, runId, hosts, ...(byTags ? { tags: job.targets.tags } : {}), memberHosts, claimedAt: deps.now().toISOString() }),
  );
  if (!claimed) return { kind: 'duplicate', job: job.name, runId };

  const send = async (program: HostProgram, hostIds: string[], values: Record<string, string>) => {
    try {
      const { commandId } = await deps.runner.send({
        documentName: documentName(deps.documentPrefix, program),
        hostIds,
        ...(byTags && program === engine.program ? { tags: job.targets.tags } : {}),
        rollout: job.rollout,
        parameters: { ...values, reportKey: newReportKey(job.name) },
        comment: `cronsnap ${job.name} ${runId}`,
        timeoutSeconds: 600,
      });
      return commandId;
    } catch (error) {
      // The run is claimed, so a retry of this event would be skipped as a duplicate: say so now.
      const reason = `SendCommand ${program.id} failed: ${(error as Error).message}`;
      await deps.notifier.publish(`cronsnap: ${job.name} backup did not start`, { job: job.name, runId, hosts: byTags ? job.targets.tags : hostIds, reason });
      throw error;
    }
  };
  const commandId = await send(engine.program, hosts, parameters);
  const linked: LinkedCommand[] = [];
  if (linkedParameters) {
    linked.push({ setName: MEMBER_CONFIG_SET, commandId: await send(ENGINES.files.program, memberHosts, linkedParameters), hosts: memberHosts });
  }
  return { kind: 'started', job: job.name, runId, commandId, hosts, linked };
}
