/**
 * The CloudFormation export that holds a job's host policy ARN: one per job, so a deployment's own
 * outputs stay few (CloudFormation allows 200) whatever the number of jobs. Read it with
 * `aws cloudformation list-exports`.
 */
export function hostPolicyExportName(stackName: string, jobName: string): string {
  return `${stackName}-host-${jobName}`;
}
