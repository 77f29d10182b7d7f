import { randomUUID } from 'node:crypto';
import { REPORT_ROOT } from '../catalog/object-layout';
import type { Invocation } from '../ports/command-runner';
import type { ObjectStore } from '../ports/object-store';

/**
 * GetCommandInvocation returns only the first 24,000 characters of stdout and 8,000 of stderr
 * (API reference). What the functions must read back (change lists, row counts, the failure
 * reason after a long stderr) the host therefore also writes as an object: every report line
 * and its FAILED line, under `<reportKey><host>`, uploaded as it exits.
 */
export const STDOUT_LIMIT = 24_000;
export const STDERR_LIMIT = 8_000;


/** A fresh report prefix for one command of `job`: under the job, so a host may write only its own job's. */
export function newReportKey(job: string): string {
  return `${REPORT_ROOT}/${job}/${randomUUID()}/`;
}

/** Where the host of an invocation wrote its report. */
export function reportObjectKey(reportKey: string, host: string): string {
  return `${reportKey}${host}`;
}

/**
 * What a host reported (its report lines and any FAILED line, in the order written): its report
 * object, whole, else the invocation's output as SSM returned it, cut at its limits.
 */
export async function readHostReport(store: ObjectStore, invocation: Invocation): Promise<string> {
  const reportKey = invocation.parameters.reportKey;
  const stored = reportKey ? await store.getText(reportObjectKey(reportKey, invocation.hostId)) : undefined;
  return stored ?? `${invocation.stdout}\n${invocation.stderr}`;
}

/**
 * The reason a host program failed, from its report: the first FAILED line. A `fail` inside a
 * command substitution exits only its subshell; the main shell's ERR trap then adds "command
 * failed with exit code 1 (line N)", which says less than the line before it.
 */
export function failureReason(report: string, status: string): string {
  const first = report.split('\n').find((line) => line.startsWith('cronsnap: FAILED'));
  if (first) return first.replace(/^cronsnap: FAILED /, '');
  return status === 'Failed' ? `SSM status Failed: ${report.trim().split('\n').pop() ?? 'no output'}` : `SSM status ${status}`;
}
