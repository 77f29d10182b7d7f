import { ALL_ERRORS, lambdaTask, type AslDefinition } from './asl';

/**
 * A host program followed to its end, however long it runs: step, then the Choice (done?), then
 * a Wait of the state's own waitSeconds, and the step again. The step gets the whole state as its
 * event; no invocation waits for a host, so no function's 15 minutes limit a restore or a drill.
 * A failed step fails the execution with its own error name (RestoreRefusedError, RestoreError)
 * and Lambda's cause (the message).
 */
export function hostWorkflowDefinition(stepFunctionArn: string, timeoutSeconds: number): AslDefinition {
  return {
    StartAt: 'step',
    TimeoutSeconds: timeoutSeconds,
    States: {
      step: lambdaTask(stepFunctionArn, { Next: 'done?', Catch: [{ ErrorEquals: [ALL_ERRORS], ResultPath: '$.error', Next: 'Failed' }] }),
      'done?': { Type: 'Choice', Choices: [{ Variable: '$.done', BooleanEquals: true, Next: 'Finished' }], Default: 'wait' },
      wait: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'step' },
      Finished: { Type: 'Succeed', OutputPath: '$.outcome' },
      Failed: { Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' },
    },
  };
}
