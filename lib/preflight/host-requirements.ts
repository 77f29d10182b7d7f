import * as z from 'zod';
import type { Job } from '../config/job-config';
import type { ReportLine } from '../ssm/report-lines';

/** What the preflight program reported of one tool: where it is ('' when missing) and its version line. */
const toolFactSchema = z.object({ name: z.string(), path: z.string(), version: z.string() });
const spaceFactSchema = z.object({ dir: z.string(), freeBytes: z.number().nullable() });
const regionFactSchema = z.object({ region: z.string() });

export type ToolFact = z.infer<typeof toolFactSchema>;

/** One host's answer, as parsed from its report lines. */
export interface HostFacts {
  readonly tools: ReadonlyMap<string, ToolFact>;
  readonly space?: z.infer<typeof spaceFactSchema>;
  readonly region?: string;
}

/** One requirement judged on one host: what is needed, what was found, and how to fix it when not met. */
export interface RequirementCheck {
  readonly requirement: string;
  readonly found: string;
  readonly ok: boolean;
  readonly fix?: string;
}

export function hostFacts(lines: readonly ReportLine[]): HostFacts {
  const tools = new Map<string, ToolFact>();
  let space: HostFacts['space'];
  let region: string | undefined;
  for (const line of lines) {
    if (line.kind === 'tool') {
      const tool = toolFactSchema.parse(line.value);
      tools.set(tool.name, tool);
    }
    if (line.kind === 'space') space = spaceFactSchema.parse(line.value);
    if (line.kind === 'region') region = regionFactSchema.parse(line.value).region;
  }
  return { tools, ...(space ? { space } : {}), ...(region !== undefined ? { region } : {}) };
}

/** The first `major.minor[.patch]` in a version line, as numbers. */
export function versionIn(text: string): number[] | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? match.slice(1).filter((part) => part !== undefined).map(Number) : undefined;
}

function atLeast(version: readonly number[], floor: readonly number[]): boolean {
  for (let i = 0; i < floor.length; i += 1) {
    const part = version[i] ?? 0;
    const min = floor[i] ?? 0;
    if (part !== min) return part > min;
  }
  return true;
}

/** A tool that must be present, at `floor` or later when one is given. */
interface ToolRequirement {
  readonly tool: string;
  readonly label: string;
  readonly floor?: readonly number[];
  readonly fix: string;
}

