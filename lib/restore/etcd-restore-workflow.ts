import * as z from 'zod';
import { parseManifest } from '../catalog/manifest';
import { RestoreError } from '../errors';
import { lambdaErrorMessage } from '../function-error';
import { advanceHostWorkflow, commandDeadlineSeconds, hostWorkflowSchema, type CommandReport, type HostWorkflow, type WorkflowFinisher } from '../host-workflow/host-workflow';
import type { ObjectStore } from '../ports/object-store';
import { reportLines, type ReportLine } from '../ssm/report-lines';
import type { EtcdMemberPlan, EtcdRestorePlan } from './etcd-restore-plan';
import { parseRestoreReport, planFileSetRestore } from './file-set-restore';
import { etcdRestoreProgram, filesRestoreProgram, type EtcdRestoreAction } from './restore-programs';
import { assertOneBumpMethod, oldRevisionSchema, planRevisionBump, preparedBumpSchema } from './revision-bump';
import { planHostCommand, type HostProgramDeps, type PlannedCommand } from '../host-workflow/run-host-program';

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

/**
 * Each etcd command's execution timeout: no invocation waits for one, so no function's 15
 * minutes bound it; an 8 GB snapshot downloads and checks well within it.
 */
export const ETCD_COMMAND_TIMEOUT_SECONDS = 1800;

/**
 * The longest an etcd restore may take: every phase of its longest path (each step, the
 * revision's second phase, and a rollback) at its command's deadline (execution timeout,
 * delivery and the late-report margin), plus an hour. A hung step so always fails at its own
 * deadline, and is rolled back, before the execution times out, which no Catch would see.
 */
export const ETCD_RESTORE_TIMEOUT_SECONDS = (ETCD_WORKFLOW_STEPS.length + 2) * commandDeadlineSeconds({ executionTimeout: String(ETCD_COMMAND_TIMEOUT_SECONDS) }) + 3600;

/** `timeoutMs` is each host command's execution timeout (ETCD_COMMAND_TIMEOUT_SECONDS when deployed). */
export interface EtcdStepDeps extends Omit<HostProgramDeps, 'pollMs'> {
  readonly store: ObjectStore;
  readonly bucket: string;
  readonly now: () => Date;
}

const memberResultSchema = z.object({ host: z.string(), member: z.string(), reports: z.array(z.object({ kind: z.string(), value: z.unknown() })) });
export type MemberResult = { readonly host: string; readonly member: string; readonly reports: ReportLine[] };

export interface StepResult {
  readonly step: EtcdWorkflowStep;
  readonly members: MemberResult[];
}

/** The failed step's error as the state machine caught it: Lambda's error name and cause. */
export const caughtErrorSchema = z.object({ Error: z.string(), Cause: z.string() });
export type CaughtError = z.infer<typeof caughtErrorSchema>;

/** What a clean-up step answers: its members' reports and the whole account of the failure and the clean-up. */
export interface CleanUpResult extends StepResult {
  readonly message: string;
}

/**
 * A step between two of its invocations: the phase it is in (the revision step has two), the
 * members its commands stand for, what earlier phases reported, and the commands in flight as a
 * host workflow's state. Empty before the step's first invocation.
 */
const phaseProgressSchema = z
  .object({
    phase: z.number().int().min(0),
    members: z.array(z.string()),
    earlier: z.array(memberResultSchema),
    workflow: hostWorkflowSchema,
  })
  .strict();
type PhaseProgress = z.infer<typeof phaseProgressSchema>;
export const etcdStepProgressSchema = z.union([phaseProgressSchema, z.object({}).strict()]);
export type EtcdStepProgress = z.infer<typeof etcdStepProgressSchema>;

/** A step's answer to one invocation: wait and call again, or done with its result. */
export type EtcdStepAdvance =
  | { readonly done: false; readonly waitSeconds: number; readonly status: string; readonly progress: EtcdStepProgress }
  | { readonly done: true; readonly result: StepResult | CleanUpResult };

