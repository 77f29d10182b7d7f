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

/**
 * The etcd restores as a state machine: a member replacement runs ETCD_REPLACE_STEPS and stops
 * where one fails; the quorum-loss restore runs ETCD_WORKFLOW_STEPS: a failure before the stop
 * abandons the prepared downloads, a failure from the stop to the health check rolls every member
 * back, and a failed revision bump on the healthy restored cluster fails the execution as
 * RevisionNotAdvanced. Each step's result is kept under `$.results.<step>`, in order.
 */
export function etcdRestoreDefinition(stepFunctionArn: string, timeoutSeconds: number): AslDefinition {
  const step = (name: EtcdWorkflowStep, fields: { Next?: string; Catch: NonNullable<Parameters<typeof lambdaTask>[1]['Catch']> }): AslState =>
    lambdaTask(stepFunctionArn, { Parameters: { 'plan.$': '$.plan', step: name }, ResultPath: `$.results.${name}`, ...fields });
  const caught = (next: string) => [{ ErrorEquals: [ALL_ERRORS], ResultPath: '$.error', Next: next }];
  // A clean-up step gets the failure it follows and answers with the whole account of both.
  const cleanUp = (name: 'abandon' | 'rollback', next: string): AslState =>
    lambdaTask(stepFunctionArn, {
      Parameters: { 'plan.$': '$.plan', step: name, 'failure.$': '$.error' },
      ResultPath: '$.failure',
      Next: next,
      Catch: [{ ErrorEquals: [ALL_ERRORS], ResultPath: '$.cleanupError', Next: 'CleanupFailed' }],
    });
  const handlerOf = { abandon: 'abandon', rollback: 'rollback', report: 'RevisionNotAdvanced' } as const;

  const quorum = Object.fromEntries(
    ETCD_WORKFLOW_STEPS.map((name, at) => [name, step(name, { Next: ETCD_WORKFLOW_STEPS[at + 1] ?? 'Restored', Catch: caught(handlerOf[onStepFailure(name)]) })]),
  );
  // A replacement's steps share some names with the quorum restore's; state names must be unique.
  const replace = Object.fromEntries(
    ETCD_REPLACE_STEPS.map((name, at) => {
      const next = ETCD_REPLACE_STEPS[at + 1];
      return [`replace-${name}`, step(name, { Next: next ? `replace-${next}` : 'Replaced', Catch: caught('ReplaceFailed') })];
    }),
  );
  const fail = (error: string, causePath: string): AslState => ({ Type: 'Fail', Error: error, CausePath: causePath }) as AslState;
  return {
    StartAt: 'kind?',
    TimeoutSeconds: timeoutSeconds,
    States: {
      'kind?': { Type: 'Choice', Choices: [{ Variable: '$.plan.kind', StringEquals: 'etcd-member-replace', Next: 'Replace' }], Default: 'Start' },
      Start: { Type: 'Pass', Next: ETCD_WORKFLOW_STEPS[0] },
      ...quorum,
      Restored: { Type: 'Succeed' },
      abandon: cleanUp('abandon', 'Abandoned'),
      rollback: cleanUp('rollback', 'RolledBack'),
      Abandoned: fail(ETCD_RESTORE_FAILURES.Abandoned, '$.failure.message'),
      RolledBack: fail(ETCD_RESTORE_FAILURES.RolledBack, '$.failure.message'),
      CleanupFailed: fail(ETCD_RESTORE_FAILURES.CleanupFailed, '$.error.Cause'),
      RevisionNotAdvanced: fail(ETCD_RESTORE_FAILURES.RevisionNotAdvanced, '$.error.Cause'),
      Replace: { Type: 'Pass', Next: `replace-${ETCD_REPLACE_STEPS[0]}` },
      ...replace,
      Replaced: { Type: 'Succeed' },
      ReplaceFailed: fail(ETCD_RESTORE_FAILURES.ReplaceFailed, '$.error.Cause'),
    },
  };
}
