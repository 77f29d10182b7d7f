import type { PointInTimeSummary } from './point-in-time-summary';
import { InvalidEventError, type RestoreError } from '../errors';
import type { CommandReport, HostWorkflow, WorkflowFinisher } from '../host-workflow/host-workflow';
import { reportObjectKey } from '../ssm/host-report';
import { parseDatabaseRestoreReport, type DatabaseRestoreReport } from './database-restore';
import { parseRestoreReport, type FileSetRestoreReport } from './file-set-restore';
import { filesRestoreProgram, mysqlRestoreProgram, postgresRecoveryProgram, postgresRestoreProgram } from './restore-programs';

/** What a restore workflow ends with: the restore function's answer as it was before restores became workflows. */
export type RestoreWorkflowOutcome =
  | { kind: 'files'; dryRun: boolean; reports: FileSetRestoreReport[] }
  | { kind: 'database'; dryRun: boolean; report: DatabaseRestoreReport; pointInTime?: PointInTimeSummary };

/** Room left in the execution's output (256 KiB) for the change lists of every host. */
const CHANGE_LIST_BYTES = 192 * 1024;

/**
 * The hosts' change lists cut to fit the execution's output, each cut one naming how many it left
 * out and the host's report object, which holds them all.
 */
export function fittedChangeLists(reports: readonly (FileSetRestoreReport & { readonly reportKey: string })[]): FileSetRestoreReport[] {
  let room = CHANGE_LIST_BYTES;
  return reports.map(({ reportKey, ...report }) => {
    const kept = [];
    for (const change of report.changes) {
      room -= JSON.stringify(change).length + 1;
      if (room < 0) break;
      kept.push(change);
    }
    if (kept.length === report.changes.length) return report;
    return { ...report, changes: kept, changesOmitted: report.changes.length - kept.length, fullReport: reportKey };
  });
}

function fileSetReports(state: HostWorkflow, reports: readonly CommandReport[]): FileSetRestoreReport[] {
  return fittedChangeLists(
    reports.map(({ host, commandId, report }, at) => ({
      host,
      commandId,
      ...parseRestoreReport(report),
      reportKey: reportObjectKey(state.commands[at]?.parameters.reportKey ?? '', host),
    })),
  );
}

/** File-set and database restores: the outcome from the hosts' reports; a host's failure fails the execution with its reason. */
export const restoreFinisher: WorkflowFinisher = {
  programs: [filesRestoreProgram, mysqlRestoreProgram, postgresRestoreProgram, postgresRecoveryProgram],
  async finish(state, reports): Promise<RestoreWorkflowOutcome> {
    const { operation } = state;
    if (operation.kind === 'database-restore') {
      const [report] = reports;
      if (!report || reports.length !== 1) throw new InvalidEventError(`event.commands: a database restore runs on one host, not ${reports.length}`);
      return { kind: 'database', dryRun: operation.dryRun, report: parseDatabaseRestoreReport(report) };
    }
    if (operation.kind === 'file-set-restore') return { kind: 'files', dryRun: operation.dryRun, reports: fileSetReports(state, reports) };
    throw new InvalidEventError(`event.operation.kind: ${operation.kind} is not a restore`);
  },
  failed(_state, error: RestoreError): Promise<never> {
    return Promise.reject(error);
  },
};
