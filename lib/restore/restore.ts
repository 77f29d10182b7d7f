import { compactUtc } from '../backup/run-id';
import * as z from 'zod';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { findJob } from '../config/load-config';
import { absolutePath } from '../config/shell-safe';
import { instanceId } from '../config/targets';
import { InvalidEventError, RestoreError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import type { HostWorkflowStarter, StartedWorkflow, WorkflowStarter } from '../ports/workflow-starter';
import { restoreTimeoutSeconds } from '../host-workflow/command-timeout';
import { findRun } from './backup-catalog';
import { planEtcdMemberReplace, planEtcdQuorumRestore, type EtcdRestorePlan } from './etcd-restore-plan';
import { planFileSetRestore } from './file-set-restore';
import { planMysqlRestore, planPostgresRestore } from './database-restore';
import type { RestoreWorkflowOutcome } from './restore-finisher';
import type { PlannedCommand } from './run-host-program';
import { databaseName, serverHostPort } from '../config/mysql-settings';

/** What an operator sends to the restore function; a dry run is the default. */
export const restoreEventSchema = z
  .object({
    job: z.string().min(1),
    backup: z
      .string()
      .regex(/^(latest|\d{8}T\d{6}Z-[0-9a-f]{10})$/, "must be 'latest' or a run id such as 20261123T103000Z-0123456789 (see list-backups)"),
    targets: z
      .array(instanceId)
      .min(1)
      .optional()
      .describe("file sets: only these hosts' backups; etcd: the one member to replace (quorum kept)"),
    dryRun: z.boolean().default(true),
    confirm: z.string().optional().describe('must equal the job name for a real run'),
    restoreRoot: absolutePath.optional().describe('file sets: restore under this dir instead of in place'),
    databases: z.array(databaseName).min(1).optional().describe('databases: which of the dump; every user database when omitted'),
    targetDatabase: databaseName.optional().describe('databases: restore the one chosen database under this new name'),
    server: serverHostPort.optional().describe('databases: restore into this server'),
    includeGlobals: z.boolean().optional().describe('PostgreSQL: replay roles (globals) first; existing roles are kept'),
  })
  .strict();

export type RestoreEvent = z.infer<typeof restoreEventSchema>;
export type RestoreEventInput = z.input<typeof restoreEventSchema>;

/**
 * The restore function's answer: an etcd plan (dry run), or a started workflow. The CLI follows a
 * started workflow to its end, whose output is a RestoreWorkflowOutcome (or the etcd steps' results).
 */
export type RestoreAnswer =
  | { kind: 'etcd-plan'; plan: EtcdRestorePlan }
  | { kind: 'etcd-started'; plan: EtcdRestorePlan; workflow: StartedWorkflow }
  | { kind: 'started'; operation: 'database-restore' | 'file-set-restore'; job: string; runId: string; dryRun: boolean; hosts: string[]; workflow: StartedWorkflow };

/** What a restore came to once its workflow has finished. */
export type RestoreOutcome = Exclude<RestoreAnswer, { kind: 'started' }> | RestoreWorkflowOutcome;

export interface RestoreDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
  readonly workflows: WorkflowStarter;
  /** Runs database and file-set restores, which can outlast any one function invocation. */
  readonly hostWorkflows: HostWorkflowStarter;
  readonly bucket: string;
  readonly now: () => Date;
  /** Scratch dir on hosts for file-set and database restores. */
  readonly workDir: string;
}


/**
 * A restore as an operator asks for it: the backup is found and checked first, a dry run returns
 * what would happen, and a real run needs `confirm` equal to the job name.
 */
export async function restore(event: RestoreEvent, deps: RestoreDeps): Promise<RestoreAnswer> {
  const job = findJob(deps.config, event.job);
  if (!event.dryRun && event.confirm !== job.name) {
    throw new InvalidEventError(`event.confirm: a real restore needs confirm equal to the job name '${job.name}'; nothing was changed`);
  }
  const run = await findRun(deps.store, job.name, event.backup);
  // etcd and databases have one backup per run, taken on one host.
  const [backup] = run;
  switch (job.engine) {
    case 'etcd': {
      const stamp = compactUtc(deps.now());
      if (event.targets && event.targets.length > 1) throw new InvalidEventError('event.targets: name one member to replace, or none to restore the whole cluster');
      const [target] = event.targets ?? [];
      const plan = target ? planEtcdMemberReplace(job, backup, target, stamp) : planEtcdQuorumRestore(job, backup, stamp);
      if (event.dryRun) return { kind: 'etcd-plan', plan };
      return { kind: 'etcd-started', plan, workflow: await deps.workflows.startEtcdRestore(plan) };
    }
    case 'files': {
      const chosen = event.targets ? run.filter((backup) => event.targets?.includes(backup.host)) : run;
      if (chosen.length === 0) throw new RestoreError(`run ${backup.runId} of ${job.name} has no backup from ${event.targets?.join(', ')}`);
      const request = { dryRun: event.dryRun, ...(event.confirm ? { confirm: event.confirm } : {}), ...(event.restoreRoot ? { restoreRoot: event.restoreRoot } : {}) };
      const commands = chosen.map(({ manifest }) => {
        if (manifest.engine !== 'files') throw new RestoreError(`${manifest.payload.key} is not a file set`);
        return planFileSetRestore(manifest, request, deps, restoreTimeoutSeconds(job, manifest.payload.rawSize));
      });
      return startRestore('file-set-restore', job.name, backup.runId, event.dryRun, commands, deps);
    }
    case 'mysql':
    case 'postgres': {
      const command = job.engine === 'mysql' ? planMysqlRestore(job, backup.manifest, event, deps) : planPostgresRestore(job, backup.manifest, event, deps);
      return startRestore('database-restore', job.name, backup.runId, event.dryRun, [command], deps);
    }
  }
}

/** Starts the restore workflow for `commands`, named after the first command's report key (fresh per restore). */
async function startRestore(
  operation: 'database-restore' | 'file-set-restore',
  job: string,
  runId: string,
  dryRun: boolean,
  commands: PlannedCommand[],
  deps: RestoreDeps,
): Promise<RestoreAnswer> {
  const id = commands[0]?.parameters.reportKey?.split('/').at(-2)?.slice(0, 8) ?? compactUtc(deps.now());
  const workflow = await deps.hostWorkflows.start({ operation: { kind: operation, job, runId, dryRun }, commands }, `restore-${job}-${id}`);
  return { kind: 'started', operation, job, runId, dryRun, hosts: commands.map((command) => command.host), workflow };
}
