import { ETCD_REPLACE_STEPS, ETCD_WORKFLOW_STEPS, onStepFailure, type EtcdWorkflowStep } from '../restore/etcd-restore-workflow';
import { ALL_ERRORS, lambdaTask, type AslDefinition, type AslState } from './asl';

/**
 * What each way an etcd restore execution fails is called: its Fail state's Error. Abandoned and
 * rolled-back restores carry the clean-up step's whole account as Cause; the others the failed
 * step's Lambda error.
 */
export const ETCD_RESTORE_FAILURES = {
  Abandoned: 'RestoreFailed',
  RolledBack: 'RestoreRolledBack',
  CleanupFailed: 'RestoreCleanupFailed',
  RevisionNotAdvanced: 'RevisionNotAdvanced',
  ReplaceFailed: 'ReplaceFailed',
} as const;

type Catcher = { ErrorEquals: string[]; ResultPath: string; Next: string };

/**
 * One step followed to its end, however long its hosts take: the Task (`<state>`) sends the
 * step's commands or looks at them once, the Choice (`<state>-done`) moves on when the step is
 * done, the Wait (`<state>-wait`) waits the seconds the step asked for. Each step keeps its
 * progress and, when done, its result under `$.steps.<step>`.
 */
function polledStep(stepFunctionArn: string, state: string, step: EtcdWorkflowStep, next: string, fields: { Catch: Catcher[]; Parameters?: Record<string, string> }): Record<string, AslState> {
  return {
    [state]: lambdaTask(stepFunctionArn, {
      Parameters: { 'plan.$': '$.plan', step, 'progress.$': `$.steps.${step}.progress`, ...fields.Parameters },
      ResultPath: `$.steps.${step}`,
      Next: `${state}-done`,
      Catch: fields.Catch,
    }),
    [`${state}-done`]: { Type: 'Choice', Choices: [{ Variable: `$.steps.${step}.done`, BooleanEquals: true, Next: next }], Default: `${state}-wait` },
    [`${state}-wait`]: { Type: 'Wait', SecondsPath: `$.steps.${step}.waitSeconds`, Next: state },
  };
}

/** Where every step of a branch starts: no progress yet (a path to a missing field fails a Task). */
function noProgress(steps: readonly EtcdWorkflowStep[], next: string): AslState {
  return { Type: 'Pass', Result: Object.fromEntries(steps.map((step) => [step, { progress: {} }])), ResultPath: '$.steps', Next: next } as AslState;
}

/**
 * The etcd restores as a state machine: a member replacement runs ETCD_REPLACE_STEPS and stops
 * where one fails; the quorum-loss restore runs ETCD_WORKFLOW_STEPS: a failure before the stop
 * abandons the prepared downloads, a failure from the stop to the health check rolls every member
 * back, and a failed revision bump on the healthy restored cluster fails the execution as
 * RevisionNotAdvanced. No invocation waits for a host.
 */
export function etcdRestoreDefinition(stepFunctionArn: string, timeoutSeconds: number): AslDefinition {
  const caught = (next: string): Catcher[] => [{ ErrorEquals: [ALL_ERRORS], ResultPath: '$.error', Next: next }];
  const handlerOf = { abandon: 'abandon', rollback: 'rollback', report: 'RevisionNotAdvanced' } as const;
  const quorum = ETCD_WORKFLOW_STEPS.map((step, at) => polledStep(stepFunctionArn, step, step, ETCD_WORKFLOW_STEPS[at + 1] ?? 'Restored', { Catch: caught(handlerOf[onStepFailure(step)]) }));
  // A clean-up step gets the failure it follows and answers with the whole account of both.
  const cleanUp = (step: 'abandon' | 'rollback', next: string) =>
    polledStep(stepFunctionArn, step, step, next, { Parameters: { 'failure.$': '$.error' }, Catch: [{ ErrorEquals: [ALL_ERRORS], ResultPath: '$.cleanupError', Next: 'CleanupFailed-causes' }] });
  // A replacement's steps share some names with the quorum restore's; state names must be unique.
  const replace = ETCD_REPLACE_STEPS.map((step, at) => {
    const next = ETCD_REPLACE_STEPS[at + 1];
    return polledStep(stepFunctionArn, `replace-${step}`, step, next ? `replace-${next}` : 'Replaced', { Catch: caught('ReplaceFailed') });
  });
  const fail = (error: string, causePath: string): AslState => ({ Type: 'Fail', Error: error, CausePath: causePath }) as AslState;
  return {
    StartAt: 'kind?',
    TimeoutSeconds: timeoutSeconds,
    States: {
      'kind?': { Type: 'Choice', Choices: [{ Variable: '$.plan.kind', StringEquals: 'etcd-member-replace', Next: 'Replace' }], Default: 'Start' },
      Start: noProgress([...ETCD_WORKFLOW_STEPS, 'abandon', 'rollback'], ETCD_WORKFLOW_STEPS[0]),
      ...Object.assign({}, ...quorum),
      Restored: { Type: 'Succeed' },
      ...cleanUp('abandon', 'Abandoned'),
      ...cleanUp('rollback', 'RolledBack'),
      Abandoned: fail(ETCD_RESTORE_FAILURES.Abandoned, '$.steps.abandon.result.message'),
      RolledBack: fail(ETCD_RESTORE_FAILURES.RolledBack, '$.steps.rollback.result.message'),
      // Both causes, the step's and its clean-up's, one per line (a Lambda cause is JSON, one line): a Fail state takes one string.
      'CleanupFailed-causes': {
        Type: 'Pass',
        Parameters: { 'causes.$': "States.Format('{}\n{}', $.error.Cause, $.cleanupError.Cause)" },
        ResultPath: '$.cleanupFailure',
        Next: 'CleanupFailed',
      } as AslState,
      CleanupFailed: fail(ETCD_RESTORE_FAILURES.CleanupFailed, '$.cleanupFailure.causes'),
      RevisionNotAdvanced: fail(ETCD_RESTORE_FAILURES.RevisionNotAdvanced, '$.error.Cause'),
      Replace: noProgress(ETCD_REPLACE_STEPS, `replace-${ETCD_REPLACE_STEPS[0]}`),
      ...Object.assign({}, ...replace),
      Replaced: { Type: 'Succeed' },
      ReplaceFailed: fail(ETCD_RESTORE_FAILURES.ReplaceFailed, '$.error.Cause'),
    },
  };
}
