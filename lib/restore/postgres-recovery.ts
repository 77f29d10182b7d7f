import type { Manifest } from '../catalog/manifest';
import type { PostgresJob } from '../config/job-config';
import { InvalidEventError, RestoreError } from '../errors';
import type { WalRecoveryPlan } from '../wal/wal-recovery-plan';
import { secondAfter } from '../binlogs/point-in-time';
import { walRoot } from '../catalog/object-layout';
import { planDatabaseRestore, type DatabaseRestoreTarget } from './database-restore';
import { postgresRecoveryProgram } from './restore-programs';
import type { PlannedCommand } from '../host-workflow/run-host-program';

/** What an operator chooses of a recovery: where the copy goes, and dry-run or apply. */
export interface RecoveryRequest {
  readonly dryRun: boolean;
  /** The new data directory; it must not exist. */
  readonly dataDir?: string | undefined;
  /** The copy's port; a free one when omitted. */
  readonly port?: number | undefined;
  /** Choices that belong to logical restores: refused here, each by name. */
  readonly databases?: readonly string[] | undefined;
  readonly targetDatabase?: string | undefined;
  readonly server?: string | undefined;
  readonly includeGlobals?: boolean | undefined;
}

/** Where a recovery puts its copy, and what it does with it (a drill counts and removes it). */
export interface RecoveryTarget {
  readonly dataDir: string;
  readonly port?: number | undefined;
  readonly mode: 'dry-run' | 'apply' | 'drill';
}

/** POSTGRES_RECOVERY_PARAMETERS of a recovery of `manifest` as `plan` says. */
export function recoveryParameters(
  job: PostgresJob,
  manifest: Manifest,
  plan: WalRecoveryPlan,
  target: RecoveryTarget,
  deps: Pick<DatabaseRestoreTarget, 'bucket' | 'workDir'>,
): Record<string, string> {
  if (manifest.engine !== 'postgres' || !manifest.postgres.physical) throw new RestoreError(`${manifest.payload.key} is not a physical PostgreSQL base backup`);
  const { physical } = manifest.postgres;
  return {
    job: job.name,
    bucket: deps.bucket,
    workDir: deps.workDir,
    payloadKey: manifest.payload.key,
    payloadSha256: manifest.payload.sha256,
    payloadSize: String(manifest.payload.size),
    rawSize: String(manifest.payload.rawSize),
    serverMajor: /^(\d+)/.exec(manifest.postgres.serverVersion)?.[1] ?? '',
    walPrefix: `${walRoot(job.name)}${physical.systemIdentifier}`,
    walFirst: plan.first,
    walLast: plan.last,
    walSearchFrom: plan.searchFrom ?? '',
    walSegmentSize: String(physical.walSegmentSize),
    walBytes: String(plan.bytes),
    stopBefore: plan.toTime === undefined ? '' : secondAfter(plan.toTime),
    dataDir: target.dataDir,
    port: target.port === undefined ? '' : String(target.port),
    osUser: job.postgres.osUser,
    pgCtl: job.postgres.pgCtl,
    mode: target.mode,
  };
}

/** Bytes a recovery replays beyond its base: its segments unpacked, for the command's timeout. */
export function replayedBytes(plan: WalRecoveryPlan): number {
  return plan.segments * plan.base.segmentSize;
}

/**
 * The recovery of a physical base backup on the host it was taken from: the whole cluster into a
 * new data directory, replayed to the plan's second or to the end of its WAL, then promoted.
 */
export function planPostgresRecovery(job: PostgresJob, manifest: Manifest, plan: WalRecoveryPlan, request: RecoveryRequest, deps: Pick<DatabaseRestoreTarget, 'bucket' | 'workDir'>): PlannedCommand {
  for (const field of ['databases', 'targetDatabase', 'server', 'includeGlobals'] as const) {
    if (request[field] !== undefined) throw new InvalidEventError(`event.${field}: a physical base backup recovers the whole cluster into a new data directory (event.dataDir), not into a server`);
  }
  if (!request.dataDir) throw new InvalidEventError('event.dataDir: name the new data directory to recover the cluster into (it must not exist; a recovery never writes over a data directory)');
  const parameters = recoveryParameters(job, manifest, plan, { dataDir: request.dataDir, port: request.port, mode: request.dryRun ? 'dry-run' : 'apply' }, deps);
  return planDatabaseRestore(postgresRecoveryProgram, job, manifest, parameters, replayedBytes(plan));
}
