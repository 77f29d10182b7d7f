import type { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { DRILL_ROOT, keepMarkersPrefix, PROGRAM_ROOT } from '../lib/catalog/object-layout';
import { REPORT_ROOT } from '../lib/catalog/object-layout';
import { nagResource } from './nag-acknowledgements';

/*
 * What the shared functions may touch, written once for the whole fleet. A statement per job (its
 * prefix, its instances) passed IAM's 10,240 characters of inline policy per role at 13 jobs, so
 * every grant here is a pattern whose length does not depend on the number of jobs. Which job a
 * function acts on is the config's, packaged with it; what a host can reach is its job's host policy.
 */

/**
 * Every job's objects by the object layout, never the reserved roots beside the jobs. This holds
 * while no key beside the jobs has a `<yyyy>/<mm>/<dd>` shape of folders or a `binlogs` or `wal`
 * folder (and no job takes those names): iam-evaluation.test.ts tries every key the layout makes. Runs
 * (`<job>/<yyyy>/<mm>/<dd>/<runId>/...`), shipped binary logs and WAL with their shipping runs.
 */
export function jobObjects(bucket: s3.IBucket): string[] {
  return ['*/????/??/??/*', '*/binlogs/*', '*/wal/*'].map((pattern) => bucket.arnForObjects(pattern));
}

/** Every job's hosts' reports (`_cronsnap/reports/<job>/...`), which the functions that send commands read whole. */
export function hostReports(bucket: s3.IBucket): string {
  return bucket.arnForObjects(`${REPORT_ROOT}/*`);
}

/** Every job's keep markers (`_cronsnap-marks/keeps/<job>/...`). */
export function keepMarkers(bucket: s3.IBucket): string {
  return bucket.arnForObjects(`${keepMarkersPrefix('*')}*`);
}

/**
 * ListBucket of job folders (and their log folders) and of the marker folders under `_cronsnap/`
 * and `_cronsnap-marks/`; never of the bucket's root, the drill results or the host programs.
 */
export function listJobFolders(bucket: s3.IBucket): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['s3:ListBucket'],
    resources: [bucket.bucketArn],
    conditions: {
      StringLike: { 's3:prefix': ['*/', '*/binlogs/*', '*/wal/*'] },
      StringNotLike: { 's3:prefix': [`${DRILL_ROOT}/*`, `${PROGRAM_ROOT}/*`] },
    },
  });
}

function instanceArns(stack: Stack): string[] {
  return [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' }), stack.formatArn({ service: 'ssm', resource: 'managed-instance', resourceName: '*' })];
}

/**
 * SendCommand to the fleet's managed nodes (EC2 instances and hybrid `mi-` nodes of this account
 * and region); the documents it may send are a separate statement, cronsnap's own.
 */
export function sendToFleet(stack: Stack): iam.PolicyStatement {
  return new iam.PolicyStatement({ sid: 'SendToFleet', actions: ['ssm:SendCommand'], resources: instanceArns(stack) });
}

/** The cdk-nag findings of the patterns above, for one acknowledgement per function. */
export function fleetGrantFindings(stack: Stack, bucket: s3.IBucket): string[] {
  return [...jobObjects(bucket), ...instanceArns(stack)].map((arn) => nagResource(stack, arn));
}
