import { compactUtc } from '../catalog/run-id';
import * as z from 'zod';
import { checkBucketRole, fromReplicaField, type BucketRole } from '../replica/bucket-role';
import type { CronsnapConfig } from '../config/cronsnap-config';
import { findJob } from '../config/load-config';
import { absolutePath } from '../parameters/shell-safe';
import { instanceId } from '../config/targets';
import { InvalidEventError, RestoreError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import type { HostWorkflowStarter, StartedWorkflow, WorkflowStarter } from '../ports/workflow-starter';
import type { StepResult } from './etcd-restore-workflow';
import { restoreTimeoutSeconds } from '../host-workflow/command-timeout';
import { findRun, type RestorableBackup } from '../catalog/backup-catalog';
import { choosePointInTime, type BinlogReplay } from '../binlogs/point-in-time-restore';
import { planEtcdMemberReplace, planEtcdQuorumRestore, type EtcdRestorePlan } from './etcd-restore-plan';
import { planFileSetRestore } from './file-set-restore';
import { planMysqlRestore, planPostgresRestore } from './database-restore';
import { planPostgresRecovery } from './postgres-recovery';
import { chooseWalRecovery } from '../wal/wal-recovery-choice';
import type { WalRecoveryPlan } from '../wal/wal-recovery-plan';
import type { RestoreWorkflowOutcome } from './restore-finisher';
import type { PointInTimeSummary } from './point-in-time-summary';
import type { HostWorkflowInput } from '../host-workflow/host-workflow';
import type { PlannedCommand } from '../host-workflow/run-host-program';
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
    toTime: z.iso
      .datetime({ offset: true })
      .optional()
      .describe(
        'restore to this second (backup must be latest): MySQL with binlogs, the newest dump before it and the shipped binary logs up to it; PostgreSQL physical, the newest base backup before it and the shipped WAL up to it',
      ),
    dataDir: absolutePath.optional().describe('PostgreSQL physical: the new data directory to recover the cluster into (must not exist)'),
    port: z.number().int().min(1024).max(65535).optional().describe('PostgreSQL physical: port of the recovered server; a free one from 5433 on when omitted'),
    fromReplica: fromReplicaField,
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
  /** `results`: the etcd steps' results, once the caller followed the execution to its end. */
  | { kind: 'etcd-started'; plan: EtcdRestorePlan; workflow: StartedWorkflow & { results?: StepResult[] } }
  | {
      kind: 'started';
      operation: 'database-restore' | 'file-set-restore';
      job: string;
      runId: string;
      dryRun: boolean;
      hosts: string[];
      workflow: StartedWorkflow;
      /** A restore to a point in time: the dump, the logs replayed after it and the time they cover. */
      pointInTime?: PointInTimeSummary;
    };

/** What a started restore to a time came to: the workflow's outcome with the chain it replayed. */
export function withPointInTime(answer: Extract<RestoreAnswer, { kind: 'started' }>, outcome: RestoreWorkflowOutcome): RestoreWorkflowOutcome {
  return answer.pointInTime && outcome.kind === 'database' ? { ...outcome, pointInTime: answer.pointInTime } : outcome;
}

function pointInTimeSummary(base: RestorableBackup, replay: BinlogReplay): PointInTimeSummary {
  const first = replay.logs[0];
  const last = replay.logs.at(-1);
  return {
    kind: 'binlogs',
    toTime: replay.toTime,
    dump: { runId: base.runId, finishedAt: base.finishedAt, binlogFile: first?.file ?? '', binlogPosition: replay.startPosition },
    logs: { count: replay.logs.length, first: first?.file ?? '', last: last?.file ?? '', from: first?.firstEventAt ?? '', until: last?.lastEventAt ?? '' },
  };
}

function walSummary({ base, first, last, segments, toTime, span }: WalRecoveryPlan): PointInTimeSummary {
  return { kind: 'wal', toTime, base: { runId: base.runId, finishedAt: base.finishedAt }, segments: { count: segments, first, last }, reaches: { from: span.from, until: span.until } };
}

/** What a restore came to once its workflow has finished. */
export type RestoreOutcome = Exclude<RestoreAnswer, { kind: 'started' }> | RestoreWorkflowOutcome;

export interface RestoreDeps {
  readonly config: CronsnapConfig;
  readonly store: ObjectStore;
  readonly workflows: WorkflowStarter<EtcdRestorePlan>;
  /** Runs database and file-set restores, which can outlast any one function invocation. */
  readonly hostWorkflows: HostWorkflowStarter<HostWorkflowInput>;
  readonly bucket: string;
  /** What `store` and `bucket` are: the source (default), or its copy. */
  readonly bucketRole?: BucketRole;
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
  checkBucketRole(event.fromReplica, deps.bucketRole ?? 'source');
  if (!event.dryRun && event.confirm !== job.name) {
    throw new InvalidEventError(`event.confirm: a real restore needs confirm equal to the job name '${job.name}'; nothing was changed`);
  }
  if (event.toTime !== undefined && event.backup !== 'latest') {
    throw new InvalidEventError(`event.backup: a restore to a time picks its own base backup; send 'latest', not ${event.backup}`);
  }
  if (job.engine === 'postgres' && job.postgres.mode === 'physical') {
    const { backup: base, plan } = await chooseWalRecovery(deps.store, job.name, event.toTime === undefined ? { backup: event.backup } : { toTime: new Date(event.toTime) });
    const started = await startRestore('database-restore', job.name, base.runId, event.dryRun, [planPostgresRecovery(job, base.manifest, plan, event, deps)], deps);
    return { ...started, pointInTime: walSummary(plan) };
  }
  if (event.dataDir !== undefined || event.port !== undefined) {
    throw new InvalidEventError(`event.${event.dataDir === undefined ? 'port' : 'dataDir'}: only a physical PostgreSQL job recovers into a new data directory; job ${job.name} is not one`);
  }
  if (event.toTime !== undefined) {
    if (job.engine !== 'mysql') throw new InvalidEventError(`event.toTime: job ${job.name} is ${job.engine}; restores to a point in time replay MySQL binary logs or PostgreSQL WAL (postgres.mode physical)`);
    const { backup: base, replay } = await choosePointInTime(deps.store, job.name, new Date(event.toTime));
    const started = await startRestore('database-restore', job.name, base.runId, event.dryRun, [planMysqlRestore(job, base.manifest, event, deps, replay)], deps);
    return { ...started, pointInTime: pointInTimeSummary(base, replay) };
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
      return startRestore('database-restore', job.name, backup.runId, event.dryRun, [planMysqlRestore(job, backup.manifest, event, deps)], deps);
    case 'postgres':
      return startRestore('database-restore', job.name, backup.runId, event.dryRun, [planPostgresRestore(job, backup.manifest, event, deps)], deps);
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
): Promise<Extract<RestoreAnswer, { kind: 'started' }>> {
  const id = commands[0]?.parameters.reportKey?.split('/').at(-2)?.slice(0, 8) ?? compactUtc(deps.now());
  const workflow = await deps.hostWorkflows.start({ operation: { kind: operation, job, runId, dryRun }, commands }, `restore-${job}-${id}`);
  return { kind: 'started', operation, job, runId, dryRun, hosts: commands.map((command) => command.host), workflow };
}
