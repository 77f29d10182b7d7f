import { binlogParameters, binlogProgram } from './binlog-program';
import { shipsBinlogs, shipsWal, type Job } from '../config/job-config';
import type { HostProgram } from '../ssm/host-program';
import { walParameters, walProgram } from './wal-program';
import { binlogRunMarkerKey, binlogRunPrefix, walRunMarkerKey, walRunPrefix } from '../catalog/object-layout';

/** The transaction logs a job ships on their own schedule: MySQL's binary logs or PostgreSQL's WAL. */
export type ShippingKind = 'binlogs' | 'wal';

export interface LogShipping {
  readonly kind: ShippingKind;
  /** How notices and errors name a run of it. */
  readonly what: string;
  readonly program: HostProgram;
  readonly schedule: string;
  readonly timezone: string | undefined;
  readonly timeoutMinutes: number;
  readonly enabled: boolean;
  /** The program's own document parameter values (the run's are added by the caller). */
  readonly parameters: Record<string, string>;
  runPrefix(runId: string, scheduledTime: Date): string;
  /** Claims a run apart from the dumps' markers, so shipping and dumping never skip each other. */
  markerKey(runId: string): string;
}

/** How notices and errors name a run of each kind. */
export const SHIPPING_WHAT: Readonly<Record<ShippingKind, string>> = { binlogs: 'binary log shipping', wal: 'WAL shipping' };

export const SHIPPING_PROGRAMS: readonly HostProgram[] = [binlogProgram, walProgram];

/** The log shipping of `job` of that kind; undefined when the job does not ship it. */
export function logShippingOf(job: Job, kind: ShippingKind): LogShipping | undefined {
  if (kind === 'binlogs' && shipsBinlogs(job)) return shippingOf(job, kind, binlogProgram, job.binlogs, binlogParameters(job), binlogRunPrefix, binlogRunMarkerKey);
  if (kind === 'wal' && shipsWal(job)) return shippingOf(job, kind, walProgram, job.wal, walParameters(job), walRunPrefix, walRunMarkerKey);
  return undefined;
}

function shippingOf(
  job: Job,
  kind: ShippingKind,
  program: HostProgram,
  settings: Pick<LogShipping, 'schedule' | 'timeoutMinutes' | 'enabled'> & { readonly timezone?: string | undefined },
  parameters: Record<string, string>,
  runPrefixOf: (job: string, runId: string, scheduledTime: Date) => string,
  markerKeyOf: (job: string, runId: string) => string,
): LogShipping {
  return {
    kind,
    what: SHIPPING_WHAT[kind],
    program,
    schedule: settings.schedule,
    timezone: settings.timezone,
    timeoutMinutes: settings.timeoutMinutes,
    enabled: job.enabled && settings.enabled,
    parameters,
    runPrefix: (runId, scheduledTime) => runPrefixOf(job.name, runId, scheduledTime),
    markerKey: (runId) => markerKeyOf(job.name, runId),
  };
}

/** Every log shipping the job has. */
export function logShippingsOf(job: Job): LogShipping[] {
  return (['binlogs', 'wal'] as const).flatMap((kind) => logShippingOf(job, kind) ?? []);
}

/** Which shipping a document of the stack (`<prefix>-<program id>`) runs; undefined for a dump's. */
export function shippingKindOfDocument(documentName: string): ShippingKind | undefined {
  if (documentName.endsWith(`-${binlogProgram.id}`)) return 'binlogs';
  if (documentName.endsWith(`-${walProgram.id}`)) return 'wal';
  return undefined;
}
