import { etcdStepResults } from './etcd-restore-workflow';
import { describePointInTime } from './point-in-time-summary';
import { withPointInTime, type RestoreAnswer, type RestoreOutcome } from './restore';
import type { RestoreWorkflowOutcome } from './restore-finisher';

/** Follows a started execution to its end: its output, or the error its failure stands for. */
export type ExecutionFollower = (executionId: string, what: string) => Promise<unknown>;

/**
 * The restore function's answer followed to the end of the workflow it started, as the CLI
 * reports a restore: the etcd steps' results, or the database or file-set restore's outcome.
 */
export async function followRestore(answer: RestoreAnswer, job: string, follow: ExecutionFollower, progress: (line: string) => void): Promise<RestoreOutcome> {
  if (answer.kind === 'etcd-started') {
    const output = await follow(answer.workflow.executionId, `${job}: etcd ${answer.plan.kind}`);
    return { ...answer, workflow: { ...answer.workflow, results: etcdStepResults(output) } };
  }
  if (answer.kind !== 'started') return answer;
  if (answer.pointInTime) progress(`${job}: ${describePointInTime(answer.pointInTime)}`);
  return withPointInTime(answer, (await follow(answer.workflow.executionId, `${job}: restore on ${answer.hosts.join(', ')}`)) as RestoreWorkflowOutcome);
}
