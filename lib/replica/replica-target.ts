import type { ReplicaSettings } from '../config/storage-settings';
import { ConfigError } from '../errors';

/** The copy's stack is the main stack's name with this suffix: `Cronsnap` and `CronsnapReplica`. */
export const REPLICA_STACK_SUFFIX = 'Replica';

/** Where the copy is: names the source stack can use without a reference into the other region's stack. */
interface ReplicaPlace {
  readonly region: string;
  readonly account: string;
  readonly bucketName: string;
}

/**
 * The copy in this account, whose bucket and key the replica stack creates, or another account's
 * bucket, encrypted with that account's key.
 */
export type ReplicaTarget = ReplicaPlace & ({ readonly crossAccount: false } | { readonly crossAccount: true; readonly kmsKeyArn: string });

/** S3's longest bucket name. */
const MAX_BUCKET_NAME_LENGTH = 63;

/**
 * The copy bucket's default name, `<bucketPrefix>-<account>-<region>` (the prefix is the
 * deployment's, lib/deployment/deployment-names.ts), refused when S3 would refuse it: too long
 * for a long stack name, or starting as S3 keeps for itself. Its length is judged with a 12-digit
 * account, which `account` may still be a token for.
 */
function defaultBucketName(bucketPrefix: string, account: string, region: string): string {
  const length = bucketPrefix.length + 1 + 12 + 1 + region.length;
  const fix = 'name the copy bucket in storage.replica.bucketName, or give a shorter cronsnap:stackName';
  if (length > MAX_BUCKET_NAME_LENGTH) {
    throw new ConfigError(`storage.replica.bucketName: the default ${bucketPrefix}-<account>-${region} is ${length} characters, over S3's ${MAX_BUCKET_NAME_LENGTH}: ${fix}`);
  }
  if (/^(xn--|sthree-)/.test(bucketPrefix)) throw new ConfigError(`storage.replica.bucketName: the default ${bucketPrefix}-<account>-${region} starts as S3 keeps for itself: ${fix}`);
  return `${bucketPrefix}-${account}-${region}`;
}

/**
 * The copy of a source stack in `sourceAccount` (a CloudFormation token is fine): one in the
 * same account gets a deterministic bucket name, `<bucketPrefix>-<account>-<region>`, so both
 * stacks compute it on their own.
 */
export function replicaTarget(replica: ReplicaSettings, sourceAccount: string, bucketPrefix: string): ReplicaTarget {
  const account = replica.account ?? sourceAccount;
  const place = { region: replica.region, account, bucketName: replica.bucketName ?? defaultBucketName(bucketPrefix, account, replica.region) };
  if (replica.account === undefined) return { ...place, crossAccount: false };
  // The config schema asks for the key with the account; this only narrows the type.
  if (replica.kmsKeyArn === undefined) throw new ConfigError(`storage.replica.kmsKeyArn: a copy in account ${replica.account} needs that account's key`);
  return { ...place, crossAccount: true, kmsKeyArn: replica.kmsKeyArn };
}

/** How long an object may stay PENDING before the report calls it late: the time control's 15 minutes, else a day. */
export function replicationWindowSeconds(replica: ReplicaSettings): number {
  return replica.replicationTimeControl ? 15 * 60 : 24 * 3600;
}

/**
 * The replication role's fixed name, so another account's bucket and key policies can name it;
 * with the region, since role names are unique across the whole account.
 */
export function replicationRoleName(stackName: string, sourceRegion: string): string {
  return `${stackName}-replication-${sourceRegion}`;
}
