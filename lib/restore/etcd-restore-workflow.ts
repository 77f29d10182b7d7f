import * as z from 'zod';
import { parseManifest } from '../backup/manifest';
import { RestoreError } from '../errors';
import { lambdaErrorMessage } from '../function-error';
import { runHostProgram, type HostProgramDeps } from './run-host-program';
import type { ObjectStore } from '../ports/object-store';
import { reportLines, type ReportLine } from '../ssm/report-lines';
import type { EtcdMemberPlan, EtcdRestorePlan } from './etcd-restore-plan';
import { restoreFileSet } from './file-set-restore';
import { etcdRestoreProgram, type EtcdRestoreAction } from './restore-programs';
import { assertOneBumpMethod, oldRevisionSchema, planRevisionBump, preparedBumpSchema } from './revision-bump';

/** The workflow's steps in order; the Step Functions state machine is built from this list. */
export const ETCD_WORKFLOW_STEPS = ['prepare', 'stop', 'config', 'restore', 'start', 'health', 'revision'] as const;
/** Replacing one member while the others keep quorum (seed 001). */
export const ETCD_REPLACE_STEPS = ['membership', 'config', 'rejoin', 'health'] as const;
/** rollback undoes a failure from the stop step on; abandon clears what prepare left when it failed on some member. */
export type EtcdWorkflowStep = (typeof ETCD_WORKFLOW_STEPS)[number] | (typeof ETCD_REPLACE_STEPS)[number] | 'rollback' | 'abandon';

/**
 * What a failed step leads to. Steps before the stop touch nothing: abandon. From the stop to the
 * health check: roll every member back. Once the restored cluster is healthy, a failed revision
 * bump is reported, not rolled back: the old data dirs hold a cluster that had lost quorum.
 */
export function onStepFailure(step: (typeof ETCD_WORKFLOW_STEPS)[number]): 'abandon' | 'rollback' | 'report' {
  const at = ETCD_WORKFLOW_STEPS.indexOf(step);
  if (at < ETCD_WORKFLOW_STEPS.indexOf('stop')) return 'abandon';
  return at <= ETCD_WORKFLOW_STEPS.indexOf('health') ? 'rollback' : 'report';
}

/** `timeoutMs` is per command: a step's Lambda stops at 15 minutes, the workflow itself has no such limit. */
export interface EtcdStepDeps extends HostProgramDeps {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly now: () => Date;
}

export interface MemberResult {
  readonly host: string;
  readonly member: string;
  readonly reports: ReportLine[];
}

export interface StepResult {
  readonly step: EtcdWorkflowStep;
  readonly members: MemberResult[];
}

function parametersFor(plan: EtcdRestorePlan, member: EtcdMemberPlan, action: EtcdRestoreAction, deps: EtcdStepDeps): Record<string, string> {
  return {
    job: plan.job,
    bucket: deps.bucket,
    action,
    payloadKey: plan.payload.key,
    payloadSha256: plan.payload.sha256,
    payloadMode: plan.payload.mode,
    memberName: member.name,
    initialCluster: plan.initialCluster,
    clusterToken: plan.clusterToken,
    peerUrls: member.peerUrls,
    clientUrls: member.clientUrls,
    dataDir: member.dataDir,
    endpoints: plan.endpoints,
    etcdctl: plan.host.etcdctl,
    caFile: plan.host.caFile,
    certFile: plan.host.certFile,
    keyFile: plan.host.keyFile,
    ...plan.host.access,
    quotaBackendBytes: plan.host.quotaBackendBytes,
    stamp: plan.stamp,
    workDir: plan.host.workDir,
  };
}

/** Runs `action` about `member` on `host`: its own host, or for `membership` a healthy peer's. */
async function runOnMember(
  plan: EtcdRestorePlan,
  member: EtcdMemberPlan,
  action: EtcdRestoreAction,
  deps: EtcdStepDeps,
  { host = member.host, extra = {} }: { host?: string; extra?: Record<string, string> } = {},
): Promise<MemberResult> {
  const { report } = await runHostProgram(
    etcdRestoreProgram,
    host,
    { ...parametersFor(plan, member, action, deps), ...extra },
    { comment: `cronsnap restore ${plan.job} ${plan.runId} ${action}`, failure: `${host} (${member.name})` },
    deps,
  );
  return { host, member: member.name, reports: reportLines(report) };
}

async function restoreMemberConfig(plan: EtcdRestorePlan, member: EtcdMemberPlan, deps: EtcdStepDeps): Promise<MemberResult> {
  const key = member.configManifestKey ?? '';
  const manifest = parseManifest((await deps.store.getText(key)) ?? '', key);
  if (manifest.engine !== 'files') throw new RestoreError(`${key} is not a file set`);
  const report = await restoreFileSet(manifest, { dryRun: false, confirm: plan.job, host: member.host }, { ...deps, workDir: plan.host.workDir });
  return { host: member.host, member: member.name, reports: [{ kind: 'summary', value: report.summary }, ...report.saved.map((value) => ({ kind: 'saved', value }))] };
}

/** The members a step is about: all of them, or for a replacement the replaced one. */
function membersFor(plan: EtcdRestorePlan, step: EtcdWorkflowStep): EtcdMemberPlan[] {
  const target = plan.members.filter((member) => member.host === plan.target);
  if (step === 'membership' || step === 'rejoin') return target;
  const scope = plan.kind === 'etcd-member-replace' && step === 'config' ? target : plan.members;
  return step === 'config' ? scope.filter((member) => member.configManifestKey) : scope;
}

