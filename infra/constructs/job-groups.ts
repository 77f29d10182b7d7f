import { CfnParameter, NestedStack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { jobGroupOf, jobGroupStackId } from '../../lib/config/job-group';

/** Where a construct puts one job's own resources. */
export type JobScope = (jobName: string) => Construct;

/**
 * Where each job's own resources live (its schedules, alarms and host policy): one of 16 nested
 * stacks, `JobGroup<0-F>`, chosen by the job's name alone. A stack holds at most 500 resources
 * and a job has about six, so one stack of every job stops near 80 jobs; spread over 16 groups a
 * fleet of 500 puts about 190 resources in each, and adding or removing a job changes its own
 * group's stack and nothing else. A group without jobs is never created.
 */
export class JobGroups extends Construct {
  private readonly groups = new Map<string, NestedStack>();
  private readonly concerns = new Map<string, Construct>();
  private readonly buckets = new Map<string, s3.IBucket>();

  /**
   * The scope for `jobName`'s resources of one concern (`Drills`, `Compliance`...), in the job's
   * group stack; without a concern, the group stack itself.
   */
  scopeOf(jobName: string, concern?: string): Construct {
    const group = jobGroupOf(jobName);
    const stack = this.groupStack(jobName);
    if (!concern) return stack;
    const key = `${group}/${concern}`;
    let scope = this.concerns.get(key);
    if (!scope) {
      scope = new Construct(stack, concern);
      this.concerns.set(key, scope);
    }
    return scope;
  }

  /**
   * `bucket` as `jobName`'s group stack sees it: through a parameter of its own, `BackupBucketArn`,
   * so the host policies' resources read `<BackupBucketArn>/<job>/*` at synth, as their cdk-nag
   * acknowledgements name them (a reference CDK passes on its own gets a name of CDK's making).
   */
  bucketFor(jobName: string, bucket: s3.IBucket): s3.IBucket {
    const group = jobGroupOf(jobName);
    let seen = this.buckets.get(group);
    if (!seen) {
      const stack = this.groupStack(jobName);
      const arn = new CfnParameter(stack, 'BackupBucketArn', { type: 'String', description: 'The backup bucket' });
      stack.setParameter(arn.logicalId, bucket.bucketArn);
      seen = s3.Bucket.fromBucketArn(stack, 'BackupBucket', arn.valueAsString);
      this.buckets.set(group, seen);
    }
    return seen;
  }

  private groupStack(jobName: string): NestedStack {
    const group = jobGroupOf(jobName);
    let stack = this.groups.get(group);
    if (!stack) {
      stack = new NestedStack(this, jobGroupStackId(jobName), { description: `cronsnap: the schedules, alarms and host policies of the jobs of group ${group}` });
      this.groups.set(group, stack);
    }
    return stack;
  }
}

/** Each job's resources of `concern` in its group, or, without groups, in `fallback` itself. */
export function jobScopeIn(groups: JobGroups | undefined, concern: string, fallback: Construct): JobScope {
  return (jobName) => groups?.scopeOf(jobName, concern) ?? fallback;
}
