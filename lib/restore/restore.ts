import { compactUtc } from '../backup/run-id';
import * as z from 'zod';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { findJob } from '../config/load-config';
import { absolutePath } from '../config/shell-safe';
import { instanceId } from '../config/targets';
import { InvalidEventError, RestoreError } from '../errors';
import type { CommandRunner } from '../ports/command-runner';
import type { ObjectStore } from '../ports/object-store';
import type { StartedWorkflow, WorkflowStarter } from '../ports/workflow-starter';
import { findRun } from './backup-catalog';
import { planEtcdMemberReplace, planEtcdQuorumRestore, type EtcdRestorePlan } from './etcd-restore-plan';
import { runEtcdRestoreWorkflow, type StepResult } from './etcd-restore-workflow';
import { restoreFileSet, type FileSetRestoreReport } from './file-set-restore';
import { restoreMysql, restorePostgres, type DatabaseRestoreReport } from './database-restore';
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

export type RestoreOutcome =
  | { kind: 'etcd-plan'; plan: EtcdRestorePlan }
  | { kind: 'etcd-started'; plan: EtcdRestorePlan; workflow: StartedWorkflow }
  | { kind: 'etcd-replaced'; plan: EtcdRestorePlan; results: StepResult[] }
  | { kind: 'files'; dryRun: boolean; reports: FileSetRestoreReport[] }
  | { kind: 'database'; dryRun: boolean; report: DatabaseRestoreReport };

export interface RestoreDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
  readonly runner: CommandRunner;
  readonly workflows: WorkflowStarter;
  readonly bucket: string;
  readonly documentPrefix: string;
  readonly now: () => Date;
  /** Per host command. */
  readonly timeoutMs: number;
  /** Scratch dir on hosts for file-set restores. */
  readonly workDir: string;
}


/**
 * A restore as an operator asks for it: the backup is found and checked first, a dry run returns
 * what would happen, and a real run needs `confirm` equal to the job name.
 */
export async function restore(event: RestoreEvent, deps: RestoreDeps): Promise<RestoreOutcome> {
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
      // A replacement is a few short commands; the quorum restore may outlast a Lambda, so it runs as a state machine.
      if (plan.kind === 'etcd-member-replace') return { kind: 'etcd-replaced', plan, results: (await runEtcdRestoreWorkflow(plan, deps)).results };
      return { kind: 'etcd-started', plan, workflow: await deps.workflows.startEtcdRestore(plan) };
    }
    case 'files': {
      const chosen = event.targets ? run.filter((backup) => event.targets?.includes(backup.host)) : run;
      if (chosen.length === 0) throw new RestoreError(`run ${backup.runId} of ${job.name} has no backup from ${event.targets?.join(', ')}`);
      const reports: FileSetRestoreReport[] = [];
      for (const { manifest } of chosen) {
        if (manifest.engine !== 'files') throw new RestoreError(`${manifest.payload.key} is not a file set`);
        reports.push(
          await restoreFileSet(
            manifest,
            { dryRun: event.dryRun, ...(event.confirm ? { confirm: event.confirm } : {}), ...(event.restoreRoot ? { restoreRoot: event.restoreRoot } : {}) },
            deps,
          ),
        );
      }
      return { kind: 'files', dryRun: event.dryRun, reports };
    }
    case 'mysql':
    case 'postgres': {
      const report = job.engine === 'mysql' ? await restoreMysql(job, backup.manifest, event, deps) : await restorePostgres(job, backup.manifest, event, deps);
      return { kind: 'database', dryRun: event.dryRun, report };
    }
  }
}
