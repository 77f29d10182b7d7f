import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Job } from '../../lib/config/job-config';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';
import { CronsnapFunction } from './cronsnap-function';

export interface RestoreFunctionsProps {
  /** The jobs whose backups operators may list and restore. */
  readonly jobs: readonly Job[];
  /** The backup bucket. */
  readonly bucket: s3.IBucket;
  /** The key the backups are encrypted with. */
  readonly key: kms.IKey;
  /** The environment every cronsnap function gets (bucket, key, topic, document prefix). */
  readonly environment: Readonly<Record<string, string>>;
  /** The validated config as a JSON file, bundled with the functions. */
  readonly configFile: string;
  /** Where failed asynchronous invocations go. */
  readonly deadLetterQueue: sqs.IQueue;
}

/** The functions operators invoke by hand: list-backups (read only). */
export class RestoreFunctions extends Construct {
  public readonly listBackups: CronsnapFunction;

  constructor(scope: Construct, id: string, props: RestoreFunctionsProps) {
    super(scope, id);
    this.listBackups = new CronsnapFunction(this, 'ListBackups', {
      name: 'list-backups',
      environment: props.environment,
      deadLetterQueue: props.deadLetterQueue,
      extraFiles: [{ source: props.configFile, target: 'cronsnap.config.json' }],
      timeout: Duration.minutes(2),
    });
    const list = this.listBackups.function;
    const jobObjects = props.jobs.map((job) => props.bucket.arnForObjects(`${job.name}/*`));
    list.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringEquals: { 's3:prefix': props.jobs.map((job) => `${job.name}/`) } },
      }),
    );
    // GetObject also answers HeadObject, which checks each payload is stored at its promised size.
    list.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: jobObjects }));
    props.key.grant(list, 'kms:Decrypt');
    acknowledgeWildcards(
      list,
      ['Resource::*', ...jobObjects.map((arn) => nagResource(this, arn))],
      'X-Ray has no resource-level permissions; reads are limited to the configured jobs\' prefixes (manifests and the heads of their payloads).',
    );
  }
}
