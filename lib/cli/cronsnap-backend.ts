import type { ShippingKind } from '../engines/log-shipping';
import type { JobStatus } from '../status/job-status';
import type { CommandLogGroup } from '../ssm/command-log-stream';
import type { JobHostsReport } from '../hosts/job-hosts';
import type { ComplianceReport } from '../compliance/report-contents';
import type { Job } from '../config/job-config';
import type { PreflightResult } from '../preflight/run-preflight';
import type { DrillAnswer } from '../drill/run-drill';
import type { listBackups } from '../restore/list-backups';
import type { RestoreEventInput, RestoreOutcome } from '../restore/restore';
import type { KeepEventInput, KeepOutcome } from '../retention/backup-keeps';

/** How one host of a backup run ended. */
export interface HostResult {
  readonly host: string;
  readonly status: 'succeeded' | 'failed' | 'running';
  readonly detail: string;
}

export interface BackupNowResult {
  readonly job: string;
  readonly outcome: 'succeeded' | 'failed' | 'started' | 'duplicate' | 'disabled';
  readonly runId?: string;
  readonly hosts: readonly HostResult[];
}

/** `cronsnap status`: the jobs, and where the hosts' command output is logged when the stack logs it. */
export interface StatusAnswer {
  readonly jobs: readonly JobStatus[];
  readonly commandLog?: CommandLogGroup;
}

export interface BackupNowOptions {
  readonly wait: boolean;
  readonly progress: (line: string) => void;
  /** @default 'backup' */
  readonly kind?: 'backup' | ShippingKind;
}

export type BackupListing = Awaited<ReturnType<typeof listBackups>>;

/** Where the CLI's commands run: the deployed stack's functions, or the same logic in-process. */
export interface CronsnapBackend {
  /** Starts a run of `job` now (its backup, or with `kind` its log shipping); with `wait`, returns once every host has finished. */
  backupNow(job: string, options: BackupNowOptions): Promise<BackupNowResult>;
  list(job: string, limit: number): Promise<BackupListing>;
  /** The hosts `job` targets as SSM sees them, each one's newest backup, and what is missing. */
  hosts(job: Job, policyExport: string): Promise<JobHostsReport>;
  /** Every job (or those named) at a glance: last run, its age against the RPO, drills, logs, copy. */
  status(jobs?: readonly string[]): Promise<StatusAnswer>;
  restore(event: RestoreEventInput, progress: (line: string) => void): Promise<RestoreOutcome>;
  /** Runs a restore drill of `job`'s newest backup now, as its drill schedule would. */
  drill(job: string, progress: (line: string) => void): Promise<DrillAnswer>;
  /** Asks every target host of `job` what it has and judges it against the job's host requirements. */
  preflight(job: Job, progress: (line: string) => void): Promise<PreflightResult>;
  /** Keeps a run beyond its retention policy, or ends the keep (`action: unkeep`). */
  keep(event: KeepEventInput): Promise<KeepOutcome>;
  /** The latest compliance report; `outDir` receives report.html where the backend builds it. */
  report(outDir: string): Promise<{ report: ComplianceReport; location: string }>;
}
