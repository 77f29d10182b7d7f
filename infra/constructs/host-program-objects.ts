import { Aws, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { PROGRAM_ROOT } from '../../lib/catalog/object-layout';
import { programObjects } from '../../lib/ssm/command-document';
import type { HostProgram } from '../../lib/ssm/host-program';
import { acknowledgeWildcards, nagResource } from '../nag-acknowledgements';

export interface HostProgramObjectsProps {
  /** The bucket the documents' loaders read from; the programs go under its `_cronsnap-programs/`. */
  readonly bucket: s3.IBucket;
  /** The bucket's key: the objects are SSE-KMS with it, as the bucket policy demands of every write. */
  readonly key: kms.IKey;
  /** Every program a document of the stack loads. */
  readonly programs: readonly HostProgram[];
}

/**
 * The host programs as content-addressed objects, published by a CDK bucket deployment: a version's
 * programs are added beside the earlier ones (no prune, kept when the stack goes), so a command
 * sent with an older document version, or during a deployment, still finds the program it names.
 */
export class HostProgramObjects extends Construct {
  constructor(scope: Construct, id: string, props: HostProgramObjectsProps) {
    super(scope, id);
    const deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      sources: programObjects(props.programs).map((object) => s3deploy.Source.data(object.key.slice(PROGRAM_ROOT.length + 1), object.body)),
      destinationBucket: props.bucket,
      destinationKeyPrefix: `${PROGRAM_ROOT}/`,
      prune: false,
      retainOnDelete: true,
      serverSideEncryption: s3deploy.ServerSideEncryption.AWS_KMS,
      serverSideEncryptionAwsKmsKeyId: props.key.keyArn,
    });
    // CDK grants its handler read and write on the whole destination bucket, deletes included: in
    // a backup bucket that is every backup. The handler only ever adds programs, so it is denied
    // any write outside their folder, every delete and every read of an object there.
    deployment.handlerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OnlyAddHostPrograms',
        effect: iam.Effect.DENY,
        actions: ['s3:PutObject*', 's3:DeleteObject*', 's3:Abort*'],
        notResources: [props.bucket.arnForObjects(`${PROGRAM_ROOT}/*`)],
      }),
    );
    deployment.handlerRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'NeverDelete', effect: iam.Effect.DENY, actions: ['s3:DeleteObject*'], resources: ['*'] }));
    // Nor does it read anything there (sync lists the destination, it never reads it): CDK's grant is read on the whole bucket.
    deployment.handlerRole.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'NeverReadTheBucket', effect: iam.Effect.DENY, actions: ['s3:GetObject*'], resources: [props.bucket.arnForObjects('*')] }));
    const stack = Stack.of(this);
    // CDK's singleton handler function, at the stack's root.
    const handler = stack.node.tryFindChild('Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C');
    for (const target of [deployment.handlerRole, ...(handler ? [handler] : [])]) {
      Validations.of(target).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: "CDK's bucket-deployment handler writes only its own logs through this policy.",
      });
      Validations.of(target).acknowledge({ id: 'AwsSolutions-L1', reason: "CDK's bucket-deployment handler: its runtime is CDK's choice." });
    }
    acknowledgeWildcards(
      deployment.handlerRole,
      [
        ...['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'].map((action) => `Action::${action}`),
        nagResource(this, props.bucket.arnForObjects('*')),
        nagResource(this, `arn:${Aws.PARTITION}:s3:::cdk-hnb659fds-assets-${stack.account}-${stack.region}/*`),
      ],
      "CDK's grants to its bucket-deployment handler (assets read, destination read and write); its own policy denies every delete and any write outside " +
        `${PROGRAM_ROOT}/, where it adds the host programs.`,
    );
  }
}