/** The host requirements table (docs/host-requirements.md) for `job`'s engine and options, tool by tool. */
export function toolRequirements(job: Job): ToolRequirement[] {
  const always: ToolRequirement[] = [
    { tool: 'bash', label: 'bash 4.2+', floor: [4, 2], fix: 'bash 4.2 or later (RHEL/CentOS 7 has 4.2)' },
    { tool: 'coreutils', label: 'coreutils 8.22+', floor: [8, 22], fix: 'GNU coreutils 8.22 or later' },
    { tool: 'zstd', label: 'zstd', fix: 'package zstd: EPEL on RHEL/CentOS 7, the distribution elsewhere' },
    { tool: 'aws', label: 'aws CLI v1 or v2', fix: 'the aws CLI, v1 or v2' },
    { tool: 'flock', label: 'flock', fix: 'package util-linux' },
  ];
  const engine: ToolRequirement[] = [];
  const client = (tool: string, label: string, fix: string) => engine.push({ tool, label, fix });
  switch (job.engine) {
    case 'etcd':
      if (job.etcd.container) {
        // etcdctl runs inside the container; the host needs only the runtime's CLI.
        engine.push({ tool: 'container', label: `${job.etcd.container.runtime} (etcd in a container)`, fix: `the ${job.etcd.container.runtime} CLI on the host, as the kubelet's runtime has it` });
      } else {
        engine.push({ tool: 'etcdctl', label: 'etcdctl 3.2+ (v3 API)', floor: [3, 2], fix: "etcd 3.2 or later, or the job's etcd.etcdctl" });
      }
      if ((job.etcd.memberConfig?.length ?? 0) > 0 || job.etcd.mode === 'cold-copy') engine.push({ tool: 'tar', label: 'GNU tar 1.26+', floor: [1, 26], fix: 'GNU tar 1.26 or later' });
      break;
    case 'files':
      engine.push({ tool: 'tar', label: 'GNU tar 1.26+', floor: [1, 26], fix: 'GNU tar 1.26 or later' });
      break;
    case 'mysql':
      client('mysqldump', 'mysqldump', "the MySQL or MariaDB client, or the job's mysql.mysqldump");
      client('mysql', 'mysql', "the MySQL or MariaDB client, or the job's mysql.mysql");
      if (job.drill) client('perl', 'perl (drill row counts)', 'package perl');
      if (job.binlogs) {
        client('mysqlbinlog', 'mysqlbinlog (binary log shipping)', "the MySQL or MariaDB client, or the job's binlogs.mysqlbinlog");
        client('perl', 'perl (binary log events)', 'package perl');
      }
      break;
    case 'postgres':
      for (const [tool, label] of [['pgDump', 'pg_dump'], ['pgDumpall', 'pg_dumpall'], ['psql', 'psql'], ['pgRestore', 'pg_restore']] as const) {
        client(tool, label, `the PostgreSQL client, or the job's postgres.${tool}`);
      }
      // --endpos, pg_current_wal_lsn() and pg_control_system(): PostgreSQL 10's tools and server.
      if (job.postgres.mode === 'physical') {
        engine.push({ tool: 'pgBasebackup', label: 'pg_basebackup 10+ (physical)', floor: [10], fix: "the PostgreSQL 10+ client, or the job's postgres.pgBasebackup" });
      }
      if (job.wal) engine.push({ tool: 'pgReceivewal', label: 'pg_receivewal 10+ (WAL shipping)', floor: [10], fix: "the PostgreSQL 10+ client, or the job's wal.pgReceivewal" });
      break;
  }
  const maxscale = 'mysql' in job && typeof job.mysql.maxscale === 'object' ? job.mysql.maxscale.passwordSecret : undefined;
  const secrets = ['mysql' in job ? job.mysql.passwordSecret : 'postgres' in job ? job.postgres.passwordSecret : undefined, maxscale];
  if (secrets.some((secret) => secret?.jsonKey)) engine.push({ tool: 'jq', label: 'jq (JSON secret)', fix: 'package jq (EPEL on RHEL/CentOS 7)' });
  return [...always, ...engine];
}

/** The oldest agent that passes document parameters as SSM_<name> environment variables (interpolationType ENV_VAR). */
const ENV_VAR_AGENT: readonly number[] = [3, 3, 2746];

/**
 * A quorum restore advances the revision past the old cluster's: offline with etcdutl 3.5+, or
 * online through the gRPC gateway with curl.
 */
function revisionBumpCheck(facts: HostFacts): RequirementCheck {
  const requirement = 'etcdutl 3.5+ or curl (revision bump after a quorum restore)';
  const etcdutl = facts.tools.get('etcdutl');
  const etcdutlVersion = versionIn(etcdutl?.version ?? '');
  if (etcdutl?.path && etcdutlVersion && atLeast(etcdutlVersion, [3, 5])) return { requirement, found: `${etcdutl.version} (offline)`, ok: true };
  const curl = facts.tools.get('curl');
  if (curl?.path) return { requirement, found: `${curl.version || curl.path} (online)`, ok: true };
  return { requirement, found: 'neither', ok: false, fix: 'package curl (curl-minimal on Amazon Linux 2023), or etcd 3.5 or later with etcdutl' };
}