/** Runs `run` for every member at once; every member's failure is named. */
async function onEveryMember(step: EtcdWorkflowStep, members: readonly EtcdMemberPlan[], run: (member: EtcdMemberPlan) => Promise<MemberResult>): Promise<MemberResult[]> {
  const settled = await Promise.allSettled(members.map(run));
  const failures = settled.flatMap((outcome) => (outcome.status === 'rejected' ? [(outcome.reason as Error).message] : []));
  if (failures.length > 0) throw new RestoreError(`step ${step} failed: ${failures.join('; ')}`);
  return settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
}

/** The `value` of every report of `kind`, parsed with `schema`. */
function reportsOf<T>(results: readonly MemberResult[], kind: string, schema: z.ZodType<T>): T[] {
  return results.flatMap((result) => result.reports.filter((report) => report.kind === kind).map((report) => schema.parse(report.value)));
}

/**
 * Every member reports its moved-aside db's revision; unless every member bumped offline, one
 * member then takes the cluster past the highest of them and compacts there (etcd issue 16028).
 */
async function advanceRevision(plan: EtcdRestorePlan, deps: EtcdStepDeps): Promise<StepResult> {
  const olds = await onEveryMember('revision', plan.members, (member) => runOnMember(plan, member, 'old-revision', deps));
  const bump = planRevisionBump(reportsOf(olds, 'oldRevision', oldRevisionSchema), plan.payload.revision);
  if (bump.kind === 'offline') return { step: 'revision', members: olds };
  const [first] = plan.members;
  if (!first) throw new RestoreError('step revision failed: the plan has no members');
  const bumped = await runOnMember(plan, first, 'bump-revision', deps, { extra: { targetRevision: String(bump.target) } });
  return { step: 'revision', members: [...olds, bumped] };
}

/** Runs one member's part of a step everywhere it applies; every member's failure is named. */
export async function runEtcdRestoreStep(plan: EtcdRestorePlan, step: EtcdWorkflowStep, deps: EtcdStepDeps): Promise<StepResult> {
  if (step === 'revision') {
    // The step's own error says what it means, for the state machine's RevisionNotAdvanced too.
    return advanceRevision(plan, deps).catch((error: Error) => {
      throw new RestoreError(`etcd restore of ${plan.job}: step revision failed: ${revisionNotAdvanced(error.message)}`, { cause: error });
    });
  }
  // The membership change is made from a healthy peer, never from the member being replaced.
  const peer = plan.members.find((member) => member.host !== plan.target)?.host;
  const results = await onEveryMember(step, membersFor(plan, step), (member) => {
    if (step === 'config') return restoreMemberConfig(plan, member, deps);
    return runOnMember(plan, member, step, deps, step === 'membership' && peer ? { host: peer } : {});
  }).catch((error: Error) => {
    // Membership changes are not undone blindly; the old data dir is kept, the error says where it stopped.
    if (plan.kind === 'etcd-member-replace') throw new RestoreError(`replacing ${plan.target} in ${plan.job} failed: ${error.message}`, { cause: error });
    throw error;
  });
  if (step === 'prepare') assertOneBumpMethod(reportsOf(results, 'prepared', preparedBumpSchema));
  if (step === 'health') assertSameKeyCount(results);
  return { step, members: results };
}

/** The failed step's error as the state machine caught it: Lambda's error name and cause. */
export const caughtErrorSchema = z.object({ Error: z.string(), Cause: z.string() });
export type CaughtError = z.infer<typeof caughtErrorSchema>;

/** What a clean-up step answers: its members' reports and the whole account of the failure and the clean-up. */
export interface CleanUpResult extends StepResult {
  readonly message: string;
}

/**
 * The clean-up after a failed step: abandon (before the stop) clears what prepare left, rollback
 * (from the stop to the health check) puts every member back on its old data dir. Its own
 * failure does not fail the step: it is told, with the first, in one message.
 */
export async function cleanUpAfterFailure(plan: EtcdRestorePlan, step: 'abandon' | 'rollback', failure: CaughtError, deps: EtcdStepDeps): Promise<CleanUpResult> {
  const failed = lambdaErrorMessage(failure.Cause);
  const done = await runEtcdRestoreStep(plan, step, deps).then(
    (result) => ({ result, error: undefined }),
    (error: Error) => ({ result: { step, members: [] }, error }),
  );
  if (step === 'abandon') {
    // A prepare that is not cleaned up leaves its restore marker, which holds the job's backups on that host.
    const abandoned = done.error
      ? `; cleaning up failed too, so the members' restore markers (/var/lock/cronsnap-${plan.job}.restoring) may still hold the job's backups: ${done.error.message}`
      : '';
    return { ...done.result, message: `etcd restore of ${plan.job} failed before anything was touched: ${failed}${abandoned}` };
  }
  const rollback = done.error ? `the rollback failed too: ${done.error.message}` : 'every member was rolled back to its old data dir';
  return { ...done.result, message: `etcd restore of ${plan.job} failed: ${failed}; ${rollback}` };
}

function assertSameKeyCount(results: readonly MemberResult[]): void {
  const counts = results.map((result) => {
    const healthy = result.reports.find((report) => report.kind === 'healthy')?.value as { keys?: number } | undefined;
    return `${result.member}=${healthy?.keys ?? 'unknown'}`;
  });
  if (new Set(counts.map((count) => count.split('=')[1])).size > 1) throw new RestoreError(`step health failed: members disagree on the key count: ${counts.join(', ')}`);
}

function revisionNotAdvanced(reason: string): string {
  return `every member is restored and healthy, but the revision was not advanced past the old cluster's (${reason}); restart every kube-apiserver so that their watch caches list again`;
}
