import type { Job } from '../config/job-config';
import type { CommandRunner } from '../ports/command-runner';
import { awaitInvocation } from '../ssm/await-invocation';
import { assertParametersAllowed } from '../ssm/command-document';
import { documentName } from '../ssm/host-program';
import { reportLines } from '../ssm/report-lines';
import { hostFacts, judgeHost, type RequirementCheck } from './host-requirements';
import { preflightProgram } from './preflight-program';

export interface PreflightDeps {
  readonly runner: CommandRunner;
  readonly documentPrefix: string;
  /** How long a host may take to answer. */
  readonly timeoutMs: number;
  readonly pollMs?: number;
}

/** One host's preflight: every requirement of the job judged, or why the host could not answer. */
export interface HostPreflight {
  readonly host: string;
  readonly ok: boolean;
  readonly checks: readonly RequirementCheck[];
  /** Set when the preflight program itself did not finish (the host's status and reason). */
  readonly error?: string;
}

export interface PreflightResult {
  readonly job: string;
  readonly ok: boolean;
  readonly hosts: readonly HostPreflight[];
}

/** The document parameters that name the job's own tools, as its backups would run them. */
export function preflightParameters(job: Job, timeoutSeconds: number): Record<string, string> {
  const tools: Record<string, string> = {};
  let workDir = '';
  switch (job.engine) {
    case 'etcd':
      tools.etcdctl = job.etcd.etcdctl;
      if (job.etcd.container) tools.containerRuntime = job.etcd.container.runtime;
      workDir = job.etcd.workDir;
      break;
    case 'mysql':
      Object.assign(tools, { mysqldump: job.mysql.mysqldump, mysql: job.mysql.mysql, maxscale: String(job.mysql.maxscale !== false) });
      if (job.binlogs) tools.mysqlbinlog = job.binlogs.mysqlbinlog;
      workDir = job.workDir;
      break;
    case 'postgres':
      Object.assign(tools, { pgDump: job.postgres.pgDump, pgDumpall: job.postgres.pgDumpall, psql: job.postgres.psql, pgRestore: job.postgres.pgRestore });
      if (job.postgres.mode === 'physical') tools.pgBasebackup = job.postgres.pgBasebackup;
      if (job.wal) tools.pgReceivewal = job.wal.pgReceivewal;
      workDir = job.workDir;
      break;
    case 'files':
      workDir = job.workDir;
      break;
  }
  return { job: job.name, executionTimeout: String(timeoutSeconds), workDir, ...tools };
}

/**
 * Asks every online host of `job` what it has (the read-only preflight document) and judges it
 * against the job's requirements; at most 50 hosts, SendCommand's limit for one request.
 */
export async function runPreflight(job: Job, deps: PreflightDeps): Promise<PreflightResult> {
  const hosts = await deps.runner.onlineHosts(job.targets, 50);
  if (hosts.length === 0) return { job: job.name, ok: false, hosts: [] };
  const parameters = preflightParameters(job, Math.ceil(deps.timeoutMs / 1000));
  assertParametersAllowed(preflightProgram, parameters);
  const { commandId } = await deps.runner.send({
    documentName: documentName(deps.documentPrefix, preflightProgram),
    hostIds: hosts.slice(0, 50),
    parameters,
    comment: `cronsnap preflight of ${job.name}`,
    timeoutSeconds: 600,
  });
  const answers = await Promise.all(
    hosts.slice(0, 50).map(async (host): Promise<HostPreflight> => {
      const invocation = await awaitInvocation(deps.runner, commandId, host, { timeoutMs: deps.timeoutMs, ...(deps.pollMs ? { pollMs: deps.pollMs } : {}) });
      if (invocation.status !== 'Success') {
        return { host, ok: false, checks: [], error: `${invocation.status}: ${invocation.stderr.trim().split('\n').pop() ?? ''}` };
      }
      const checks = judgeHost(job, hostFacts(reportLines(invocation.stdout)));
      return { host, ok: checks.every((check) => check.ok), checks };
    }),
  );
  return { job: job.name, ok: answers.every((answer) => answer.ok), hosts: answers };
}
