import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Job } from '../lib/config/job-config';
import { nagResource } from './nag-acknowledgements';

/** SendCommand on exactly the instances a job targets: by ID, or by tag condition. */
export function sendCommandTargets(stack: Stack, job: Job): iam.PolicyStatement {
  const instance = (id: string) =>
    id.startsWith('mi-')
      ? stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: id })
      : stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: id });
  if (job.targets.instanceIds) {
    return new iam.PolicyStatement({ sid: sid(job), actions: ['ssm:SendCommand'], resources: job.targets.instanceIds.map(instance) });
  }
  return new iam.PolicyStatement({
    sid: sid(job),
    actions: ['ssm:SendCommand'],
    resources: [instance('*'), instance('mi-*')],
    conditions: {
      StringEquals: Object.fromEntries(Object.entries(job.targets.tags ?? {}).map(([key, values]) => [`ssm:resourceTag/${key}`, values])),
    },
  });
}

export function taggedTargetFindings(stack: Stack, jobs: readonly Job[]): string[] {
  if (!jobs.some((job) => job.targets.tags)) return [];
  return [
    nagResource(stack, stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })),
    nagResource(stack, stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: 'mi-*' })),
  ];
}

function sid(job: Job): string {
  return `SendTo${job.name.replace(/[^A-Za-z0-9]/g, '')}`;
}