/** One phase of a step: its commands, sent together, each standing for one member. */
interface Phase {
  readonly commands: PlannedCommand[];
  readonly members: string[];
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

/** `action` about `member` on `host`: its own host, or for `membership` a healthy peer's. */
function memberCommand(plan: EtcdRestorePlan, member: EtcdMemberPlan, action: EtcdRestoreAction, deps: EtcdStepDeps, { host = member.host, extra = {} }: { host?: string; extra?: Record<string, string> } = {}): PlannedCommand {
  return planHostCommand(
    etcdRestoreProgram,
    host,
    { ...parametersFor(plan, member, action, deps), ...extra },
    { comment: `cronsnap restore ${plan.job} ${plan.runId} ${action}`, failure: `${host} (${member.name})` },
    Math.ceil(deps.timeoutMs / 1000),
  );
}

/** The members a step is about: all of them, or for a replacement the replaced one. */
function membersFor(plan: EtcdRestorePlan, step: EtcdWorkflowStep): EtcdMemberPlan[] {
  const target = plan.members.filter((member) => member.host === plan.target);
  if (step === 'membership' || step === 'rejoin') return target;
  const scope = plan.kind === 'etcd-member-replace' && step === 'config' ? target : plan.members;
  return step === 'config' ? scope.filter((member) => member.configManifestKey) : scope;
}

/** A member's config set from the same run, restored over its files before its data. */
async function configCommand(plan: EtcdRestorePlan, member: EtcdMemberPlan, deps: EtcdStepDeps): Promise<PlannedCommand> {
  const key = member.configManifestKey ?? '';
  const manifest = parseManifest((await deps.store.getText(key)) ?? '', key);
  if (manifest.engine !== 'files') throw new RestoreError(`${key} is not a file set`);
  return planFileSetRestore(manifest, { dryRun: false, confirm: plan.job, host: member.host }, { bucket: deps.bucket, now: deps.now, workDir: plan.host.workDir }, Math.ceil(deps.timeoutMs / 1000));
}

/** The commands a step starts with, one per member it concerns. */
async function firstPhase(plan: EtcdRestorePlan, step: EtcdWorkflowStep, deps: EtcdStepDeps): Promise<Phase> {
  const members = membersFor(plan, step);
  if (step === 'config') return { commands: await Promise.all(members.map((member) => configCommand(plan, member, deps))), members: members.map((member) => member.name) };
  // The membership change is made from a healthy peer, never from the member being replaced.
  const peer = plan.members.find((member) => member.host !== plan.target)?.host;
  const action: EtcdRestoreAction = step === 'revision' ? 'old-revision' : step;
  return {
    commands: members.map((member) => memberCommand(plan, member, action, deps, step === 'membership' && peer ? { host: peer } : {})),
    members: members.map((member) => member.name),
  };
}

/** The `value` of every report of `kind`, parsed with `schema`. */
function reportsOf<T>(results: readonly MemberResult[], kind: string, schema: z.ZodType<T>): T[] {
  return results.flatMap((result) => result.reports.filter((report) => report.kind === kind).map((report) => schema.parse(report.value)));
}

function memberResults(step: EtcdWorkflowStep, members: readonly string[], reports: readonly CommandReport[]): MemberResult[] {
  return reports.map((report, at) => {
    const member = members[at] ?? report.host;
    if (step !== 'config') return { host: report.host, member, reports: reportLines(report.report) };
    const restored = parseRestoreReport(report.report);
    return { host: report.host, member, reports: [{ kind: 'summary', value: restored.summary }, ...restored.saved.map((value) => ({ kind: 'saved', value }))] };
  });
}

/**
 * What a finished phase makes: the step's result, or the revision's second phase. Every member
 * reports its moved-aside db's revision; unless every member bumped offline, one member then
 * takes the cluster past the highest of them and compacts there (etcd issue 16028).
 */
function judgePhase(plan: EtcdRestorePlan, step: EtcdWorkflowStep, phase: number, results: MemberResult[], deps: EtcdStepDeps): { result: StepResult } | { next: Phase } {
  if (step === 'prepare') assertOneBumpMethod(reportsOf(results, 'prepared', preparedBumpSchema));
  if (step === 'health') assertSameKeyCount(results);
  if (step === 'revision' && phase === 0) {
    const bump = planRevisionBump(reportsOf(results, 'oldRevision', oldRevisionSchema), plan.payload.revision);
    const [first] = plan.members;
    if (bump.kind !== 'offline') {
      if (!first) throw new RestoreError('the plan has no members');
      return { next: { commands: [memberCommand(plan, first, 'bump-revision', deps, { extra: { targetRevision: String(bump.target) } })], members: [first.name] } };
    }
  }
  return { result: { step, members: results } };
}

/** A step's failure, in the words the state machine's Fail state passes on. */
function stepFailure(plan: EtcdRestorePlan, step: EtcdWorkflowStep, error: Error): RestoreError {
  if (step === 'revision') return new RestoreError(`etcd restore of ${plan.job}: step revision failed: ${revisionNotAdvanced(error.message)}`, { cause: error });
  const failed = error.message.startsWith(`step ${step} failed: `) ? error.message : `step ${step} failed: ${error.message}`;
  // Membership changes are not undone blindly; the old data dir is kept, the error says where it stopped.
  if (plan.kind === 'etcd-member-replace') return new RestoreError(`replacing ${plan.target} in ${plan.job} failed: ${failed}`, { cause: error });
  return new RestoreError(failed, { cause: error });
}

/**
 * The account a clean-up step gives: abandon (before the stop) clears what prepare left, rollback
 * (from the stop to the health check) puts every member back on its old data dir. Its own failure
 * does not fail the step: it is told, with the first, in one message.
 */
function cleanUpMessage(plan: EtcdRestorePlan, step: 'abandon' | 'rollback', failure: CaughtError, cleanupError?: Error): string {
  const failed = lambdaErrorMessage(failure.Cause);
  if (step === 'abandon') {
    // A prepare that is not cleaned up leaves its restore marker, which holds the job's backups on that host.
    const abandoned = cleanupError
      ? `; cleaning up failed too, so the members' restore markers (/var/lock/cronsnap-${plan.job}.restoring) may still hold the job's backups: step abandon failed: ${cleanupError.message}`
      : '';
    return `etcd restore of ${plan.job} failed before anything was touched: ${failed}${abandoned}`;
  }
  const rollback = cleanupError ? `the rollback failed too: step rollback failed: ${cleanupError.message}` : 'every member was rolled back to its old data dir';
  return `etcd restore of ${plan.job} failed: ${failed}; ${rollback}`;
}

type PhaseOutcome = { result: StepResult | CleanUpResult } | { next: Phase; earlier: MemberResult[] };

/** The host workflow finisher of one phase: its reports judged, a host's failure turned into the step's. */
function phaseFinisher(plan: EtcdRestorePlan, step: EtcdWorkflowStep, phase: number, members: readonly string[], earlier: MemberResult[], failure: CaughtError | undefined, deps: EtcdStepDeps): WorkflowFinisher {
  const cleanUp = step === 'abandon' || step === 'rollback' ? step : undefined;
  return {
    programs: [etcdRestoreProgram, filesRestoreProgram],
    async finish(_state, reports): Promise<PhaseOutcome> {
      const results = [...earlier, ...memberResults(step, members, reports)];
      if (cleanUp && failure) return { result: { step, members: results, message: cleanUpMessage(plan, cleanUp, failure) } };
      try {
        const judged = judgePhase(plan, step, phase, memberResults(step, members, reports), deps);
        return 'next' in judged ? { next: judged.next, earlier: results } : { result: { step, members: [...earlier, ...judged.result.members] } };
      } catch (error) {
        throw stepFailure(plan, step, error as Error);
      }
    },
    async failed(_state, error): Promise<PhaseOutcome> {
      if (cleanUp && failure) return { result: { step, members: earlier, message: cleanUpMessage(plan, cleanUp, failure, error) } };
      throw stepFailure(plan, step, error);
    },
  };
}

/** A phase's commands as a host workflow's state, ready to send. */
function startPhase(plan: EtcdRestorePlan, step: EtcdWorkflowStep, phase: number, next: Phase, earlier: MemberResult[]): PhaseProgress {
  return {
    phase,
    members: next.members,
    earlier,
    workflow: hostWorkflowSchema.parse({ operation: { kind: 'etcd-step', job: plan.job, runId: plan.runId, step }, commands: next.commands }),
  };
}

/** Seconds between a phase's planning and its sending: the plan is in the execution's state first. */
const PLANNED_WAIT_SECONDS = 1;

/**
 * One invocation of a step, short whatever the hosts take. The first plans the step's commands
 * and answers with them, sending nothing: the execution's state holds them (and their report
 * keys) before any is sent, so a retried send finds what it already sent. The next sends them to
 * every member the step concerns; each later one looks once and says how long to wait, until
 * every member has finished and the step has its result (or its failure, thrown). The revision
 * step's second phase is planned and sent the same way.
 */
export async function advanceEtcdRestoreStep(
  plan: EtcdRestorePlan,
  step: EtcdWorkflowStep,
  progress: EtcdStepProgress,
  deps: EtcdStepDeps,
  failure?: CaughtError,
): Promise<EtcdStepAdvance> {
  if (!('workflow' in progress)) {
    const first = await firstPhase(plan, step, deps).catch((error: Error) => {
      throw stepFailure(plan, step, error);
    });
    if (first.commands.length === 0) {
      const result = { step, members: [] };
      return { done: true, result: failure && (step === 'abandon' || step === 'rollback') ? { ...result, message: cleanUpMessage(plan, step, failure) } : result };
    }
    return planned(startPhase(plan, step, 0, first, []));
  }
  const { phase, members, earlier } = progress;
  const next: HostWorkflow = await advanceHostWorkflow(progress.workflow, deps, phaseFinisher(plan, step, phase, members, earlier, failure, deps));
  if (!next.done) return { done: false, waitSeconds: next.waitSeconds, status: next.status, progress: { phase, members, earlier, workflow: next } };
  const outcome = next.outcome as PhaseOutcome;
  if ('result' in outcome) return { done: true, result: outcome.result };
  return planned(startPhase(plan, step, phase + 1, outcome.next, outcome.earlier));
}

function planned(progress: PhaseProgress): EtcdStepAdvance {
  return { done: false, waitSeconds: PLANNED_WAIT_SECONDS, status: `planned on ${progress.members.join(', ')}`, progress };
}

/** The results of an etcd restore execution's output, in the order its steps ran. */
export function etcdStepResults(output: unknown): StepResult[] {
  const steps = (output as { steps?: Record<string, { result?: StepResult }> } | null)?.steps ?? {};
  return Object.values(steps).flatMap((step) => (step.result ? [step.result] : []));
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