/** Where the master comes from when MaxScale is asked: maxctrl on 2.5 and later, maxadmin before. */
function maxscaleCheck(facts: HostFacts): RequirementCheck {
  const requirement = 'maxctrl (MaxScale 2.5+) or maxadmin';
  const tool = ['maxctrl', 'maxadmin'].map((name) => facts.tools.get(name)).find((fact) => fact?.path);
  if (tool) return { requirement, found: tool.version || tool.path, ok: true };
  return { requirement, found: 'neither', ok: false, fix: 'package maxscale (its maxctrl), or set mysql.maxscale to false and list the servers in mysql.hosts' };
}

/** A member in a container is stopped while its data dir is restored: the host itself needs etcdutl or etcdctl then. */
function hostSnapshotToolCheck(facts: HostFacts): RequirementCheck {
  const requirement = 'etcdutl or etcdctl on the host (restore of a stopped container)';
  const tool = ['etcdutl', 'etcdctl'].map((name) => facts.tools.get(name)).find((fact) => fact?.path);
  if (tool) return { requirement, found: tool.version || tool.path, ok: true };
  return { requirement, found: 'neither', ok: false, fix: 'the etcd client package, or etcdutl copied out of the etcd image' };
}

/**
 * Informational: every agent runs the programs, an older one through the `{{ }}` fallback, which
 * the parameters' allowed patterns keep safe.
 */
function agentCheck(facts: HostFacts): RequirementCheck {
  const requirement = 'SSM agent (runs the loaders of schema 2.2; SSM_ parameters from 3.3.2746.0)';
  const agent = facts.tools.get('ssmAgent');
  if (!agent?.path) return { requirement, found: 'not found (not run by the agent?)', ok: true };
  const version = versionIn(agent.version);
  const current = version && atLeast(version, ENV_VAR_AGENT);
  return { requirement, found: current ? agent.version : `${agent.version || agent.path}: parameters through the {{ }} fallback`, ok: true };
}

/** Every requirement of `job` judged against one host's facts. */
export function judgeHost(job: Job, facts: HostFacts): RequirementCheck[] {
  const checks = toolRequirements(job).map((requirement): RequirementCheck => {
    const fact = facts.tools.get(requirement.tool);
    if (!fact?.path) return { requirement: requirement.label, found: 'missing', ok: false, fix: requirement.fix };
    const version = versionIn(fact.version);
    const found = fact.version || fact.path;
    if (requirement.floor && !(version && atLeast(version, requirement.floor))) return { requirement: requirement.label, found, ok: false, fix: requirement.fix };
    return { requirement: requirement.label, found, ok: true };
  });
  if (job.engine === 'etcd') checks.push(revisionBumpCheck(facts));
  if (job.engine === 'etcd' && job.etcd.container) checks.push(hostSnapshotToolCheck(facts));
  if (job.engine === 'mysql' && job.mysql.maxscale !== false) checks.push(maxscaleCheck(facts));
  checks.push(agentCheck(facts));
  const hashes = ['openssl', 'sha256sum'].some((tool) => facts.tools.get(tool)?.path);
  checks.push(hashes ? { requirement: 'openssl or sha256sum', found: 'present', ok: true } : { requirement: 'openssl or sha256sum', found: 'missing', ok: false, fix: 'package openssl or coreutils' });
  const dir = facts.space?.dir ?? '';
  checks.push(
    facts.space?.freeBytes === null || facts.space === undefined
      ? { requirement: `work dir ${dir}`, found: 'missing', ok: false, fix: `create ${dir}, or set the job's workDir` }
      : { requirement: `work dir ${dir}`, found: `${(facts.space.freeBytes / 1024 ** 3).toFixed(1)} GiB free`, ok: true },
  );
  checks.push(
    facts.region
      ? { requirement: 'aws region', found: facts.region, ok: true }
      : { requirement: 'aws region', found: 'none', ok: false, fix: 'the SSM agent exports AWS_SSM_REGION_NAME; outside it, set AWS_DEFAULT_REGION' },
  );
  return checks;
}
