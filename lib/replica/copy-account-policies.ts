import type { ReplicaSettings } from '../config/storage-settings';
import { ConfigError } from '../errors';
import { REPORT_ROOT } from '../catalog/object-layout';
import { replicationRoleName } from './replica-target';

type Statement = Record<string, unknown>;

/** What the owner of a copy in another account applies: the bucket's policy and statements for the key's policy. */
export interface CopyAccountPolicies {
  readonly bucket: string;
  readonly bucketPolicy: { readonly Version: '2012-10-17'; readonly Statement: readonly Statement[] };
  readonly kmsKeyArn: string;
  readonly keyPolicyStatements: readonly Statement[];
}

export interface CopyAccountPolicyRequest {
  readonly replica: ReplicaSettings;
  /** The account the backups (and the CronsnapReplica stack's restore side) live in. */
  readonly sourceAccount: string;
  /** The main stack's name and region, which name the replication role. */
  readonly stackName: string;
  readonly sourceRegion: string;
  /** @default 'aws' */
  readonly partition?: string;
}

/**
 * The grants a copy in another account needs: the replication role may add versions and delete
 * markers (never delete a version), and the source account's principals, as its own IAM allows
 * them (the copy's restore functions and hosts), may read the copy and write host reports.
 */
export function copyAccountPolicies(request: CopyAccountPolicyRequest): CopyAccountPolicies {
  const { replica, sourceAccount, partition = 'aws' } = request;
  if (replica.account === undefined || replica.bucketName === undefined || replica.kmsKeyArn === undefined) {
    throw new ConfigError('storage.replica.account: the copy is in this account; the CronsnapReplica stack creates it and grants its own access');
  }
  if (!/^\d{12}$/.test(sourceAccount)) throw new ConfigError(`--source-account: ${sourceAccount} is not a 12-digit AWS account id`);
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(request.sourceRegion)) throw new ConfigError(`--source-region: ${request.sourceRegion} is not an AWS region such as eu-central-1`);
  const bucketArn = `arn:${partition}:s3:::${replica.bucketName}`;
  const replication = { AWS: `arn:${partition}:iam::${sourceAccount}:role/${replicationRoleName(request.stackName, request.sourceRegion)}` };
  const sourceAccountRoot = { AWS: `arn:${partition}:iam::${sourceAccount}:root` };
  const viaS3 = { StringEquals: { 'kms:ViaService': `s3.${replica.region}.amazonaws.com` } };
  return {
    bucket: replica.bucketName,
    bucketPolicy: {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'CronsnapReplicateIntoCopy', Effect: 'Allow', Principal: replication, Action: ['s3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags', 's3:ObjectOwnerOverrideToBucketOwner'], Resource: `${bucketArn}/*` },
        { Sid: 'CronsnapReplicationChecksCopy', Effect: 'Allow', Principal: replication, Action: ['s3:GetBucketVersioning', 's3:ListBucket'], Resource: bucketArn },
        { Sid: 'CronsnapRestoresReadCopy', Effect: 'Allow', Principal: sourceAccountRoot, Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `${bucketArn}/*` },
        { Sid: 'CronsnapRestoresListCopy', Effect: 'Allow', Principal: sourceAccountRoot, Action: 's3:ListBucket', Resource: bucketArn },
        { Sid: 'CronsnapRestoreHostsReport', Effect: 'Allow', Principal: sourceAccountRoot, Action: 's3:PutObject', Resource: `${bucketArn}/${REPORT_ROOT}/*` },
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Resource: [bucketArn, `${bucketArn}/*`],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
    kmsKeyArn: replica.kmsKeyArn,
    keyPolicyStatements: [
      { Sid: 'CronsnapReplicationEncryptsCopies', Effect: 'Allow', Principal: replication, Action: ['kms:Encrypt', 'kms:GenerateDataKey'], Resource: '*', Condition: viaS3 },
      { Sid: 'CronsnapRestoresDecryptCopies', Effect: 'Allow', Principal: sourceAccountRoot, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*', Condition: viaS3 },
    ],
  };
}
